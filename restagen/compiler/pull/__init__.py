"""`restagen pull`: Restate services of any language, read from the admin API and written as
definition files, so that `restagen generate` gives typed clients for them.

`admin` reads the API, `document` writes one file per service, `jsonschema` reads the handlers'
schemas as the language's types and `options` their Restate options. The output depends on
nothing but what the server describes, in a fixed order: pulling an unchanged server again
leaves every file as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from restagen.compiler.pull.admin import AdminError, read_services
from restagen.compiler.pull.document import service_file
from restagen.compiler.resolve.binder import PACKAGE
from restagen.compiler.resolve.names import TAKEN_TOP_LEVEL
from restagen.diagnostics import Diagnostic

__all__ = ["AdminError", "PullResult", "package_problem", "pull"]


@dataclass
class PullResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def package_problem(package: str) -> str | None:
    """What is wrong with `package` as the prefix of the pulled packages, or None."""
    if not PACKAGE.match(package):
        return f"'{package}' is not a dotted Python package name (lowercase words separated by dots)"
    if package.split(".")[0] in TAKEN_TOP_LEVEL:
        return (
            f"'{package}' cannot be imported: '{package.split('.')[0]}' is a module of Python or of restagen"
        )
    return None


def pull(
    admin_url: str,
    out: Path,
    services: list[str],
    package: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> PullResult:
    """Write a definition file per service of the admin API at `admin_url` into `out`; raises
    `AdminError` when the API cannot be read. `transport` is httpx's (tests answer from records)."""
    described = read_services(admin_url, services, transport=transport)
    result = PullResult()
    names: set[str] = set()
    for service in described:
        source = f"{admin_url.rstrip('/')}/services/{service.get('name')}"
        pulled = service_file(service, package, source)
        result.diagnostics.extend(pulled.diagnostics)
        if pulled.text is None:
            continue
        name, number = pulled.name, 1
        while name in names:  # `Orders` and `orders` share a snake_case name
            number += 1
            name = pulled.name.replace(".restagen.yaml", f"_{number}.restagen.yaml")
        names.add(name)
        path = out / name
        text = pulled.text if number == 1 else _renamed_package(pulled.text, number)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            result.unchanged.append(path)
        else:
            _write(path, text)
            result.written.append(path)
    return result


def _renamed_package(text: str, number: int) -> str:
    head, _, rest = text.partition("\npackage: ")
    package, _, tail = rest.partition("\n")
    return f"{head}\npackage: {package}_{number}\n{tail}"


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
