"""What every command of the command line shares: how it reports and how it reads its inputs.

The exit codes, the two consoles (results to stdout; diagnostics, progress and logs to stderr), the
`UserError` a command raises for a problem the user can fix, the printing of diagnostics, the
definition files and settings a compiler command starts from, and the help layout of a command.
Only the base dependencies are imported here, so that a runtime-only install can load it; what a
command needs of the compiler it imports itself, after `_require_compiler`.
"""

from __future__ import annotations

import enum
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand

from restagen.diagnostics import Diagnostics, Severity

if TYPE_CHECKING:
    from restagen.compiler.render.deploy_settings import DeploySettings


class Exit(enum.IntEnum):
    OK = 0
    USER_ERROR = 1
    INTERNAL_ERROR = 2


class UserError(Exception):
    """A problem the user can fix, reported without a traceback."""


err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out = Console(highlight=False, soft_wrap=True, emoji=False)


class _Command(TyperCommand):
    """A command whose help names each argument by its metavar alone, as click does: typer would add
    the Python type (`PATHS <list[Path]>`) and brace required ones (`{APP}`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.display_type_rich = _no_type  # type: ignore[method-assign]
                if param.required:
                    param.get_usage_pieces = _bare_usage(param)  # type: ignore[method-assign]


def _no_type(ctx: object) -> None:
    return None


def _bare_usage(param: TyperArgument) -> Any:
    name = param.metavar or (param.name or "").upper()
    return lambda ctx: [name + ("..." if param.nargs != 1 else "")]


# The libraries of the `compiler` extra, which the runtime and its commands never import.
COMPILER_LIBRARIES = ("jinja2", "datamodel_code_generator", "ruff", "watchfiles")


def _require_compiler(command: str) -> None:
    """Stop `command` with an install hint, before it imports anything, when the compiler is missing."""
    for name in COMPILER_LIBRARIES:
        try:
            found = importlib.util.find_spec(name) is not None  # finds, without the cost of importing
        except ImportError:
            found = False
        if not found:
            raise UserError(f"restagen {command} needs the compiler: pip install 'restagen[compiler]'")


def _report(diagnostics: Diagnostics) -> None:
    shown = list(diagnostics)  # sorted, each once: the count below is of what is printed
    for diagnostic in shown:
        style = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        first, _, rest = diagnostic.render().partition("\n")
        err.print(first, style=style, markup=False)
        if rest:
            err.print(rest, style="dim", markup=False)
    count = sum(1 for d in shown if d.severity is Severity.ERROR)
    if count:
        err.print(f"{count} error{'s' if count != 1 else ''}", style="bold red")


def _inputs(paths: list[Path] | None) -> tuple[list[Path], Path | None, DeploySettings]:
    """The definition files, the configured output folder and the deployment settings."""
    from restagen.compiler.render.deploy_settings import DeploySettings
    from restagen.project import ProjectConfigError, find_project

    try:
        project = find_project(Path.cwd())
    except ProjectConfigError as exc:
        raise UserError(str(exc)) from exc
    deploy = project.deploy if project else DeploySettings()
    if paths:
        return list(paths), project.output if project else None, deploy
    if project is None:
        raise UserError("no definition files given and no [tool.restagen] in pyproject.toml")
    return list(project.schemas), project.output, deploy


def _shown(path: Path) -> Path:
    """`path` as the user would type it: relative to the current directory when it is below it."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(metavar="PATHS", help="Definition files or folders (default: [tool.restagen] schemas)."),
]
