"""Format stage: ruff sorts imports, drops unused ones and formats every generated module.

ruff runs once over a private scratch copy of the files (never over the output folder), with
restagen's own settings so that a user's configuration cannot change the bytes we produce. The
same settings are generated as `ruff.toml` at the top of the output folder: ruff checks each file
with the configuration closest to it, so a user's `ruff check` and `ruff format --check` judge the
generated code (and the implementations beside it) by the rules it was formatted with, wherever
the folder is and whatever the project's own configuration says.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from restagen.compiler.render.header import OWNED_MARKER

__all__ = ["RUFF_CONFIG", "FormatError", "format_files", "ruff_config"]

RUFF_CONFIG = "ruff.toml"
# Rules the generated code is held to (tests check the examples with them); E501 is left to
# the formatter, which cannot shorten long strings.
_LINT = ["B", "E", "F", "I", "UP", "W"]


def ruff_config(first_party: Iterable[str]) -> str:
    """The `ruff.toml` of an output folder whose top-level packages are `first_party`.

    Import sections must not depend on where the folder is or which files are formatted
    together: the generated packages are first-party and restagen third-party, as in a user's project.
    """
    return (
        f"{OWNED_MARKER}. DO NOT EDIT.\n"
        "# The settings restagen formats this folder with. ruff uses the configuration closest to\n"
        "# each file, so these apply here whatever the project's own configuration says.\n"
        'target-version = "py311"\n'
        "line-length = 88\n"
        'src = ["."]\n'
        "\n"
        "[lint]\n"
        f"select = {json.dumps(_LINT)}\n"
        'ignore = ["E501"]\n'
        "\n"
        "[lint.isort]\n"
        f"known-first-party = {json.dumps(sorted(set(first_party)))}\n"
        'known-third-party = ["restagen"]\n'
    )


class FormatError(RuntimeError):
    """ruff could not parse generated code: a bug in a generator, not in the user's schema."""


def _ruff(*args: str, cwd: Path) -> None:
    result = subprocess.run(
        [str(find_ruff_bin()), *args, "--config", RUFF_CONFIG, "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise FormatError(f"ruff {args[0]} failed:\n{result.stdout}{result.stderr}")


def format_files(files: dict[str, str], first_party: Iterable[str] = ()) -> dict[str, str]:
    """Format the Python files among `files`; other files pass through unchanged.

    `first_party` names the top-level packages of the whole program (default: those in `files`).
    """
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    if not python:
        return dict(files)
    tops = sorted(set(first_party) | {path.split("/")[0] for path in python if "/" in path})
    with tempfile.TemporaryDirectory(prefix="restagen-format-") as scratch:
        root = Path(scratch)
        for path, text in python.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (root / RUFF_CONFIG).write_text(ruff_config(tops), encoding="utf-8")
        _ruff("check", "--fix", "--select", "I,F401,UP", "--quiet", "--exit-zero", cwd=root)
        _ruff("format", "--quiet", cwd=root)
        formatted = {path: (root / path).read_text(encoding="utf-8") for path in python}
    if sys.platform == "win32":  # pragma: no cover
        formatted = {p: t.replace("\r\n", "\n") for p, t in formatted.items()}
    return {**files, **formatted}
