"""The commands on definition files: check, compare, generate, export, pull and start them.

`validate`, `breaking`, `generate`, `schema`, `export`, `pull` and `init` all need the compiler, so
each one first calls `_require_compiler` and only then imports from it; the compiler's work is done
in restagen.compiler and restagen.scaffold_project, and these functions turn its results and errors
into what the user sees and the exit code.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from restagen.cli._shared import (
    Exit,
    PathsArg,
    UserError,
    _inputs,
    _report,
    _require_compiler,
    _shown,
    err,
    out,
)
from restagen.diagnostics import Diagnostics, Severity


def validate(paths: PathsArg = None) -> None:
    """Check definition files and report every problem; write nothing."""
    _require_compiler("validate")
    from restagen.compiler.pipeline import compile_paths

    sources, _, _ = _inputs(paths)
    result = compile_paths(sources)
    _report(result.diagnostics)
    if result.program is None:
        raise typer.Exit(Exit.USER_ERROR)
    names = ", ".join(p.name for p in result.program.packages)
    out.print(f"ok: {len(result.program.packages)} package(s): {names}", style="green", markup=False)


class BreakingFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


def breaking(
    paths: PathsArg = None,
    against: Annotated[
        str,
        typer.Option(
            metavar="OLD",
            help="The old definitions: a folder, a file, or a git revision such as main or HEAD~1.",
        ),
    ] = "",
    output_format: Annotated[
        BreakingFormat, typer.Option("--format", help="Findings as lines of text or as one JSON document.")
    ] = BreakingFormat.TEXT,
) -> None:
    """Compare definitions with older ones; exit 1 if any change breaks what already runs."""
    _require_compiler("breaking")
    from restagen.compiler.evolution.against import AgainstError
    from restagen.compiler.evolution.check import check
    from restagen.compiler.evolution.findings import render_json, render_text, summary

    if not against:
        raise UserError("name the old definitions with --against OLD (a folder, a file or a git revision)")
    sources, _, _ = _inputs(paths)
    try:
        outcome = check(sources, against)
    except AgainstError as exc:
        raise UserError(str(exc)) from exc
    _report(outcome.diagnostics)
    if outcome.findings is None:
        raise typer.Exit(Exit.USER_ERROR)
    if output_format is BreakingFormat.JSON:
        sys.stdout.write(render_json(outcome.findings, against))
    else:
        sys.stdout.write(render_text(outcome.findings))
        err.print(
            summary(outcome.findings, against), style="red" if outcome.breaking else "green", markup=False
        )
    if outcome.breaking:
        raise typer.Exit(Exit.USER_ERROR)


def generate(
    paths: PathsArg = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Output folder (default: [tool.restagen] output, else gen).",
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if any generated file would change.")
    ] = False,
) -> None:
    """Generate typed Python from definition files."""
    _require_compiler("generate")
    from restagen.compiler import write
    from restagen.compiler.pipeline import compile_paths, generate_files
    from restagen.compiler.render.package import scaffolds

    sources, configured, deploy = _inputs(paths)
    out_dir = output or configured or Path("gen")
    with err.status("checking definitions"):
        result = compile_paths(sources)
    _report(result.diagnostics)
    if result.program is None:
        raise typer.Exit(Exit.USER_ERROR)
    with err.status(f"generating {len(result.program.packages)} package(s)"):
        files = generate_files(result.program, out_dir, deploy)
        try:
            plan = write.plan(out_dir, files, scaffolds=scaffolds(result.program))
        except FileExistsError as exc:
            raise UserError(f"{exc}; move it away or choose another output folder") from exc
    if check:
        for rel in plan.changes:
            state = "new" if rel in plan.create else "stale" if rel in plan.remove else "changed"
            err.print(f"{_shown(out_dir / rel)}: would be {state}", markup=False)
        if plan.changes:
            err.print(
                f"{len(plan.changes)} generated file(s) out of date; run restagen generate", style="red"
            )
            raise typer.Exit(Exit.USER_ERROR)
        out.print(f"up to date: {plan.generated} file(s) in {_shown(out_dir)}", style="green", markup=False)
        return
    write.apply(plan)
    out.print(
        f"generated {plan.generated} file(s) into {_shown(out_dir)} ({len(plan.changes)} changed)",
        style="green",
        markup=False,
    )


def schema() -> None:
    """Print the JSON Schema of the definition language (for editors)."""
    _require_compiler("schema")
    from restagen.compiler.structure.language_schema import language_schema

    sys.stdout.write(json.dumps(language_schema(), indent=2) + "\n")


def export(
    module: Annotated[Path, typer.Argument(metavar="MODULE", help="A Protocol-style Python module.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    ] = None,
) -> None:
    """Write a Protocol-style module back as a .restagen.yaml definition file."""
    _require_compiler("export")
    from restagen.compiler.frontends.export import export_yaml

    diagnostics = Diagnostics()
    text = export_yaml(module, diagnostics)
    _report(diagnostics)
    if text is None:
        raise typer.Exit(Exit.USER_ERROR)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}", markup=False)


def pull(
    services: Annotated[
        list[str] | None,
        typer.Argument(metavar="SERVICE...", help="Restate names of the services to pull (default: all)."),
    ] = None,
    admin: Annotated[
        str, typer.Option("--admin", metavar="URL", help="The Restate admin API, e.g. http://localhost:9070.")
    ] = "http://localhost:9070",
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder of the definition files.")
    ] = Path("schemas"),
    package: Annotated[
        str, typer.Option("--package", metavar="NAME", help="Package prefix of the pulled files.")
    ] = "pulled",
) -> None:
    """Write a .restagen.yaml file per service registered with Restate, in any language, from the
    schemas its admin API describes; `restagen generate` then gives typed clients."""
    _require_compiler("pull")
    from restagen.compiler.pull import AdminError, package_problem
    from restagen.compiler.pull import pull as pull_services

    if problem := package_problem(package):
        raise UserError(f"--package: {problem}")
    try:
        result = pull_services(admin, output, services or [], package)
    except AdminError as exc:
        raise UserError(str(exc)) from exc
    _report(Diagnostics(list(result.diagnostics)))
    if any(d.severity is Severity.ERROR for d in result.diagnostics):
        raise typer.Exit(Exit.USER_ERROR)
    total = len(result.written) + len(result.unchanged)
    out.print(
        f"pulled {total} service(s) into {_shown(output)} ({len(result.written)} changed)",
        style="green",
        markup=False,
    )


def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder of the new project.", show_default=False)
    ] = Path("."),
) -> None:
    """Start a new project: an example schema, pyproject configuration, a README and a test."""
    _require_compiler("init")
    from restagen.scaffold_project import ProjectExistsError, create_project

    try:
        created = create_project(directory)
    except ProjectExistsError as exc:
        raise UserError(str(exc)) from exc
    for path in created:
        out.print(f"created {path}", markup=False)
