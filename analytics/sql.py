"""The SQL pieces the metrics share: fragments over the ``opportunities`` table.

Every piece is a string of SQL (or a ``(sql, params)`` pair). Caller values never
enter the text: they are bound ``?`` parameters. Identifiers are either fixed
here or come from an allow-list (:data:`analytics.filters.DIMENSIONS`,
:data:`GRAINS`, :data:`OUTCOMES`); the only literals written into the SQL are
the outcome names themselves. Nothing here imports the metrics, so any metric
may import it.

>>> closed()
"o.outcome IN ('won', 'lost')"
>>> amount_sum(outcome_is("won"))
"coalesce(sum(o.amount) FILTER (WHERE o.outcome = 'won'), 0)::DOUBLE"
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from analytics.errors import InvalidSettingError
from analytics.filters import Filters, qualified

#: The stored outcomes; the only outcome literals that reach SQL.
OUTCOMES: tuple[str, ...] = ("won", "lost", "open")

#: Period grains a caller may ask for, mapped to the ``date_trunc`` unit. The
#: only way a grain reaches SQL.
GRAINS: dict[str, str] = {"month": "month", "quarter": "quarter", "year": "year"}


def outcome_is(outcome: str, alias: str = "o") -> str:
    """SQL testing that a deal's outcome is ``outcome`` (one of :data:`OUTCOMES`).

    >>> outcome_is("lost", "w")
    "w.outcome = 'lost'"
    >>> outcome_is("lost", "")
    "outcome = 'lost'"
    """
    if outcome not in OUTCOMES:
        raise InvalidSettingError(f"Unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}.")
    return f"{qualified(alias, 'outcome')} = '{outcome}'"


def closed(alias: str = "o") -> str:
    """SQL testing that a deal is closed (won or lost), over table alias ``alias``.

    >>> closed("")
    "outcome IN ('won', 'lost')"
    """
    return f"{qualified(alias, 'outcome')} IN ('won', 'lost')"


#: Condition for a closed deal, over the table alias ``o``.
CLOSED = closed("o")

#: Days from created to close of a closed deal over alias ``o`` (NULL otherwise).
CYCLE_DAYS = f"(CASE WHEN {CLOSED} THEN o.close_date - o.created_date END)"


def amount_sum(condition: str | None = None, alias: str = "o") -> str:
    """SQL summing ``amount`` (of the rows meeting ``condition``, fixed SQL) as a DOUBLE; NULL counts as 0.

    >>> amount_sum()
    'coalesce(sum(o.amount), 0)::DOUBLE'
    """
    only = f" FILTER (WHERE {condition})" if condition else ""
    return f"coalesce(sum({qualified(alias, 'amount')}){only}, 0)::DOUBLE"


def won_lost_counts(alias: str = "o") -> str:
    """SQL select items ``won`` and ``lost``: how many deals of the group were won, were lost.

    >>> won_lost_counts()
    "count(*) FILTER (WHERE o.outcome = 'won') AS won, count(*) FILTER (WHERE o.outcome = 'lost') AS lost"
    """
    return ", ".join(
        f"count(*) FILTER (WHERE {outcome_is(name, alias)}) AS {name}" for name in ("won", "lost")
    )


def period_sql(grain: str, column: str = "o.close_date") -> str:
    """SQL for the first day of the ``grain`` period containing ``column`` (a DATE).

    ``grain`` must be one of :data:`GRAINS`; ``column`` is fixed SQL from the caller.

    >>> period_sql("quarter")
    "CAST(date_trunc('quarter', o.close_date) AS DATE)"
    """
    if grain not in GRAINS:
        raise InvalidSettingError(
            f"Unknown period grain {grain!r}; choose one of: {', '.join(GRAINS)}."
        )
    return f"CAST(date_trunc('{GRAINS[grain]}', {column}) AS DATE)"


def is_blank(column: str) -> str:
    """SQL testing that a text ``column`` (fixed SQL) is NULL or only spaces.

    >>> is_blank("o.region")
    "coalesce(trim(o.region), '') = ''"
    """
    return f"coalesce(trim({column}), '') = ''"


def has_text(column: str) -> str:
    """SQL testing that a text ``column`` (fixed SQL) holds more than spaces: ``NOT`` :func:`is_blank`.

    >>> has_text("o.competitor")
    "coalesce(trim(o.competitor), '') <> ''"
    """
    return f"coalesce(trim({column}), '') <> ''"


def blank_as_label(column: str) -> str:
    """SQL grouping a text column with NULL / blank values as one ``?`` (bind :data:`BLANK_LABEL`).

    >>> blank_as_label("o.segment")
    "if(coalesce(trim(o.segment), '') = '', ?, o.segment)"
    """
    return f"if({is_blank(column)}, ?, {column})"


def values_table(
    name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> tuple[str, list[object]]:
    """A ``(VALUES …) AS name(columns)`` relation whose every value is a bound parameter.

    ``name`` and ``columns`` are fixed identifiers from the caller.

    >>> values_table("k", ["outcome", "ord"], [("won", 0), ("lost", 1)])
    ('(VALUES (?, ?), (?, ?)) AS k(outcome, ord)', ['won', 0, 'lost', 1])
    """
    for ident in (name, *columns):
        if not ident.isidentifier():
            raise InvalidSettingError(f"Bad SQL identifier {ident!r}.")
    row_sql = "(" + ", ".join("?" for _ in columns) + ")"
    params = [value for row in rows for value in row]
    return f"(VALUES {', '.join(row_sql for _ in rows)}) AS {name}({', '.join(columns)})", params


def row_limit(limit: object) -> int:
    """``limit`` as the bound value of a ``LIMIT ?``: a whole number ≥ 0, else an error.

    >>> row_limit(5)
    5
    >>> row_limit(-1)
    Traceback (most recent call last):
    ...
    analytics.errors.InvalidSettingError: The row limit must be a whole number ≥ 0, not -1.
    """
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0:
        raise InvalidSettingError(f"The row limit must be a whole number ≥ 0, not {limit!r}.")
    return int(limit)


def closed_groups_sql(
    filters: Filters,
    keys: Sequence[tuple[str, str]],
    key_params: Sequence[object] = (),
    *,
    where: str = "TRUE",
    where_params: Sequence[object] = (),
    order_by: str = "closed DESC",
) -> tuple[str, list[object]]:
    """A query of closed-deal counts and amounts per group, with its parameters.

    ``keys`` are ``(output name, SQL expression)`` pairs over alias ``o`` (fixed SQL
    or allow-listed identifiers only), their ``?`` values in ``key_params``;
    ``where`` an extra condition, ``order_by`` fixed SQL over the output columns.
    Columns: the keys, ``won``, ``lost``, ``closed``, ``closed_excl_no_decision``
    (won + lost not ``no_decision``), ``won_amount``, ``lost_amount`` (NULL
    amounts as 0) and ``amount_win_rate`` (None unless the amounts add up to
    more than 0). Only groups with a closed deal appear.

    One SMB win worth 10, one SMB loss with no amount, one open SMB deal:

    >>> from analytics.store import connect
    >>> cur = connect(":memory:").cursor()
    >>> _ = cur.execute("INSERT INTO opportunities (opportunity_id, outcome, segment, amount, import_id)"
    ...                 " VALUES ('a', 'won', 'SMB', 10, 1), ('b', 'lost', 'SMB', NULL, 1),"
    ...                 " ('c', 'open', 'SMB', 5, 1)")
    >>> query, params = closed_groups_sql(Filters(), [("segment", "o.segment")])
    >>> cur.execute(query, params).fetchall()  # won, lost, closed, excl. no decision, amounts, 10 / 10
    [('SMB', 1, 1, 2, 2, 10.0, 0.0, 1.0)]
    """
    filter_sql, filter_params = filters.where("o")
    source, source_params = filters.source("o")
    key_select = ", ".join(f"{expr} AS {name}" for name, expr in keys)
    group = ", ".join(str(i + 1) for i in range(len(keys)))
    sql = f"""
        SELECT *,
               CASE WHEN won_amount + lost_amount > 0
                    THEN won_amount / (won_amount + lost_amount) END AS amount_win_rate
        FROM (
          SELECT {key_select},
                 {won_lost_counts()},
                 count(*) AS closed,
                 count(*) FILTER (WHERE {outcome_is("won")}
                                     OR o.loss_reason IS DISTINCT FROM 'no_decision')
                   AS closed_excl_no_decision,
                 {amount_sum(outcome_is("won"))} AS won_amount,
                 {amount_sum(outcome_is("lost"))} AS lost_amount
          FROM {source}
          WHERE {CLOSED} AND ({filter_sql}) AND ({where})
          GROUP BY {group}
        )
        ORDER BY {order_by}
        """
    return sql, [*key_params, *source_params, *filter_params, *where_params]
