"""Which currency amount figures are in: the choices a mixed data set offers, and the default.

Amounts in different currencies are never added up. When the deals state more than one
currency, every amount figure is for ONE currency, chosen by the caller and passed to the
engine as :attr:`analytics.filters.Filters.currency` (see ``Filters.source``); counts and
count-based rates stay over every deal. The default is the most common currency by number
of deals. Deals whose export states no currency form their own choice,
:data:`~analytics.filters.BLANK_LABEL`, on mixed data; beside exactly one stated currency
they are taken to be in it, and the amounts are used as stored (no choice at all).

Two USD deals, one EUR deal and one with no currency: USD is the default.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id currency", [("a", "USD"), ("b", "USD"), ("c", "EUR"),
...                                                    ("d", None)], outcome="won")
>>> amount_currencies(cur)
['USD', '(none)', 'EUR']
>>> choose_currency(cur, None), choose_currency(cur, "eur")
('USD', 'EUR')
"""

from __future__ import annotations

import duckdb

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL
from analytics.sql import blank_as_label, has_text


def currency_counts(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """``(currency, deals)`` over all deals, most deals first (ties by code); no currency is
    :data:`BLANK_LABEL`."""
    rows = cur.execute(
        f"SELECT {blank_as_label('o.currency')} AS code, count(*) AS deals FROM opportunities o "
        "GROUP BY 1 ORDER BY deals DESC, code", [BLANK_LABEL]).fetchall()
    return [(str(code), int(deals)) for code, deals in rows]


def amount_currencies(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The currencies amount figures can be shown in, most common first; ``[]`` when the deals
    state at most one currency (amounts are then used as stored)."""
    counts = currency_counts(cur)
    if sum(1 for code, _ in counts if code != BLANK_LABEL) <= 1:
        return []
    return [code for code, _ in counts]


def stated_currencies(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Distinct stated (non-blank) currency codes of all deals, sorted: what a money symbol
    is picked from, and what a requested currency is checked against."""
    rows = cur.execute(f"SELECT DISTINCT o.currency FROM opportunities o "
                       f"WHERE {has_text('o.currency')} ORDER BY 1").fetchall()
    return [code for (code,) in rows]


def choose_currency(cur: duckdb.DuckDBPyConnection, requested: str | None) -> str | None:
    """The ``Filters.currency`` for a request: the most common currency when ``requested`` is
    None on mixed data, the matching choice (case-insensitive) otherwise, None on data in one
    currency. A code the data does not hold is refused."""
    choices = amount_currencies(cur)
    if requested is None or not requested.strip():
        return choices[0] if choices else None
    wanted = requested.strip().upper()
    for code in choices or stated_currencies(cur):
        if code.upper() == wanted:
            return code if choices else None
    held = ", ".join(choices or stated_currencies(cur)) or "no currency"
    raise InvalidSettingError(f"No deal is in currency {requested!r}; the data holds: {held}. "
                              "Choose one of those.")
