"""The win-back list: lost accounts worth a call now, ranked.

Built on the comeback anchor (:func:`analytics.metrics.comebacks.anchor_cte`: one row per lost
account, its first loss in the filters, its first later win). An account is on the list when

- it has **not come back** as of ``as_of`` (no later win, or one only after ``as_of``);
- it was lost **long enough ago that its cohort usually returns**: the days since the loss are at
  least the *usual* days to come back — the median days-to-comeback of the accounts lost for the
  same reason when at least :data:`MIN_RETURNED` of them came back, else the median over every
  reason — and at most the comeback horizon (after that, few accounts return).

Ranked by ``score`` = lost amount × the comeback rate of the loss reason (came back within the
horizon ÷ eligible, §8), highest first; no amount or no rate sorts last (ties: the larger lost
amount, then the name). Amounts follow ``Filters.currency`` (another currency's reads as none).

Acme lost to price 100 days before as_of, price accounts usually return after 60 days, and 1 of
the 2 eligible price accounts came back: score 1000 × 0.5.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id account_key account_name outcome close_date loss_reason amount", [
...     ("1", "acme", "Acme", "lost", "2024-03-22", "price", 1000),
...     ("2", "bolt", "Bolt", "lost", "2022-01-01", "price", 10),
...     ("3", "bolt", "Bolt", "won", "2022-03-02", None, 10),     # back after 60 days
...     ("4", "cask", "Cask", "lost", "2022-06-01", "price", 50),  # not back, lost 945 days ago
...     ("5", "dune", "Dune", "won", "2024-06-30", None, 5)])      # as_of: the latest close date
>>> from analytics.metrics.comebacks import ComebackSettings
>>> wl = winback_list(cur, Filters(), ComebackSettings(horizon_days=365), min_returned=1)
>>> wl[["account_name", "days_since_loss", "usual_days", "reason_comeback_rate", "score"]].values.tolist()
[['Acme', 100, 60.0, 0.5, 500.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from analytics.filters import Filters
from analytics.metrics import comebacks
from analytics.metrics.comebacks import ComebackSettings, anchor_cte, as_of_date

#: Comebacks a loss reason needs before its own median decides when its accounts are due.
MIN_RETURNED = 5

#: The columns of :func:`winback_list`.
WINBACK_COLUMNS = ["account_name", "lost_opportunity_id", "loss_date", "category", "competitor",
                   "lost_amount", "days_since_loss", "usual_days", "reason_comeback_rate", "score"]


def winback_list(cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings,
                 *, min_returned: int = MIN_RETURNED) -> pd.DataFrame:
    """The lost accounts due for a win-back call, best first (:data:`WINBACK_COLUMNS`)."""
    as_of = as_of_date(cur, settings)
    if as_of is None:
        return pd.DataFrame(columns=WINBACK_COLUMNS)
    anchor_sql, params = anchor_cte(filters, as_of)
    horizon = settings.horizon_days
    return cur.execute(
        f"""
        {anchor_sql},
        marked AS (
            SELECT *, days_observed >= ? AS eligible,
                   days_observed >= ? AND days_to_comeback <= ? AS came_back,
                   comeback_date IS NOT NULL AND comeback_date <= CAST(? AS DATE) AS back
            FROM anchor
        ),
        by_reason AS (
            SELECT category, count(*) FILTER (WHERE came_back) / nullif(count(*) FILTER (WHERE eligible), 0)
                     AS reason_comeback_rate,
                   count(*) FILTER (WHERE back) AS returned,
                   median(days_to_comeback) FILTER (WHERE back) AS reason_days
            FROM marked GROUP BY category
        ),
        overall AS (SELECT median(days_to_comeback) FILTER (WHERE back) AS all_days FROM marked),
        due AS (
            SELECT m.*, m.days_observed AS days_since_loss, r.reason_comeback_rate,
                   CAST(CASE WHEN r.returned >= ? THEN r.reason_days ELSE o.all_days END AS DOUBLE)
                     AS usual_days
            FROM marked m JOIN by_reason r ON r.category IS NOT DISTINCT FROM m.category
            CROSS JOIN overall o
            WHERE NOT m.back
        )
        SELECT account_name, lost_opportunity_id, loss_date, category, competitor, lost_amount,
               days_since_loss, usual_days, reason_comeback_rate,
               lost_amount * reason_comeback_rate AS score
        FROM due
        WHERE days_since_loss >= usual_days AND days_since_loss <= ?
        ORDER BY score DESC NULLS LAST, lost_amount DESC NULLS LAST, account_name, lost_opportunity_id
        """,
        [*params, horizon, horizon, horizon, as_of, min_returned, horizon],
    ).df()[WINBACK_COLUMNS]


# --------------------------------------------------------------------------- the Comebacks page


@dataclass(frozen=True)
class ComebackView:
    """Everything the Comebacks page shows: the results of :func:`~analytics.metrics.comebacks.
    summary`, ``curve``, ``cohorts``, ``breakdown`` by category and by competitor,
    ``returned_accounts`` and :func:`winback_list`, for one set of filters and settings."""

    summary: dict[str, object]
    curve: pd.DataFrame
    cohorts: pd.DataFrame
    by_category: pd.DataFrame
    by_competitor: pd.DataFrame
    winback: pd.DataFrame
    returned: pd.DataFrame


def comeback_view(cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings, *,
                  cohort_months: int = 24) -> ComebackView:
    """Every comeback result of the page in one engine call. Called one by one, each computes the
    anchor again (at 1M deals ~0.3 s a time); here it is computed once
    (:func:`~analytics.metrics.comebacks.shared_anchor`) and the same functions read it.

    >>> from analytics.metrics.examples import example_cursor
    >>> cur = example_cursor("opportunity_id account_key outcome close_date", [
    ...     ("1", "acme", "lost", "2023-01-01"), ("2", "acme", "won", "2023-03-02"),
    ...     ("3", "bolt", "lost", "2024-01-01")])
    >>> view = comeback_view(cur, Filters(), ComebackSettings())
    >>> view.summary == comebacks.summary(cur, Filters(), ComebackSettings())
    True
    >>> view.returned["days_to_comeback"].tolist()
    [60]
    """
    # as_of from the data is read once (each function would read it again: ~30 ms a time at 1M deals).
    settings = replace(settings, as_of=as_of_date(cur, settings))
    with comebacks.shared_anchor(cur, filters, settings):
        return ComebackView(
            summary=comebacks.summary(cur, filters, settings),
            curve=comebacks.curve(cur, filters, settings),
            cohorts=comebacks.cohorts(cur, filters, settings, cohort_months),
            by_category=comebacks.breakdown(cur, filters, settings, "category"),
            by_competitor=comebacks.breakdown(cur, filters, settings, "competitor"),
            winback=winback_list(cur, filters, settings),
            returned=comebacks.returned_accounts(cur, filters, settings),
        )
