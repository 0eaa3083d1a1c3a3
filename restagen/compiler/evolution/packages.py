"""Comparison of package-wide settings that change how every value of a package is read.

`unknown_fields: reject` makes a package's codecs and events refuse fields their types do not
declare. Values written by the other version may carry such fields (an old caller still sending
a field since removed, a new writer's new field), so turning it on is breaking wherever the package
reads values: handlers, state, sagas or events. Turning it off only makes readers more lenient.
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.evolution.collect import Findings
from restagen.compiler.evolution.located import Loc

__all__ = ["compare_packages"]


def compare_packages(found: Findings) -> None:
    before = {p.name: p for p in found.old.program.packages}
    for package in found.new.program.packages:
        old = before.get(package.name)
        if old is None or _rejects(old) == _rejects(package):
            continue
        loc = Loc(package.name, ("unknown_fields",))
        if not _rejects(package):
            found.add("compatible", loc, package.name, "unknown_fields reject -> ignore")
        elif _reads_values(package):
            why = (
                "unknown_fields ignore -> reject: requests, state, saga data and events written by "
                "the other version are refused if they carry a field this one does not declare"
            )
            found.add("unknown-fields-rejected", loc, package.name, why)
        else:
            found.add(
                "compatible", loc, package.name, "unknown_fields ignore -> reject: nothing here reads values"
            )


def _rejects(package: ir.Package) -> bool:
    return package.unknown_fields == "reject"


def _reads_values(package: ir.Package) -> bool:
    return bool(package.components or package.sagas or package.events)
