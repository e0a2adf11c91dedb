"""Comebacks (METRICS.md §8): lost accounts that later bought from us.

Every function here reads one per-account table, the *anchor*, built in SQL by
:func:`anchor_cte`:

- the accounts are the ``account_key`` values (rows without one are left out)
  with at least one lost deal among the deals passing the filters;
- ``loss_date`` is the earliest close date of those lost deals, and that *anchor
  loss* (category, competitor, segment, … , id, amount, account name) describes
  the account. Two losses on the same earliest day: the lowest
  ``opportunity_id`` (text order) is the anchor;
- ``comeback_date`` is the earliest close date of a WON deal of the same
  account_key — any deal, filters NOT applied, from any import or CRM — with
  close date > loss_date (a win on the day of the loss is not a comeback). Two
  wins that day: the lowest ``opportunity_id`` is the comeback deal.

``as_of`` (:func:`as_of_date`) is the latest close date of any closed deal in
the database unless the user gives one. It decides only who is eligible (and
where the curve censors): the lost accounts, their comebacks, ``ever_rate`` and
the median are defined over all the deals whatever as_of is (§8, §9). With a
given as_of earlier than the data, an account lost after as_of still counts as
lost (it cannot be eligible yet), and a comeback after as_of still counts for
``ever_rate`` and the median; on the curve, observation stops at as_of (a
comeback after it is censored at as_of, a loss after it at 0). With the default
as_of there is nothing after it.

With horizon H days, an account is **eligible** when ``loss_date ≤ as_of − H``
(it has been watched for the whole horizon) and **came back** when it is
eligible and ``comeback_date − loss_date ≤ H``.

>>> from analytics.store import connect
>>> con = connect(":memory:")
>>> cur = con.cursor()
>>> _ = cur.execute('''INSERT INTO opportunities
...     (opportunity_id, account_key, outcome, close_date, import_id)
...     VALUES ('1', 'acme', 'lost', DATE '2023-01-01', 1),
...            ('2', 'acme', 'won',  DATE '2023-03-02', 1),  -- 60 days later: came back
...            ('3', 'bolt', 'lost', DATE '2022-06-01', 1),
...            ('4', 'bolt', 'won',  DATE '2022-06-01', 1),  -- same day: not a comeback
...            ('5', 'cask', 'lost', DATE '2024-01-01', 1)   -- as_of: not eligible for H=365
... ''')
>>> s = summary(cur, Filters(), ComebackSettings())
>>> s["as_of"], s["lost_accounts"], s["eligible"], s["came_back"], s["median_days_to_comeback"]
('2024-01-01', 3, 2, 1, 60.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, DIMENSIONS, Filters
from analytics.metrics.computed_once import computed_once, table_for
from analytics.metrics.rates import add_rate_columns
from analytics.metrics.survival import kaplan_meier
from analytics.sql import closed, outcome_is, period_sql, row_limit

#: What :func:`breakdown` may group by: the anchor loss's category or any dimension.
BREAKDOWNS: tuple[str, ...] = ("category", *DIMENSIONS)


def _whole(value: object) -> bool:
    """A whole number (Python or numpy int), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class ComebackSettings:
    """Horizon in days (≥ 1) and an optional as_of date (default: from the data)."""

    horizon_days: int = 365
    as_of: date | None = None

    def __post_init__(self) -> None:
        h = self.horizon_days
        if not _whole(h) or h < 1:
            raise InvalidSettingError(
                f"The comeback horizon must be a whole number of days, 1 or more, not {h!r}."
            )
        object.__setattr__(self, "horizon_days", int(h))
        if isinstance(self.as_of, datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        elif self.as_of is not None and not isinstance(self.as_of, date):
            raise InvalidSettingError(f"as_of must be a date, not {self.as_of!r}.")


def as_of_date(cur: duckdb.DuckDBPyConnection, settings: ComebackSettings) -> date | None:
    """``settings.as_of``, else the latest close date of any closed deal in the
    database (no filters); None when there is no closed deal at all."""
    if settings.as_of is not None:
        return settings.as_of
    row = cur.execute(f"SELECT max(close_date) FROM opportunities WHERE {closed('')}").fetchone()
    return row[0] if row else None


@contextmanager
def shared_anchor(cursor: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings,
                  ) -> Iterator[None]:
    """Compute the anchor of ``filters`` once, into a temporary table of ``cursor``: inside the block,
    the functions of this module (and :mod:`winback`) called with ``cursor`` and these filters and
    as_of read it instead of computing it again (at 1M deals the anchor costs ~0.3 s a time).
    See :mod:`analytics.metrics.computed_once`."""
    as_of = as_of_date(cursor, settings)
    cte, params = anchor_cte(filters, as_of)
    with computed_once(cursor, ("comeback_anchor", filters, as_of, ()), cte + "SELECT * FROM anchor", params):
        yield


def anchor_cte(filters: Filters, as_of: date | None, dimension: str | None = None,
               ) -> tuple[str, list[object]]:
    """``WITH … anchor AS (…)``: one row per lost account, with its bound parameters.

    Columns: account_key, account_name (of the anchor loss), lost_opportunity_id,
    loss_date, category, competitor, lost_amount, comeback_opportunity_id, comeback_date,
    comeback_amount, comeback_account_name, days_to_comeback (comeback_date − loss_date),
    days_observed (as_of − loss_date, negative for a loss after a given as_of), and the anchor
    loss's ``dimension`` (segment, region, …) when one is asked for (:data:`BREAKDOWNS`).
    E.g. losses on 2023-01-05 (ids B and A) and wins on 2023-01-05 and 2023-02-04: anchor A,
    comeback 2023-02-04, 30 days."""
    if dimension is not None and dimension not in BREAKDOWNS:
        raise InvalidSettingError(f"The comeback anchor has no {dimension!r}; use one of {BREAKDOWNS}.")
    # Only the columns asked for: every other dimension costs ~15% more at 1M deals
    columns = tuple(dict.fromkeys(c for c in ("competitor", dimension) if c in DIMENSIONS))
    shared = table_for(("comeback_anchor", filters, as_of, columns[1:]))
    if shared is not None:  # inside :func:`shared_anchor`
        return f"WITH anchor AS (SELECT * FROM {shared})", []
    where, where_params = filters.where("o")
    lost_from, lost_params = filters.source("o")  # amounts in ``filters.currency`` only
    wins_from, wins_params = filters.source("w")
    lost = f"{outcome_is('lost')} AND o.account_key IS NOT NULL AND o.close_date IS NOT NULL AND ({where})"
    dims = ", ".join(f"o.{name}" for name in columns)
    anchor_dims = ", ".join(f"f.{name}" for name in columns)
    # Each first day from a narrow GROUP BY; only the deals on it are read whole and ranked by id
    sql = f"""
        WITH loss_day AS (
            SELECT o.account_key, min(o.close_date) AS loss_date
            FROM opportunities o WHERE {lost} GROUP BY o.account_key
        ),
        first_loss AS (
            SELECT o.account_key, o.account_name, o.opportunity_id, o.close_date,
                   o.loss_reason, {dims}, o.amount
            FROM {lost_from}
            JOIN loss_day d ON d.account_key = o.account_key AND d.loss_date = o.close_date
            WHERE {lost}
            QUALIFY row_number() OVER (PARTITION BY o.account_key ORDER BY o.opportunity_id) = 1
        ),
        win_day AS (
            SELECT d.account_key, min(w.close_date) AS win_date
            FROM loss_day d
            JOIN opportunities w ON w.account_key = d.account_key AND {outcome_is('won', 'w')}
             AND w.close_date > d.loss_date
            GROUP BY d.account_key
        ),
        wins AS (
            SELECT w.account_key, w.opportunity_id, w.close_date, w.amount, w.account_name
            FROM {wins_from}
            JOIN win_day d ON d.account_key = w.account_key AND d.win_date = w.close_date
            WHERE {outcome_is('won', 'w')}
            QUALIFY row_number() OVER (PARTITION BY w.account_key ORDER BY w.opportunity_id) = 1
        ),
        anchor AS (
            SELECT f.account_key, f.account_name, f.opportunity_id AS lost_opportunity_id,
                   f.close_date AS loss_date, f.loss_reason AS category, {anchor_dims},
                   f.amount AS lost_amount,
                   c.opportunity_id AS comeback_opportunity_id, c.close_date AS comeback_date,
                   c.amount AS comeback_amount, c.account_name AS comeback_account_name,
                   date_diff('day', f.close_date, c.close_date) AS days_to_comeback,
                   date_diff('day', f.close_date, CAST(? AS DATE)) AS days_observed
            FROM first_loss f
            LEFT JOIN wins c ON c.account_key = f.account_key
        )
    """
    return sql, [*where_params, *lost_params, *where_params, *wins_params, as_of]


#: ``eligible`` (watched for the whole horizon), given the horizon as its parameter.
_ELIGIBLE = "days_observed >= CAST(? AS BIGINT)"
#: ``came back``, given the horizon twice.
_CAME_BACK = f"{_ELIGIBLE} AND days_to_comeback <= CAST(? AS BIGINT)"
#: The per-group account counts over ``anchor``; bind the horizon three times.
_ACCOUNT_COUNTS = f"""count(*) AS lost_accounts,
               count(*) FILTER (WHERE {_ELIGIBLE}) AS eligible,
               count(*) FILTER (WHERE {_CAME_BACK}) AS came_back,
               count(comeback_date) AS returned"""


def summary(
    cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings
) -> dict[str, object]:
    """The §9 ``comebacks`` object.

    lost_accounts = anchor rows; eligible = days_observed ≥ H; came_back = eligible
    and days_to_comeback ≤ H; comeback_rate = came_back / eligible; ever_rate =
    accounts with a comeback_date / lost_accounts; median_days_to_comeback over
    every account with a comeback_date, whatever H (even count: mean of the two
    middle values, e.g. 10, 20, 40, 90 → 30.0). Rates and median None when empty.
    """
    as_of = as_of_date(cur, settings)
    cte, params = anchor_cte(filters, as_of)
    h = settings.horizon_days
    row = cur.execute(
        f"""{cte}
        SELECT {_ACCOUNT_COUNTS},
               median(days_to_comeback)
        FROM anchor
        """,
        [*params, h, h, h],
    ).fetchone()
    lost, eligible, came_back, returned, median = row if row else (0, 0, 0, 0, None)
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "horizon_days": h,
        "lost_accounts": int(lost),
        "eligible": int(eligible),
        "came_back": int(came_back),
        "comeback_rate": came_back / eligible if eligible else None,
        "ever_rate": returned / lost if lost else None,
        "median_days_to_comeback": float(median) if median is not None else None,
    }


def curve(
    cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings
) -> pd.DataFrame:
    """Kaplan–Meier time to comeback over every lost account.

    Event = comeback after ``days_to_comeback`` days, when it came on or before
    ``as_of``; an account with none by then is censored at ``as_of − loss_date``
    days (0 for a loss after a given as_of: at risk at time 0 only). SQL returns one row per (days, event)
    with its account count; :func:`analytics.survival.kaplan_meier` does the rest.
    Columns: time (days since loss), at_risk, events, censored, survival, low,
    high, and for the chart ``comeback_prob`` = 1 − survival (the share expected
    to have come back by then) with its band ``comeback_low`` = 1 − high,
    ``comeback_high`` = 1 − low.
    """
    as_of = as_of_date(cur, settings)
    cte, params = anchor_cte(filters, as_of)
    groups = cur.execute(
        f"""{cte}
        SELECT CASE WHEN comeback_date <= CAST(? AS DATE) THEN days_to_comeback
                    ELSE greatest(days_observed, 0) END AS days,
               coalesce(comeback_date <= CAST(? AS DATE), false) AS event,
               count(*) AS accounts
        FROM anchor
        GROUP BY ALL
        ORDER BY ALL
        """,
        [*params, as_of, as_of],
    ).fetchall()
    km = kaplan_meier(
        [g[0] for g in groups], [bool(g[1]) for g in groups], [int(g[2]) for g in groups]
    )
    km["comeback_prob"] = 1.0 - km["survival"]
    km["comeback_low"] = 1.0 - km["high"]
    km["comeback_high"] = 1.0 - km["low"]
    return km


def cohorts(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    settings: ComebackSettings,
    max_months: int = 24,
) -> pd.DataFrame:
    """Share of each loss-quarter cohort that came back within m months, m = 1…max_months.

    "Within m months" is ``comeback_date ≤ loss_date + m`` calendar months (end of
    month clamped: 2023-01-31 + 1 month = 2023-02-28). A cell is shown only once
    every account of the cohort has been watched for m months, i.e. the cohort's
    latest loss_date + m months ≤ as_of; other cells have came_back_cum <NA> and
    share NaN (unknown, not 0). Columns: cohort (first day of the quarter),
    accounts, months_since_loss, came_back_cum, share. ``settings.horizon_days``
    is not used.
    """
    if not _whole(max_months) or max_months < 1:
        raise InvalidSettingError(
            f"The cohort table needs a whole number of months, 1 or more, not {max_months!r}."
        )
    as_of = as_of_date(cur, settings)
    cte, params = anchor_cte(filters, as_of)
    return cur.execute(
        f"""{cte},
        cohort AS (
            SELECT {period_sql('quarter', 'loss_date')} AS cohort,
                   loss_date, comeback_date
            FROM anchor
        ),
        sizes AS (
            SELECT cohort, count(*) AS accounts, max(loss_date) AS last_loss
            FROM cohort GROUP BY cohort
        ),
        months AS (
            SELECT CAST(range AS INTEGER) AS m FROM range(1, CAST(? AS BIGINT) + 1)
        ),
        -- The fewest whole months m >= 1 with comeback_date <= loss_date + m months (monotone in
        -- m): d = the month boundaries between the two dates puts loss_date + d months in the
        -- comeback's month, so m is d when that is on or after the comeback, else d + 1.
        needed AS (
            SELECT cohort, m_needed, count(*) AS accounts
            FROM (
                SELECT cohort,
                       CASE WHEN CAST(loss_date + to_months(d) AS DATE) >= comeback_date
                            THEN greatest(d, 1) ELSE d + 1 END AS m_needed
                FROM (SELECT cohort, loss_date, comeback_date,
                             date_diff('month', loss_date, comeback_date) AS d
                      FROM cohort WHERE comeback_date IS NOT NULL)
            )
            GROUP BY cohort, m_needed
        ),
        cells AS (
            SELECT s.cohort, s.accounts, m.m AS months_since_loss,
                   CAST(s.last_loss + to_months(m.m) AS DATE) <= CAST(? AS DATE) AS observable,
                   CAST(coalesce(sum(n.accounts), 0) AS BIGINT) AS came_back
            FROM sizes s
            CROSS JOIN months m
            LEFT JOIN needed n ON n.cohort = s.cohort AND n.m_needed <= m.m
            GROUP BY s.cohort, s.accounts, s.last_loss, m.m
        )
        SELECT cohort, accounts, months_since_loss,
               CASE WHEN observable THEN came_back END AS came_back_cum,
               CASE WHEN observable THEN came_back / accounts END AS share
        FROM cells
        ORDER BY cohort, months_since_loss
        """,
        [*params, int(max_months), as_of],
    ).df()


def breakdown(
    cur: duckdb.DuckDBPyConnection, filters: Filters, settings: ComebackSettings, by: str
) -> pd.DataFrame:
    """Comeback rate by an attribute of the anchor loss: ``category`` (its §3 loss
    reason), ``competitor``, ``segment`` or any other filter dimension.

    Columns: value (blank → "(none)"), lost_accounts, eligible, came_back,
    comeback_rate with its 95% Wilson low / high and small_sample (< 10 eligible),
    ever_rate. Largest groups first. E.g. 4 accounts lost on price, 3 eligible, 1
    came back → comeback_rate 1/3, small sample.
    """
    if by not in BREAKDOWNS:
        raise InvalidSettingError(
            f"Cannot break comebacks down by {by!r}; choose one of: {', '.join(BREAKDOWNS)}."
        )
    as_of = as_of_date(cur, settings)
    cte, params = anchor_cte(filters, as_of, by)
    h = settings.horizon_days
    df = cur.execute(
        f"""{cte}
        SELECT coalesce(anchor.{by}, ?) AS value,
               {_ACCOUNT_COUNTS}
        FROM anchor
        GROUP BY 1
        ORDER BY lost_accounts DESC, value
        """,
        [*params, BLANK_LABEL, h, h, h],
    ).df()
    df = add_rate_columns(df, "came_back", "eligible", rate_name="comeback_rate")
    df["ever_rate"] = df["returned"] / df["lost_accounts"]  # every group has a lost account
    return df[["value", "lost_accounts", "eligible", "came_back", "comeback_rate", "low", "high",
               "small_sample", "ever_rate"]]


def returned_accounts(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    settings: ComebackSettings,
    limit: int = 500,
) -> pd.DataFrame:
    """The lost accounts that came back (whatever the horizon), latest comeback first.

    Columns: account_key, account_name (as on the anchor loss), lost_opportunity_id,
    loss_date, loss_reason (the anchor's §3 category), lost_to (its competitor),
    lost_amount, comeback_opportunity_id, comeback_date, comeback_amount,
    comeback_account_name (as on the won deal: it may be spelled differently),
    days_to_comeback. At most ``limit`` rows.
    """
    limit = row_limit(limit)
    as_of = as_of_date(cur, settings)
    cte, params = anchor_cte(filters, as_of)
    return cur.execute(
        f"""{cte}
        SELECT account_key, account_name, lost_opportunity_id, loss_date,
               category AS loss_reason, competitor AS lost_to, lost_amount,
               comeback_opportunity_id, comeback_date, comeback_amount,
               comeback_account_name, days_to_comeback
        FROM anchor
        WHERE comeback_date IS NOT NULL
        ORDER BY comeback_date DESC, account_key
        LIMIT ?
        """,
        [*params, limit],
    ).df()
