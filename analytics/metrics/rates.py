"""Rate columns on tables of group counts, and the closed-deal groups every win-rate table reads.

A table of counts (one row per group) gets, per row, ``successes / trials``
with its 95% Wilson interval and the small-sample flag of
:func:`analytics.metrics.stats.rate`; the SQL that counts the groups is
:func:`analytics.sql.closed_groups_sql`.

>>> import pandas as pd
>>> counts = pd.DataFrame({"came_back": [1, 0], "eligible": [3, 0]})
>>> out = add_rate_columns(counts, "came_back", "eligible", rate_name="comeback_rate")
>>> list(out.columns)
['came_back', 'eligible', 'comeback_rate', 'low', 'high', 'small_sample']
>>> [round(x, 4) for x in out["comeback_rate"].fillna(-1).tolist()]  # 1 / 3; no rate out of 0
[0.3333, -1.0]
>>> out["small_sample"].tolist()
[True, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from analytics.filters import Filters
from analytics.metrics.stats import rate
from analytics.sql import closed_groups_sql

#: The columns :func:`add_rate_columns` adds, in order (with the default rate name).
RATE_COLUMNS: tuple[str, ...] = ("win_rate", "low", "high", "small_sample")


def add_rate_columns(
    df: pd.DataFrame, successes: str = "won", trials: str = "closed", *, rate_name: str = "win_rate"
) -> pd.DataFrame:
    """``df`` with ``rate_name``, ``low``, ``high`` and ``small_sample`` from two count columns.

    A small frame of group counts only: the interval is :func:`analytics.metrics.stats.rate`'s;
    the rate and its bounds are NaN where ``trials`` is 0.
    """
    rates = [rate(s, n) for s, n in zip(df[successes], df[trials], strict=True)]
    return df.assign(**{
        rate_name: pd.Series([r.value for r in rates], index=df.index, dtype="float64"),
        "low": pd.Series([r.low for r in rates], index=df.index, dtype="float64"),
        "high": pd.Series([r.high for r in rates], index=df.index, dtype="float64"),
        "small_sample": pd.Series([r.small_sample for r in rates], index=df.index, dtype="bool"),
    })


def closed_groups(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    keys: Sequence[tuple[str, str]],
    key_params: Sequence[object] = (),
    **options: Any,
) -> pd.DataFrame:
    """Closed-deal counts and amounts per group: the shared core of every win-rate table.

    The columns of :func:`analytics.sql.closed_groups_sql` (same arguments; its
    keywords ``where``, ``where_params`` and ``order_by`` pass through ``options``),
    then :data:`RATE_COLUMNS` and ``win_rate_excl_no_decision``.
    """
    sql, params = closed_groups_sql(filters, keys, key_params, **options)
    df = add_rate_columns(cur.execute(sql, params).df())
    excl = add_rate_columns(df, "won", "closed_excl_no_decision")["win_rate"]
    return df.assign(win_rate_excl_no_decision=excl)
