"""How sure a figure of the suite is: bootstrap intervals over rounds, and verdicts that noise cannot fake.

On a shared 2-core machine single rounds of a round-trip comparison swing from 0.6 to 1.9, so a
median of 8 rounds can land on either side of a target by chance. `interval` resamples the rounds
(with replacement, from a seeded generator: the same rounds give the same interval) and returns
the central 95% of the statistic over the resamples. `verdict` calls a target missed only when the
whole interval is on the wrong side of it; a figure on the wrong side with an interval that reaches
the target is "within noise", neither met nor missed. Under `MIN_ROUNDS` rounds there is no
interval, and no verdict.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = [
    "CONFIDENCE",
    "MIN_ROUNDS",
    "interval",
    "median_interval",
    "paired_interval",
    "ratio_of_sums",
    "verdict",
]

T = TypeVar("T")

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 2024
MIN_ROUNDS = 3


def interval(
    samples: Sequence[T],
    statistic: Callable[[list[T]], float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> tuple[float, float] | None:
    """The percentile bootstrap interval of `statistic` over `samples` (one sample per round)."""
    if len(samples) < MIN_ROUNDS:
        return None
    pool = list(samples)
    generator = random.Random(seed)
    values = sorted(statistic(generator.choices(pool, k=len(pool))) for _ in range(resamples))
    tail = (1 - confidence) / 2
    low = values[int(tail * resamples)]
    high = values[min(resamples - 1, int((1 - tail) * resamples))]
    return low, high


def median_interval(samples: Sequence[float]) -> tuple[float, float] | None:
    """The interval of the median of per-round values (e.g. per-round ratios)."""
    return interval(samples, statistics.median)


def ratio_of_sums(pairs: list[tuple[float, float]]) -> float:
    """Sum of the first members over sum of the second (e.g. CPU seconds, generated / baseline)."""
    denominator = sum(second for _, second in pairs)
    return sum(first for first, _ in pairs) / denominator if denominator else float("inf")


def paired_interval(mine: Sequence[float], theirs: Sequence[float]) -> tuple[float, float] | None:
    """The interval of sum(mine) / sum(theirs), resampling the rounds as pairs."""
    return interval(list(zip(mine, theirs, strict=True)), ratio_of_sums)


def verdict(
    value: float,
    band: tuple[float, float] | None,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> str:
    """`met`, `MISSED` (the whole interval on the wrong side) or `within noise`; n/a without an interval."""
    if band is None:
        return f"n/a: under {MIN_ROUNDS} rounds"
    low, high = band
    if at_least is not None:
        if value >= at_least:
            return "met"
        return "MISSED" if high < at_least else "within noise"
    if at_most is not None:
        if value <= at_most:
            return "met"
        return "MISSED" if low > at_most else "within noise"
    raise ValueError("a target needs at_least or at_most")
