"""Head-to-head win rates (METRICS.md §4, §9) against hand-worked numbers and a naive implementation."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.metrics import competitors
from tests import naive_winrates as naive
from tests.factories import deal, insert_deals, new_store, random_deals


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    if rows:  # insert_deals' executemany refuses an empty list
        insert_deals(con, rows)
    return con.cursor()


def rival_rows() -> list[dict]:
    return [
        deal(outcome="won", competitor="Alpha", amount=100.0, close_date=date(2024, 2, 1), segment="SMB"),
        deal(outcome="won", competitor="Alpha", amount=None, close_date=date(2024, 5, 1)),
        deal(outcome="lost", competitor="Alpha", amount=300.0, close_date=date(2024, 6, 1)),
        deal(outcome="open", competitor="Alpha", amount=999.0),  # open: never in a rate
        deal(outcome="lost", competitor="Acme", amount=50.0, close_date=date(2024, 1, 10)),
        deal(outcome="lost", competitor="Acme", amount=None, close_date=date(2024, 3, 31)),
        deal(outcome="won", competitor="ACME", amount=70.0, close_date=date(2024, 7, 1)),  # case kept
        deal(outcome="won", competitor=None, amount=1.0, close_date=date(2024, 1, 1)),   # names none
        deal(outcome="lost", competitor="", amount=1.0, close_date=date(2024, 1, 1)),    # blank
    ]


def test_head_to_head_by_hand() -> None:
    df = competitors.head_to_head(store(rival_rows()), Filters())
    assert list(df.columns) == ["competitor", "won", "lost", "closed", "win_rate", "low", "high",
                                "small_sample", "won_amount", "lost_amount"]
    got = naive.records(df)
    # Alpha: 2 won, 1 lost → 2/3; amounts won 100 + NULL(0), lost 300
    # Acme: 0 won, 2 lost → 0/2; ACME: 1 won → 1/1 (a separate competitor: case kept)
    # sorted by closed desc: Alpha 3, Acme 2, ACME 1
    naive.assert_same(got, [
        {"competitor": "Alpha", "won": 2, "lost": 1, "closed": 3, "win_rate": 2 / 3,
         "small_sample": True, "won_amount": 100.0, "lost_amount": 300.0},
        {"competitor": "Acme", "won": 0, "lost": 2, "closed": 2, "win_rate": 0.0,
         "won_amount": 0.0, "lost_amount": 50.0},
        {"competitor": "ACME", "won": 1, "lost": 0, "closed": 1, "win_rate": 1.0,
         "won_amount": 70.0, "lost_amount": 0.0},
    ])
    low, high = proportion_confint(2, 3, method="wilson")
    assert (got[0]["low"], got[0]["high"]) == (pytest.approx(low), pytest.approx(high))


def test_as_dict_is_the_section_9_object() -> None:
    got = competitors.as_dict(store(rival_rows()), Filters())
    assert got == {
        "Alpha": {"won": 2, "lost": 1, "win_rate": pytest.approx(2 / 3)},
        "Acme": {"won": 0, "lost": 2, "win_rate": 0.0},
        "ACME": {"won": 1, "lost": 0, "win_rate": 1.0},
    }
    assert list(got) == ["Alpha", "Acme", "ACME"]
    for entry in got.values():
        assert type(entry["won"]) is int and type(entry["lost"]) is int
        assert type(entry["win_rate"]) is float
    json.dumps(got)  # plain Python values only


def test_head_to_head_applies_filters() -> None:
    cur = store(rival_rows())
    assert competitors.as_dict(cur, Filters(segment=("SMB",))) == {
        "Alpha": {"won": 1, "lost": 0, "win_rate": 1.0}}
    # window Jan–Mar 2024: Alpha won Feb 1; Acme lost Jan 10 and Mar 31 (last day, inclusive)
    q1 = competitors.as_dict(cur, Filters(start=date(2024, 1, 1), end=date(2024, 3, 31)))
    assert q1 == {"Acme": {"won": 0, "lost": 2, "win_rate": 0.0},
                  "Alpha": {"won": 1, "lost": 0, "win_rate": 1.0}}
    assert competitors.as_dict(cur, Filters(competitor=("ACME",))) == {
        "ACME": {"won": 1, "lost": 0, "win_rate": 1.0}}


def test_head_to_head_empty() -> None:
    df = competitors.head_to_head(store([deal(outcome="won", close_date=date(2024, 1, 1))]), Filters())
    assert df.empty
    assert competitors.as_dict(store([]), Filters()) == {}


def test_small_sample_per_competitor() -> None:
    rows = [deal(outcome="won" if i % 2 else "lost", competitor="Big", close_date=date(2024, 1, 1))
            for i in range(10)]
    rows += [deal(outcome="lost", competitor="Small", close_date=date(2024, 1, 1)) for _ in range(9)]
    got = {r["competitor"]: r for r in naive.records(competitors.head_to_head(store(rows), Filters()))}
    # Big: 10 closed → not small; Small: 9 closed → small
    assert (got["Big"]["closed"], bool(got["Big"]["small_sample"])) == (10, False)
    assert (got["Small"]["closed"], bool(got["Small"]["small_sample"])) == (9, True)


def test_trend_by_hand() -> None:
    df = competitors.trend(store(rival_rows()), Filters(), "quarter")
    assert list(df.columns) == ["period", "competitor", "won", "lost", "closed", "win_rate", "low",
                                "high", "small_sample"]
    # Q1: Acme 0/2, Alpha 1/1; Q2: Alpha 1 won 1 lost → 1/2; Q3: ACME 1/1
    naive.assert_same(naive.records(df), [
        {"period": date(2024, 1, 1), "competitor": "Acme", "won": 0, "lost": 2, "closed": 2,
         "win_rate": 0.0},
        {"period": date(2024, 1, 1), "competitor": "Alpha", "won": 1, "lost": 0, "closed": 1,
         "win_rate": 1.0},
        {"period": date(2024, 4, 1), "competitor": "Alpha", "won": 1, "lost": 1, "closed": 2,
         "win_rate": 0.5},
        {"period": date(2024, 7, 1), "competitor": "ACME", "won": 1, "lost": 0, "closed": 1,
         "win_rate": 1.0},
    ])
    with pytest.raises(InvalidSettingError):
        competitors.trend(store([]), Filters(), "fortnight")


FILTER_SETS = [
    Filters(),
    Filters(start=date(2023, 1, 1), end=date(2023, 12, 31)),
    Filters(segment=("SMB", "Enterprise"), region=("NA",)),
    Filters(competitor=("Alpha", "Gamma"), start=date(2022, 6, 15), owner=("Ann", "Cy")),
]


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
@pytest.mark.parametrize("filters", FILTER_SETS)
def test_head_to_head_matches_naive(seed: int, filters: Filters) -> None:
    con = new_store()
    insert_deals(con, random_deals(seed))
    got = naive.records(competitors.head_to_head(con.cursor(), filters))
    want = naive.head_to_head(con, filters)
    assert want
    naive.assert_same(got, want, keys=["competitor", "won", "lost", "closed", "win_rate", "low",
                                       "high", "small_sample", "won_amount", "lost_amount"])
