"""The deals behind every number: drill-down lists, counts and CSV export.

Every chart point maps to a selection here: the page's :class:`Filters` plus
the point's own criteria (an outcome, a loss category, a competitor, a
dimension value, a close-date period) and an optional text search. Criteria
combine with AND. ``cycle_days`` is the §4 cycle (closed deals with both dates).

The search is a case-insensitive substring in which ``%`` and ``_`` stand for
themselves, so "100%" finds "100% Juice Co" but not "1000 Juices"; a text cell
that a spreadsheet would run as a formula is exported behind a ``'``.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id account_name outcome", [
...     ("a", "100% Juice Co", "won"), ("b", "1000 Juices", "lost"), ("c", "=HYPERLINK(1)", "lost")])
>>> list_deals(cur, Filters(), search="100%")["opportunity_id"].tolist()
['a']
>>> count_deals(cur, Filters(), outcome="lost")
2
>>> export_csv_bytes(cur, Filters(), search="hyperlink").decode().splitlines()[1].split(",")[:2]
['c', "'=HYPERLINK(1)"]
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters, dimension
from analytics.metrics import notes
from analytics.safecsv import FORMULA_STARTS
from analytics.sql import CLOSED, CYCLE_DAYS, has_text, is_blank, outcome_is
from analytics.sql import OUTCOMES as OUTCOMES

#: The user-facing columns of a deal, in display order, with their SQL over alias ``o``.
DEAL_COLUMNS: dict[str, str] = {
    name: CYCLE_DAYS if name == "cycle_days" else f"o.{name}"
    for name in (
        "opportunity_id", "account_name", "opportunity_name", "owner", "stage", "outcome",
        "amount", "currency", "close_date", "created_date", "cycle_days", "competitor",
        "loss_reason", "loss_reason_raw", "loss_notes", "segment", "region", "industry",
        "product", "lead_source", "fit_score", "competitor_price", "budget",
    )
}

#: Text columns: sorted case-insensitively and formula-neutralised in exports.
TEXT_COLUMNS: frozenset[str] = frozenset({
    "opportunity_id", "account_name", "opportunity_name", "owner", "stage", "outcome",
    "currency", "competitor", "loss_reason", "loss_reason_raw", "loss_notes", "segment",
    "region", "industry", "product", "lead_source",
})

#: Columns a list may be sorted by (the only identifiers ``order_by`` can name).
SORTABLE: tuple[str, ...] = tuple(DEAL_COLUMNS)

#: Text searched by ``search``.
SEARCHED: tuple[str, ...] = ("account_name", "opportunity_name", "owner", "competitor",
                             "loss_reason_raw")



def like_pattern(text: str) -> str:
    """An ``ILIKE ... ESCAPE '\\'`` pattern matching ``text`` anywhere, wildcards taken literally.

    >>> like_pattern("50%_off")
    '%50\\\\%\\\\_off%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _equals_or_blank(column: str, value: str) -> tuple[str, list[object]]:
    """``column = value``, where ``BLANK_LABEL`` means NULL or blank."""
    if value == BLANK_LABEL:
        return is_blank(column), []
    return f"{column} = ?", [value]


def _selection(
    filters: Filters,
    *,
    search: str | None = None,
    outcome: str | None = None,
    category: str | None = None,
    competitor: str | None = None,
    dimension_value: tuple[str, str] | None = None,
    period: tuple[date, date] | None = None,
    notes_say: str | None = None,
    easy_price: bool | None = None,
    notes_phrase: str | None = None,
) -> tuple[str, list[object]]:
    """The WHERE clause (over alias ``o``) of a deal selection, with its parameters.

    These keywords are the *criteria* every function of this module accepts:
    ``search`` (case-insensitive substring of account, opportunity name, owner,
    competitor or raw loss reason; or the loss category's name: "price" finds the deals lost to
    "Too expensive"), ``outcome`` (``won``, ``lost``, ``open`` or ``closed``: won or lost),
    ``category`` (lost deals of that
    §3 category), ``competitor`` / ``dimension_value`` (``(dim, value)``; exact,
    :data:`~analytics.filters.BLANK_LABEL` meaning blank) and ``period`` (an
    inclusive close-date range); ``notes_say`` / ``easy_price`` / ``notes_phrase`` (lost deals
    whose notes name a category, the easy-price losses, notes using a word or pair of words:
    :func:`analytics.metrics.notes.criteria_sql`). An unknown keyword is a ``TypeError``.
    """
    sql, params = filters.where("o")
    parts = [f"({sql})"]
    if search is not None and search.strip():
        tests = " OR ".join(f"o.{col} ILIKE ? ESCAPE '\\'" for col in SEARCHED)
        params.extend([like_pattern(search.strip())] * len(SEARCHED))
        named = searched_categories(search)  # "price" finds the deals lost to "Too expensive"
        if named:
            tests += (f" OR ({outcome_is('lost')} AND o.loss_reason IN "
                      f"({', '.join('?' for _ in named)}))")
            params.extend(named)
        parts.append(f"({tests})")
    if outcome == "closed":  # won or lost: the population of the rate pages
        parts.append(CLOSED)
    elif outcome is not None:
        outcome_is(outcome)  # validates the outcome
        parts.append("o.outcome = ?")
        params.append(outcome)
    if category is not None:
        if category not in CATEGORIES:
            raise InvalidSettingError(
                f"Unknown category {category!r}; use one of: {', '.join(CATEGORIES)}."
            )
        parts.append(f"{outcome_is('lost')} AND o.loss_reason = ?")
        params.append(category)
    matches = [dimension_value] if dimension_value is not None else []
    if competitor is not None:
        matches.append(("competitor", competitor))
    for dim, value in matches:
        part, part_params = _equals_or_blank(f"o.{dimension(dim)}", value)
        parts.append(part)
        params.extend(part_params)
    notes_part, notes_params = notes.criteria_sql(notes_say=notes_say, easy_price=easy_price,
                                                  notes_phrase=notes_phrase)
    if notes_part:
        parts.append(notes_part)
        params.extend(notes_params)
    if period is not None:
        start, end = period
        if start > end:
            raise InvalidSettingError(f"The period starts ({start}) after it ends ({end}); swap them.")
        parts.append("o.close_date BETWEEN ? AND ?")
        params.extend([start, end])
    return " AND ".join(parts), params


def searched_categories(search: str) -> list[str]:
    """The loss categories whose code or label contains ``search`` (case-insensitive).

    >>> searched_categories("PRICE"), searched_categories("zzz")
    (['price'], [])
    """
    text = search.strip().lower()
    return [c for c in CATEGORIES
            if text and (text in c.replace("_", " ") or text in CATEGORY_LABELS[c].lower())]


def _order(order_by: str, descending: bool) -> str:
    """ORDER BY over alias ``o``. By close date, closed deals come first and open deals (whose
    close date is only expected) after them, so a list starts with what actually happened."""
    if order_by not in SORTABLE:
        raise InvalidSettingError(f"Cannot sort by {order_by!r}; use one of: {', '.join(SORTABLE)}.")
    expr = DEAL_COLUMNS[order_by]
    if order_by in TEXT_COLUMNS:
        expr = f"lower({expr})"
    direction = "DESC" if descending else "ASC"
    first = f"({CLOSED}) DESC, " if order_by == "close_date" else ""
    return f"{first}{expr} {direction} NULLS LAST, o.opportunity_id"


def _select_list(neutralise: bool = False) -> str:
    items = []
    for name, expr in DEAL_COLUMNS.items():
        if neutralise and name in TEXT_COLUMNS:
            starts = ", ".join("?" for _ in FORMULA_STARTS)
            expr = f"CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"
        items.append(f"{expr} AS {name}")
    return ", ".join(items)


def _neutralise_params() -> list[object]:
    return [c for name in DEAL_COLUMNS if name in TEXT_COLUMNS for c in FORMULA_STARTS]


def list_deals(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    order_by: str = "close_date",
    descending: bool = True,
    limit: int | None = 500,
    offset: int = 0,
    **criteria: Any,
) -> pd.DataFrame:
    """One page of the deals matching the filters and criteria, :data:`DEAL_COLUMNS` columns.

    ``criteria`` are the keywords of :func:`_selection` (search, outcome, category,
    competitor, dimension_value, period). Sorted by ``order_by`` (one of :data:`SORTABLE`;
    text case-insensitively, blanks last, ties by id); ``limit=None`` for all rows.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidSettingError("The page limit and offset must not be negative.")
    where, params = _selection(filters, **criteria)
    page = "LIMIT ? OFFSET ?" if limit is not None else "OFFSET ?"
    params.extend([limit, offset] if limit is not None else [offset])
    return cur.execute(
        f"SELECT {_select_list()} FROM opportunities o WHERE {where} "
        f"ORDER BY {_order(order_by, descending)} {page}",
        params,
    ).df()


def count_deals(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    **criteria: Any,
) -> int:
    """How many deals :func:`list_deals` would list without paging."""
    where, params = _selection(filters, **criteria)
    row = cur.execute(f"SELECT count(*) FROM opportunities o WHERE {where}", params).fetchone()
    assert row is not None
    return int(row[0])


def export_csv(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    path: str | os.PathLike[str],
    *,
    order_by: str = "close_date",
    descending: bool = True,
    **criteria: Any,
) -> int:
    """Write every matching deal (no limit) to a CSV file at ``path``; return the rows written.

    DuckDB writes the file (``COPY ... TO``). Text cells starting with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return get a leading ``'`` so a
    spreadsheet shows them as text instead of running them as formulas.
    """
    where, params = _selection(filters, **criteria)
    # COPY numbers a bound target path before the parameters of its query, so the
    # selection goes to a temporary table first and the COPY binds only the path.
    table = f"debrief_export_{uuid.uuid4().hex}"
    cur.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {_select_list(neutralise=True)} "
        f"FROM opportunities o WHERE {where} ORDER BY {_order(order_by, descending)}",
        [*_neutralise_params(), *params],
    )
    try:
        row = cur.execute(f"COPY {table} TO ? (FORMAT csv, HEADER true)", [str(path)]).fetchone()
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    return int(row[0]) if row else 0


def export_csv_bytes(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    order_by: str = "close_date",
    descending: bool = True,
    **criteria: Any,
) -> bytes:
    """:func:`export_csv` into memory (through a temporary file), for a download button."""
    with tempfile.TemporaryDirectory(prefix="debrief-export-") as tmp:
        path = Path(tmp) / "deals.csv"
        export_csv(cur, filters, path, order_by=order_by, descending=descending, **criteria)
        return path.read_bytes()


def dimension_values(cur: duckdb.DuckDBPyConnection, dim: str) -> list[str]:
    """Distinct non-blank values of the dimension ``dim`` over all deals, sorted case-insensitively."""
    column = f"o.{dimension(dim)}"
    rows = cur.execute(
        f"SELECT {column} FROM opportunities o WHERE {has_text(column)} "
        f"GROUP BY {column} ORDER BY lower({column}), {column}"
    ).fetchall()
    return [value for (value,) in rows]


def close_date_bounds(cur: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """Earliest and latest close date of any closed deal (``(None, None)`` when there is none)."""
    row = cur.execute(
        f"SELECT min(o.close_date), max(o.close_date) FROM opportunities o WHERE {CLOSED}"
    ).fetchone()
    assert row is not None
    return row[0], row[1]
