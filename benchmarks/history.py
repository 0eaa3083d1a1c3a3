"""The figures of one run of the suite, as a JSON file that a later run can be compared with.

`run.py --json FILE` writes every figure it prints, with what it was measured on: the commit, the
machine, the versions of the tools, the load average at the start and the end. A figure measured
over rounds carries its 95% bootstrap interval (`low`, `high`), which `compare.py` uses to tell a
change from noise.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Figures", "load"]

FORMAT = "restagen-benchmarks/1"
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "restagen",
    "restate-sdk",
    "pydantic",
    "pydantic-core",
    "httpx",
    "hypercorn",
    "pymongo",
    "datamodel-code-generator",
)


@dataclass
class Figures:
    """Figures by name; a name reads `item / scenario / what`, and stays the same from run to run."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_at_start: tuple[float, float, float] = field(default_factory=os.getloadavg)

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        interval: tuple[float, float] | None = None,
        better: str | None = None,
    ) -> None:
        """Record `value`; `better` is "higher" or "lower" where one direction is an improvement."""
        figure: dict[str, Any] = {"value": value, "unit": unit}
        if interval is not None:
            figure["low"], figure["high"] = interval
        if better is not None:
            figure["better"] = better
        self.values[name] = figure

    def document(self, *, quick: bool, server: str | None) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "commit": _git("rev-parse", "HEAD"),
            "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "quick": quick,
            "machine": _machine(),
            "versions": {"python": platform.python_version(), "restate-server": server, **_versions()},
            "load_average": {"start": list(self.load_at_start), "end": list(os.getloadavg())},
            "figures": self.values,
        }

    def write(self, path: Path, *, quick: bool, server: str | None) -> None:
        path.write_text(
            json.dumps(self.document(quick=quick, server=server), indent=2, sort_keys=True) + "\n"
        )


def load(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text())
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SystemExit(f"{path}: not a file written by benchmarks/run.py --json")
    return document


def _git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return result.stdout.strip()


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _machine() -> dict[str, Any]:
    model = ""
    memory_kib = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "system": f"{platform.system()} {platform.release()}",
        "implementation": f"{platform.python_implementation()} {sys.version.split()[0]}",
    }
