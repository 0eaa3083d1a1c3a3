"""A restate-server for tests: the real one, on loopback, with the settings tests want.

`local_restate()` gives a `LocalRestate` (not started: `with` starts and stops it) with free
ports and a data folder of its own. Two options change how the server runs invocations, as the
SDK's Docker harness does:

- `always_replay`: every time a handler awaits something not yet completed, the invocation
  suspends, and the handler is invoked again from the start, replaying its journal. Code that is
  not deterministic (a side effect outside `run`, a random value not from the context) shows up.
- `disable_retries`: a handler's first failure ends its invocation (killed, not retried).

Both are settings of the whole server, so one server serves all tests that want the same options.

`local_cluster(nodes=3)` gives a `LocalCluster` instead: that many nodes with a replicated log,
for tests of what survives the loss of a node (`cluster.nodes[i].stop(kill=True)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from restagen.local.cluster import LocalCluster
from restagen.local.server import LocalRestate, find_server_binary, install_server

__all__ = ["local_cluster", "local_restate", "server_settings"]


def server_settings(*, always_replay: bool = False, disable_retries: bool = False) -> dict[str, str]:
    """The server's environment for the options (see the module's text)."""
    settings: dict[str, str] = {}
    if always_replay:
        settings["RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"] = "0s"
    if disable_retries:
        settings["RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS"] = "1"
        settings["RESTATE_DEFAULT_RETRY_POLICY__ON_MAX_ATTEMPTS"] = "kill"
    return settings


def local_restate(
    *,
    always_replay: bool = False,
    disable_retries: bool = False,
    env: Mapping[str, str] | None = None,
    binary: Path | None = None,
    base_dir: Path | None = None,
) -> LocalRestate:
    """A restate-server for tests; `with local_restate() as server:` runs it for the block.

    `binary` defaults to `RESTATE_SERVER_BIN`, the project's `.restate/` install, then PATH, and
    is installed into `.restate/` with npm when there is none. `env` adds server settings
    (`RESTATE_...` variables), after those of the options.
    """
    found = binary or find_server_binary() or install_server()
    return LocalRestate(
        found,
        env={**server_settings(always_replay=always_replay, disable_retries=disable_retries), **(env or {})},
    )


def local_cluster(
    nodes: int = 3,
    *,
    replication: int | None = None,
    always_replay: bool = False,
    disable_retries: bool = False,
    env: Mapping[str, str] | None = None,
    binary: Path | None = None,
) -> LocalCluster:
    """A cluster of `nodes` restate-servers for tests (`with local_cluster() as cluster:`), each
    record of its log kept on `replication` nodes (default: a majority). The options and `env`
    are those of `local_restate`, for every node."""
    found = binary or find_server_binary() or install_server()
    return LocalCluster(
        found,
        size=nodes,
        replication=replication,
        env={**server_settings(always_replay=always_replay, disable_retries=disable_retries), **(env or {})},
    )
