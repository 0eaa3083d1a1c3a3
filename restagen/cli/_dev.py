"""`restagen dev`, the local development loop: generate, start a Restate server, serve the app and
register it, then regenerate and reload whenever a definition or a handler changes.

It generates code, so it needs the compiler; the loop itself (processes, ports, watching) is
restagen.local's, and this command wires it to the compiler and to registration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from restagen.cli._serving import _subscribe
from restagen.cli._shared import Exit, PathsArg, UserError, _inputs, _report, _require_compiler, err


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
