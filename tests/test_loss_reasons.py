"""Loss-reason breakdowns (METRICS.md §3, §9) against hand-worked numbers and a naive implementation."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from analytics.categories import CATEGORIES, CATEGORY_LABELS, recategorise, set_override
from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics import loss_reasons, winrates
from tests import naive_winrates as naive
from tests.factories import deal, insert_deals, new_store, random_deals

NOW = datetime(2024, 12, 1, 12, 0)


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    if rows:  # insert_deals' executemany refuses an empty list
        insert_deals(con, rows)
    return con.cursor()


def lost(raw: str | None, amount: float | None, region: str | None, close: date) -> dict:
    return deal(outcome="lost", loss_reason_raw=raw, amount=amount, region=region, close_date=close)


def reason_rows() -> list[dict]:
    return [
        lost("Too expensive", 100.0, "EMEA", date(2024, 1, 15)),                 # price
        lost("Went with cheaper competitor", 300.0, "EMEA", date(2024, 2, 10)),  # price
        lost("went dark", None, "NA", date(2024, 4, 1)),                         # no_decision
        lost("No decision", 50.0, "NA", date(2024, 5, 1)),                       # no_decision
        lost("Missing features", 20.0, None, date(2024, 4, 15)),                 # product_fit
        lost("", None, "EMEA", date(2024, 7, 1)),                                # unspecified
        lost("???", 0.0, "NA", date(2024, 7, 2)),                                # other
        deal(outcome="won", amount=5000.0, region="EMEA", close_date=date(2024, 1, 20)),
        deal(outcome="open", amount=7000.0, region="NA", loss_reason_raw="price"),
    ]


def test_counts_by_hand_all_categories_in_order() -> None:
    got = loss_reasons.counts(store(reason_rows()), Filters())
    assert list(got) == list(CATEGORIES)
    # 7 lost: 2 price, 2 no decision, 1 product fit, 1 unspecified, 1 other; won / open ignored
    assert got == {"no_decision": 2, "price": 2, "product_fit": 1, "timing": 0,
                   "relationship": 0, "competitor": 0, "other": 1, "unspecified": 1}
    assert all(type(v) is int for v in got.values())


def test_counts_on_an_empty_store_are_all_zero() -> None:
    assert loss_reasons.counts(store([]), Filters()) == dict.fromkeys(CATEGORIES, 0)


def test_counts_apply_filters() -> None:
    cur = store(reason_rows())
    # EMEA, Q1 only: the two price losses
    got = loss_reasons.counts(cur, Filters(region=("EMEA",), start=date(2024, 1, 1),
                                           end=date(2024, 3, 31)))
    assert got["price"] == 2 and sum(got.values()) == 2


RULE_ORDER_CASES = [
    ("Went with cheaper competitor", "price"),        # price (2) before competitor (6)
    ("Went dark after pricing review", "no_decision"),  # no_decision (1) before price (2)
    ("Product too expensive", "price"),               # price (2) before product_fit (3)
    ("Lost to competitor on features", "product_fit"),  # feature (3) before competitor (6)
    ("Support was fine but they delayed", "timing"),  # delay (4) before support (5)
    ("Competitor had better references", "relationship"),  # reference (5) before competitor (6)
    ("chose incumbent", "competitor"),
    ("Requirements not met", "product_fit"),          # plain substring: requirement(s)
    ("   ", "unspecified"),
    (None, "unspecified"),
    ("???", "other"),
]


def _expected_counts(cases: list[tuple[str | None, str]]) -> dict[str, int]:
    want = dict.fromkeys(CATEGORIES, 0)
    for _, category in cases:
        want[category] += 1
    return want


def test_keyword_rule_order_through_counts() -> None:
    # categorised as the importer does (analytics.categories.categorise)
    rows = [deal(outcome="lost", loss_reason_raw=raw, close_date=date(2024, 1, 1))
            for raw, _ in RULE_ORDER_CASES]
    got = loss_reasons.counts(store(rows), Filters())
    # price 2, product_fit 2, unspecified 2, the others 1 each → 11 lost
    assert got == _expected_counts(RULE_ORDER_CASES)
    assert sum(got.values()) == len(RULE_ORDER_CASES)


def test_keyword_rule_order_through_the_store_recategorisation() -> None:
    # the SQL path (recategorise) that overrides and re-imports use
    rows = [deal(outcome="lost", loss_reason_raw=raw, loss_reason=None, close_date=date(2024, 1, 1))
            for raw, _ in RULE_ORDER_CASES]
    cur = store(rows)
    recategorise(cur)
    assert loss_reasons.counts(cur, Filters()) == _expected_counts(RULE_ORDER_CASES)


def test_override_wins_and_is_flagged_in_raw_reasons() -> None:
    rows = [*reason_rows(), lost("too expensive ", 10.0, "NA", date(2024, 8, 1))]
    cur = store(rows)
    before = naive.records(loss_reasons.raw_reasons(cur, Filters()))
    # "Too expensive" and "too expensive " are two raw texts (case kept, trimmed), one deal each
    assert {r["raw"]: (r["category"], r["deals"], r["overridden"]) for r in before} == {
        "Too expensive": ("price", 1, False), "too expensive": ("price", 1, False),
        "Went with cheaper competitor": ("price", 1, False), "went dark": ("no_decision", 1, False),
        "No decision": ("no_decision", 1, False), "Missing features": ("product_fit", 1, False),
        "": ("unspecified", 1, False), "???": ("other", 1, False),
    }
    set_override(cur, "TOO EXPENSIVE", "relationship", now=NOW)
    after = {r["raw"]: r for r in naive.records(loss_reasons.raw_reasons(cur, Filters()))}
    for raw in ("Too expensive", "too expensive"):
        assert (after[raw]["category"], after[raw]["overridden"]) == ("relationship", True)
    assert after["went dark"]["overridden"] is False
    # price 3 → 1, relationship 0 → 2
    got = loss_reasons.counts(cur, Filters())
    assert (got["price"], got["relationship"]) == (1, 2)


def test_raw_reasons_by_hand_with_filters() -> None:
    cur = store(reason_rows())
    got = naive.records(loss_reasons.raw_reasons(cur, Filters(region=("NA",))))
    # NA lost deals: went dark (NULL amount → 0), No decision (50), ??? (0); ties by raw text
    assert got == [
        {"raw": "???", "category": "other", "deals": 1, "amount": 0.0, "overridden": False},
        {"raw": "No decision", "category": "no_decision", "deals": 1, "amount": 50.0,
         "overridden": False},
        {"raw": "went dark", "category": "no_decision", "deals": 1, "amount": 0.0,
         "overridden": False},
    ]


def test_pareto_count_by_hand() -> None:
    df = loss_reasons.pareto(store(reason_rows()), Filters(), "count")
    assert list(df.columns) == ["category", "label", "deals", "amount", "value", "share",
                                "cumulative_share"]
    # values 2, 2, 1, 1, 1 of 7; ties in category order; timing / relationship / competitor omitted
    # shares 2/7, 2/7, 1/7, 1/7, 1/7 → cumulative 2/7, 4/7, 5/7, 6/7, 7/7
    naive.assert_same(naive.records(df), [
        {"category": "no_decision", "label": "No decision", "deals": 2, "amount": 50.0,
         "value": 2.0, "share": 2 / 7, "cumulative_share": 2 / 7},
        {"category": "price", "label": "Price", "deals": 2, "amount": 400.0,
         "value": 2.0, "share": 2 / 7, "cumulative_share": 4 / 7},
        {"category": "product_fit", "label": "Product fit", "deals": 1, "amount": 20.0,
         "value": 1.0, "share": 1 / 7, "cumulative_share": 5 / 7},
        {"category": "other", "label": "Other", "deals": 1, "amount": 0.0,
         "value": 1.0, "share": 1 / 7, "cumulative_share": 6 / 7},
        {"category": "unspecified", "label": "Unspecified", "deals": 1, "amount": 0.0,
         "value": 1.0, "share": 1 / 7, "cumulative_share": 1.0},
    ])


def test_pareto_amount_by_hand_omits_zero_categories() -> None:
    df = loss_reasons.pareto(store(reason_rows()), Filters(), "amount")
    # price 100 + 300 = 400, no decision NULL + 50 = 50, product fit 20; other (0) and
    # unspecified (NULL) are 0 → omitted. Total 470.
    naive.assert_same(naive.records(df), [
        {"category": "price", "deals": 2, "value": 400.0, "share": 400 / 470,
         "cumulative_share": 400 / 470},
        {"category": "no_decision", "deals": 2, "value": 50.0, "share": 50 / 470,
         "cumulative_share": 450 / 470},
        {"category": "product_fit", "deals": 1, "value": 20.0, "share": 20 / 470,
         "cumulative_share": 1.0},
    ])
    assert set(df["label"]) == {CATEGORY_LABELS[c] for c in df["category"]}


def test_pareto_empty_and_bad_measure() -> None:
    assert loss_reasons.pareto(store([]), Filters()).empty
    with pytest.raises(InvalidSettingError):
        loss_reasons.pareto(store([]), Filters(), "sum(amount)")


def test_by_dimension_by_hand() -> None:
    df = loss_reasons.by_dimension(store(reason_rows()), Filters(), "region")
    assert list(df.columns) == ["value", "category", "deals", "amount", "share_of_value"]
    # EMEA 3 lost: price 2 (400) → 2/3, unspecified 1 → 1/3
    # NA 3 lost: no decision 2 (50) → 2/3, other 1 → 1/3
    # blank 1 lost: product fit (20) → 1
    naive.assert_same(naive.records(df), [
        {"value": "EMEA", "category": "price", "deals": 2, "amount": 400.0, "share_of_value": 2 / 3},
        {"value": "EMEA", "category": "unspecified", "deals": 1, "amount": 0.0, "share_of_value": 1 / 3},
        {"value": "NA", "category": "no_decision", "deals": 2, "amount": 50.0, "share_of_value": 2 / 3},
        {"value": "NA", "category": "other", "deals": 1, "amount": 0.0, "share_of_value": 1 / 3},
        {"value": BLANK_LABEL, "category": "product_fit", "deals": 1, "amount": 20.0,
         "share_of_value": 1.0},
    ])
    with pytest.raises(InvalidSettingError):
        loss_reasons.by_dimension(store([]), Filters(), "loss_reason")


def test_over_time_by_hand() -> None:
    df = loss_reasons.over_time(store(reason_rows()), Filters(), "quarter")
    assert list(df.columns) == ["period", "category", "deals", "share"]
    # Q1: 2 price → 1; Q2: 2 no decision, 1 product fit → 2/3, 1/3; Q3: other, unspecified → ½ each
    naive.assert_same(naive.records(df), [
        {"period": date(2024, 1, 1), "category": "price", "deals": 2, "share": 1.0},
        {"period": date(2024, 4, 1), "category": "no_decision", "deals": 2, "share": 2 / 3},
        {"period": date(2024, 4, 1), "category": "product_fit", "deals": 1, "share": 1 / 3},
        {"period": date(2024, 7, 1), "category": "other", "deals": 1, "share": 0.5},
        {"period": date(2024, 7, 1), "category": "unspecified", "deals": 1, "share": 0.5},
    ])
    months = naive.records(loss_reasons.over_time(store(reason_rows()), Filters(), "month"))
    assert [(r["period"], r["category"]) for r in months][:2] == [
        (date(2024, 1, 1), "price"), (date(2024, 2, 1), "price")]


# --- against the naive implementation ------------------------------------------------------

FILTER_SETS = [
    Filters(),
    Filters(start=date(2023, 1, 1), end=date(2023, 12, 31)),
    Filters(segment=("SMB", "Enterprise"), region=("NA",)),
    Filters(competitor=("Alpha",), start=date(2022, 6, 15), owner=("Ann", "Cy")),
]


@pytest.fixture(scope="module", params=[1, 2, 3, 42])
def random_store(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    con = new_store()
    insert_deals(con, random_deals(request.param))
    return con


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_counts_match_naive_and_add_up_to_lost(random_store: duckdb.DuckDBPyConnection,
                                               filters: Filters) -> None:
    cur = random_store.cursor()
    got = loss_reasons.counts(cur, filters)
    assert got == naive.loss_counts(random_store, filters)
    assert sum(got.values()) == winrates.headline(cur, filters).lost > 0


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize("measure", ["count", "amount"])
def test_pareto_matches_naive(random_store: duckdb.DuckDBPyConnection, filters: Filters,
                              measure: str) -> None:
    got = naive.records(loss_reasons.pareto(random_store.cursor(), filters, measure))
    naive.assert_same(got, naive.pareto(random_store, filters, measure))
