"""The commands that operate what runs: the events a cluster could not deliver (`events
undelivered`) and the states of sagas (`sagas list`, `sagas show`).

They read from, and act through, a running Restate server; restagen.undelivered and
restagen.saga_states do the work and are imported only when a command runs. None needs the compiler.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from restagen.cli._shared import UserError, out

_ADMIN_HELP = "URL of the Restate admin API."


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
