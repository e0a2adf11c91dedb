"""Kaplan–Meier product-limit estimate with a Greenwood log(−log) 95% band.

At each distinct time t with ``n`` subjects still at risk (duration ≥ t) and
``d`` events at t:

- ``S(t) = Π (1 − d/n)`` over the event times up to t;
- Greenwood: ``V(t) = Σ d / (n (n − d))`` over the same times;
- band (the "exponential Greenwood" / log(−log) interval lifelines uses by
  default): ``exp(−exp(log(−log S) ∓ z·√V / log S))``, z the 97.5% normal quantile.
  Where S is 1 the band is [1, 1]; a step that takes S to 0 adds 0 to V and the
  band is [0, 0] (both as lifelines does).

Censored subjects (event False) count as at risk up to and including their own
time. The table starts at time 0; S(0) is 1 unless events happen at time 0.

Example: durations 2, 2, 5, 7, 7 with events yes, no, yes, yes, yes:
at 2, n=5, d=1 → S = 4/5; at 5, n=3, d=1 → S = 4/5 · 2/3 = 0.5333; at 7, n=2,
d=2 → S = 0.

>>> km = kaplan_meier([2, 2, 5, 7, 7], [True, False, True, True, True])
>>> km["time"].tolist()
[0.0, 2.0, 5.0, 7.0]
>>> km[["at_risk", "events", "censored"]].values.tolist()
[[5, 0, 0], [5, 1, 1], [3, 1, 0], [2, 2, 0]]
>>> [round(s, 4) for s in km["survival"]]
[1.0, 0.8, 0.5333, 0.0]
>>> [round(x, 4) for x in km["low"]], [round(x, 4) for x in km["high"]]
([1.0, 0.2038, 0.0683, 0.0], [1.0, 0.9692, 0.8631, 0.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.metrics.stats import Z95

COLUMNS: tuple[str, ...] = ("time", "at_risk", "events", "censored", "survival", "low", "high")


def kaplan_meier(
    durations: Sequence[float] | np.ndarray | pd.Series,
    events: Sequence[bool] | np.ndarray | pd.Series,
    counts: Sequence[int] | np.ndarray | pd.Series | None = None,
    *,
    z: float = Z95,
) -> pd.DataFrame:
    """The Kaplan–Meier table: time, at_risk, events, censored, survival, low, high.

    ``durations`` (≥ 0) and ``events`` (True = the event happened at that time,
    False = censored then) are one entry per subject, or per group of
    ``counts[i]`` identical subjects (so a caller can pass a SQL ``GROUP BY``
    instead of one row per subject). One output row per distinct time plus time 0.
    """
    t = np.asarray(durations, dtype=float).reshape(-1)
    e = np.asarray(events, dtype=bool).reshape(-1)
    w = (np.ones(len(t), dtype=np.int64) if counts is None
         else np.asarray(counts, dtype=np.int64).reshape(-1))
    if not len(t) == len(e) == len(w):
        raise ValueError("durations, events and counts must have the same length.")
    if len(t) and (not np.isfinite(t).all() or (t < 0).any()):
        raise ValueError("durations must be finite and 0 or more.")
    if (w < 0).any():
        raise ValueError("counts must be 0 or more.")

    times = np.unique(np.concatenate([[0.0], t]))
    idx = np.searchsorted(times, t)
    removed = np.bincount(idx, weights=w, minlength=len(times)).astype(np.int64)
    deaths = np.bincount(idx, weights=np.where(e, w, 0), minlength=len(times)).astype(np.int64)
    at_risk = int(w.sum()) - np.concatenate([[0], np.cumsum(removed)[:-1]])

    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - deaths / np.maximum(at_risk, 1), 1.0)
        survival = np.cumprod(factor)
        step = np.where(
            (deaths > 0) & (at_risk > deaths),
            deaths / (at_risk.astype(float) * (at_risk - deaths)),
            0.0,
        )
        var = np.cumsum(step)
        log_s = np.log(survival)
        spread = z * np.sqrt(var) / log_s
        low = np.exp(-np.exp(np.log(-log_s) - spread))
        high = np.exp(-np.exp(np.log(-log_s) + spread))
    low = np.where(np.isnan(low), 1.0, low)
    high = np.where(np.isnan(high), 1.0, high)

    return pd.DataFrame({
        "time": times,
        "at_risk": at_risk,
        "events": deaths,
        "censored": removed - deaths,
        "survival": survival,
        "low": low,
        "high": high,
    }, columns=list(COLUMNS))
