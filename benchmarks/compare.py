"""Compare two runs of the suite: the ratio B/A of every figure both files hold.

    .venv/bin/python benchmarks/compare.py before.json after.json
    .venv/bin/python benchmarks/compare.py before.json after.json --moved   # only what moved

The files are written by `benchmarks/run.py --json FILE`. A figure measured over rounds carries its
95% bootstrap interval; where both runs have one, a figure whose intervals do not overlap has
moved beyond its noise, and is flagged `better` or `worse` (by the direction the figure improves
in) or `moved`. Where a figure has no interval (best rounds, single measurements) the ratio is
printed and the flag says `no interval`: only a change well beyond the machine's noise means
anything there. Figures only one run has are listed by name at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from history import load

__all__ = ["flag", "main"]


def flag(before: dict[str, Any], after: dict[str, Any]) -> str:
    """`better`, `worse` or `moved` beyond the noise; `within noise`; or `no interval`."""
    if not {"low", "high"} <= before.keys() or not {"low", "high"} <= after.keys():
        return "no interval"
    if after["low"] > before["high"]:
        direction = "up"
    elif after["high"] < before["low"]:
        direction = "down"
    else:
        return "within noise"
    better = before.get("better")
    if better is None:
        return "moved"
    return "better" if (direction == "up") == (better == "higher") else "worse"


def _describe(document: dict[str, Any]) -> str:
    load = document["load_average"]
    versions = document["versions"]
    return (
        f"commit {document['commit'][:12] or '?'}{' (with changes)' if document['dirty'] else ''}"
        f"{', quick' if document['quick'] else ''}; {document['machine']['cpus']} CPUs "
        f"({document['machine']['cpu_model']}); Python {versions['python']}, restate-server "
        f"{versions.get('restate-server') or '?'}, restate-sdk {versions.get('restate-sdk') or '?'}, "
        f"pydantic {versions.get('pydantic') or '?'}; load average {load['start'][0]:.2f} at the start, "
        f"{load['end'][0]:.2f} at the end"
    )


def _format(figure: dict[str, Any]) -> str:
    text = f"{figure['value']:.4g}"
    if "low" in figure:
        text += f" [{figure['low']:.4g}-{figure['high']:.4g}]"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("before", type=Path, help="a file of benchmarks/run.py --json (A)")
    parser.add_argument("after", type=Path, help="another one (B)")
    parser.add_argument(
        "--moved", action="store_true", help="print only the figures that moved beyond their noise"
    )
    args = parser.parse_args(argv)
    before, after = load(args.before), load(args.after)
    print(f"A: {args.before}: {_describe(before)}")
    print(f"B: {args.after}: {_describe(after)}")
    shared = [name for name in before["figures"] if name in after["figures"]]
    print("\n| figure | unit | A | B | B/A | change |")
    print("|---|---|---:|---:|---:|---|")
    counts: dict[str, int] = {}
    for name in shared:
        a, b = before["figures"][name], after["figures"][name]
        change = flag(a, b)
        counts[change] = counts.get(change, 0) + 1
        if args.moved and change in ("within noise", "no interval"):
            continue
        ratio = f"{b['value'] / a['value']:.3f}" if a["value"] else "n/a: A is 0"
        print(f"| {name} | {a['unit']} | {_format(a)} | {_format(b)} | {ratio} | {change} |")
    print(
        f"\n{len(shared)} shared figures: "
        + ", ".join(f"{count} {change}" for change, count in sorted(counts.items()))
    )
    for label, document, other in (("A", before, after), ("B", after, before)):
        only = sorted(set(document["figures"]) - set(other["figures"]))
        if only:
            print(f"only in {label}: " + "; ".join(only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
