"""Garbage collection around the stages that build large structures that live on.

Python's cyclic collector runs a full collection, which visits every tracked object, each time the
objects that survived earlier collections have grown by a quarter. While a large schema is loaded
and resolved, nearly everything built lives on (node trees, documents, the IR) and little of it is a
cycle to free, so those full collections find nothing and their number and size both grow with the
schema: generation time grew faster than the schema. Two helpers keep that cost linear:

- `paused_collection`: no cyclic collection while loading and resolving (what it builds is freed by
  reference counting; the collector runs again at the end, as usual);
- `frozen_heap`: while rendering, what exists already (the IR, the loaded modules) is left out of
  every collection (`gc.freeze`), so that collecting the garbage of each package's rendering visits
  only what that rendering made. It is put back on exit (`gc.unfreeze`): a long-running process,
  such as `restagen dev`, frees the IR of one run on the next as before.

Neither changes what is generated, only when unreachable cycles are freed.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["frozen_heap", "paused_collection"]


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """No automatic cyclic collection inside; the collector's state is restored on exit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Every object alive on entry is left out of collections until exit."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
