"""Format stage: ruff sorts imports, drops unused ones and formats every generated module.

ruff runs once over a private scratch copy of the files (never over the output folder), with its
own fixed settings so that a user's configuration cannot change the bytes we produce.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ruff.__main__ import find_ruff_bin

__all__ = ["FormatError", "format_files"]

_SETTINGS = ["--isolated", "--line-length", "88", "--target-version", "py311"]


class FormatError(RuntimeError):
    """ruff could not parse generated code: a bug in a generator, not in the user's schema."""


def _ruff(*args: str, cwd: Path, first_party: list[str]) -> None:
    # Import sections must not depend on which files happen to be formatted together: name the
    # generated packages first-party and restagen third-party, as they are in a user's project.
    sections = [
        "--config",
        f"lint.isort.known-first-party={json.dumps(first_party)}",
        "--config",
        'lint.isort.known-third-party=["restagen"]',
    ]
    result = subprocess.run(
        [str(find_ruff_bin()), *args, *_SETTINGS, *sections, "."],
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
        _ruff("check", "--fix", "--select", "I,F401,UP", "--quiet", "--exit-zero", cwd=root, first_party=tops)
        _ruff("format", "--quiet", cwd=root, first_party=tops)
        formatted = {path: (root / path).read_text(encoding="utf-8") for path in python}
    if sys.platform == "win32":  # pragma: no cover
        formatted = {p: t.replace("\r\n", "\n") for p, t in formatted.items()}
    return {**files, **formatted}
