"""Win rates (METRICS.md §4): the headline numbers, by period and by dimension.

Every rate is over the **closed** deals (outcome ``won`` or ``lost``) that pass
the filters; open deals never enter a rate. Date windows are on ``close_date``.

- ``win_rate`` = won / (won + lost), with its 95% Wilson interval and the
  small-sample flag (fewer than 10 closed deals) from :func:`analytics.stats.rate`.
- ``win_rate_excl_no_decision`` = won / (won + lost whose category is not
  ``no_decision``): the deals nobody bought are taken out of the denominator.
- ``amount_win_rate`` = won amount / (won amount + lost amount); a NULL amount
  counts as 0; ``None`` when the denominator is not positive.

Example: 1 won (100), 1 lost to price (300), 1 lost to no decision (no amount), 1 open.

>>> from analytics.store import connect
>>> cur = connect(":memory:").cursor()
>>> _ = cur.executemany(
...     "INSERT INTO opportunities (opportunity_id, outcome, close_date, amount, loss_reason,"
...     " import_id) VALUES (?, ?, ?, ?, ?, 1)",
...     [("a", "won", "2024-01-10", 100, None), ("b", "lost", "2024-02-03", 300, "price"),
...      ("c", "lost", "2024-02-20", None, "no_decision"), ("d", "open", None, 50, None)])
>>> h = headline(cur, Filters())
>>> h.total, h.won, h.lost, h.open, round(h.win_rate.value, 4)  # 1 / (1 + 2)
(4, 1, 2, 1, 0.3333)
>>> h.win_rate_excl_no_decision.value  # 1 / (1 + 1): the no-decision loss leaves the denominator
0.5
>>> h.amount_win_rate  # 100 / (100 + 300 + 0)
0.25
>>> df = by_period(cur, Filters(), "month")
>>> [(str(p.date()), won, lost, rate) for p, won, lost, rate in
...  df[["period", "won", "lost", "win_rate"]].itertuples(index=False)]
[('2024-01-01', 1, 0, 1.0), ('2024-02-01', 0, 2, 0.0)]
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from analytics.filters import BLANK_LABEL, DIMENSIONS, Filters, dimension
from analytics.metrics.rates import RATE_COLUMNS as RATE_COLUMNS
from analytics.metrics.rates import add_rate_columns as add_rate_columns
from analytics.metrics.rates import closed_groups
from analytics.metrics.stats import Rate, rate
from analytics.sql import CLOSED as CLOSED
from analytics.sql import CYCLE_DAYS, amount_sum, blank_as_label, outcome_is, period_sql
from analytics.sql import GRAINS as GRAINS

_GRAIN_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def period_bounds(start: date, grain: str) -> tuple[date, date]:
    """First and last day of the ``grain`` period that starts on ``start`` (for drill-down).

    >>> period_bounds(date(2024, 4, 1), "quarter")
    (datetime.date(2024, 4, 1), datetime.date(2024, 6, 30))
    """
    period_sql(grain)  # validates the grain
    if isinstance(start, pd.Timestamp):
        start = start.date()
    return start, _add_months(start, _GRAIN_MONTHS[grain]) - timedelta(days=1)


@dataclass(frozen=True)
class Headline:
    """The headline numbers for the deals passing a filter.

    ``total`` / ``won`` / ``lost`` / ``open`` count deals. A date window is on
    ``close_date`` and open deals have none, so under a date window ``open`` is 0
    and ``total`` = ``won`` + ``lost``. Amounts: NULL counts as 0 in the sums;
    ``avg_won_amount`` is the mean over won deals that have an amount. Cycle
    figures are days from ``created_date`` to ``close_date`` over closed deals
    with both dates (``None`` when there are none); a median of an even count is
    the mean of the two middle values.
    """

    total: int
    won: int
    lost: int
    open: int
    win_rate: Rate
    win_rate_excl_no_decision: Rate
    amount_win_rate: float | None
    won_amount: float
    lost_amount: float
    avg_won_amount: float | None
    cycle_won_days: float | None
    cycle_lost_days: float | None
    cycle_won_median_days: float | None
    cycle_lost_median_days: float | None

    @property
    def closed(self) -> int:
        return self.won + self.lost

    def as_summary(self) -> dict[str, object]:
        """The §9 ``deals`` / ``win_rate`` / ``win_rate_excl_no_decision`` / ``amount_win_rate`` keys."""
        return {
            "deals": {"total": self.total, "won": self.won, "lost": self.lost, "open": self.open},
            "win_rate": self.win_rate.value,
            "win_rate_excl_no_decision": self.win_rate_excl_no_decision.value,
            "amount_win_rate": self.amount_win_rate,
        }


def headline(cur: duckdb.DuckDBPyConnection, filters: Filters) -> Headline:
    """The :class:`Headline` numbers for the deals passing ``filters`` (one query).

    E.g. 3 won, 5 lost (2 of them no decision), 2 open: win_rate 3/8 = 0.375,
    win_rate_excl_no_decision 3/6 = 0.5, total 10.
    """
    filter_sql, params = filters.where("o")
    source, source_params = filters.source("o")  # amounts of ``filters.currency`` only
    is_won, is_lost = outcome_is("won"), outcome_is("lost")
    row = cur.execute(
        f"""
        SELECT count(*),
               count(*) FILTER (WHERE {is_won}),
               count(*) FILTER (WHERE {is_lost}),
               count(*) FILTER (WHERE NOT ({CLOSED})),
               count(*) FILTER (WHERE {is_lost} AND o.loss_reason = 'no_decision'),
               {amount_sum(is_won)},
               {amount_sum(is_lost)},
               avg(o.amount) FILTER (WHERE {is_won}),
               avg({CYCLE_DAYS}) FILTER (WHERE {is_won}),
               avg({CYCLE_DAYS}) FILTER (WHERE {is_lost}),
               median({CYCLE_DAYS}) FILTER (WHERE {is_won}),
               median({CYCLE_DAYS}) FILTER (WHERE {is_lost})
        FROM {source}
        WHERE {filter_sql}
        """,
        [*source_params, *params],
    ).fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    total, won, lost, open_, no_decision, won_amount, lost_amount = row[:7]
    avg_won, cycle_won, cycle_lost, median_won, median_lost = (
        None if v is None else float(v) for v in row[7:]
    )
    amount_total = won_amount + lost_amount
    return Headline(
        total=int(total),
        won=int(won),
        lost=int(lost),
        open=int(open_),
        win_rate=rate(won, won + lost),
        win_rate_excl_no_decision=rate(won, won + lost - no_decision),
        amount_win_rate=won_amount / amount_total if amount_total > 0 else None,
        won_amount=float(won_amount),
        lost_amount=float(lost_amount),
        avg_won_amount=avg_won,
        cycle_won_days=cycle_won,
        cycle_lost_days=cycle_lost,
        cycle_won_median_days=median_won,
        cycle_lost_median_days=median_lost,
    )


_PERIOD_COLUMNS = ["period", "won", "lost", "closed", *RATE_COLUMNS,
                   "won_amount", "lost_amount", "amount_win_rate"]


def by_period(cur: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "month") -> pd.DataFrame:
    """Win rate per close-date period: ``period`` (first day), counts, rate, interval, amounts.

    Only periods with a closed deal appear, oldest first. E.g. January: 2 won,
    1 lost → 2/3; a month with only open deals is absent (they have no close date).
    """
    df = closed_groups(cur, filters, [("period", period_sql(grain))], order_by="period")
    return df[_PERIOD_COLUMNS]


_DIMENSION_COLUMNS = ["value", "won", "lost", "closed", *RATE_COLUMNS,
                      "win_rate_excl_no_decision", "won_amount", "lost_amount", "amount_win_rate"]


def by_dimension(cur: duckdb.DuckDBPyConnection, filters: Filters, dim: str) -> pd.DataFrame:
    """Win rate per value of the dimension ``dim`` (see :data:`analytics.filters.DIMENSIONS`).

    Blank values group as :data:`~analytics.filters.BLANK_LABEL`. Sorted by
    closed deals, most first (ties by value). E.g. segment SMB: 1 won, 3 lost →
    1/4 = 0.25 with ``small_sample`` true (4 < 10).
    """
    column = f"o.{dimension(dim)}"
    df = closed_groups(cur, filters, [("value", blank_as_label(column))], [BLANK_LABEL],
                       order_by="closed DESC, value")
    return df[_DIMENSION_COLUMNS]


def blank_dimensions(cur: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The dimensions whose :func:`by_dimension` over every deal has a blank group: those
    where some closed deal records no value. One scan for all of them (the sidebar asks
    this on every page's first visit).
    """
    tests = ", ".join(f"bool_or({blank_as_label(f'o.{dimension(d)}')} = ?)" for d in DIMENSIONS)
    row = cur.execute(f"SELECT {tests} FROM opportunities o WHERE {CLOSED}",
                      [BLANK_LABEL, BLANK_LABEL] * len(DIMENSIONS)).fetchone()
    return tuple(d for d, blank in zip(DIMENSIONS, row, strict=True) if blank)


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (the day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def previous_period(filters: Filters) -> Filters | None:
    """The same filters over the window of the same length just before ``start..end``.

    ``None`` when either end of the window is open. A window of whole calendar
    months moves back by that many months (Q2 → Q1, March → February, a year →
    the year before); any other window moves back by its length in days.

    >>> p = previous_period(Filters(start=date(2024, 4, 1), end=date(2024, 6, 30), region=("NA",)))
    >>> p.start, p.end, p.region
    (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31), ('NA',))
    >>> p = previous_period(Filters(start=date(2024, 3, 1), end=date(2024, 3, 31)))
    >>> p.start, p.end
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> p = previous_period(Filters(start=date(2024, 3, 10), end=date(2024, 3, 19)))  # 10 days
    >>> p.start, p.end
    (datetime.date(2024, 2, 29), datetime.date(2024, 3, 9))
    >>> previous_period(Filters(start=date(2024, 1, 1))) is None
    True
    """
    start, end = filters.start, filters.end
    if start is None or end is None:
        return None
    day_after = end + timedelta(days=1)
    if start.day == 1 and day_after.day == 1:
        months = (day_after.year - start.year) * 12 + day_after.month - start.month
        return filters.with_dates(_add_months(start, -months), start - timedelta(days=1))
    length = (end - start).days + 1
    return filters.with_dates(start - timedelta(days=length), start - timedelta(days=1))
