"""The command line of a runtime-only install (`pip install restagen`, no `compiler` extra).

Each case runs in a child interpreter whose imports of the compiler's libraries fail, as they do
where the extra is not installed: `serve` and `register` work, their help and the top-level help
print, and a compiler command exits 1 with the install hint instead of a traceback. The same is
checked against a real wheel in tests/install/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from restagen.cli import COMPILER_LIBRARIES

ROOT = Path(__file__).resolve().parents[1]

# A meta path finder, first in line, that refuses the compiler's libraries, then the CLI.
BLOCKED = """
import sys

BLOCKED = {blocked!r}


class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, Refuse())
{body}
leaked = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
assert not leaked, leaked
sys.exit(code)
"""
CLI = "from restagen.cli import main\n\ncode = main(sys.argv[1:])"


def run(*args: str, cwd: Path | None = None, body: str = CLI) -> subprocess.CompletedProcess[str]:
    blocked = sorted({name.split(".")[0] for name in COMPILER_LIBRARIES})
    return subprocess.run(
        [sys.executable, "-c", BLOCKED.format(blocked=blocked, body=body), *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [["--help"], ["serve", "--help"], ["register", "--help"], ["events", "undelivered", "--help"], ["--version"]],
)
def test_runtime_commands_and_help_work_without_the_compiler(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "command", ["generate", "validate", "breaking", "init", "dev", "export", "schema", "pull"]
)
def test_a_compiler_command_without_the_compiler_says_how_to_install_it(command: str, tmp_path: Path) -> None:
    args = [command, "module.py"] if command == "export" else [command]
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"error: restagen {command} needs the compiler: pip install 'restagen[compiler]'\n"
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == [], "nothing is written"


def test_register_runs_without_the_compiler() -> None:
    """Past argument parsing: it reaches the admin API (here, none) and reports a user error."""
    done = run("register", "--admin", "http://127.0.0.1:1", "--uri", "http://127.0.0.1:2", "--timeout", "0.2")
    assert done.returncode == 1
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr


def test_sagas_list_runs_without_the_compiler() -> None:
    done = run("sagas", "list", "--admin", "http://127.0.0.1:1")
    assert done.returncode == 1
    assert "cannot reach the Restate admin API" in done.stderr and "Traceback" not in done.stderr


def test_the_runtime_the_testing_kit_and_the_project_configuration_import_without_the_compiler() -> None:
    body = (
        "import restagen, restagen.project, restagen.kafka_subscriptions, restagen.local.serve\n"
        "import restagen.undelivered\n"
        "import restagen.runtime, restagen.runtime._endpoint.endpoint, restagen.runtime._core.ingress\n"
        "from restagen.testing import FakeContext, SagaTestKit, local_restate, serve\n"
        "code = 0"
    )
    done = run(body=body)
    assert done.returncode == 0, done.stderr
