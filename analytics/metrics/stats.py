"""Small statistics helpers shared by the metrics: rates with honest intervals.

>>> r = rate(8, 10)
>>> round(r.value, 3), round(r.low, 3), round(r.high, 3), r.small_sample
(0.8, 0.49, 0.943, False)
>>> rate(0, 0).value is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: A group with fewer closed deals than this is flagged as a small sample (§4).
SMALL_SAMPLE = 10
#: z for a two-sided 95% interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """``successes / trials`` with its 95% Wilson interval; ``None`` values when trials is 0."""

    successes: int
    trials: int
    value: float | None
    low: float | None
    high: float | None
    small_sample: bool


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval for a binomial proportion.

    ``(center ± half) / denom`` with ``center = p + z²/2n``,
    ``half = z·sqrt(p(1−p)/n + z²/4n²)``, ``denom = 1 + z²/n``.
    """
    if trials <= 0:
        return None, None
    n = float(trials)
    p = successes / n
    denom = 1 + z * z / n
    center = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (center - half) / denom), min(1.0, (center + half) / denom)


def rate(successes: int, trials: int) -> Rate:
    """A :class:`Rate` for ``successes`` out of ``trials``."""
    successes, trials = int(successes), int(trials)
    low, high = wilson(successes, trials)
    value = successes / trials if trials else None
    return Rate(successes, trials, value, low, high, trials < SMALL_SAMPLE)
