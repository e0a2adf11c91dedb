"""Head-to-head win rates against each competitor (METRICS.md §4).

Over the closed deals passing the filters that name a competitor, per
competitor C: win rate vs C = won / (won + lost) over the deals whose
competitor is C, with its Wilson interval and small-sample flag. Competitor
names are used as stored (trimmed on import, case kept: "Acme" and "ACME" are
two competitors); deals naming none are left out.

Against Alpha we won once and lost three times: 1 / (1 + 3) = 0.25. The win
that names no competitor and the open deal against Alpha change nothing.

>>> from analytics.metrics.examples import example_cursor
>>> outcomes = {"a": "won", "b": "lost", "c": "lost", "d": "lost", "f": "open"}
>>> cur = example_cursor("opportunity_id outcome", outcomes.items(), competitor="Alpha",
...                      close_date="2024-05-01")
>>> _ = cur.execute("INSERT INTO opportunities (opportunity_id, outcome, import_id) VALUES ('e', 'won', 1)")
>>> as_dict(cur, Filters())
{'Alpha': {'won': 1, 'lost': 3, 'win_rate': 0.25}}
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.filters import Filters
from analytics.metrics.rates import RATE_COLUMNS, closed_groups
from analytics.sql import has_text, period_sql

#: A deal that names a competitor, over alias ``o``.
NAMES_COMPETITOR = has_text("o.competitor")

_COUNT_COLUMNS = ["won", "lost", "closed", *RATE_COLUMNS]


def head_to_head(cur: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Win rate per competitor named on closed deals.

    Columns ``competitor, won, lost, closed, win_rate, low, high, small_sample,
    won_amount, lost_amount``. Most closed deals first (ties by name). Amounts treat NULL as 0.
    """
    df = closed_groups(cur, filters, [("competitor", "o.competitor")],
                       where=NAMES_COMPETITOR, order_by="closed DESC, competitor")
    return df[["competitor", *_COUNT_COLUMNS, "won_amount", "lost_amount"]]


def as_dict(cur: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, dict[str, int | float | None]]:
    """The §9 ``competitors`` object: ``{name: {"won": n, "lost": n, "win_rate": rate}}``.

    Plain Python numbers (JSON-ready), in :func:`head_to_head` order.
    """
    df = head_to_head(cur, filters)
    return {
        str(name): {"won": int(won), "lost": int(lost),
                    "win_rate": None if pd.isna(rate) else float(rate)}
        for name, won, lost, rate in df[["competitor", "won", "lost", "win_rate"]].itertuples(index=False)
    }


def trend(cur: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "quarter") -> pd.DataFrame:
    """Head-to-head per close-date period.

    Columns ``period, competitor, won, lost, closed, win_rate, low, high,
    small_sample``. Only (period, competitor) pairs with a closed deal; oldest period first, then by name.
    """
    df = closed_groups(cur, filters, [("period", period_sql(grain)), ("competitor", "o.competitor")],
                       where=NAMES_COMPETITOR, order_by="period, competitor")
    return df[["period", "competitor", *_COUNT_COLUMNS]]
