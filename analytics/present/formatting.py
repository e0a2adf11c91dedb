"""Labels, colours and number formats shared by the pages and charts (no Streamlit).

>>> fmt_money(1_234_567, "$"), fmt_money(12_400, "$"), fmt_money(950, ""), fmt_money(None)
('$1.2M', '$12.4K', '950', '—')
>>> fmt_pct(0.3456), fmt_pct(None), fmt_pp_delta(0.40, 0.375)
('34.6%', '—', '+2.5 pp')
>>> count_delta(12, 12), count_delta(10, 12)
(0, '-2')
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.filters import BLANK_LABEL

#: Okabe–Ito colours: told apart with the common colour-vision deficiencies.
WON_COLOR = "#009E73"  # bluish green
LOST_COLOR = "#D55E00"  # vermillion
ACCENT = "#0072B2"  # blue
MUTED = "#8A94A6"
BAND_FILL = "rgba(0, 114, 178, 0.15)"
CATEGORY_COLORS: dict[str, str] = {
    "price": "#D55E00",
    "product_fit": "#0072B2",
    "no_decision": "#999999",
    "timing": "#E69F00",
    "relationship": "#CC79A7",
    "competitor": "#56B4E9",
    "other": "#F0E442",
    "unspecified": "#C9CED6",
}
#: Sequential scale for rates (0 → 1): light to dark blue, readable in greyscale.
RATE_SCALE = [[0.0, "#F2F7FB"], [0.5, "#6BAED6"], [1.0, "#08306B"]]
#: Diverging scale for win rates: vermillion (low) – white – bluish green (high).
WINRATE_SCALE = [[0.0, "#D55E00"], [0.5, "#F7F7F7"], [1.0, "#009E73"]]

# --------------------------------------------------------------------------- labels

#: The sidebar filters: URL parameter / session key → label. Dates are ``from`` / ``to``.
FILTER_DIMENSIONS: dict[str, str] = {
    "segment": "Segment",
    "region": "Region",
    "owner": "Owner",
    "product": "Product",
    "competitor": "Competitor",
}

DIMENSION_LABELS: dict[str, str] = FILTER_DIMENSIONS | {
    "lead_source": "Lead source", "industry": "Industry", "category": "Loss reason",
}

#: User-facing names of the canonical fields (import mapping, tables).
FIELD_LABELS: dict[str, str] = {
    "opportunity_id": "Deal ID",
    "account_id": "Account ID",
    "account_name": "Account",
    "opportunity_name": "Deal",
    "owner": "Owner",
    "stage": "Stage",
    "loss_stage": "Stage when lost",
    "amount": "Amount",
    "currency": "Currency",
    "close_date": "Close date",
    "created_date": "Created date",
    "loss_reason_raw": "Loss reason (as written)",
    "loss_notes": "Loss notes",
    "competitor": "Competitor",
    "competitor_price": "Competitor price",
    "budget": "Budget",
    "fit_score": "Fit score",
    "segment": "Segment",
    "region": "Region",
    "industry": "Industry",
    "product": "Product",
    "lead_source": "Lead source",
}
#: Headers of the columns a deal list shows beyond the canonical fields (one table of labels).
COLUMN_LABELS: dict[str, str] = FIELD_LABELS | {
    "outcome": "Outcome",
    "cycle_days": "Cycle",
    "loss_reason": "Loss category",
    "price_gap": "Price gap",
    "gap_basis": "Gap vs",
    "price_class": "Class",
}
IGNORE_LABEL = "— not used —"

#: The loss categories in display order (the Deals page's "Loss reason" box).
LOSS_CATEGORIES: tuple[str, ...] = tuple(CATEGORIES)

OUTCOME_LABELS = {"won": "Won", "lost": "Lost", "open": "Open", "closed": "Closed"}
DIALECT_LABELS = {
    "auto": "Detect automatically", "salesforce": "Salesforce", "hubspot": "HubSpot",
    "pipedrive": "Pipedrive", "generic": "Generic CSV",
}
PRICE_CLASS_LABELS = {
    "wrong_customer": "Wrong customer",
    "easy_reason": "Easy excuse",
    "genuine_price": "Genuine price gap",
    "unknown": "Not enough evidence",
}
PRICE_CLASS_COLORS = {
    "wrong_customer": "#CC79A7", "easy_reason": "#E69F00", "genuine_price": "#D55E00",
    "unknown": "#999999",
}


def field_label(name: str) -> str:
    """``close_date`` → ``Close date``; an unknown name is spelt out from its snake_case.

    >>> field_label("created_date"), field_label("cycle_days"), field_label("mystery_field")
    ('Created date', 'Cycle', 'Mystery field')
    """
    return COLUMN_LABELS.get(name, name.replace("_", " ").capitalize())


def category_label(category: str | None) -> str:
    """``price`` → ``Price``; None → ``—``."""
    if is_missing(category):
        return "—"
    return CATEGORY_LABELS.get(str(category), str(category))


# --------------------------------------------------------------------------- formats

DASH = "—"


def is_missing(value: object) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another non-scalar
        return False


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percent: ``0.3456`` → ``34.6%``."""
    return DASH if is_missing(value) else f"{float(value) * 100:.{digits}f}%"


def fmt_count(value: float | None) -> str:
    return DASH if is_missing(value) else f"{int(value):,}"


def fmt_days(value: float | None) -> str:
    return DASH if is_missing(value) else f"{float(value):,.0f} days"


def fmt_money(value: float | None, symbol: str = "$") -> str:
    """Compact money: ``$1.2M``, ``$85.3K``, ``$950``; a negative amount keeps its sign."""
    if is_missing(value):
        return DASH
    amount = float(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for cut, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= cut:
            return f"{sign}{symbol}{amount / cut:.1f}{suffix}"
    return f"{sign}{symbol}{amount:,.0f}"


def fmt_size(size: int) -> str:
    """File size in the units the file uploader uses (1 KB = 1,000 bytes), so the two agree.

    >>> fmt_size(0), fmt_size(999), fmt_size(255_800), fmt_size(3_400_000)
    ('0 B', '999 B', '255.8 KB', '3.4 MB')
    """
    if size >= 1_000_000:
        return f"{size / 1_000_000:,.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:,.1f} KB"
    return f"{size:,} B"


def fmt_date(value: object) -> str:
    if is_missing(value):
        return DASH
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def period_label(value: object, grain: str) -> str:
    """First day of a period → ``Mar 2024`` / ``Q1 2024`` / ``2024``."""
    day = pd.Timestamp(value)
    if grain == "year":
        return f"{day.year}"
    if grain == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    return f"{day:%b %Y}"


def fmt_pp_delta(current: float | None, previous: float | None) -> str | int | None:
    """Change of a rate in percentage points, for ``st.metric(delta=...)``."""
    if is_missing(current) or is_missing(previous):
        return None
    diff = (float(current) - float(previous)) * 100
    return 0 if round(diff, 1) == 0 else f"{diff:+.1f} pp"


def count_delta(current: int | None, previous: int | None) -> str | int | None:
    if is_missing(current) or is_missing(previous):
        return None
    diff = int(current) - int(previous)
    return 0 if diff == 0 else f"{diff:+,}"


def money_delta(current: float | None, previous: float | None, symbol: str) -> str | int | None:
    if is_missing(current) or is_missing(previous):
        return None
    diff = float(current) - float(previous)
    if round(diff) == 0:
        return 0
    return ("+" if diff > 0 else "-") + fmt_money(abs(diff), symbol)


def days_delta(current: float | None, previous: float | None) -> str | int | None:
    if is_missing(current) or is_missing(previous):
        return None
    diff = float(current) - float(previous)
    return 0 if round(diff) == 0 else f"{diff:+,.0f} days"


def horizon_label(days: int) -> str:
    """A horizon in days in months: 365 → ``12 months``."""
    return f"{round(days / 30.4375)} months"


def months_label(days: int) -> str:
    """A horizon in days as a friendly label: 365 → ``12 months (365 days)``."""
    return f"{horizon_label(days)} ({days} days)"


def page_count(total: int, size: int) -> int:
    """Pages of ``size`` rows needed for ``total`` rows (at least 1)."""
    return max(1, math.ceil(total / size))


def page_offset(page: int, size: int) -> int:
    return (max(1, page) - 1) * size


def page_span(page: int, size: int, total: int) -> str:
    """``51–100 of 2,684``; one row: ``1 of 1``."""
    first = page_offset(page, size) + 1
    last = min(total, first + size - 1)
    return f"{first:,} of {total:,}" if last == first else f"{first:,}–{last:,} of {total:,}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 deal``, ``2 deals``, ``1 duplicate``: the count and the noun in the right number.

    >>> counted(1, "deal"), counted(2_500, "deal"), counted(1, "duplicate"), counted(0, "entry", "entries")
    ('1 deal', '2,500 deals', '1 duplicate', '0 entries')
    """
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"


def blank_as_text(value: object) -> str:
    """How a blank dimension value (:data:`BLANK_LABEL`) reads in the UI."""
    return "(not recorded)" if value == BLANK_LABEL else str(value)
