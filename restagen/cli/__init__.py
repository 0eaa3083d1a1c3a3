"""The `restagen` command line.

User errors print as diagnostics and exit 1; a bug in restagen prints its traceback with a hint to
report it and exits 2. Nothing is written unless the whole run succeeded. Results go to stdout;
diagnostics, progress and logs to stderr.

`pip install restagen` gives the runtime commands (`serve`, `register`); the others need the
compiler (`restagen[compiler]`). So this package imports only the base dependencies at the top, and
each command imports what it uses; a compiler command without the compiler says how to install it.
This module makes the `app` and registers the commands, whose help lists them in the order they are
registered here; they live by what they do in `_definitions`, `_serving`, `_dev` and `_operations`,
and what they share in `_shared`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer
from typer.exceptions import TyperException

from restagen import __version__
from restagen.cli import _definitions, _dev, _operations, _serving

# Re-exported (`X as X`): tests and tools import these from restagen.cli.
from restagen.cli._shared import COMPILER_LIBRARIES as COMPILER_LIBRARIES
from restagen.cli._shared import Exit, UserError, _Command, err, out
from restagen.cli._shared import _report as _report

__all__ = ["Exit", "app", "main"]

app = typer.Typer(
    name="restagen",
    help="Schema-first services, objects, workflows, events and sagas on Restate.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# The commands, in the order the help lists them, each with its line there.
_COMMANDS = (
    (_definitions.validate, "Check definition files and report every problem."),
    (_definitions.breaking, "Report changes that break callers, subscribers or stored state."),
    (_definitions.generate, "Generate typed Python from definition files."),
    (_serving.serve, "Serve an app over HTTP/2 cleartext."),
    (_serving.register, "Register an endpoint, and Kafka subscriptions, with Restate."),
    (_dev.dev, "Local development: serve, register and reload on change."),
    (_definitions.schema, "Print the JSON Schema of the definition language."),
    (_definitions.export, "Write a Protocol-style module as a definition file."),
    (_definitions.pull, "Write definition files for services registered with Restate."),
    (_definitions.init, "Start a new project."),
)
for _command, _short_help in _COMMANDS:
    app.command(cls=_Command, short_help=_short_help)(_command)

events_app = typer.Typer(name="events", help="Events: the failure queue of a cluster.", no_args_is_help=True)
app.add_typer(events_app, name="events")
events_app.command(cls=_Command, short_help="List, retry or drop the events a cluster could not deliver.")(
    _operations.undelivered
)

sagas_app = typer.Typer(
    name="sagas",
    help="Operate sagas: their states, read from Restate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(sagas_app)
sagas_app.command("list", cls=_Command, short_help="List the sagas: status, current step, last error.")(
    _operations.sagas_list
)
sagas_app.command("show", cls=_Command, short_help="Show one saga's state.")(_operations.sagas_show)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit(Exit.OK)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising (the console script exits with it)."""
    try:
        code = app(args=argv, standalone_mode=False)
    except UserError as exc:
        err.print(f"error: {exc}", style="red", markup=False)
        return Exit.USER_ERROR
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted", style="red")
        return Exit.USER_ERROR
    except TyperException as exc:  # a usage error: unknown option, missing argument...
        show = getattr(exc, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            err.print(f"error: {exc}", style="red", markup=False)
        return Exit.USER_ERROR
    except Exception as exc:
        from restagen.local.errors import LocalError

        if isinstance(exc, LocalError):  # a problem of this machine (a port taken, no npm), not a bug
            err.print(f"error: {exc}", style="red", markup=False)
            return Exit.USER_ERROR
        err.print(traceback.format_exc(), markup=False)
        err.print(
            "internal error: this is a bug in restagen, not in your definitions. "
            "Please report it with the traceback above and the files that caused it.",
            style="bold red",
        )
        return Exit.INTERNAL_ERROR
    return int(code) if isinstance(code, int) else Exit.OK


def entry() -> None:  # pragma: no cover - the console script
    sys.exit(main())
