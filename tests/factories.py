"""Test helpers: put deals straight into a store, by hand or at random.

These bypass the importer on purpose so metric tests depend only on the
canonical table (METRICS.md §1), not on parsing.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import duckdb

from analytics.categories import categorise
from analytics.ingest.identity import account_key
from analytics.ingest.outcome import outcome_of
from analytics.store import OPPORTUNITY_COLUMN_NAMES, connect

_counter = iter(range(1, 10**9))


def new_store() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory store with the current schema."""
    return connect(":memory:")


def deal(**fields: Any) -> dict[str, Any]:
    """One canonical row with sensible defaults; derived fields computed like the importer.

    ``stage`` defaults from ``outcome`` ('Closed Won' / 'Closed Lost' / 'Prospecting');
    ``account_key`` from ``account_id`` / ``account_name`` (§5); ``loss_reason`` from
    ``loss_reason_raw`` (§3, lost deals only) unless given.
    """
    row: dict[str, Any] = dict.fromkeys(OPPORTUNITY_COLUMN_NAMES)
    row.update(fields)
    if row["opportunity_id"] is None:
        row["opportunity_id"] = f"T{next(_counter):07d}"
    if row["stage"] is None:
        row["stage"] = {"won": "Closed Won", "lost": "Closed Lost"}.get(
            row.get("outcome") or "open", "Prospecting")
    if row["outcome"] is None:
        row["outcome"] = outcome_of(row["stage"])
    if row["account_key"] is None:
        row["account_key"] = account_key(row["account_id"], row["account_name"])
    if "loss_reason" not in fields:
        row["loss_reason"] = categorise(row["loss_reason_raw"]) if row["outcome"] == "lost" else None
    if row["import_id"] is None:
        row["import_id"] = 1
    if row["source"] is None:
        row["source"] = "generic"
    if row["extras"] is None:
        row["extras"] = json.dumps({})
    return row


def insert_deals(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts from :func:`deal` or partial dicts) into ``opportunities``."""
    if not rows:
        return
    cur = con.cursor()
    full = [r if set(r) >= set(OPPORTUNITY_COLUMN_NAMES) else deal(**r) for r in rows]
    marks = ", ".join("?" for _ in OPPORTUNITY_COLUMN_NAMES)
    cur.executemany(
        f"INSERT INTO opportunities ({', '.join(OPPORTUNITY_COLUMN_NAMES)}) VALUES ({marks})",
        [[r[c] for c in OPPORTUNITY_COLUMN_NAMES] for r in full],
    )


REASONS = ["Price too high", "Too expensive", "went dark", "No decision", "Missing features",
           "chose incumbent", "timing - next year", "poor support", "", "budget cut", "???",
           "Went with cheaper competitor", "integration gaps"]


def random_deals(seed: int, n: int = 400) -> list[dict[str, Any]]:
    """Seeded random canonical rows covering every field, blanks and boundaries included."""
    rng = random.Random(seed)
    accounts = [f"Account {i}" for i in range(n // 6 + 1)]
    start = date(2022, 1, 1)
    rows = []
    for _ in range(n):
        outcome = rng.choices(["won", "lost", "open"], [3, 5, 2])[0]
        created = start + timedelta(days=rng.randint(0, 900))
        close = created + timedelta(days=rng.randint(0, 200)) if outcome != "open" else None
        if outcome != "open" and rng.random() < 0.05:
            created = None
        amount = rng.choice([None, 0.0, round(rng.uniform(1_000, 90_000), 2)])
        budget = rng.choice([None, None, 0.0, round(rng.uniform(1_000, 90_000), 2)])
        comp_price = rng.choice([None, None, 0.0, round(rng.uniform(1_000, 90_000), 2)])
        if amount and rng.random() < 0.1:
            comp_price = amount / 1.1  # gap of exactly 10%, up to float error
        rows.append(deal(
            account_name=rng.choice([*accounts, None]),
            owner=rng.choice(["Ann", "Bo", "Cy", None]),
            created_date=created,
            close_date=close,
            outcome=outcome,
            amount=amount,
            competitor=rng.choice(["Alpha", "Beta", "Gamma", None]),
            competitor_price=comp_price,
            budget=budget,
            fit_score=rng.choice([None, 50.0, 49.0, 75.0, 74.0, float(rng.randint(0, 100))]),
            loss_reason_raw=rng.choice(REASONS) if outcome == "lost" else None,
            segment=rng.choice(["SMB", "Mid-Market", "Enterprise", None]),
            region=rng.choice(["NA", "EMEA", None]),
            product=rng.choice(["Core", "Plus", None]),
            lead_source=rng.choice(["Web", "Partner", None]),
        ))
    return rows
