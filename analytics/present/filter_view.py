"""The sidebar filters as text and as a link: query parameters, a one-line summary, quick
periods (no Streamlit).

>>> filter_params(Filters(start=date(2025, 1, 1), segment=("SMB",)))
{'from': '2025-01-01', 'segment': ['SMB']}
>>> describe_filters(Filters(end=date(2025, 6, 30), region=("EMEA", "APAC")))
'Closed any time → 2025-06-30 · Region: EMEA, APAC'
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from analytics.filters import Filters
from analytics.metrics.winrates import period_bounds
from analytics.present.formatting import FILTER_DIMENSIONS, blank_as_text, fmt_date

#: The URL parameters (and widget keys) of the close-date window.
DATE_KEYS = ("from", "to")

Period = tuple[date | None, date | None]


def filter_params(filters: Filters) -> dict[str, str | list[str]]:
    """The URL query parameters that reproduce ``filters`` (``from``, ``to``, one key per dimension)."""
    params: dict[str, str | list[str]] = {}
    if filters.start is not None:
        params["from"] = filters.start.isoformat()
    if filters.end is not None:
        params["to"] = filters.end.isoformat()
    for key in FILTER_DIMENSIONS:
        values = list(getattr(filters, key))
        if values:
            params[key] = values
    if filters.currency is not None:
        params["currency"] = filters.currency
    return params


def deals_link_params(filters: Filters, *, category: str | None = None, competitor: str | None = None,
                      outcome: str | None = None) -> dict[str, str | list[str]]:
    """The Deals page address listing exactly the deals of a drill-down: the page's filters,
    a competitor as the sidebar's competitor filter, the loss category and outcome as the Deals
    page's own controls.

    >>> deals_link_params(Filters(segment=("SMB",)), competitor="Qlik", outcome="closed")
    {'segment': ['SMB'], 'competitor': ['Qlik'], 'deals_outcome': 'closed'}
    """
    if competitor is not None:
        filters = replace(filters, competitor=(competitor,))
    params = filter_params(filters)
    if category is not None:
        params["deals_category"] = category
    if outcome is not None:
        params["deals_outcome"] = outcome
    return params


def describe_filters(filters: Filters) -> str:
    """One line saying what the page shows: ``Closed 2025-01-01 → 2025-12-31 · Segment: SMB``."""
    parts = []
    if filters.start or filters.end:
        parts.append(f"Closed {fmt_date(filters.start) if filters.start else 'any time'} → "
                     f"{fmt_date(filters.end) if filters.end else 'today'}")
    for key, label in FILTER_DIMENSIONS.items():
        values = getattr(filters, key)
        if values:
            parts.append(f"{label}: {', '.join(blank_as_text(v) for v in values)}")
    return " · ".join(parts) if parts else "All deals — no filter applied"


def _months_before(day: date, months: int) -> date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period_presets(low: date | None, high: date | None) -> dict[str, Period]:
    """Quick periods from the data's close-date range: all time, latest quarter / 12 months, each year."""
    presets: dict[str, Period] = {"All time": (None, None)}
    if low is None or high is None:
        return presets
    month_end = period_bounds(date(high.year, high.month, 1), "month")[1]
    quarter = (high.month - 1) // 3
    presets[f"Latest quarter (Q{quarter + 1} {high.year})"] = period_bounds(
        date(high.year, 3 * quarter + 1, 1), "quarter")
    presets["Latest 12 months"] = (_months_before(high, 11), month_end)
    for year in range(high.year, low.year - 1, -1):
        presets[str(year)] = (date(year, 1, 1), date(year, 12, 31))
    return presets


def date_range_bounds(low: date | None, high: date | None) -> Period:
    """The date pickers' limits: from 1 January of the first close year to 31 December of the last."""
    return (date(low.year, 1, 1) if low else None, date(high.year, 12, 31) if high else None)
