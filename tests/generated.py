"""Generated packages in tests: generate definitions into a folder and import from it for a while.

Tests that run generated code generate it into a temporary folder, put that folder (and any
implementation folders beside it) on the import path, and must leave both the path and
`sys.modules` as they found them, or a later test would import a stale package of the same name.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from restagen.cli import main as restagen

__all__ = ["generated"]


@contextlib.contextmanager
def generated(
    schemas: Path, out: Path, *, modules: tuple[str, ...], paths: tuple[Path, ...] = ()
) -> Iterator[Path]:
    """Generate `schemas` into `out` and make `out` (then `paths`) importable; on leaving, forget
    them and every module named in `modules` or inside those packages."""
    assert restagen(["generate", str(schemas), "-o", str(out)]) == 0
    added = [str(out), *(str(path) for path in paths)]
    sys.path[:0] = added
    try:
        yield out
    finally:
        del sys.path[: len(added)]
        for name in [m for m in sys.modules if m.split(".")[0] in modules]:
            del sys.modules[name]
