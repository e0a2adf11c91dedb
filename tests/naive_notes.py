"""A deliberately naive reading of METRICS.md §10 (loss notes vs the stated reason), for
checking the engine, and of the "distinctive phrases" rule of docs/metrics.md.

The whole (test-sized) ``opportunities`` table is read into pandas, then everything is
computed with plain Python loops written from the spec's wording, without the SQL.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import duckdb

from analytics.categories import RULES
from analytics.filters import Filters
from tests.naive_price_comebacks import load, passes

Row = dict[str, Any]
NOTES_CATEGORIES = [name for name, _ in RULES]


def notes_categories(text: str) -> list[str]:
    """Every §3 category with a keyword occurring in the lower-cased text (rule order)."""
    low = text.lower()
    return [name for name, keywords in RULES if any(k in low for k in keywords)]


def lost_with_notes(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Row]:
    """The lost deals passing the filters whose notes are not blank, each with its §10 fields."""
    out = []
    for row in load(con):
        if row["outcome"] != "lost" or not passes(row, filters):
            continue
        if row["loss_notes"] is None or row["loss_notes"].strip() == "":
            continue
        cats = notes_categories(row["loss_notes"])
        stated = row["loss_reason"] or "unspecified"
        out.append({**row, "stated": stated, "notes_categories": cats,
                    "agrees": stated in cats,
                    "easy_price": stated == "price" and len(cats) > 0 and "price" not in cats})
    return out


def counts(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    rows = lost_with_notes(con, filters)
    agree = sum(1 for r in rows if r["agrees"])
    return {"with_notes": len(rows), "agree": agree,
            "agreement_rate": agree / len(rows) if rows else None,
            "easy_price": sum(1 for r in rows if r["easy_price"]),
            "unclear": sum(1 for r in rows if not r["notes_categories"])}


def matrix(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[tuple[str, str], int]:
    """(stated, said) → deals, non-zero cells only; ``said`` is a category or ``unclear``."""
    cells: Counter[tuple[str, str]] = Counter()
    for r in lost_with_notes(con, filters):
        for said in r["notes_categories"] or ["unclear"]:
            cells[(r["stated"], said)] += 1
    return dict(cells)


def words(text: str) -> list[str]:
    """Lower-cased runs of letters, in order."""
    return re.findall(r"[^\W\d_]+", text.lower())


def terms(text: str, stop: set[str]) -> set[str]:
    """The words and adjacent pairs a note uses (no stop word, no one-letter word in a term)."""
    ws = words(text)
    ok = [len(w) >= 2 and w not in stop for w in ws]
    found = {w for w, good in zip(ws, ok, strict=True) if good}
    for i in range(len(ws) - 1):
        if ok[i] and ok[i + 1]:
            found.add(f"{ws[i]} {ws[i + 1]}")
    return found


def distinctive(con: duckdb.DuckDBPyConnection, filters: Filters, stop: set[str], *, min_deals: int,
                top: int) -> dict[str, list[tuple[str, int, float]]]:
    """stated reason → its top terms as (phrase, deals, score), best first."""
    rows = lost_with_notes(con, filters)
    size = Counter(r["stated"] for r in rows)
    used: Counter[tuple[str, str]] = Counter()
    for r in rows:
        for t in terms(r["loss_notes"], stop):
            used[(r["stated"], t)] += 1
    total = Counter()
    for (_, t), a in used.items():
        total[t] += a
    scored: dict[str, list[tuple[str, int, float]]] = {}
    for (stated, t), a in used.items():
        n_r, n_o, b = size[stated], len(rows) - size[stated], total[t] - a
        score = math.log((a + 0.5) / (n_r - a + 0.5)) - math.log((b + 0.5) / (n_o - b + 0.5))
        scored.setdefault(stated, []).append((t, a, score))
    out = {}
    for stated, items in scored.items():
        pairs = [(t, a) for t, a, _ in items if " " in t]
        kept = [(t, a, s) for t, a, s in items
                if " " in t or not any(pa == a and t in pt.split(" ") for pt, pa in pairs)]
        kept = [x for x in kept if x[1] >= min_deals and x[2] > 0]
        kept.sort(key=lambda x: (-x[2], -x[1], x[0]))
        if kept:
            out[stated] = kept[:top]
    return out
