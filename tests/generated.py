"""Generated packages in tests: generate definitions into a folder and import from it for a while.

Tests that run generated code generate it into a temporary folder and put that folder on the
import path, with the definitions' folder (where implementations sit beside the schemas). They must
leave both the path and `sys.modules` as they found them, or a later test would import a stale
package of the same name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from restagen.cli import main as restagen

__all__ = ["generated"]


@contextmanager
def generated(out: Path, schemas: Path, *modules: str) -> Iterator[Path]:
    """`schemas` generated into `out`, importable (with `schemas` itself, for implementations)
    until the block ends; then `modules` and their submodules are forgotten."""
    assert restagen(["generate", str(schemas), "-o", str(out)]) == 0
    sys.path[:0] = [str(out), str(schemas)]
    try:
        yield out
    finally:
        sys.path.remove(str(out))
        sys.path.remove(str(schemas))
        for name in [m for m in sys.modules if m in modules or m.split(".")[0] in modules]:
            del sys.modules[name]
