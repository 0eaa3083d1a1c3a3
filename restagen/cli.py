"""The `restagen` command line.

User errors print as diagnostics and exit 1; a bug in restagen prints its traceback with a hint to
report it and exits 2. Nothing is written unless the whole run succeeded. Results go to stdout;
diagnostics, progress and logs to stderr.

`pip install restagen` gives the runtime commands (`serve`, `register`); the others need the
compiler (`restagen[compiler]`). So this module imports only the base dependencies at the top, and
each command imports what it uses; a compiler command without the compiler says how to install it.
"""

from __future__ import annotations

import enum
import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand
from typer.exceptions import TyperException

from restagen import __version__
from restagen.diagnostics import Diagnostics, Severity

if TYPE_CHECKING:
    from restagen.compiler.render.deploy_settings import DeploySettings

__all__ = ["Exit", "app", "main"]


class Exit(enum.IntEnum):
    OK = 0
    USER_ERROR = 1
    INTERNAL_ERROR = 2


app = typer.Typer(
    name="restagen",
    help="Schema-first services, objects, workflows, events and sagas on Restate.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out = Console(highlight=False, soft_wrap=True, emoji=False)


class UserError(Exception):
    """A problem the user can fix, reported without a traceback."""


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


@app.command(cls=_Command, short_help="Check definition files and report every problem.")
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


@app.command(cls=_Command, short_help="Report changes that break callers, subscribers or stored state.")
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


@app.command(cls=_Command, short_help="Generate typed Python from definition files.")
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


@app.command(cls=_Command, short_help="Serve an app over HTTP/2 cleartext.")
def serve(
    target: Annotated[str, typer.Argument(metavar="APP", help="The ASGI app, as module:attribute.")],
    host: Annotated[
        str | None,
        typer.Option(metavar="HOST", help="Interface to listen on (default: server.host, else 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(metavar="PORT", help="Port to listen on (default: server.port, else 9080)."),
    ] = None,
    path: Annotated[
        list[Path] | None,
        typer.Option(
            "--path",
            metavar="DIR",
            help="Add a folder to the import path, repeatable (default: [tool.restagen] output).",
        ),
    ] = None,
) -> None:
    """Serve an app over HTTP/2 cleartext with the settings Restate needs."""
    from restagen.local.serve import AppLoadError, load_app
    from restagen.local.serve import serve as run
    from restagen.project import ProjectConfigError, find_project
    from restagen.runtime import ConfigError, load_config

    try:
        listen = load_config().listen
        if path is None:  # the generated packages are where the project generates them
            project = find_project(Path.cwd())
            path = [project.output] if project else []
        asgi = load_app(target, path)
    except (AppLoadError, ConfigError, ProjectConfigError) as error:
        hint = ""
        if isinstance(error.__cause__, ModuleNotFoundError):
            where = "".join(f"{folder} and " for folder in path or [])
            hint = (
                f"\nhint: looked in {where}the installed packages; name the "
                "folder of the generated packages with --path, or set output in [tool.restagen] of pyproject.toml"
            )
        raise UserError(f"{error}{hint}") from error
    host = host or listen.host
    port = port or listen.port
    err.print(f"serving {target} on http://{host}:{port} (HTTP/2 cleartext)", markup=False)
    run(asgi, host, port)


@app.command(cls=_Command, short_help="Register an endpoint, and Kafka subscriptions, with Restate.")
def register(
    admin: Annotated[
        str,
        typer.Option(metavar="URL", help="URL of the Restate admin API, e.g. http://127.0.0.1:9070."),
    ],
    uri: Annotated[
        str | None, typer.Option(metavar="URL", help="URL of the endpoint, as Restate reaches it.")
    ] = None,
    subscriptions: Annotated[
        list[Path] | None,
        typer.Option(
            "--subscriptions",
            metavar="FILE",
            help="A kafka-subscriptions.yaml file: create its Kafka subscriptions (after the endpoint), "
            "skipping those that exist (repeatable).",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="Seconds to keep retrying while the admin API or the endpoint is not up.",
        ),
    ] = 30.0,
    ingress: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="URL of the Restate ingress: also register the endpoint's event subscriptions.",
        ),
    ] = None,
    cluster: Annotated[
        str, typer.Option(metavar="NAME", help="The events cluster to subscribe in.")
    ] = "default",
    http1: Annotated[
        bool,
        typer.Option("--http1", help="Reach the endpoint over HTTP/1.1, in request-response mode."),
    ] = False,
) -> None:
    """Register an endpoint with Restate (forced re-discovery of its handlers), and Kafka subscriptions."""
    import asyncio

    from restagen.kafka_subscriptions import KafkaSubscriptionError, apply_subscriptions, read_subscriptions
    from restagen.runtime import RegistrationError
    from restagen.runtime import register as run

    if uri is None and not subscriptions:
        raise UserError("nothing to register: give --uri, --subscriptions or both")
    if uri is None and ingress is not None:
        raise UserError("--ingress registers the event subscriptions of the endpoint given with --uri")
    try:
        wanted = [s for path in subscriptions or [] for s in read_subscriptions(path)]
    except KafkaSubscriptionError as error:
        raise UserError(str(error)) from error
    if uri is not None:
        try:
            services = run(admin, uri, timeout=timeout, http1=http1)
        except RegistrationError as error:
            raise UserError(str(error)) from error
        out.print(f"registered {uri}: {', '.join(services) or 'no services'}", markup=False)
        if ingress is not None:
            count = asyncio.run(_subscribe(admin, ingress, cluster, services, timeout))
            out.print(f"registered {count} event subscription(s) in cluster {cluster}", markup=False)
    if wanted:
        try:
            applied = apply_subscriptions(admin, wanted, timeout=timeout)
        except KafkaSubscriptionError as error:
            raise UserError(str(error)) from error
        for item in applied:
            out.print(
                f"subscription {item.subscription.describe()}: {item.outcome} ({item.id})", markup=False
            )


async def _subscribe(admin: str, ingress: str, cluster: str, services: list[str], timeout: float) -> int:
    import httpx

    from restagen.runtime import IngressError
    from restagen.runtime.events import SubscriptionError, register_subscriptions, subscriptions_from_admin

    try:
        request = await subscriptions_from_admin(admin, services)
        await register_subscriptions(ingress, cluster, request, timeout=timeout)
    except (httpx.HTTPError, IngressError, SubscriptionError) as error:
        raise UserError(f"could not register the event subscriptions: {error}") from error
    return len(request.subscriptions)


events_app = typer.Typer(name="events", help="Events: the failure queue of a cluster.", no_args_is_help=True)
app.add_typer(events_app, name="events")


@events_app.command(cls=_Command, short_help="List, retry or drop the events a cluster could not deliver.")
def undelivered(
    ingress: Annotated[str, typer.Option(metavar="URL", help="URL of the Restate ingress.")],
    cluster: Annotated[str, typer.Option(metavar="NAME", help="The events cluster.")] = "default",
    retry: Annotated[
        bool, typer.Option("--retry", help="Deliver them again (to the subscriptions as they are now).")
    ] = False,
    drop: Annotated[bool, typer.Option("--drop", help="Remove them from the queue.")] = False,
    number: Annotated[
        list[int] | None, typer.Option("--number", "-n", metavar="N", help="Only item N (repeatable).")
    ] = None,
) -> None:
    """List the events a cluster could not deliver; with --retry deliver them again, with --drop
    remove them (all, or the items given with --number)."""
    import asyncio

    import httpx

    from restagen.runtime import IngressError
    from restagen.undelivered import Action, render, undelivered

    if retry and drop:
        raise UserError("give --retry or --drop, not both")
    action: Action = "retry" if retry else "drop" if drop else "list"
    try:
        report = asyncio.run(undelivered(ingress, cluster, action, number))
    except (IngressError, httpx.HTTPError) as error:
        raise UserError(f"could not read the failure queue of cluster {cluster}: {error}") from error
    for line in render(report, cluster):
        out.print(line, markup=False)


@app.command(cls=_Command, short_help="Local development: serve, register and reload on change.")
def dev(
    paths: PathsArg = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="DIR", help="Output folder.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--app",
            metavar="APP",
            help="The app to serve (default: <package>.main:app of the only package with components).",
        ),
    ] = None,
    port: Annotated[int, typer.Option(metavar="PORT", help="Port of the endpoint.")] = 9080,
    ingress_port: Annotated[
        int, typer.Option(metavar="PORT", help="Ingress port of the local Restate server.")
    ] = 8080,
    admin_port: Annotated[
        int, typer.Option(metavar="PORT", help="Admin port of the local Restate server.")
    ] = 9070,
    nodes: Annotated[
        int,
        typer.Option(min=1, metavar="N", help="Run a local Restate cluster of N nodes (ports: the first's)."),
    ] = 1,
) -> None:
    """Local development: a Restate server, the app served and registered, reloaded on change."""
    _require_compiler("dev")
    import asyncio

    from restagen.compiler import write
    from restagen.compiler.pipeline import compile_paths, generate_files
    from restagen.compiler.render.package import scaffolds
    from restagen.local.dev import DevSession, Files, check_ports
    from restagen.local.processes import stop_signals, stopping
    from restagen.runtime import load_config
    from restagen.runtime import register as register_endpoint

    sources, configured, deploy = _inputs(paths)
    out_dir = output or configured or Path("gen")

    def regenerate() -> str | None:
        """Generate; the name of the app to serve, or None when the definitions have errors."""
        result = compile_paths(sources)
        _report(result.diagnostics)
        if result.program is None:
            return None
        files = generate_files(result.program, out_dir, deploy)
        write.apply(write.plan(out_dir, files, scaffolds=scaffolds(result.program)))
        served = [p.name for p in result.program.packages if p.components]
        if target:
            return target
        if len(served) != 1:
            raise UserError(f"packages with components: {', '.join(served) or 'none'}; choose one with --app")
        return f"{served[0]}.main:app"

    app_name = regenerate()
    if app_name is None:
        raise typer.Exit(Exit.USER_ERROR)

    def register_all(admin_url: str, uri: str) -> list[str]:
        """Register the endpoint, and its event subscriptions in the default cluster."""
        services = register_endpoint(admin_url, uri)
        assert session.server is not None
        asyncio.run(_subscribe(admin_url, session.server.ingress_url, cluster, services, 30.0))
        return services

    pubsub = load_config().pubsub
    cluster = pubsub.cluster if pubsub is not None else "default"

    session = DevSession(
        app_name,
        [out_dir],
        generate=lambda: regenerate() is not None,
        register=register_all,
        port=port,
        log=lambda text: err.print(text, markup=False),
    )
    check_ports(
        {
            port: ("the endpoint", "--port"),
            ingress_port: ("ingress of restate-server", "--ingress-port"),
            admin_port: ("admin API of restate-server", "--admin-port"),
        }
    )
    # Ctrl-C, SIGTERM and SIGHUP (a closed terminal) stop everything started here, in order.
    with stop_signals():
        try:
            session.start_server(ingress_port=ingress_port, admin_port=admin_port, nodes=nodes)
            since = Files([*sources, out_dir])
            session.start_endpoint()
            err.print("watching for changes (Ctrl-C to stop)", markup=False)
            session.watch(sources, [out_dir], since=since)
        except KeyboardInterrupt:
            pass
        finally:
            stopping()  # a signal from here on (a server that failed, then Ctrl-C) cannot cut this short
            session.close()
            err.print("stopped", markup=False)


@app.command(cls=_Command, short_help="Print the JSON Schema of the definition language.")
def schema() -> None:
    """Print the JSON Schema of the definition language (for editors)."""
    _require_compiler("schema")
    from restagen.compiler.structure.language_schema import language_schema

    sys.stdout.write(json.dumps(language_schema(), indent=2) + "\n")


@app.command(cls=_Command, short_help="Write a Protocol-style module as a definition file.")
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


@app.command(cls=_Command, short_help="Write definition files for services registered with Restate.")
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


sagas_app = typer.Typer(
    name="sagas",
    help="Operate sagas: their states, read from Restate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(sagas_app)
_ADMIN_HELP = "URL of the Restate admin API."


@sagas_app.command("list", cls=_Command, short_help="List the sagas: status, current step, last error.")
def sagas_list(
    admin: Annotated[str, typer.Option(metavar="URL", help=_ADMIN_HELP)] = "http://127.0.0.1:9070",
    saga: Annotated[str | None, typer.Option(metavar="NAME", help="Only the sagas of this kind.")] = None,
) -> None:
    """List every saga Restate holds the state of: kind, id, status, current step, last error."""
    from restagen.saga_states import SagaStatesError, format_list, query_sagas

    try:
        sys.stdout.write(format_list(query_sagas(admin, saga=saga)))
    except SagaStatesError as error:
        raise UserError(str(error)) from error


@sagas_app.command("show", cls=_Command, short_help="Show one saga's state.")
def sagas_show(
    saga_id: Annotated[str, typer.Argument(metavar="ID", help="The saga id.")],
    admin: Annotated[str, typer.Option(metavar="URL", help=_ADMIN_HELP)] = "http://127.0.0.1:9070",
    saga: Annotated[
        str | None, typer.Option(metavar="NAME", help="The saga's kind, when ids repeat.")
    ] = None,
) -> None:
    """Show the state of saga ID: status, steps, failures and data."""
    from restagen.saga_states import SagaStatesError, format_show, query_sagas

    try:
        rows = query_sagas(admin, saga=saga, saga_id=saga_id)
    except SagaStatesError as error:
        raise UserError(str(error)) from error
    if not rows:
        raise UserError(f"no saga with id {saga_id!r}" + (f" of kind {saga}" if saga else ""))
    if len(rows) > 1:
        kinds = ", ".join(row.saga for row in rows)
        raise UserError(f"sagas of several kinds have the id {saga_id!r} ({kinds}): choose one with --saga")
    sys.stdout.write(format_show(rows[0]))


@app.command(cls=_Command, short_help="Start a new project.")
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
