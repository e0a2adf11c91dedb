"""Win rates (METRICS.md §4) against hand-worked numbers and a naive implementation."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, DIMENSIONS, Filters
from analytics.metrics import winrates
from analytics.metrics.stats import wilson
from tests import naive_winrates as naive
from tests.factories import deal, insert_deals, new_store, random_deals


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    if rows:  # insert_deals' executemany refuses an empty list
        insert_deals(con, rows)
    return con.cursor()


def basic_rows() -> list[dict]:
    """3 won, 5 lost (2 no decision), 2 open; amounts, cycles and segments worked out below."""
    return [
        deal(opportunity_id="W1", outcome="won", amount=100.0, segment="SMB",
             created_date=date(2024, 1, 1), close_date=date(2024, 1, 11)),  # 10 days
        deal(opportunity_id="W2", outcome="won", amount=200.0, segment="SMB",
             created_date=date(2024, 1, 1), close_date=date(2024, 1, 31)),  # 30 days
        deal(opportunity_id="W3", outcome="won", amount=None, segment=None,
             created_date=None, close_date=date(2024, 2, 15)),  # no cycle
        deal(opportunity_id="L1", outcome="lost", amount=300.0, segment="SMB",
             loss_reason_raw="Too expensive",  # price
             created_date=date(2024, 1, 1), close_date=date(2024, 2, 10)),  # 40 days
        deal(opportunity_id="L2", outcome="lost", amount=100.0, segment="Enterprise",
             loss_reason_raw="went dark",  # no_decision
             created_date=date(2024, 2, 1), close_date=date(2024, 2, 21)),  # 20 days
        deal(opportunity_id="L3", outcome="lost", amount=None, segment="",
             loss_reason_raw="No decision",  # no_decision
             created_date=None, close_date=date(2024, 3, 1)),
        deal(opportunity_id="L4", outcome="lost", amount=50.0, segment="  ",
             loss_reason_raw="Missing features",  # product_fit
             created_date=date(2024, 3, 1), close_date=date(2024, 3, 5)),  # 4 days
        deal(opportunity_id="L5", outcome="lost", amount=50.0, segment="Enterprise",
             loss_reason_raw="",  # unspecified
             created_date=date(2024, 3, 10), close_date=date(2024, 3, 20)),  # 10 days
        deal(opportunity_id="O1", outcome="open", amount=1000.0, segment="Mid-Market",
             created_date=date(2024, 1, 5)),
        deal(opportunity_id="O2", outcome="open", amount=None, segment="SMB"),
    ]


# --- headline --------------------------------------------------------------------------


def test_headline_by_hand() -> None:
    h = winrates.headline(store(basic_rows()), Filters())
    assert (h.total, h.won, h.lost, h.open, h.closed) == (10, 3, 5, 2, 8)
    # 3 won, 5 lost → 3/8 = 0.375
    assert h.win_rate.value == pytest.approx(0.375)
    assert (h.win_rate.successes, h.win_rate.trials) == (3, 8)
    assert h.win_rate.small_sample  # 8 < 10
    # no_decision losses L2, L3 leave the denominator → 3 / (3 + 3) = 0.5
    assert h.win_rate_excl_no_decision.value == pytest.approx(0.5)
    assert h.win_rate_excl_no_decision.trials == 6
    # won 100 + 200 + NULL(0) = 300; lost 300 + 100 + NULL(0) + 50 + 50 = 500 → 300/800
    assert h.won_amount == pytest.approx(300.0)
    assert h.lost_amount == pytest.approx(500.0)
    assert h.amount_win_rate == pytest.approx(0.375)
    # mean over won deals with an amount: (100 + 200) / 2; W3's NULL is not a 0 here
    assert h.avg_won_amount == pytest.approx(150.0)
    # won cycles 10, 30 → mean 20, median 20; lost 40, 20, 4, 10 → mean 74/4 = 18.5,
    # median of 4, 10, 20, 40 = (10 + 20) / 2 = 15
    assert h.cycle_won_days == pytest.approx(20.0)
    assert h.cycle_won_median_days == pytest.approx(20.0)
    assert h.cycle_lost_days == pytest.approx(18.5)
    assert h.cycle_lost_median_days == pytest.approx(15.0)


def test_headline_summary_keys_match_section_9() -> None:
    summary = winrates.headline(store(basic_rows()), Filters()).as_summary()
    assert summary["deals"] == {"total": 10, "won": 3, "lost": 5, "open": 2}
    assert summary["win_rate"] == pytest.approx(0.375)
    assert summary["win_rate_excl_no_decision"] == pytest.approx(0.5)
    assert summary["amount_win_rate"] == pytest.approx(0.375)


def test_open_deals_never_in_a_rate() -> None:
    closed = [deal(outcome="won", amount=10.0, close_date=date(2024, 1, 1)),
              deal(outcome="lost", amount=30.0, close_date=date(2024, 1, 2))]
    opens = [deal(outcome="open", amount=1e6, created_date=date(2023, 1, 1)) for _ in range(20)]
    h = winrates.headline(store(closed + opens), Filters())
    # 1 won, 1 lost → 1/2 whatever the 20 open deals; amounts 10 / (10 + 30) = 0.25
    assert (h.open, h.total) == (20, 22)
    assert h.win_rate.value == pytest.approx(0.5)
    assert h.win_rate.trials == 2
    assert h.amount_win_rate == pytest.approx(0.25)
    assert h.cycle_won_days is None  # no created date on the won deal


def test_empty_store_has_no_rates() -> None:
    h = winrates.headline(store([]), Filters())
    assert (h.total, h.won, h.lost, h.open) == (0, 0, 0, 0)
    assert h.win_rate.value is None and h.win_rate.low is None
    assert h.win_rate_excl_no_decision.value is None
    assert h.amount_win_rate is None
    assert (h.won_amount, h.lost_amount, h.avg_won_amount) == (0.0, 0.0, None)
    assert h.cycle_won_days is None and h.cycle_lost_median_days is None


def test_only_no_decision_losses() -> None:
    rows = [deal(outcome="lost", loss_reason_raw="status quo", close_date=date(2024, 1, 1))
            for _ in range(3)]
    h = winrates.headline(store(rows), Filters())
    # 0 won, 3 lost → 0/3 = 0; all three are no_decision → 0/0 → None
    assert h.win_rate.value == 0.0
    assert h.win_rate_excl_no_decision.value is None
    assert h.win_rate_excl_no_decision.trials == 0


def test_no_decision_follows_the_stored_category_not_the_raw_text() -> None:
    # An override mapped "went dark" to timing: the stored category is what counts.
    rows = [deal(outcome="won", close_date=date(2024, 1, 1)),
            deal(outcome="lost", loss_reason_raw="went dark", loss_reason="timing",
                 close_date=date(2024, 1, 1)),
            deal(outcome="lost", loss_reason_raw="stalled", close_date=date(2024, 1, 1))]
    h = winrates.headline(store(rows), Filters())
    # 1 won, 2 lost, only "stalled" is no_decision → 1 / (1 + 1) = 0.5
    assert h.win_rate_excl_no_decision.value == pytest.approx(0.5)


def test_amount_win_rate_with_null_amounts() -> None:
    rows = [deal(outcome="won", amount=None, close_date=date(2024, 1, 1)),
            deal(outcome="won", amount=60.0, close_date=date(2024, 1, 1)),
            deal(outcome="lost", amount=None, close_date=date(2024, 1, 1)),
            deal(outcome="lost", amount=40.0, close_date=date(2024, 1, 1))]
    # NULL counts as 0: 60 / (60 + 40) = 0.6
    assert winrates.headline(store(rows), Filters()).amount_win_rate == pytest.approx(0.6)
    # every amount NULL → denominator 0 → None
    no_amounts = [deal(outcome="won", close_date=date(2024, 1, 1)),
                  deal(outcome="lost", close_date=date(2024, 1, 1))]
    assert winrates.headline(store(no_amounts), Filters()).amount_win_rate is None


def test_date_window_boundaries_are_inclusive() -> None:
    rows = [deal(outcome="won", close_date=date(2024, 1, 31)),   # day before: out
            deal(outcome="won", close_date=date(2024, 2, 1)),    # first day: in
            deal(outcome="lost", close_date=date(2024, 2, 29)),  # last day: in
            deal(outcome="lost", close_date=date(2024, 3, 1)),   # day after: out
            deal(outcome="open", created_date=date(2024, 2, 10))]  # no close date: out
    h = winrates.headline(store(rows), Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    # 1 won, 1 lost inside → 1/2; the open deal has no close date so the window drops it
    assert (h.total, h.won, h.lost, h.open) == (2, 1, 1, 0)
    assert h.win_rate.value == pytest.approx(0.5)
    only_start = winrates.headline(store(rows), Filters(start=date(2024, 2, 29)))
    assert (only_start.won, only_start.lost) == (0, 2)  # Feb 29 and Mar 1


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_filter_on_each_dimension(dim: str) -> None:
    rows = [deal(outcome="won", close_date=date(2024, 1, 1), **{dim: "A"}),
            deal(outcome="lost", close_date=date(2024, 1, 1), **{dim: "A"}),
            deal(outcome="lost", close_date=date(2024, 1, 1), **{dim: "B"}),
            deal(outcome="won", close_date=date(2024, 1, 1), **{dim: None})]
    cur = store(rows)
    # dim = A: 1 won, 1 lost → 1/2
    h = winrates.headline(cur, Filters(**{dim: ("A",)}))
    assert (h.won, h.lost, h.win_rate.value) == (1, 1, 0.5)
    # dim in (A, B): 1 won, 2 lost → 1/3
    h = winrates.headline(cur, Filters(**{dim: ("A", "B")}))
    assert (h.won, h.lost) == (1, 2)
    assert h.win_rate.value == pytest.approx(1 / 3)
    # unfiltered: 2 won, 2 lost → 1/2
    assert winrates.headline(cur, Filters()).win_rate.value == 0.5


def test_small_sample_flag_at_nine_and_ten_closed_deals() -> None:
    nine = [deal(outcome="won" if i < 4 else "lost", close_date=date(2024, 1, 1), segment="S")
            for i in range(9)]
    cur = store(nine)
    assert winrates.headline(cur, Filters()).win_rate.small_sample is True  # 9 < 10
    assert bool(winrates.by_dimension(cur, Filters(), "segment")["small_sample"].iloc[0]) is True
    insert_deals(cur, [deal(outcome="lost", close_date=date(2024, 1, 1), segment="S")])
    assert winrates.headline(cur, Filters()).win_rate.small_sample is False  # 10 is enough
    assert bool(winrates.by_dimension(cur, Filters(), "segment")["small_sample"].iloc[0]) is False
    # open deals do not make a sample bigger
    insert_deals(cur, [deal(outcome="open", segment="T") for _ in range(12)]
                 + [deal(outcome="won", close_date=date(2024, 1, 1), segment="T")])
    t = winrates.by_dimension(cur, Filters(), "segment").set_index("value").loc["T"]
    assert (t["closed"], bool(t["small_sample"])) == (1, True)


WILSON_TABLE = [(0, 1), (1, 1), (0, 5), (5, 5), (0, 10), (10, 10), (3, 8), (1, 20), (19, 20),
                (7, 9), (50, 100), (0, 250), (250, 250), (123, 457)]


@pytest.mark.parametrize(("k", "n"), WILSON_TABLE)
def test_wilson_matches_statsmodels(k: int, n: int) -> None:
    want_low, want_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    low, high = wilson(k, n)
    assert low == pytest.approx(want_low, abs=1e-12)
    assert high == pytest.approx(want_high, abs=1e-12)
    # and through the engine: k won, n − k lost
    rows = [deal(outcome="won" if i < k else "lost", close_date=date(2024, 1, 1)) for i in range(n)]
    rate = winrates.headline(store(rows), Filters()).win_rate
    assert rate.value == pytest.approx(k / n)
    assert rate.low == pytest.approx(want_low, abs=1e-12)
    assert rate.high == pytest.approx(want_high, abs=1e-12)


# --- by period ---------------------------------------------------------------------------


def test_by_period_month_by_hand() -> None:
    df = winrates.by_period(store(basic_rows()), Filters(), "month")
    assert list(df.columns) == ["period", "won", "lost", "closed", "win_rate", "low", "high",
                                "small_sample", "won_amount", "lost_amount", "amount_win_rate"]
    got = naive.records(df)
    # Jan: W1, W2 → 2/2, amounts 300 / (300 + 0) = 1
    # Feb: W3, L1, L2 → 1/3, amounts 0 (W3 NULL) / (0 + 400) = 0
    # Mar: L3, L4, L5 → 0/3, amounts 0 / (0 + 100) = 0
    naive.assert_same(got, [
        {"period": date(2024, 1, 1), "won": 2, "lost": 0, "closed": 2, "win_rate": 1.0,
         "won_amount": 300.0, "lost_amount": 0.0, "amount_win_rate": 1.0, "small_sample": True},
        {"period": date(2024, 2, 1), "won": 1, "lost": 2, "closed": 3, "win_rate": 1 / 3,
         "won_amount": 0.0, "lost_amount": 400.0, "amount_win_rate": 0.0},
        {"period": date(2024, 3, 1), "won": 0, "lost": 3, "closed": 3, "win_rate": 0.0,
         "won_amount": 0.0, "lost_amount": 100.0, "amount_win_rate": 0.0},
    ])
    low, high = proportion_confint(1, 3, method="wilson")
    assert (got[1]["low"], got[1]["high"]) == (pytest.approx(low), pytest.approx(high))


def test_by_period_quarter_and_year_only_periods_with_closed_deals() -> None:
    rows = [deal(outcome="won", close_date=date(2023, 12, 31)),
            deal(outcome="lost", close_date=date(2024, 1, 1)),
            deal(outcome="won", close_date=date(2024, 3, 31)),
            deal(outcome="lost", close_date=date(2024, 10, 1)),
            deal(outcome="open", created_date=date(2024, 5, 1))]  # Q2 has only an open deal
    cur = store(rows)
    quarters = naive.records(winrates.by_period(cur, Filters(), "quarter"))
    # 2023-Q4: 1/1; 2024-Q1: 1 won 1 lost → 1/2; 2024-Q2 absent; 2024-Q4: 0/1
    assert [(r["period"], r["won"], r["lost"]) for r in quarters] == [
        (date(2023, 10, 1), 1, 0), (date(2024, 1, 1), 1, 1), (date(2024, 10, 1), 0, 1)]
    years = naive.records(winrates.by_period(cur, Filters(), "year"))
    # 2023: 1/1; 2024: 1 won, 2 lost → 1/3
    assert [(r["period"], r["won"], r["closed"]) for r in years] == [
        (date(2023, 1, 1), 1, 1), (date(2024, 1, 1), 1, 3)]
    assert years[1]["win_rate"] == pytest.approx(1 / 3)


def test_by_period_rejects_unknown_grain() -> None:
    with pytest.raises(InvalidSettingError):
        winrates.by_period(store([]), Filters(), "week; DROP TABLE opportunities")


def test_period_bounds() -> None:
    assert winrates.period_bounds(date(2024, 2, 1), "month") == (date(2024, 2, 1), date(2024, 2, 29))
    assert winrates.period_bounds(date(2024, 10, 1), "quarter") == (date(2024, 10, 1), date(2024, 12, 31))
    assert winrates.period_bounds(date(2023, 1, 1), "year") == (date(2023, 1, 1), date(2023, 12, 31))


# --- by dimension ------------------------------------------------------------------------


def test_by_dimension_by_hand_with_blank_label() -> None:
    df = winrates.by_dimension(store(basic_rows()), Filters(), "segment")
    assert list(df.columns) == ["value", "won", "lost", "closed", "win_rate", "low", "high",
                                "small_sample", "win_rate_excl_no_decision", "won_amount",
                                "lost_amount", "amount_win_rate"]
    # NULL, '' and '  ' are one blank group: W3, L3 (no decision), L4 → 1/3;
    #   excl. no decision 1 / (3 − 1) = 0.5; amounts 0 / (0 + 0 + 50) = 0
    # SMB: W1, W2, L1 → 2/3; no no-decision → 2/3; amounts 300 / (300 + 300) = 0.5
    # Enterprise: L2 (no decision), L5 → 0/2; excl. 0/1 = 0; amounts 0 / 150 = 0
    # Mid-Market has only an open deal: absent. Sorted by closed desc, then value.
    naive.assert_same(naive.records(df), [
        {"value": BLANK_LABEL, "won": 1, "lost": 2, "closed": 3, "win_rate": 1 / 3,
         "win_rate_excl_no_decision": 0.5, "won_amount": 0.0, "lost_amount": 50.0,
         "amount_win_rate": 0.0},
        {"value": "SMB", "won": 2, "lost": 1, "closed": 3, "win_rate": 2 / 3,
         "win_rate_excl_no_decision": 2 / 3, "won_amount": 300.0, "lost_amount": 300.0,
         "amount_win_rate": 0.5},
        {"value": "Enterprise", "won": 0, "lost": 2, "closed": 2, "win_rate": 0.0,
         "win_rate_excl_no_decision": 0.0, "won_amount": 0.0, "lost_amount": 150.0,
         "amount_win_rate": 0.0},
    ])


def test_by_dimension_with_filters_and_a_window() -> None:
    cur = store(basic_rows())
    df = winrates.by_dimension(cur, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)), "segment")
    # February: W3 (blank), L1 (SMB), L2 (Enterprise) → one deal each, sorted by value
    assert [(r["value"], r["won"], r["lost"]) for r in naive.records(df)] == [
        (BLANK_LABEL, 1, 0), ("Enterprise", 0, 1), ("SMB", 0, 1)]


def test_by_dimension_rejects_unknown_dimension() -> None:
    with pytest.raises(InvalidSettingError):
        winrates.by_dimension(store([]), Filters(), "amount")


# --- previous period --------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "prev_start", "prev_end"), [
    (date(2024, 4, 1), date(2024, 6, 30), date(2024, 1, 1), date(2024, 3, 31)),    # quarter
    (date(2024, 3, 1), date(2024, 3, 31), date(2024, 2, 1), date(2024, 2, 29)),    # month
    (date(2024, 1, 1), date(2024, 12, 31), date(2023, 1, 1), date(2023, 12, 31)),  # year
    (date(2024, 1, 1), date(2024, 2, 29), date(2023, 11, 1), date(2023, 12, 31)),  # 2 months
    (date(2024, 3, 10), date(2024, 3, 19), date(2024, 2, 29), date(2024, 3, 9)),   # 10 days
    (date(2024, 3, 5), date(2024, 3, 5), date(2024, 3, 4), date(2024, 3, 4)),      # 1 day
    (date(2024, 1, 15), date(2024, 2, 14), date(2023, 12, 15), date(2024, 1, 14)),  # 31 days
])
def test_previous_period(start: date, end: date, prev_start: date, prev_end: date) -> None:
    prev = winrates.previous_period(Filters(start=start, end=end, segment=("SMB",)))
    assert prev is not None
    assert (prev.start, prev.end, prev.segment) == (prev_start, prev_end, ("SMB",))


def test_previous_period_needs_both_ends() -> None:
    assert winrates.previous_period(Filters()) is None
    assert winrates.previous_period(Filters(start=date(2024, 1, 1))) is None
    assert winrates.previous_period(Filters(end=date(2024, 1, 1))) is None


# --- against the naive implementation ------------------------------------------------------

SEEDS = [1, 2, 3, 42]
FILTER_SETS = [
    Filters(),
    Filters(start=date(2023, 1, 1), end=date(2023, 12, 31)),
    Filters(segment=("SMB", "Enterprise"), region=("NA",)),
    Filters(competitor=("Alpha",), start=date(2022, 6, 15), owner=("Ann", "Cy")),
]


@pytest.fixture(scope="module", params=SEEDS)
def random_store(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    con = new_store()
    insert_deals(con, random_deals(request.param))
    return con


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_headline_matches_naive(random_store: duckdb.DuckDBPyConnection, filters: Filters) -> None:
    h = winrates.headline(random_store.cursor(), filters)
    want = naive.headline(random_store, filters)
    got = {
        "total": h.total, "won": h.won, "lost": h.lost, "open": h.open, "closed": h.closed,
        "win_rate": h.win_rate.value, "low": h.win_rate.low, "high": h.win_rate.high,
        "small_sample": h.win_rate.small_sample,
        "win_rate_excl_no_decision": h.win_rate_excl_no_decision.value,
        "won_amount": h.won_amount, "lost_amount": h.lost_amount,
        "amount_win_rate": h.amount_win_rate, "avg_won_amount": h.avg_won_amount,
        "cycle_won_days": h.cycle_won_days, "cycle_lost_days": h.cycle_lost_days,
        "cycle_won_median_days": h.cycle_won_median_days,
        "cycle_lost_median_days": h.cycle_lost_median_days,
    }
    assert want["closed"] > 0  # the random data exercises every filter set
    naive.assert_same([got], [want])


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize("dim", DIMENSIONS)
def test_by_dimension_matches_naive(random_store: duckdb.DuckDBPyConnection, filters: Filters,
                                    dim: str) -> None:
    got = naive.records(winrates.by_dimension(random_store.cursor(), filters, dim))
    naive.assert_same(got, naive.by_dimension(random_store, filters, dim))


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_by_period_matches_naive(random_store: duckdb.DuckDBPyConnection, filters: Filters,
                                 grain: str) -> None:
    got = naive.records(winrates.by_period(random_store.cursor(), filters, grain))
    want = naive.by_period(random_store, filters, grain)
    naive.assert_same(got, want, keys=["period", "won", "lost", "closed", "win_rate", "low", "high",
                                       "small_sample", "won_amount", "lost_amount", "amount_win_rate"])


def test_blank_dimensions_are_those_whose_breakdown_has_a_blank_group() -> None:
    filled = {"owner": "Ana", "product": "X", "competitor": "Beta", "industry": "Retail",
              "lead_source": "Web"}
    cur = store([
        deal(outcome="won", **filled | {"segment": "SMB", "region": None}),
        deal(outcome="lost", **filled | {"segment": "  ", "region": "EMEA"}),
        deal(outcome="open", **filled | {"segment": "SMB", "region": "EMEA", "owner": None}),
    ])
    # segment: a closed deal with only spaces; region: a closed deal with none; owner is blank
    # only on an open deal (not in any breakdown); the other dimensions are always filled.
    assert winrates.blank_dimensions(cur) == ("segment", "region")
    for dim in DIMENSIONS:  # the same answer as the breakdown itself
        grouped = set(winrates.by_dimension(cur, Filters(), dim)["value"])
        assert (BLANK_LABEL in grouped) == (dim in winrates.blank_dimensions(cur))


def test_blank_dimensions_agree_with_the_breakdowns_on_random_deals() -> None:
    for seed in (1, 2, 3):
        cur = store(random_deals(seed, n=300))
        expected = tuple(d for d in DIMENSIONS
                         if BLANK_LABEL in set(winrates.by_dimension(cur, Filters(), d)["value"]))
        assert winrates.blank_dimensions(cur) == expected
