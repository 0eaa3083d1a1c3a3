"""The commands that run an app for Restate: `serve` it, `register` it, and `dev`, which does both
and regenerates and reloads on change.

`serve` and `register` are runtime commands and work without the compiler: they import only the
runtime and restagen.local, and only when they run, which keeps the start-up of `restagen serve`
as light as the CLI itself. `dev` generates code, so it needs the compiler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from restagen.cli._shared import Exit, PathsArg, UserError, _inputs, _report, _require_compiler, err, out


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
