"""The shared SQL pieces (analytics/sql.py) on tiny hand-worked stores.

Each expected value is worked out here in Python from the rows themselves,
never copied from what the code printed.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics import sql
from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics.examples import example_cursor
from analytics.metrics.rates import add_rate_columns
from tests.factories import deal, insert_deals, new_store, random_deals


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    insert_deals(con, rows)
    return con.cursor()


def scalar(cur: duckdb.DuckDBPyConnection, expr: str, params: list[object] | None = None) -> object:
    row = cur.execute(f"SELECT {expr} FROM opportunities o", params or []).fetchone()
    assert row is not None
    return row[0]


ROWS = [
    deal(opportunity_id="w1", outcome="won", amount=100.0, segment="SMB",
         created_date=date(2024, 1, 1), close_date=date(2024, 1, 31)),
    deal(opportunity_id="w2", outcome="won", amount=None, segment="  ",
         created_date=None, close_date=date(2024, 4, 2)),
    deal(opportunity_id="l1", outcome="lost", amount=300.0, segment="SMB", loss_reason="price",
         created_date=date(2024, 3, 10), close_date=date(2024, 3, 1)),
    deal(opportunity_id="l2", outcome="lost", amount=50.0, segment=None, loss_reason="no_decision",
         created_date=date(2023, 12, 1), close_date=date(2024, 2, 20)),
    deal(opportunity_id="o1", outcome="open", amount=999.0, segment="SMB",
         created_date=date(2024, 1, 1), close_date=None),
]


def test_closed_and_outcome_tests_count_the_right_deals() -> None:
    cur = store(ROWS)
    by_outcome = {o: sum(r["outcome"] == o for r in ROWS) for o in sql.OUTCOMES}
    assert scalar(cur, f"count(*) FILTER (WHERE {sql.CLOSED})") == by_outcome["won"] + by_outcome["lost"]
    for outcome, n in by_outcome.items():
        assert scalar(cur, f"count(*) FILTER (WHERE {sql.outcome_is(outcome)})") == n
    bare = cur.execute(f"SELECT count(*) FROM opportunities WHERE {sql.closed('')}").fetchone()
    assert bare == (4,)  # w1, w2, l1, l2
    with pytest.raises(InvalidSettingError, match="Unknown outcome"):
        sql.outcome_is("won'; DROP TABLE opportunities; --")
    with pytest.raises(InvalidSettingError, match="alias"):
        sql.closed("o; DROP")


def test_won_lost_counts_and_amount_sums() -> None:
    cur = store(ROWS)
    won, lost = cur.execute(f"SELECT {sql.won_lost_counts()} FROM opportunities o").fetchone()
    assert (won, lost) == (2, 2)
    # NULL amounts count as 0: won 100 + 0, lost 300 + 50, everything 100 + 300 + 50 + 999.
    assert scalar(cur, sql.amount_sum(sql.outcome_is("won"))) == 100.0
    assert scalar(cur, sql.amount_sum(sql.outcome_is("lost"))) == 350.0
    assert scalar(cur, sql.amount_sum()) == 100.0 + 300.0 + 50.0 + 999.0
    assert scalar(cur, sql.amount_sum("o.amount > 1000")) == 0.0  # nothing matches: 0, not NULL


def test_cycle_days_only_for_closed_deals_with_both_dates() -> None:
    cur = store(ROWS)
    got = dict(cur.execute(f"SELECT o.opportunity_id, {sql.CYCLE_DAYS} FROM opportunities o").fetchall())
    expected = {
        r["opportunity_id"]: (r["close_date"] - r["created_date"]).days
        if r["outcome"] in ("won", "lost") and r["close_date"] and r["created_date"] else None
        for r in ROWS
    }
    assert got == expected
    assert got["l1"] == -9  # closed before it was created: negative, used as stored
    assert got["o1"] is None  # open deals have no cycle


@pytest.mark.parametrize("grain, months", [("month", 1), ("quarter", 3), ("year", 12)])
def test_period_sql_gives_the_first_day_of_the_period(grain: str, months: int) -> None:
    cur = store([])
    for day in (date(2024, 1, 1), date(2024, 2, 29), date(2024, 8, 15), date(2023, 12, 31)):
        first_month = (day.month - 1) // months * months + 1
        got = cur.execute(f"SELECT {sql.period_sql(grain, 'CAST(? AS DATE)')}", [day]).fetchone()
        assert got == (date(day.year, first_month, 1),)


def test_period_sql_refuses_an_unknown_grain() -> None:
    with pytest.raises(InvalidSettingError, match="Unknown period grain"):
        sql.period_sql("week')) --")


@pytest.mark.parametrize("text", [None, "", "   ", "SMB", " SMB "])
def test_blank_tests_agree_with_python(text: str | None) -> None:
    cur = store([])
    blank = text is None or not text.strip()
    got = cur.execute(
        f"SELECT {sql.is_blank('v')}, {sql.has_text('v')}, {sql.blank_as_label('v')}"
        " FROM (SELECT CAST(? AS VARCHAR) AS v)",
        [BLANK_LABEL, text],  # the label's ? stands first in the text
    ).fetchone()
    assert got == (blank, not blank, BLANK_LABEL if blank else text)


def test_blank_as_label_groups_every_blank_together() -> None:
    cur = store(ROWS)
    got = dict(cur.execute(
        f"SELECT {sql.blank_as_label('o.segment')} AS s, count(*) FROM opportunities o GROUP BY s",
        [BLANK_LABEL],
    ).fetchall())
    assert got == {"SMB": 3, BLANK_LABEL: 2}  # "  " and NULL are one group


def test_values_table_binds_every_value() -> None:
    rows = [("it's", 1), ("x'); DROP TABLE opportunities; --", 2)]
    rel, params = sql.values_table("t", ["name", "n"], rows)
    assert "it's" not in rel and params == ["it's", 1, "x'); DROP TABLE opportunities; --", 2]
    cur = store([])
    assert cur.execute(f"SELECT name, n FROM {rel} ORDER BY n", params).fetchall() == rows
    with pytest.raises(InvalidSettingError, match="identifier"):
        sql.values_table("t", ["n) --"], [(1,)])


@pytest.mark.parametrize("good", [0, 1, 500])
def test_row_limit_accepts_whole_numbers(good: int) -> None:
    assert sql.row_limit(good) == good


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10", None])
def test_row_limit_refuses_anything_else(bad: object) -> None:
    with pytest.raises(InvalidSettingError, match="row limit"):
        sql.row_limit(bad)


def naive_groups(rows: list[dict], key: str) -> dict[object, dict[str, float]]:
    """Per value of ``key`` over the closed rows: the counts and amounts, by hand."""
    out: dict[object, dict[str, float]] = {}
    for r in rows:
        if r["outcome"] not in ("won", "lost"):
            continue
        g = out.setdefault(r[key], dict(won=0, lost=0, closed=0, closed_excl_no_decision=0,
                                        won_amount=0.0, lost_amount=0.0))
        g[r["outcome"]] += 1
        g["closed"] += 1
        g["closed_excl_no_decision"] += r["outcome"] == "won" or r["loss_reason"] != "no_decision"
        g[f"{r['outcome']}_amount"] += r["amount"] or 0.0
    return out


COUNT_COLUMNS = ["won", "lost", "closed", "closed_excl_no_decision", "won_amount", "lost_amount"]


def run_groups(cur: duckdb.DuckDBPyConnection, filters: Filters, key: str, **options: object) -> dict:
    query, params = sql.closed_groups_sql(filters, [("k", f"o.{key}")], **options)  # type: ignore[arg-type]
    cur.execute(query, params)
    names = [d[0] for d in cur.description]
    return {r[0]: {c: r[names.index(c)] for c in COUNT_COLUMNS} for r in cur.fetchall()}


def assert_same_groups(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for key, counts in expected.items():
        for column, value in counts.items():  # counts exactly, amounts up to summation order
            assert got[key][column] == (pytest.approx(value) if isinstance(value, float) else value)


def test_closed_groups_sql_on_the_hand_worked_rows() -> None:
    cur = store(ROWS)
    query, params = sql.closed_groups_sql(Filters(), [("k", "o.outcome")], order_by="k")
    df = cur.execute(query, params).df()
    assert df["k"].tolist() == ["lost", "won"]  # the open deal forms no group
    lost, won = df.to_dict("records")
    assert (lost["closed"], lost["closed_excl_no_decision"], lost["lost_amount"]) == (2, 1, 350.0)
    assert lost["amount_win_rate"] == 0.0  # 0 / (0 + 350)
    assert (won["won"], won["won_amount"], won["amount_win_rate"]) == (2, 100.0, 1.0)


def test_closed_groups_sql_matches_a_naive_count_on_random_deals() -> None:
    rows = random_deals(seed=7, n=300)
    cur = store(rows)
    for key in ("region", "owner"):
        assert_same_groups(run_groups(cur, Filters(), key), naive_groups(rows, key))


def test_closed_groups_sql_keeps_filters_and_extra_conditions() -> None:
    rows = random_deals(seed=11, n=200)
    cur = store(rows)
    start = date(2023, 7, 1)
    kept = [r for r in rows if r["close_date"] and r["close_date"] >= start and (r["amount"] or 0) > 5000]
    got = run_groups(cur, Filters(start=start), "segment",
                     where="o.amount > ?", where_params=[5000])
    assert_same_groups(got, naive_groups(kept, "segment"))


def test_example_cursor_holds_the_given_deals() -> None:
    cur = example_cursor("opportunity_id outcome", [("a", "won"), ("b", "lost")], amount=10)
    assert scalar(cur, sql.amount_sum(sql.outcome_is("lost"))) == 10.0
    with pytest.raises(InvalidSettingError, match="Unknown deal field"):
        example_cursor("opportunity_id nope", [("a", 1)])


def test_add_rate_columns_under_any_rate_name_matches_statsmodels() -> None:
    counts = pd.DataFrame({"came_back": [1, 0, 12], "eligible": [3, 0, 20]})
    out = add_rate_columns(counts, "came_back", "eligible", rate_name="comeback_rate")
    assert list(out.columns) == ["came_back", "eligible", "comeback_rate", "low", "high", "small_sample"]
    for row, (s, n) in zip(out.itertuples(index=False), [(1, 3), (0, 0), (12, 20)], strict=True):
        if n == 0:  # no trials: no rate, and a sample of 0 is small
            assert math.isnan(row.comeback_rate) and math.isnan(row.low) and row.small_sample
            continue
        low, high = proportion_confint(s, n, alpha=0.05, method="wilson")
        assert row.comeback_rate == s / n
        assert (row.low, row.high) == (pytest.approx(low), pytest.approx(high))
        assert row.small_sample == (n < 10)


def test_sql_module_sits_below_the_metrics() -> None:
    """analytics/sql.py imports neither the metrics, nor the ingest package, nor Streamlit."""
    import ast
    from pathlib import Path

    module = ast.parse(Path(sql.__file__).read_text(encoding="utf-8"))
    nodes = list(ast.walk(module))
    imported = {alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in nodes if isinstance(node, ast.ImportFrom)}
    banned = ("analytics.metrics", "analytics.ingest", "streamlit")
    assert not [m for m in imported if m.startswith(banned)], imported
