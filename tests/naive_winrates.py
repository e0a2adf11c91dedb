"""A deliberately naive second implementation of the win-rate metrics, for tests only.

It reads the whole (small) table with ``SELECT *`` and recomputes every number
with plain Python loops straight from METRICS.md §2–§4, §9, sharing no code with
the engine (the intervals come from statsmodels), so the two can be held
against each other on random data.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from typing import Any

import duckdb
from statsmodels.stats.proportion import proportion_confint

from analytics.filters import BLANK_LABEL, DIMENSIONS, Filters

ALL_CATEGORIES = ["no_decision", "price", "product_fit", "timing", "relationship",
                  "competitor", "other", "unspecified"]


def _clean(value: Any) -> Any:
    """NaN / NaT → None; pandas Timestamps → dates."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except TypeError:
        pass
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    return value


def load(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict[str, Any]]:
    """Every row of ``opportunities`` passing ``filters``, as plain dicts."""
    df = con.cursor().execute("SELECT * FROM opportunities").df()
    rows = [{k: _clean(v) for k, v in rec.items()} for rec in df.to_dict("records")]
    kept = []
    for row in rows:
        if filters.start is not None and (row["close_date"] is None or row["close_date"] < filters.start):
            continue
        if filters.end is not None and (row["close_date"] is None or row["close_date"] > filters.end):
            continue
        if any(getattr(filters, d) and row[d] not in getattr(filters, d) for d in DIMENSIONS):
            continue
        kept.append(row)
    return kept


def interval(k: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def _amount(row: dict[str, Any]) -> float:
    return 0.0 if row["amount"] is None else float(row["amount"])


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _rates(group: list[dict[str, Any]]) -> dict[str, Any]:
    won = sum(1 for r in group if r["outcome"] == "won")
    lost = sum(1 for r in group if r["outcome"] == "lost")
    lost_nd = sum(1 for r in group if r["outcome"] == "lost" and r["loss_reason"] == "no_decision")
    won_amount = sum(_amount(r) for r in group if r["outcome"] == "won")
    lost_amount = sum(_amount(r) for r in group if r["outcome"] == "lost")
    low, high = interval(won, won + lost)
    excl = won + lost - lost_nd
    return {
        "won": won, "lost": lost, "closed": won + lost,
        "win_rate": won / (won + lost) if won + lost else None,
        "low": low, "high": high, "small_sample": won + lost < 10,
        "win_rate_excl_no_decision": won / excl if excl else None,
        "won_amount": won_amount, "lost_amount": lost_amount,
        "amount_win_rate": (won_amount / (won_amount + lost_amount)
                            if won_amount + lost_amount > 0 else None),
    }


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    rows = load(con, filters)
    out = _rates([r for r in rows if r["outcome"] in ("won", "lost")])
    out["total"] = len(rows)
    out["open"] = sum(1 for r in rows if r["outcome"] == "open")
    won_amounts = [r["amount"] for r in rows if r["outcome"] == "won" and r["amount"] is not None]
    out["avg_won_amount"] = sum(won_amounts) / len(won_amounts) if won_amounts else None
    for outcome in ("won", "lost"):
        days = [(r["close_date"] - r["created_date"]).days for r in rows
                if r["outcome"] == outcome and r["close_date"] and r["created_date"]]
        out[f"cycle_{outcome}_days"] = sum(days) / len(days) if days else None
        out[f"cycle_{outcome}_median_days"] = float(statistics.median(days)) if days else None
    return out


def _group(rows: list[dict[str, Any]], key: Any) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["outcome"] in ("won", "lost"):
            groups[key(row)].append(row)
    return groups


def by_dimension(con: duckdb.DuckDBPyConnection, filters: Filters, dim: str) -> list[dict[str, Any]]:
    groups = _group(load(con, filters), lambda r: BLANK_LABEL if _blank(r[dim]) else r[dim])
    out = [{"value": value, **_rates(group)} for value, group in groups.items()]
    return sorted(out, key=lambda r: (-r["closed"], r["value"]))


def period_start(day: date, grain: str) -> date:
    if grain == "month":
        return date(day.year, day.month, 1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def by_period(con: duckdb.DuckDBPyConnection, filters: Filters, grain: str) -> list[dict[str, Any]]:
    groups = _group(load(con, filters), lambda r: period_start(r["close_date"], grain))
    return [{"period": p, **_rates(groups[p])} for p in sorted(groups)]


def head_to_head(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict[str, Any]]:
    rows = [r for r in load(con, filters) if not _blank(r["competitor"])]
    groups = _group(rows, lambda r: r["competitor"])
    out = [{"competitor": name, **_rates(group)} for name, group in groups.items()]
    return sorted(out, key=lambda r: (-r["closed"], r["competitor"]))


def loss_counts(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, int]:
    counts = dict.fromkeys(ALL_CATEGORIES, 0)
    for row in load(con, filters):
        if row["outcome"] == "lost":
            counts[row["loss_reason"] or "unspecified"] += 1
    return counts


def pareto(con: duckdb.DuckDBPyConnection, filters: Filters, measure: str) -> list[dict[str, Any]]:
    deals = dict.fromkeys(ALL_CATEGORIES, 0)
    amount = dict.fromkeys(ALL_CATEGORIES, 0.0)
    for row in load(con, filters):
        if row["outcome"] == "lost":
            category = row["loss_reason"] or "unspecified"
            deals[category] += 1
            amount[category] += _amount(row)
    value = {c: float(deals[c]) if measure == "count" else amount[c] for c in ALL_CATEGORIES}
    total = sum(value.values())
    ranked = sorted((c for c in ALL_CATEGORIES if value[c] != 0),
                    key=lambda c: (-value[c], ALL_CATEGORIES.index(c)))
    out, running = [], 0.0
    for c in ranked:
        running += value[c]
        out.append({"category": c, "deals": deals[c], "amount": amount[c], "value": value[c],
                    "share": value[c] / total, "cumulative_share": running / total})
    return out


def records(df: Any) -> list[dict[str, Any]]:
    """An engine DataFrame as plain dicts (NaN → None, Timestamps → dates) for comparison."""
    return [{k: _clean(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def assert_same(actual: list[dict[str, Any]], expected: list[dict[str, Any]],
                keys: list[str] | None = None) -> None:
    """Row by row, key by key: floats to 1e-9 (relative or absolute), the rest exactly."""
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected, strict=True):
        for key in keys or list(want):
            g, w = got[key], want[key]
            if isinstance(w, float) and g is not None:
                assert abs(float(g) - w) <= 1e-9 * max(1.0, abs(w)), (key, got, want)
            else:
                assert g == w, (key, got, want)
