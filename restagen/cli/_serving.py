"""The commands that put an app in front of Restate: `serve` it, and `register` its endpoint (with
its event and Kafka subscriptions).

They are the runtime commands of a runtime-only install, so they never need the compiler. What they
run on (the runtime, restagen.local, restagen.kafka_subscriptions) they import only when they run,
which keeps the start-up of `restagen serve` as light as the command line itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from restagen.cli._shared import UserError, err, out


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
