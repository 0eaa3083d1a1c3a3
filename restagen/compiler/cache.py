"""Regeneration without rework: a package whose inputs did not change keeps its generated files.

Each run writes a manifest (`.restagen.json`) into the output folder: per package, a digest of
everything its files depend on (its IR and that of the packages it imports, the deployment
settings, the versions of restagen, datamodel-code-generator and ruff, the templates) and the hash of each file it owns.
On the next run a package is reused, not rendered, when its digest is the same and each of its
owned files is still on disk with the recorded hash, so a hand edit is still found and undone;
any doubt means rendering again. The manifest changes only when the output does.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from restagen import __version__
from restagen.compiler import ir
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.render.sagas import saga_scaffold_paths
from restagen.compiler.render.services import scaffold_paths
from restagen.compiler.render.templates import templates_digests

__all__ = ["MANIFEST", "Manifest", "package_digest", "package_digests"]

MANIFEST = ".restagen.json"
_FORMAT = 1


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


@functools.cache
def _toolchain() -> str:
    parts = [__version__]
    for name in ("datamodel-code-generator", "ruff", "pydantic"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    compiler = Path(__file__).resolve().parent
    for source in sorted(compiler.rglob("*.py")):
        parts.append(f"{source.relative_to(compiler).as_posix()}={_sha(source.read_bytes())}")
    parts.extend(f"{name}={digest}" for name, digest in templates_digests())
    return "\n".join(parts)


def _scaffold_paths(package: ir.Package) -> list[str]:
    """The files of `package` that are the user's once written: never hashed, never compared."""
    return [*scaffold_paths(package), *saga_scaffold_paths(package)]


def package_digests(program: ir.Program, deploy: DeploySettings | None = None) -> dict[str, str]:
    """A hash of everything the files of each package are made from, by package name.

    That is the package's IR and the IR of every package it imports, directly or not: each IR is
    hashed once, and a package's digest combines the hashes of its closure.
    """
    settings = (deploy or DeploySettings()).model_dump_json()
    shared = _sha(_toolchain() + "\n" + settings)
    own = {package.name: _sha(repr(package)) for package in program.packages}
    return {
        package.name: _sha(
            "\n".join([shared, *sorted(f"{p.name}={own[p.name]}" for p in program.closure(package))])
        )
        for package in program.packages
    }


def package_digest(program: ir.Program, package: ir.Package, deploy: DeploySettings | None = None) -> str:
    """The digest of one package (see `package_digests`)."""
    return package_digests(program, deploy)[package.name]


@dataclass
class Manifest:
    out: Path
    packages: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, out: Path) -> Manifest:
        try:
            data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(out, {})
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return cls(out, {})
        packages = data.get("packages")
        return cls(out, packages if isinstance(packages, dict) else {})

    def reuse(self, package: ir.Package, digest: str) -> dict[str, str] | None:
        """The files of `package` as they are on disk, if they are exactly what it would generate."""
        entry = self.packages.get(package.name)
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        listed = entry.get("files")
        if not isinstance(listed, dict):
            return None
        files: dict[str, str] = {}
        for rel, expected in sorted(listed.items()):
            try:
                text = (self.out / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
            if _sha(text) != expected:
                return None
            files[rel] = text
        for rel in _scaffold_paths(package):
            try:
                files[rel] = (self.out / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        return files

    @staticmethod
    def render(
        program: ir.Program, files_by_package: dict[str, dict[str, str]], digests: dict[str, str]
    ) -> str:
        """The manifest text for the given files and digests of each package (scaffolds left out)."""
        packages = {}
        for package in program.packages:
            scaffolds = set(_scaffold_paths(package))
            owned = files_by_package[package.name]
            packages[package.name] = {
                "digest": digests[package.name],
                "files": {rel: _sha(text) for rel, text in sorted(owned.items()) if rel not in scaffolds},
            }
        return json.dumps({"format": _FORMAT, "packages": packages}, indent=2, sort_keys=True) + "\n"
