"""Loss-reason categories (METRICS.md §3) and the user's overrides.

A raw reason is lower-cased and matched against :data:`RULES` in order; the
first rule with a keyword that occurs in it (plain substring, no word
boundaries) wins. Blank is ``unspecified``, no match ``other``. Only lost deals
have a category. A stored override for the raw text wins over the rules.

>>> [categorise(r) for r in ["Too expensive", "Went with cheaper competitor", "", "Missing features", "eh"]]
['price', 'price', 'unspecified', 'product_fit', 'other']

The category is stored on each lost row (``opportunities.loss_reason``) when
the row is imported and recomputed for the affected rows when an override is
set or cleared, so queries never re-run the keyword match.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import duckdb

from analytics.errors import InvalidSettingError
from analytics.lake import write

#: The keyword rules, in the order they are tested.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("no_decision", ("no decision", "status quo", "went dark", "ghost", "unresponsive",
                     "no response", "do nothing", "stalled")),
    ("price", ("price", "pricing", "cost", "expensive", "budget", "cheaper", "discount")),
    ("product_fit", ("feature", "functionality", "fit", "requirement", "integration",
                     "capabilit", "technical", "product")),
    ("timing", ("timing", "postpone", "delay", "next year", "not now", "later")),
    ("relationship", ("relationship", "trust", "support", "service", "experience", "reference")),
    ("competitor", ("competitor", "incumbent", "chose", "went with")),
)

#: Every category, in display order.
CATEGORIES: tuple[str, ...] = (*(name for name, _ in RULES), "other", "unspecified")

CATEGORY_LABELS: dict[str, str] = {
    "price": "Price",
    "product_fit": "Product fit",
    "no_decision": "No decision",
    "timing": "Timing",
    "relationship": "Relationship",
    "competitor": "Competitor",
    "other": "Other",
    "unspecified": "Unspecified",
}


def raw_key(raw: str | None) -> str:
    """The form a raw reason is matched and overridden by: trimmed, lower-cased."""
    return (raw or "").strip().lower()


def categorise(raw: str | None) -> str:
    """The rule-based category of one raw reason (overrides not applied)."""
    text = raw_key(raw)
    if not text:
        return "unspecified"
    for category, keywords in RULES:
        if any(keyword in text for keyword in keywords):
            return category
    return "other"


def rules_sql(raw_column: str) -> tuple[str, list[object]]:
    """The rules as a SQL ``CASE`` over a (trusted) column expression, keywords bound."""
    parts = [f"WHEN coalesce(trim({raw_column}), '') = '' THEN 'unspecified'"]
    params: list[object] = []
    for category, keywords in RULES:
        tests = " OR ".join(f"contains(lower(trim({raw_column})), ?)" for _ in keywords)
        parts.append(f"WHEN {tests} THEN ?")
        params.extend(keywords)
        params.append(category)
    return "CASE " + " ".join(parts) + " ELSE 'other' END", params


def reason_category_sql(raw_column: str) -> tuple[str, list[object]]:
    """The category of a lost deal's raw reason as a SQL expression over a (trusted) column
    expression, keywords bound: the user's override of the raw text, else the rules."""
    case_sql, case_params = rules_sql(raw_column)
    return (f"""coalesce(
            (SELECT r.category FROM reason_overrides r
              WHERE r.raw_key = lower(trim(coalesce({raw_column}, '')))),
            {case_sql})""", case_params)


def category_sql(outcome_column: str, raw_column: str) -> tuple[str, list[object]]:
    """The stored ``loss_reason`` of a row as a SQL expression over its (trusted) outcome and
    raw-reason column expressions: NULL unless lost, else :func:`reason_category_sql`."""
    reason_sql, params = reason_category_sql(raw_column)
    return f"CASE WHEN {outcome_column} <> 'lost' THEN NULL ELSE {reason_sql} END", params


def recategorise(cur: duckdb.DuckDBPyConnection, where_sql: str = "TRUE",
                 params: list[object] | None = None) -> None:
    """Recompute ``loss_reason`` for the rows matching ``where_sql`` (overrides first).

    Lost rows get their category; every other row gets NULL. Runs inside the
    caller's transaction, if any. (An import computes the same categories as it
    inserts its rows, :func:`reason_category_sql` once per distinct raw reason.)
    """
    sql, sql_params = category_sql("opportunities.outcome", "opportunities.loss_reason_raw")
    cur.execute(f"UPDATE opportunities SET loss_reason = {sql} WHERE {where_sql}",
                sql_params + list(params or []))


def set_override(cur: duckdb.DuckDBPyConnection, raw: str, category: str | None,
                 *, now: datetime) -> int:
    """Map the raw reason ``raw`` to ``category`` (``None`` removes the override).

    Returns how many lost deals changed category. One transaction.
    """
    return set_overrides(cur, {raw: category}, now=now)


def set_overrides(cur: duckdb.DuckDBPyConnection, changes: Mapping[str, str | None],
                  *, now: datetime) -> int:
    """Apply several overrides (raw reason → category, ``None`` to drop one) in ONE transaction.

    Either every change is saved or, on any error, none is. Returns how many lost deals
    changed category.
    """
    unknown = sorted({c for c in changes.values() if c is not None and c not in CATEGORIES})
    if unknown:
        raise InvalidSettingError(
            f"Unknown category {unknown[0]!r}; use one of: {', '.join(CATEGORIES)}."
        )
    keys = {raw_key(raw): category for raw, category in changes.items()}
    if not keys:
        return 0
    touched = "lower(trim(coalesce(loss_reason_raw, ''))) IN (SELECT unnest(?::VARCHAR[]))"
    lost_categories = ("SELECT opportunity_id, loss_reason FROM opportunities "
                       f"WHERE outcome = 'lost' AND {touched}")
    def body(cur: duckdb.DuckDBPyConnection) -> int:
        before = dict(cur.execute(lost_categories, [list(keys)]).fetchall())
        cur.execute("DELETE FROM reason_overrides WHERE raw_key IN (SELECT unnest(?::VARCHAR[]))",
                    [list(keys)])
        rows = [[key, category, now] for key, category in keys.items() if category is not None]
        if rows:
            cur.executemany("INSERT INTO reason_overrides VALUES (?, ?, ?)", rows)
        recategorise(cur, touched, [list(keys)])
        after = dict(cur.execute(lost_categories, [list(keys)]).fetchall())
        return sum(1 for k, v in after.items() if before.get(k) != v)

    return write(cur, body)  # one transaction, re-run whole if a concurrent write wins


def list_reasons(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, bool]]:
    """Every raw reason of the lost deals: (raw text, category, deals, overridden?)."""
    return cur.execute(
        """
        SELECT coalesce(trim(o.loss_reason_raw), '') AS raw,
               any_value(o.loss_reason) AS category,
               count(*) AS deals,
               bool_or(r.raw_key IS NOT NULL) AS overridden
        FROM opportunities o
        LEFT JOIN reason_overrides r
          ON r.raw_key = lower(trim(coalesce(o.loss_reason_raw, '')))
        WHERE o.outcome = 'lost'
        GROUP BY 1
        ORDER BY deals DESC, raw
        """
    ).fetchall()
