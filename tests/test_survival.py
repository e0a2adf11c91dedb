"""Kaplan–Meier (analytics.survival) by hand and against lifelines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from analytics.metrics.stats import Z95
from analytics.metrics.survival import COLUMNS, kaplan_meier


def lifelines_fit(durations, events, weights=None) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(durations, events, weights=weights)


def assert_matches_lifelines(km, kmf: KaplanMeierFitter) -> None:
    """Same timeline, counts, survival and 95% band as lifelines' defaults."""
    assert list(km["time"]) == list(kmf.timeline)
    table = kmf.event_table
    assert list(km["at_risk"]) == list(table["at_risk"])
    assert list(km["events"]) == list(table["observed"])
    assert list(km["censored"]) == list(table["censored"])
    np.testing.assert_allclose(km["survival"], kmf.survival_function_.iloc[:, 0], rtol=0, atol=1e-12)
    ci = kmf.confidence_interval_
    np.testing.assert_allclose(km["low"], ci.iloc[:, 0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(km["high"], ci.iloc[:, 1], rtol=0, atol=1e-10)


def test_hand_example():
    # durations 3, 5, 5, 8, 10, 12 ; events yes, yes, no, yes, no, yes
    # t=0:  n=6 d=0        S = 1
    # t=3:  n=6 d=1        S = 5/6                      V = 1/(6*5)          = 1/30
    # t=5:  n=5 d=1 c=1    S = 5/6 * 4/5 = 2/3          V = 1/30 + 1/(5*4)   = 1/30 + 1/20
    # t=8:  n=3 d=1        S = 2/3 * 2/3 = 4/9          V += 1/(3*2)
    # t=10: n=2 d=0 c=1    S = 4/9                      V unchanged
    # t=12: n=1 d=1        S = 0                        (n == d: adds 0, band [0, 0])
    km = kaplan_meier([3, 5, 5, 8, 10, 12], [1, 1, 0, 1, 0, 1])
    assert list(km.columns) == list(COLUMNS)
    assert list(km["time"]) == [0, 3, 5, 8, 10, 12]
    assert list(km["at_risk"]) == [6, 6, 5, 3, 2, 1]
    assert list(km["events"]) == [0, 1, 1, 1, 0, 1]
    assert list(km["censored"]) == [0, 0, 1, 0, 1, 0]
    np.testing.assert_allclose(km["survival"], [1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0], atol=1e-15)
    # band at t=5 by hand: log(-log S) -/+ z sqrt(V) / log S
    s, v = 2 / 3, 1 / 30 + 1 / 20
    ls = math.log(s)
    low = math.exp(-math.exp(math.log(-ls) - Z95 * math.sqrt(v) / ls))
    high = math.exp(-math.exp(math.log(-ls) + Z95 * math.sqrt(v) / ls))
    assert km.loc[2, "low"] == pytest.approx(low, abs=1e-12)
    assert km.loc[2, "high"] == pytest.approx(high, abs=1e-12)
    assert low < s < high
    assert (km.loc[0, "low"], km.loc[0, "high"]) == (1.0, 1.0)
    assert (km.loc[5, "low"], km.loc[5, "high"]) == (0.0, 0.0)
    assert_matches_lifelines(km, lifelines_fit([3, 5, 5, 8, 10, 12], [1, 1, 0, 1, 0, 1]))


@pytest.mark.parametrize("seed", range(8))
def test_random_against_lifelines(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    durations = rng.integers(0, 60, n).astype(float)  # many ties, some zeros
    events = rng.random(n) < rng.uniform(0.1, 0.9)
    km = kaplan_meier(durations, events)
    assert_matches_lifelines(km, lifelines_fit(durations, events))


def test_counts_are_grouped_subjects():
    # 3 subjects at 2 (event), 2 at 2 (censored), 4 at 7 (event), 1 at 9 (censored)
    grouped = kaplan_meier([2, 2, 7, 9], [True, False, True, False], [3, 2, 4, 1])
    expanded = kaplan_meier([2] * 5 + [7] * 4 + [9], [1, 1, 1, 0, 0] + [1] * 4 + [0])
    assert grouped.equals(expanded)
    assert_matches_lifelines(grouped, lifelines_fit([2, 2, 7, 9], [1, 0, 1, 0], [3, 2, 4, 1]))


def test_events_at_time_zero_and_all_censored():
    km = kaplan_meier([0, 0, 1, 4], [1, 0, 1, 0])
    assert km.loc[0, "survival"] == pytest.approx(3 / 4)  # S(0) < 1 when events happen at 0
    assert_matches_lifelines(km, lifelines_fit([0, 0, 1, 4], [1, 0, 1, 0]))
    censored = kaplan_meier([1, 2, 3], [0, 0, 0])
    assert list(censored["survival"]) == [1.0] * 4
    assert list(censored["low"]) == [1.0] * 4 and list(censored["high"]) == [1.0] * 4


def test_empty_input_is_one_row_at_zero():
    km = kaplan_meier([], [])
    assert km.to_dict("records") == [
        {"time": 0.0, "at_risk": 0, "events": 0, "censored": 0, "survival": 1.0, "low": 1.0,
         "high": 1.0}]


@pytest.mark.parametrize("durations,events,counts", [
    ([1, -1], [1, 1], None),
    ([1, float("nan")], [1, 1], None),
    ([1, 2], [1], None),
    ([1, 2], [1, 1], [1, -1]),
])
def test_bad_input(durations, events, counts):
    with pytest.raises(ValueError):
        kaplan_meier(durations, events, counts)
