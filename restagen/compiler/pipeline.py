"""The stages, run in their order:

    frontends -> structure -> resolve -> ir -> render -> format -> write

`compile_paths` runs the front ends with the structure check of each file (`load_units`), then
resolves them into the IR; `generate_files` renders and formats in memory. The last stage is the
caller's: the CLI writes the files with `write`, or with `--check` only compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from restagen.compiler import ir
from restagen.compiler.cache import MANIFEST, Manifest, package_digests
from restagen.compiler.format import RUFF_CONFIG, format_files, ruff_config
from restagen.compiler.frontends.sources import load_units
from restagen.compiler.heap import frozen_heap, paused_collection
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.compiler.render.package import render_package, render_program
from restagen.compiler.resolve.resolver import resolve
from restagen.diagnostics import Diagnostics, Position

__all__ = ["Compilation", "compile_paths", "generate_files"]


@dataclass
class Compilation:
    diagnostics: Diagnostics
    program: ir.Program | None


def compile_paths(paths: list[Path]) -> Compilation:
    """Load, check and resolve; the program is None when any error was found."""
    diagnostics = Diagnostics()
    with paused_collection():
        units = load_units(paths, diagnostics)
        if not units and not diagnostics.has_errors:
            where = Position(", ".join(str(p) for p in paths) or ".")
            diagnostics.error(
                "no-input", "no definition files found", where, hint="name *.restagen.yaml files or folders"
            )
        # Resolve even when some files failed to load, so that one run reports every problem.
        program = resolve(units, diagnostics) if units else None
    return Compilation(diagnostics, None if diagnostics.has_errors else program)


def generate_files(
    program: ir.Program, out: Path | None = None, deploy: DeploySettings | None = None
) -> dict[str, str]:
    """Every generated file of the program, rendered and formatted, in memory.

    `deploy` shapes the deployment files (default: `DeploySettings()`). With `out`, packages whose
    files there are still exactly what they would be are not rendered again (see `cache`), and the
    manifest that makes this possible is part of the result. The output folder gets the ruff
    settings of its code (`format.ruff_config`), unless it is a project's root: there a ruff.toml
    would silently replace the project's own ruff configuration.
    """
    with frozen_heap():  # the program and everything else alive now are never garbage meanwhile
        return _generate(program, out, deploy)


def _generate(program: ir.Program, out: Path | None, deploy: DeploySettings | None) -> dict[str, str]:
    tops = {package.name.split(".")[0] for package in program.packages}
    if out is None:
        files = format_files(render_program(program, deploy), tops)
        files[RUFF_CONFIG] = ruff_config(tops)
        return dict(sorted(files.items()))
    deploy = deploy or DeploySettings()
    manifest = Manifest.read(out)
    digests = package_digests(program, deploy)
    by_package: dict[str, dict[str, str]] = {}
    fresh: dict[str, str] = {}
    owner: dict[str, str] = {}
    for package in program.packages:
        reused = manifest.reuse(package, digests[package.name])
        if reused is not None:
            by_package[package.name] = reused
            continue
        rendered = render_package(program, package, deploy)
        fresh.update(rendered)
        owner.update(dict.fromkeys(rendered, package.name))
        by_package[package.name] = {}
    for rel, text in format_files(fresh, tops).items():
        by_package[owner[rel]][rel] = text
    files = {rel: text for package_files in by_package.values() for rel, text in package_files.items()}
    files[MANIFEST] = Manifest.render(program, by_package, digests)
    if not (out / "pyproject.toml").is_file():
        files[RUFF_CONFIG] = ruff_config(tops)
    return dict(sorted(files.items()))
