"""`restagen dev`: generates, runs a Restate server, serves, registers, and reloads on change; an
endpoint that does not start or crashes is reported and comes back with the next change.

Waits poll with generous deadlines: the machines that run this are small and busy.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from restagen.local.processes import spawn, stop
from restagen.local.server import free_port, port_in_use
from tests.local.samples import SCHEMA
from tests.polling import wait_until
from tests.processes import MARK, marked

pytestmark = pytest.mark.e2e


IMPLEMENTATION = """\
from ..contexts import GreeterContext
from ..handlers import GreeterServiceBase


class GreeterService(GreeterServiceBase):
    async def greet(self, ctx: GreeterContext, request: str) -> str:
        return f"hello {request}"
"""

BYE = (
    '\n    async def bye(self, ctx: GreeterContext, request: str) -> str:\n        return f"bye {request}"\n'
)


def _answers(url: str, expected: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            response = httpx.post(
                url, json="ann", timeout=5, headers={"idempotency-key": str(time.monotonic())}
            )
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.json() == expected

    return check


def test_dev_serves_and_reloads(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    ingress, admin, port = free_port(), free_port(), free_port()
    command = ["dev", "hello.restagen.yaml", "-o", "gen", "--port", str(port)]
    command += ["--ingress-port", str(ingress), "--admin-port", str(admin)]
    log = tmp_path / "dev.log"
    env = {name: value for name, value in env.items() if name != "RESTAGEN_RESTATE_DIR"}
    with log.open("wb") as sink:
        process = spawn(
            [sys.executable, "-m", "restagen", *command], env=env, cwd=tmp_path, stdout=sink, stderr=sink
        )
    data = tmp_path / ".restate" / "dev-data"

    def logged(text: str, count: int = 1) -> Callable[[], bool]:
        return lambda: log.read_text().count(text) >= count

    greet = _answers(f"http://127.0.0.1:{ingress}/greeter/greet", "hello ann")
    try:
        impl = tmp_path / "gen" / "hello" / "impl" / "greeter.py"
        wait_until(logged("watching for changes"), "dev to start", timeout=120)
        assert len([folder for folder in data.iterdir() if folder.is_dir()]) == 1, "the server's data"

        # An endpoint that cannot start is reported; dev keeps watching and the next change fixes it.
        impl.write_text(IMPLEMENTATION + "syntax error(\n")
        wait_until(logged("the endpoint exited with code 1"), "the broken endpoint to be reported")
        impl.write_text(IMPLEMENTATION)
        wait_until(greet, "the first implementation")
        # Restate knows the address from before: it may call the new endpoint before dev registers it.
        wait_until(logged(", registered", 2), "dev to register the endpoint again")

        # A crash of the endpoint is reported too, and the next change starts it again.
        (endpoint,) = [pid for pid, cmd in marked(MARK, env[MARK]).items() if " serve " in cmd]
        os.kill(endpoint, signal.SIGKILL)
        wait_until(logged("the endpoint was killed by SIGKILL"), "the crash to be reported")
        impl.write_text(IMPLEMENTATION + "\n")
        wait_until(greet, "the endpoint to come back")

        # New definitions are generated and served; each change restarts the endpoint once, and the
        # generator's own writes restart nothing.
        restarts = log.read_text().count("restarting the endpoint")
        (tmp_path / "hello.restagen.yaml").write_text(SCHEMA + "      bye: {input: string, output: string}\n")
        wait_until(logged("definitions changed: regenerating"), "the regeneration")
        # The generated base class has a new abstract handler: the old implementation cannot start.
        wait_until(logged("the endpoint exited with code 1", 2), "the restart after regenerating")
        impl.write_text(IMPLEMENTATION + BYE)
        wait_until(_answers(f"http://127.0.0.1:{ingress}/greeter/bye", "bye ann"), "the new handler")
        assert log.read_text().count("restarting the endpoint") == restarts + 2
        assert "Traceback" not in log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            wait_until(lambda: not marked(MARK, env[MARK]), "dev and all it started to stop", timeout=15)
        finally:
            stop(process, kill=True)
    assert process.returncode == 0
    assert log.read_text().splitlines()[-1] == "stopped"
    assert not any(port_in_use(p) for p in (ingress, admin, port))
    assert [folder for folder in data.iterdir() if folder.is_dir()] == [], "dev removes its server's data"


@pytest.mark.slow
def test_dev_runs_a_cluster(tmp_path: Path, env: dict[str, str]) -> None:
    """`--nodes 3`: three restate-servers, the app served through every node's ingress, and all
    of it stopped, its data removed, when dev ends."""
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    ingress, admin, port = free_port(), free_port(), free_port()
    command = ["dev", "hello.restagen.yaml", "-o", "gen", "--port", str(port), "--nodes", "3"]
    command += ["--ingress-port", str(ingress), "--admin-port", str(admin)]
    log = tmp_path / "dev.log"
    env = {name: value for name, value in env.items() if name != "RESTAGEN_RESTATE_DIR"}
    with log.open("wb") as sink:
        process = spawn(
            [sys.executable, "-m", "restagen", *command], env=env, cwd=tmp_path, stdout=sink, stderr=sink
        )
    data = tmp_path / ".restate" / "dev-data"
    try:
        wait_until(lambda: "watching for changes" in log.read_text(), "dev to start", timeout=120)
        (tmp_path / "gen" / "hello" / "impl" / "greeter.py").write_text(IMPLEMENTATION)
        wait_until(lambda: log.read_text().count(", registered") >= 2, "the implementation served")
        urls = re.findall(r"restate-server n\d: ingress (\S+),", log.read_text())
        assert len(urls) == 3 and urls[0] == f"http://127.0.0.1:{ingress}"
        for url in urls:
            wait_until(_answers(f"{url}/greeter/greet", "hello ann"), f"the app through {url}")
        servers = {pid: cmd for pid, cmd in marked(MARK, env[MARK]).items() if "restate-server" in cmd}
        assert len(servers) == 3
        # A node that dies is reported; the other two go on serving.
        (third,) = [pid for pid, cmd in servers.items() if "--node-name n3 " in cmd]
        os.kill(third, signal.SIGKILL)
        wait_until(
            lambda: "the cluster goes on with 2 of 3 nodes" in log.read_text(), "the lost node reported"
        )
        wait_until(_answers(f"{urls[0]}/greeter/greet", "hello ann"), "the app after the loss")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            wait_until(lambda: not marked(MARK, env[MARK]), "dev and all it started to stop", timeout=30)
        finally:
            stop(process, kill=True)
    assert process.returncode == 0
    assert [folder for folder in data.iterdir() if folder.is_dir()] == [], "dev removes the cluster's data"
