"""A deliberately naive reading of METRICS.md §7 and §8, for checking the engine.

It reads the whole (small, test-sized) ``opportunities`` table into pandas and
then computes everything with plain Python loops, one row at a time, written
straight from the spec's wording and without looking at the SQL. Slow and
obvious on purpose.
"""

from __future__ import annotations

import calendar
import math
import statistics
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.filters import DIMENSIONS, Filters

Row = dict[str, Any]


# --------------------------------------------------------------------------- loading


def _clean(value: Any) -> Any:
    """pandas' missing markers → None, timestamps → date."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    return value


def load(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every row of ``opportunities`` as a plain dict."""
    frame = con.cursor().execute("SELECT * FROM opportunities").df()
    return [{k: _clean(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def passes(row: Row, filters: Filters) -> bool:
    """Does ``row`` pass ``filters``? (dates inclusive on close_date; any-of per dimension)"""
    close = row["close_date"]
    if filters.start is not None and (close is None or close < filters.start):
        return False
    if filters.end is not None and (close is None or close > filters.end):
        return False
    for name in DIMENSIONS:
        wanted = getattr(filters, name)
        if wanted and row[name] not in wanted:
            return False
    return True


# --------------------------------------------------------------------------- §7


def gap(row: Row) -> float | None:
    amount, price, budget = row["amount"], row["competitor_price"], row["budget"]
    if price is not None and price > 0:
        return None if amount is None else (amount - price) / price
    if budget is not None and budget > 0:
        return None if amount is None else (amount - budget) / budget
    return None


def price_class(row: Row, fit_threshold: float, tolerance: float, bracket_factor: float) -> str:
    fit, amount, budget = row["fit_score"], row["amount"], row["budget"]
    g = gap(row)
    low_fit = fit is not None and fit < fit_threshold
    over_bracket = (budget is not None and budget > 0 and amount is not None
                    and amount > bracket_factor * budget)
    if low_fit or over_bracket:
        return "wrong_customer"
    good_fit = fit is not None and fit >= fit_threshold
    if good_fit and g is not None and g <= tolerance:
        return "easy_reason"
    if good_fit and g is not None and g > tolerance:
        return "genuine_price"
    return "unknown"


def price_losses(rows: list[Row], filters: Filters) -> list[Row]:
    return [r for r in rows
            if r["outcome"] == "lost" and r["loss_reason"] == "price" and passes(r, filters)]


def class_counts(rows: list[Row], filters: Filters, fit_threshold: float, tolerance: float,
                 bracket_factor: float) -> dict[str, Any]:
    counts = {"wrong_customer": 0, "easy_reason": 0, "genuine_price": 0, "unknown": 0}
    for r in price_losses(rows, filters):
        counts[price_class(r, fit_threshold, tolerance, bracket_factor)] += 1
    known = counts["wrong_customer"] + counts["easy_reason"] + counts["genuine_price"]
    mismatch = counts["wrong_customer"] + counts["easy_reason"]
    out: dict[str, Any] = dict(counts)
    out["mismatch_rate"] = mismatch / known if known else None
    return out


def fit_band_index(fit: float | None, fit_threshold: float, strong_fit: float) -> int | str:
    """0 = below the threshold, 1 = middle, 2 = strong (1 when there is no middle band)."""
    if fit is None:
        return "unknown"
    if fit < fit_threshold:
        return 0
    if strong_fit > fit_threshold and fit < strong_fit:
        return 1
    return 2 if strong_fit > fit_threshold else 1


def gap_band_index(g: float | None, tolerance: float, wide_gap: float) -> int | str:
    if g is None:
        return "unknown"
    cuts = [0.0]
    for cut in (tolerance, wide_gap):
        if cut > cuts[-1]:
            cuts.append(cut)
    for i, cut in enumerate(cuts):
        if g <= cut:
            return i
    return len(cuts)


def matrix_counts(rows: list[Row], filters: Filters, fit_threshold: float, strong_fit: float,
                  tolerance: float, wide_gap: float) -> dict[tuple[Any, Any], tuple[int, int]]:
    """(fit band index, gap band index) → (won, lost) over closed deals."""
    cells: dict[tuple[Any, Any], list[int]] = {}
    for r in rows:
        if r["outcome"] not in ("won", "lost") or not passes(r, filters):
            continue
        key = (fit_band_index(r["fit_score"], fit_threshold, strong_fit),
               gap_band_index(gap(r), tolerance, wide_gap))
        cell = cells.setdefault(key, [0, 0])
        cell[0 if r["outcome"] == "won" else 1] += 1
    return {k: (v[0], v[1]) for k, v in cells.items()}


# --------------------------------------------------------------------------- §8


def as_of(rows: list[Row], given: date | None) -> date | None:
    if given is not None:
        return given
    dates = [r["close_date"] for r in rows
             if r["outcome"] in ("won", "lost") and r["close_date"] is not None]
    return max(dates) if dates else None


def anchors(rows: list[Row], filters: Filters, as_of_day: date | None) -> dict[str, Row]:
    """account_key → anchor facts. as_of only gives ``days_observed`` (it may be negative)."""
    if as_of_day is None:
        return {}
    lost: dict[str, list[Row]] = {}
    for r in rows:
        if (r["outcome"] == "lost" and r["account_key"] is not None
                and r["close_date"] is not None and passes(r, filters)):
            lost.setdefault(r["account_key"], []).append(r)
    out: dict[str, Row] = {}
    for key, deals in lost.items():
        first = deals[0]
        for d in deals[1:]:
            if (d["close_date"], d["opportunity_id"]) < (first["close_date"], first["opportunity_id"]):
                first = d
        wins = [w for w in rows  # no filters on the comeback
                if w["outcome"] == "won" and w["account_key"] == key
                and w["close_date"] is not None
                and first["close_date"] < w["close_date"]]
        comeback = None
        for w in wins:
            if comeback is None or (w["close_date"], w["opportunity_id"]) < (
                    comeback["close_date"], comeback["opportunity_id"]):
                comeback = w
        out[key] = {
            "anchor": first,
            "loss_date": first["close_date"],
            "comeback": comeback,
            "comeback_date": comeback["close_date"] if comeback else None,
            "days_to_comeback": (comeback["close_date"] - first["close_date"]).days
            if comeback else None,
            "days_observed": (as_of_day - first["close_date"]).days,
        }
    return out


def _counts(accounts: list[Row], horizon: int) -> dict[str, int]:
    eligible = came_back = returned = 0
    for a in accounts:
        is_eligible = a["days_observed"] >= horizon  # loss_date <= as_of - H
        if is_eligible:
            eligible += 1
            if a["days_to_comeback"] is not None and a["days_to_comeback"] <= horizon:
                came_back += 1
        if a["comeback_date"] is not None:
            returned += 1
    return {"lost": len(accounts), "eligible": eligible, "came_back": came_back,
            "returned": returned}


def comeback_summary(rows: list[Row], filters: Filters, horizon: int,
                     given_as_of: date | None = None) -> dict[str, Any]:
    day = as_of(rows, given_as_of)
    accounts = list(anchors(rows, filters, day).values())
    c = _counts(accounts, horizon)
    days = [a["days_to_comeback"] for a in accounts if a["days_to_comeback"] is not None]
    return {
        "as_of": day.isoformat() if day else None,
        "horizon_days": horizon,
        "lost_accounts": c["lost"],
        "eligible": c["eligible"],
        "came_back": c["came_back"],
        "comeback_rate": c["came_back"] / c["eligible"] if c["eligible"] else None,
        "ever_rate": c["returned"] / c["lost"] if c["lost"] else None,
        "median_days_to_comeback": float(statistics.median(days)) if days else None,
    }


def durations(rows: list[Row], filters: Filters, given_as_of: date | None = None
              ) -> tuple[list[int], list[bool]]:
    """Per lost account: days to a comeback seen by as_of (event), else days observed
    until as_of (censored; 0 for a loss after as_of)."""
    day = as_of(rows, given_as_of)
    times, events = [], []
    for a in anchors(rows, filters, day).values():
        if a["comeback_date"] is not None and day is not None and a["comeback_date"] <= day:
            times.append(a["days_to_comeback"])
            events.append(True)
        else:
            times.append(max(a["days_observed"], 0))
            events.append(False)
    return times, events


def breakdown(rows: list[Row], filters: Filters, horizon: int, by: str,
              given_as_of: date | None = None) -> dict[str, dict[str, int]]:
    """value → counts, grouping by the anchor loss's category or a dimension."""
    day = as_of(rows, given_as_of)
    column = "loss_reason" if by == "category" else by
    groups: dict[str, list[Row]] = {}
    for a in anchors(rows, filters, day).values():
        value = a["anchor"][column]
        groups.setdefault(value if value is not None else "(none)", []).append(a)
    return {value: _counts(accs, horizon) for value, accs in groups.items()}


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, the day clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cohorts(rows: list[Row], filters: Filters, max_months: int,
            given_as_of: date | None = None) -> dict[tuple[date, int], tuple[int, int | None]]:
    """(quarter start, m) → (accounts, came back within m months or None if not observable)."""
    day = as_of(rows, given_as_of)
    groups: dict[date, list[Row]] = {}
    for a in anchors(rows, filters, day).values():
        loss = a["loss_date"]
        quarter = date(loss.year, 3 * ((loss.month - 1) // 3) + 1, 1)
        groups.setdefault(quarter, []).append(a)
    out: dict[tuple[date, int], tuple[int, int | None]] = {}
    for quarter, accs in groups.items():
        for m in range(1, max_months + 1):
            observable = all(add_months(a["loss_date"], m) <= day for a in accs)
            n = sum(1 for a in accs if a["comeback_date"] is not None
                    and a["comeback_date"] <= add_months(a["loss_date"], m))
            out[(quarter, m)] = (len(accs), n if observable else None)
    return out
