"""Everything local stops, however its owner ends: `restagen dev`, `restagen serve` and a program
owning a `LocalRestate` get SIGINT, SIGTERM, SIGHUP (a closed terminal) or SIGKILL, and within
15 s no process they started remains and their ports are free. Deadlines are generous: the
machines that run this are small and busy.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from restagen.local.processes import spawn, stop
from restagen.local.server import free_port, port_in_use
from tests.local.samples import APP, SCHEMA
from tests.polling import wait_until
from tests.processes import MARK, marked

pytestmark = pytest.mark.e2e

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]

OWNER = """\
import sys, time
from contextlib import nullcontext
from restagen.local.processes import stop_signals
from restagen.local.server import LocalRestate, find_server_binary

handling = stop_signals() if sys.argv[1:] == ["stop_signals"] else nullcontext()
try:
    with handling, LocalRestate(find_server_binary()) as server:
        print(server.ingress_port, server.admin_port, server.node_port, server.base_dir, flush=True)
        while True:
            time.sleep(1)
except KeyboardInterrupt:
    print("stopped", flush=True)
"""


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _server_dir(env: dict[str, str]) -> Path:
    """The data folder of the restate-server marked by `env`."""
    (command,) = [cmd for cmd in marked(MARK, env[MARK]).values() if "restate-server" in cmd]
    words = command.split()
    return Path(words[words.index("--base-dir") + 1])


def _signal_and_check(
    process: subprocess.Popen[bytes], sig: signal.Signals, env: dict[str, str], ports: list[int]
) -> None:
    """Send `sig`; then nothing marked by `env` runs and `ports` are free within 15 s."""
    mark = env[MARK]
    process.send_signal(sig)
    wait_until(lambda: not marked(MARK, mark), f"every process to stop after {sig.name}", timeout=15)
    wait_until(lambda: not any(port_in_use(port) for port in ports), "the ports to be free", timeout=15)
    process.wait()


@pytest.mark.parametrize("handling", ["stop_signals", "default"])
@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_a_program_owning_a_local_restate(
    sig: signal.Signals, handling: str, tmp_path: Path, env: dict[str, str]
) -> None:
    """Whatever ends the program, its server stops; with `stop_signals` it also cleans up."""
    (tmp_path / "owner.py").write_text(OWNER)
    out = tmp_path / "out.txt"
    with out.open("wb") as sink:
        process = spawn([sys.executable, str(tmp_path / "owner.py"), handling], env=env, stdout=sink)
    try:
        wait_until(lambda: _text(out).strip(), "the server to start")
        ingress, admin, node, base_dir = _text(out).split()
        assert len(marked(MARK, env[MARK])) == 2  # the program and its server
        _signal_and_check(process, sig, env, [int(ingress), int(admin), int(node)])
    finally:
        stop(process, kill=True)
    cleaned = sig is signal.SIGINT or (handling == "stop_signals" and sig is not signal.SIGKILL)
    if cleaned:  # stopped by the program, which cleaned up
        assert process.returncode == 0
        assert _text(out).splitlines()[-1] == "stopped"
        assert not Path(base_dir).exists()
    else:  # the program died of the signal; its server stopped by itself, and nobody cleaned up
        assert process.returncode == -sig
        shutil.rmtree(base_dir)


def _start_dev(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path, list[int]]:
    """`restagen dev` on free ports, its output in a log; returns it, the log and its ports."""
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    ports = [free_port(), free_port(), free_port()]
    command = ["dev", "hello.restagen.yaml", "-o", "gen", "--port", str(ports[0])]
    command += ["--ingress-port", str(ports[1]), "--admin-port", str(ports[2])]
    log = tmp_path / "dev.log"
    with log.open("wb") as sink:
        process = spawn(
            [sys.executable, "-m", "restagen", *command], env=env, cwd=tmp_path, stdout=sink, stderr=sink
        )
    return process, log, ports


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_restagen_dev(sig: signal.Signals, tmp_path: Path, env: dict[str, str]) -> None:
    process, log, ports = _start_dev(tmp_path, env)
    try:
        wait_until(lambda: "watching for changes" in _text(log), "dev to start", timeout=120)
        assert len(marked(MARK, env[MARK])) == 3  # dev, its server, its endpoint
        data = _server_dir(env)
        _signal_and_check(process, sig, env, ports)
    finally:
        stop(process, kill=True)
    if sig is signal.SIGKILL:  # the server stopped by itself, and nobody cleaned up
        shutil.rmtree(data)
    else:
        assert not data.exists()
        assert process.returncode == 0
        assert _text(log).splitlines()[-1] == "stopped"
        assert "Traceback" not in _text(log)


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_restagen_serve(sig: signal.Signals, tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "greeting_stop.py").write_text(APP)
    port = free_port()
    command = [sys.executable, "-m", "restagen", "serve", "greeting_stop:app", "--port", str(port)]
    process = spawn([*command, "--path", tmp_path], env=env)
    try:
        wait_until(lambda: port_in_use(port) or process.poll() is not None, "the endpoint to listen")
        assert process.poll() is None
        _signal_and_check(process, sig, env, [port])
    finally:
        stop(process, kill=True)
    if sig is not signal.SIGKILL:
        assert process.returncode == 0


def test_restagen_dev_ends_when_its_server_dies(tmp_path: Path, env: dict[str, str]) -> None:
    process, log, _ = _start_dev(tmp_path, env)
    try:
        wait_until(lambda: "watching for changes" in _text(log), "dev to start", timeout=120)
        (server,) = [pid for pid, cmd in marked(MARK, env[MARK]).items() if "restate-server" in cmd]
        data = _server_dir(env)
        os.kill(server, signal.SIGKILL)
        wait_until(lambda: not marked(MARK, env[MARK]), "dev and its endpoint to stop", timeout=15)
    finally:
        stop(process, kill=True)
    assert process.returncode == 1
    assert f"error: restate-server exited with code -9; the end of its log, {data}/server.log:" in _text(log)
    shutil.rmtree(data)  # kept for the user to read
    assert "Traceback" not in _text(log)
