"""Sales cycle (METRICS.md §4) and the stage a lost deal was in when it was lost.

``cycle_days`` = ``close_date − created_date`` for a closed deal (won or lost)
that has both dates; open deals and deals missing a date have none. Days are
used as stored: a deal closed before it was created has a negative cycle.

Worked example: wins after 30 and 10 days average (30 + 10) / 2 = 20 days; the
loss after 40 days counts, the loss with no created date has no cycle at all.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id outcome close_date", [
...     ("a", "won", "2024-01-31"), ("b", "won", "2024-01-11"), ("c", "lost", "2024-02-10")],
...     created_date="2024-01-01")
>>> _ = cur.execute("INSERT INTO opportunities (opportunity_id, outcome, close_date, import_id)"
...                 " VALUES ('d', 'lost', '2024-02-10', 1)")  # no created date
>>> cycle_summary(cur, Filters())[["outcome", "deals", "mean_days", "median_days"]].values.tolist()
[['won', 2, 20.0, 20.0], ['lost', 1, 40.0, 40.0]]
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.sql import CYCLE_DAYS as CYCLE_DAYS
from analytics.sql import amount_sum, has_text, outcome_is, values_table


def cycle_summary(cur: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cycle length of won and of lost deals: ``outcome, deals, mean_days, median_days, p25_days, p75_days``.

    Always two rows, ``won`` then ``lost``; ``deals`` counts the deals that have
    a cycle (both dates), the statistics are NaN when it is 0. Quantiles are
    interpolated (a median of 10 and 30 days is 20).
    """
    filter_sql, params = filters.where("o")
    kinds, kind_params = values_table("k", ["outcome", "ord"], [("won", 0), ("lost", 1)])
    return cur.execute(
        f"""
        SELECT k.outcome,
               count(c.days) AS deals,
               avg(c.days) AS mean_days,
               quantile_cont(c.days, 0.5) AS median_days,
               quantile_cont(c.days, 0.25) AS p25_days,
               quantile_cont(c.days, 0.75) AS p75_days
        FROM {kinds}
        LEFT JOIN (
          SELECT o.outcome, {CYCLE_DAYS} AS days
          FROM opportunities o
          WHERE {filter_sql} AND {CYCLE_DAYS} IS NOT NULL
        ) AS c ON c.outcome = k.outcome
        GROUP BY k.outcome, k.ord
        ORDER BY k.ord
        """,
        [*kind_params, *params],
    ).df()


def cycle_histogram(cur: duckdb.DuckDBPyConnection, filters: Filters, bin_days: int = 15) -> pd.DataFrame:
    """Deals per cycle-length bin: ``outcome, bin_start, deals``.

    A deal of ``d`` days falls in the bin starting at ``floor(d / bin_days) * bin_days``
    (with 15-day bins, 0–14 days → 0, 15–29 → 15). Only non-empty bins appear,
    won before lost, shortest first.
    """
    if isinstance(bin_days, bool) or not isinstance(bin_days, int) or bin_days < 1:
        raise InvalidSettingError(f"The bin width must be a whole number of days ≥ 1, not {bin_days!r}.")
    filter_sql, params = filters.where("o")
    return cur.execute(
        f"""
        SELECT o.outcome, (floor({CYCLE_DAYS} / ?) * ?)::BIGINT AS bin_start, count(*) AS deals
        FROM opportunities o
        WHERE {filter_sql} AND {CYCLE_DAYS} IS NOT NULL
        GROUP BY 1, 2
        ORDER BY {outcome_is("lost")}, bin_start
        """,
        [bin_days, bin_days, *params],
    ).df()


def stage_at_loss(cur: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Where lost deals died: ``loss_stage, deals, amount, share`` over lost deals with a loss stage.

    ``share`` = deals / lost deals that have a (non-blank) ``loss_stage``; ``amount``
    sums their amounts (NULL as 0). Most deals first. Empty when the export
    recorded no stage at loss. E.g. 3 lost in "Proposal", 1 in "Demo" → 0.75 / 0.25.
    """
    filter_sql, params = filters.where("o")
    source, source_params = filters.source("o")
    return cur.execute(
        f"""
        SELECT o.loss_stage,
               count(*) AS deals,
               {amount_sum()} AS amount,
               count(*) / sum(count(*)) OVER () AS share
        FROM {source}
        WHERE {outcome_is("lost")} AND {has_text("o.loss_stage")} AND {filter_sql}
        GROUP BY o.loss_stage
        ORDER BY deals DESC, o.loss_stage
        """,
        [*source_params, *params],
    ).df()
