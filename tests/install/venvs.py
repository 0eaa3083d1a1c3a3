"""Helpers of the install tests: clean virtual environments, the wheel, processes stopped for sure.

Commands run in a venv with a scrubbed environment: the venv's `bin` first on PATH, no PYTHONPATH,
so nothing of the repository can be imported by accident. Every process started with `running`
has its own process group and is stopped when its block ends, whatever happened inside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from restagen.local.processes import stop
from tests.polling import wait_until

__all__ = ["Venv", "Wheel", "create_venv", "running", "wait_listening"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Venv:
    """A virtual environment and a way to run its commands as a user's shell would."""

    path: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        # The repository's own venv must not be on PATH: only this one and the system's.
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))]
        return {
            **keep,
            "PATH": os.pathsep.join([str(self.bin), *path]),
            "VIRTUAL_ENV": str(self.path),
            **extra,
        }

    def run(
        self, *args: str | Path, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=self.env(**(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def pip_install(self, *requirements: str, cwd: Path) -> None:
        done = self.run(self.bin / "python", "-m", "pip", "install", "-q", *requirements, cwd=cwd)
        assert done.returncode == 0, done.stdout + done.stderr


def create_venv(path: Path) -> Venv:
    """A clean virtual environment (no system site-packages), from the interpreter running the tests."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return Venv(path)


@dataclass(frozen=True)
class Wheel:
    path: Path
    version: str

    def requirement(self, extras: str = "") -> str:
        """A requirement that pip resolves to this wheel: `restagen[extras] @ file:///...`."""
        return f"restagen{extras} @ {self.path.as_uri()}"


@contextmanager
def running(
    command: Sequence[str | Path], *, venv: Venv, cwd: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` running in its own process group until the block ends, then stopped (killed if
    it does not stop within 10 s)."""
    log = (cwd / "process.log").open("wb")
    process = subprocess.Popen(
        [str(c) for c in command],
        cwd=cwd,
        env=venv.env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    try:
        yield process
    finally:
        stop(process)


def wait_listening(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait until the endpoint at `url` answers its health check; fail early if it exited."""

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the endpoint exited with {process.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(up, f"{url} to listen")
