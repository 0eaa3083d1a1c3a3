"""Incremental regeneration: after a one-line change in one package file, against a full run.

The synthetic schema is spread over many package files (100 by default). Each round generates it into
an empty folder (the full run), changes the description line of the last package file (a domain that
no other package imports), generates again into the same folder (the incremental run: the cache
renders and formats only the changed package again), then puts the line back. Both runs go through
the CLI in this process, like the other in-process measurements of `generation.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from synthetic import SchemaSize, write_schema

__all__ = ["TARGET", "IncrementalResult", "measure_incremental"]

TARGET = 0.15
"""Incremental run / full run, at most."""

Generate = Callable[[Path, Path, str], str]
"""Run `restagen generate SCHEMAS -o OUT`, failing unless its summary contains the given text;
return the summary."""


@dataclass(frozen=True)
class IncrementalResult:
    size: SchemaSize
    changed: str
    """The package file whose line was changed."""
    full: list[float]
    incremental: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.incremental) / statistics.median(self.full)


def measure_incremental(
    root: Path, size: SchemaSize, repeat: int, seed: int, generate: Generate
) -> IncrementalResult:
    schemas = root / f"incremental-schemas-{size.handlers}-{size.packages}"
    written = write_schema(schemas, size, seed=seed)
    path = written[-1]
    original = path.read_text(encoding="utf-8")
    line = next(line for line in original.splitlines() if line.startswith("description: "))
    edited = original.replace(line, line.rstrip(".") + ", changed.", 1)
    full: list[float] = []
    incremental: list[float] = []
    for round_number in range(repeat):
        out = root / f"incremental-out-{round_number}"
        start = time.perf_counter()
        generate(schemas, out, "changed)")
        full.append(time.perf_counter() - start)
        path.write_text(edited, encoding="utf-8")
        try:
            start = time.perf_counter()
            summary = generate(schemas, out, "changed)")
            incremental.append(time.perf_counter() - start)
        finally:
            path.write_text(original, encoding="utf-8")
        if "(0 changed)" in summary:
            raise SystemExit(f"changing {path.name} changed no generated file: {summary}")
    return IncrementalResult(size, path.name, full, incremental)
