"""Sales cycle and stage at loss against hand-worked numbers."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pytest

from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.metrics import cycle
from tests import naive_winrates as naive
from tests.factories import deal, insert_deals, new_store, random_deals

START = date(2024, 1, 1)


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    if rows:  # insert_deals' executemany refuses an empty list
        insert_deals(con, rows)
    return con.cursor()


def closed_after(outcome: str, days: int, **fields: object) -> dict:
    return deal(outcome=outcome, created_date=START, close_date=START + timedelta(days=days), **fields)


def cycle_rows() -> list[dict]:
    return [
        closed_after("won", 10, segment="SMB"), closed_after("won", 30), closed_after("won", 14),
        closed_after("won", 15),
        closed_after("lost", 40, segment="SMB"), closed_after("lost", 0), closed_after("lost", 29),
        deal(outcome="won", created_date=None, close_date=START),  # no created date: no cycle
        deal(outcome="open", created_date=START),  # open: no cycle
    ]


def test_cycle_summary_by_hand() -> None:
    got = naive.records(cycle.cycle_summary(store(cycle_rows()), Filters()))
    # won 10, 14, 15, 30: mean 69/4 = 17.25; median (14 + 15)/2 = 14.5;
    #   p25 at position 3 × 0.25 = 0.75 → 10 + 0.75 × 4 = 13; p75 at 2.25 → 15 + 0.25 × 15 = 18.75
    # lost 0, 29, 40: mean 69/3 = 23; median 29; p25 at 0.5 → 14.5; p75 at 1.5 → 29 + 5.5 = 34.5
    naive.assert_same(got, [
        {"outcome": "won", "deals": 4, "mean_days": 17.25, "median_days": 14.5,
         "p25_days": 13.0, "p75_days": 18.75},
        {"outcome": "lost", "deals": 3, "mean_days": 23.0, "median_days": 29.0,
         "p25_days": 14.5, "p75_days": 34.5},
    ])
    for row, days in zip(got, ([10, 30, 14, 15], [40, 0, 29]), strict=True):
        assert row["p25_days"] == pytest.approx(np.percentile(days, 25))
        assert row["p75_days"] == pytest.approx(np.percentile(days, 75))


def test_cycle_summary_always_has_both_rows() -> None:
    got = naive.records(cycle.cycle_summary(store([closed_after("won", 5)]), Filters()))
    assert [(r["outcome"], r["deals"], r["mean_days"]) for r in got] == [("won", 1, 5.0),
                                                                        ("lost", 0, None)]


def test_cycle_summary_applies_filters() -> None:
    got = naive.records(cycle.cycle_summary(store(cycle_rows()), Filters(segment=("SMB",))))
    # SMB: one won of 10 days, one lost of 40
    assert [(r["outcome"], r["deals"], r["median_days"]) for r in got] == [("won", 1, 10.0),
                                                                          ("lost", 1, 40.0)]


def test_cycle_histogram_by_hand() -> None:
    cur = store(cycle_rows())
    got = naive.records(cycle.cycle_histogram(cur, Filters(), bin_days=15))
    # won 10 → 0, 14 → 0, 15 → 15, 30 → 30; lost 0 → 0, 29 → 15, 40 → 30; won first
    assert [(r["outcome"], r["bin_start"], r["deals"]) for r in got] == [
        ("won", 0, 2), ("won", 15, 1), ("won", 30, 1),
        ("lost", 0, 1), ("lost", 15, 1), ("lost", 30, 1)]
    weekly = naive.records(cycle.cycle_histogram(cur, Filters(), bin_days=7))
    # won 10 → 7, 14 → 14, 15 → 14, 30 → 28
    assert [(r["bin_start"], r["deals"]) for r in weekly if r["outcome"] == "won"] == [
        (7, 1), (14, 2), (28, 1)]


def test_cycle_histogram_negative_cycle() -> None:
    # closed 3 days before it was created (a back-dated deal): bin −15 with 15-day bins
    got = naive.records(cycle.cycle_histogram(store([closed_after("lost", -3)]), Filters()))
    assert got == [{"outcome": "lost", "bin_start": -15, "deals": 1}]


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_cycle_histogram_rejects_bad_bins(bad: object) -> None:
    with pytest.raises(InvalidSettingError):
        cycle.cycle_histogram(store([]), Filters(), bin_days=bad)  # type: ignore[arg-type]


def test_stage_at_loss_by_hand() -> None:
    rows = [
        deal(outcome="lost", loss_stage="Proposal", amount=100.0, close_date=START),
        deal(outcome="lost", loss_stage="Proposal", amount=None, close_date=START),
        deal(outcome="lost", loss_stage="Proposal", amount=50.0, close_date=START),
        deal(outcome="lost", loss_stage="Demo", amount=200.0, close_date=START),
        deal(outcome="lost", loss_stage=None, amount=999.0, close_date=START),   # no stage
        deal(outcome="lost", loss_stage=" ", amount=999.0, close_date=START),    # blank stage
        deal(outcome="won", loss_stage="Proposal", amount=999.0, close_date=START),  # not lost
    ]
    got = naive.records(cycle.stage_at_loss(store(rows), Filters()))
    # 4 lost deals with a stage: Proposal 3 → 3/4, amount 100 + 0 + 50; Demo 1 → 1/4, 200
    naive.assert_same(got, [
        {"loss_stage": "Proposal", "deals": 3, "amount": 150.0, "share": 0.75},
        {"loss_stage": "Demo", "deals": 1, "amount": 200.0, "share": 0.25},
    ])


def test_stage_at_loss_empty_when_the_export_had_none() -> None:
    con = new_store()
    insert_deals(con, random_deals(5, 100))
    df = cycle.stage_at_loss(con.cursor(), Filters())
    assert df.empty
    assert list(df.columns) == ["loss_stage", "deals", "amount", "share"]
