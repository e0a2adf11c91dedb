"""Why deals are lost: the §3 categories over the lost deals passing the filters.

Each lost deal has one category (``opportunities.loss_reason``: the user's
override for its raw reason, else the first matching keyword rule). Only lost
deals count here, so the category counts add up to the lost deals. Amounts
treat NULL as 0.

Here three deals were lost: two on price (for 100 and 300) and one to no
decision with no amount. By count price is 2 of 3; by amount it is all 400.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id amount loss_reason", [
...     ("a", 100, "price"), ("b", 300, "price"), ("c", None, "no_decision")], outcome="lost")
>>> counts(cur, Filters())  # doctest: +NORMALIZE_WHITESPACE
{'no_decision': 1, 'price': 2, 'product_fit': 0, 'timing': 0, 'relationship': 0,
 'competitor': 0, 'other': 0, 'unspecified': 0}
>>> pareto(cur, Filters(), "amount")[["category", "value", "share"]].values.tolist()
[['price', 400.0, 1.0]]
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters, dimension
from analytics.sql import amount_sum, blank_as_label, outcome_is, period_sql, values_table

#: Pareto measures: the SQL aggregate each one ranks the categories by.
MEASURES: dict[str, str] = {
    "count": "count(*)::DOUBLE",
    "amount": amount_sum(),
}

#: The category a lost row falls under (a lost row without one is ``unspecified``).
_CATEGORY = "coalesce(o.loss_reason, 'unspecified')"
#: A lost deal, over alias ``o``.
_LOST = outcome_is("lost")


def _categories() -> tuple[str, list[object]]:
    """Every category as a relation ``c(category, label, ord)``, values bound."""
    rows = [(category, CATEGORY_LABELS[category], ord_) for ord_, category in enumerate(CATEGORIES)]
    return values_table("c", ["category", "label", "ord"], rows)


def _lost_with_category(filters: Filters, also: str = "TRUE") -> tuple[str, list[object]]:
    """``FROM … WHERE …`` of the lost deals passing ``filters`` (and ``also``, fixed SQL),
    each joined to its category row ``c`` of :func:`_categories`; with the parameters."""
    cats, cat_params = _categories()
    filter_sql, params = filters.where("o")
    source, source_params = filters.source("o")  # amounts of the chosen currency only
    sql = f"""FROM {source}
          JOIN {cats} ON c.category = {_CATEGORY}
          WHERE {_LOST} AND {also} AND ({filter_sql})"""
    return sql, [*source_params, *cat_params, *params]


def counts(cur: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, int]:
    """Lost deals per category, every category present (zeros too), in display order.

    The §9 ``loss_reasons`` object; its values add up to the lost deals.
    E.g. "Went with cheaper competitor" is ``price``: the price rule is tested
    before the competitor rule.
    """
    cats, cat_params = _categories()
    filter_sql, params = filters.where("o")
    rows = cur.execute(
        f"""
        SELECT c.category, count(o.opportunity_id) AS deals
        FROM {cats}
        LEFT JOIN opportunities o
          ON {_LOST} AND {_CATEGORY} = c.category AND ({filter_sql})
        GROUP BY c.category, c.ord
        ORDER BY c.ord
        """,
        [*cat_params, *params],
    ).fetchall()
    return {category: int(deals) for category, deals in rows}


def pareto(cur: duckdb.DuckDBPyConnection, filters: Filters, measure: str = "count") -> pd.DataFrame:
    """Categories ranked by lost deals (``measure="count"``) or lost amount (``"amount"``).

    Columns ``category, label, deals, amount, value, share, cumulative_share``:
    ``value`` is the measure, ``share`` = value / the measure over all lost deals,
    ``cumulative_share`` the running total of ``share`` in this order (largest
    first, ties in category order). Categories whose value is 0 are left out.
    E.g. 6 price, 3 timing, 1 other → shares 0.6, 0.3, 0.1; cumulative 0.6, 0.9, 1.0.
    """
    if measure not in MEASURES:
        raise InvalidSettingError(f"Unknown measure {measure!r}; choose one of: {', '.join(MEASURES)}.")
    lost_sql, params = _lost_with_category(filters)
    return cur.execute(
        f"""
        SELECT category, label, deals, amount, value,
               value / sum(value) OVER () AS share,
               sum(value) OVER (ORDER BY value DESC, ord ROWS UNBOUNDED PRECEDING)
                 / sum(value) OVER () AS cumulative_share
        FROM (
          SELECT c.category, c.label, c.ord,
                 count(*) AS deals,
                 {amount_sum()} AS amount,
                 {MEASURES[measure]} AS value
          {lost_sql}
          GROUP BY c.category, c.label, c.ord
        )
        QUALIFY value <> 0
        ORDER BY value DESC, ord
        """,
        params,
    ).df()


def by_dimension(cur: duckdb.DuckDBPyConnection, filters: Filters, dim: str) -> pd.DataFrame:
    """Lost deals per (dimension value, category), long form for a heatmap.

    Columns ``value, category, deals, amount, share_of_value`` with
    ``share_of_value`` = deals / lost deals of that value (each value's shares
    add up to 1). Blank values group as ``BLANK_LABEL``; values with the most
    lost deals first, categories in display order; empty cells are left out.
    E.g. region EMEA: 3 price, 1 timing → 0.75 and 0.25.
    """
    column = f"o.{dimension(dim)}"
    lost_sql, params = _lost_with_category(filters)
    return cur.execute(
        f"""
        SELECT value, category, deals, amount,
               deals / sum(deals) OVER (PARTITION BY value) AS share_of_value
        FROM (
          SELECT {blank_as_label(column)} AS value, c.category, c.ord,
                 count(*) AS deals, {amount_sum()} AS amount
          {lost_sql}
          GROUP BY 1, c.category, c.ord
        )
        ORDER BY sum(deals) OVER (PARTITION BY value) DESC, value, ord
        """,
        [BLANK_LABEL, *params],
    ).df()


def over_time(cur: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "quarter") -> pd.DataFrame:
    """Lost deals per (close-date period, category): ``period, category, deals, share``.

    ``share`` = deals / the period's lost deals (each period adds up to 1).
    Oldest period first, categories in display order; empty cells left out.
    E.g. 2024-Q1: 2 price, 2 timing → 0.5 each.
    """
    lost_sql, params = _lost_with_category(filters, "o.close_date IS NOT NULL")
    return cur.execute(
        f"""
        SELECT period, category, deals,
               deals / sum(deals) OVER (PARTITION BY period) AS share
        FROM (
          SELECT {period_sql(grain)} AS period, c.category, c.ord, count(*) AS deals
          {lost_sql}
          GROUP BY 1, c.category, c.ord
        )
        ORDER BY period, ord
        """,
        params,
    ).df()


def raw_reasons(cur: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The raw reasons behind the categories: ``raw, category, deals, amount, overridden``.

    One row per raw text (trimmed, case kept; blank is ``''``) of the lost deals
    passing the filters. ``overridden`` is true when the user mapped that raw
    reason (case-insensitively) in ``reason_overrides``. Most deals first.
    """
    filter_sql, params = filters.where("o")
    source, source_params = filters.source("o")
    return cur.execute(
        f"""
        SELECT g.raw, g.category, g.deals, g.amount,
               EXISTS (SELECT 1 FROM reason_overrides r WHERE r.raw_key = lower(g.raw))
                 AS overridden
        FROM (
          SELECT coalesce(trim(o.loss_reason_raw), '') AS raw,
                 min({_CATEGORY}) AS category,
                 count(*) AS deals,
                 {amount_sum()} AS amount
          FROM {source}
          WHERE {_LOST} AND ({filter_sql})
          GROUP BY 1
        ) AS g
        ORDER BY g.deals DESC, g.raw
        """,
        [*source_params, *params],
    ).df()
