"""Everything the Comebacks page shows, in one engine call.

The page shows seven results built on the comeback anchor (:func:`analytics.metrics.comebacks.
anchor_cte`). Called one by one, each computes the anchor again — at 1M deals ~0.5–1 s a time;
here it is computed once (:func:`~analytics.metrics.comebacks.shared_anchor`) and every result
read from it. The numbers are those of the functions named in :class:`ComebackView`.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id account_key outcome close_date", [
...     ("1", "acme", "lost", "2023-01-01"), ("2", "acme", "won", "2023-03-02"),
...     ("3", "bolt", "lost", "2024-01-01")])
>>> view = comeback_view(cur, Filters(), ComebackSettings())
>>> view.summary == summary(cur, Filters(), ComebackSettings())
True
>>> view.returned["days_to_comeback"].tolist()
[60]
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.filters import Filters
from analytics.metrics.comebacks import (
    ComebackSettings,
    breakdown,
    cohorts,
    curve,
    returned_accounts,
    shared_anchor,
    summary,
)
from analytics.metrics.winback import winback_list


@dataclass(frozen=True)
class ComebackView:
    """The results of :func:`~analytics.metrics.comebacks.summary`, ``curve``, ``cohorts``,
    ``breakdown`` by category and by competitor, ``returned_accounts`` and
    :func:`~analytics.metrics.winback.winback_list`, for one set of filters and settings."""

    summary: dict[str, object]
    curve: pd.DataFrame
    cohorts: pd.DataFrame
    by_category: pd.DataFrame
    by_competitor: pd.DataFrame
    winback: pd.DataFrame
    returned: pd.DataFrame


def comeback_view(cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings, *,
                  cohort_months: int = 24) -> ComebackView:
    """Every comeback result of the page over ``filters``, the anchor computed once."""
    with shared_anchor(cur, filters, settings):
        return ComebackView(
            summary=summary(cur, filters, settings),
            curve=curve(cur, filters, settings),
            cohorts=cohorts(cur, filters, settings, cohort_months),
            by_category=breakdown(cur, filters, settings, "category"),
            by_competitor=breakdown(cur, filters, settings, "competitor"),
            winback=winback_list(cur, filters, settings),
            returned=returned_accounts(cur, filters, settings),
        )
