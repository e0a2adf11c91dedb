"""Streamlit glue shared by every page: connection, caching, sidebar filters, formats, charts.

This is the only module of ``analytics`` that imports Streamlit. Pages stay thin:
they call :func:`setup_page`, read their own widgets, call the engine through
:func:`load` (cached) and draw with the helpers here. Every number comes from
the engine; this module only reshapes and formats it for display.

>>> fmt_money(1_234_567, "$"), fmt_money(12_400, "$"), fmt_money(950, ""), fmt_money(None)
('$1.2M', '$12.4K', '950', '—')
>>> fmt_pct(0.3456), fmt_pct(None), fmt_pp_delta(0.40, 0.375)
('34.6%', '—', '+2.5 pp')
>>> count_delta(12, 12), count_delta(10, 12)
(0, '-2')
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics import categories, deals, importer, store, winrates
from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.errors import DebriefError, InvalidSettingError, SchemaVersionError
from analytics.filters import BLANK_LABEL, Filters
from analytics.headers import FIELDS, IGNORE

APP_NAME = "Debrief"
TAGLINE = "Win/loss analytics for B2B sales teams"

# --------------------------------------------------------------------------- pages

#: (script, label, icon) of every page, in navigation order.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Overview", ":material/space_dashboard:"),
    ("pages/1_Loss_reasons.py", "Loss reasons", ":material/trending_down:"),
    ("pages/2_Price_vs_fit.py", "Price vs fit", ":material/sell:"),
    ("pages/3_Comebacks.py", "Comebacks", ":material/autorenew:"),
    ("pages/4_Competitors.py", "Competitors", ":material/sports_score:"),
    ("pages/5_Deals.py", "Deals", ":material/table_rows:"),
    ("pages/6_Import.py", "Import", ":material/upload_file:"),
)
PAGE_SCRIPT = {label: script for script, label, _ in PAGES}
PAGE_ICON = {label: icon for _, label, icon in PAGES}

#: Files the built-in sample database is made of (see the Makefile).
SAMPLE_FILES: frozenset[str] = frozenset({
    "salesforce_opportunities.csv", "hubspot_deals.csv", "pipedrive_deals.csv",
})

# --------------------------------------------------------------------------- colours

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
DATE_KEYS = ("from", "to")

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
IGNORE_LABEL = "— not used —"

OUTCOME_LABELS = {"won": "Won", "lost": "Lost", "open": "Open"}
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


def category_label(category: str | None) -> str:
    """``price`` → ``Price``; None → ``—``."""
    if _missing(category):
        return "—"
    return CATEGORY_LABELS.get(str(category), str(category))


# --------------------------------------------------------------------------- formats

DASH = "—"


def _missing(value: object) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another non-scalar
        return False


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percent: ``0.3456`` → ``34.6%``."""
    return DASH if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def fmt_count(value: float | None) -> str:
    return DASH if _missing(value) else f"{int(value):,}"


def fmt_days(value: float | None) -> str:
    return DASH if _missing(value) else f"{float(value):,.0f} days"


def fmt_money(value: float | None, symbol: str = "$") -> str:
    """Compact money: ``$1.2M``, ``$85.3K``, ``$950``; a negative amount keeps its sign."""
    if _missing(value):
        return DASH
    amount = float(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for cut, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= cut:
            return f"{sign}{symbol}{amount / cut:.1f}{suffix}"
    return f"{sign}{symbol}{amount:,.0f}"


def fmt_size(size: int) -> str:
    """File size: ``812 KB``, ``3.4 MB``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.1f} MB"
    return f"{max(1, round(size / 1024)):,} KB"


def fmt_date(value: object) -> str:
    if _missing(value):
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
    if _missing(current) or _missing(previous):
        return None
    diff = (float(current) - float(previous)) * 100
    return 0 if round(diff, 1) == 0 else f"{diff:+.1f} pp"


def count_delta(current: int | None, previous: int | None) -> str | int | None:
    if _missing(current) or _missing(previous):
        return None
    diff = int(current) - int(previous)
    return 0 if diff == 0 else f"{diff:+,}"


def money_delta(current: float | None, previous: float | None, symbol: str) -> str | int | None:
    if _missing(current) or _missing(previous):
        return None
    diff = float(current) - float(previous)
    if round(diff) == 0:
        return 0
    return ("+" if diff > 0 else "-") + fmt_money(abs(diff), symbol)


def days_delta(current: float | None, previous: float | None) -> str | int | None:
    if _missing(current) or _missing(previous):
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
    """``51–100 of 2,684``."""
    first = page_offset(page, size) + 1
    return f"{first:,}–{min(total, first + size - 1):,} of {total:,}"


def current_page(key: str) -> int:
    """The page an ``st.pagination`` widget with ``key`` is on (1 before it is first drawn)."""
    value = st.session_state.get(key, 1)
    return value if isinstance(value, int) and value >= 1 else 1


# --------------------------------------------------------------------------- connection


@st.cache_resource(show_spinner=False)
def _open(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per database file and process (each run takes a cursor)."""
    return store.connect(path)


def db_path() -> str:
    """The database file this process serves (``$DEBRIEF_DB``, else ``data/debrief.duckdb``)."""
    return str(store.default_db_path())


def get_connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection to :func:`db_path` (opened, and its schema upgraded, once)."""
    return _open(db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor: one per script run / thread, never shared between sessions."""
    return get_connection().cursor()


def _connection_problem(err: Exception) -> str:
    if isinstance(err, DebriefError):
        return str(err)
    text = str(err)
    if "lock" in text.lower():
        return (f"The database {db_path()} is in use by another program (for example a running "
                "`python -m analytics import`). Wait for it to finish, then reload this page.")
    return (f"Debrief could not open the database {db_path()}: {text.splitlines()[0] if text else err}. "
            "Check the path in DEBRIEF_DB, or move the file away to start with an empty one.")


# --------------------------------------------------------------------------- caching


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_call(db: str, name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...],
                 _fn: Callable[..., Any]) -> Any:
    return _fn(cursor(), *args, **dict(kwargs))


def load(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, *args, **kwargs)`` cached per database file and argument values.

    Arguments must be plain values (filters and settings are frozen dataclasses).
    The cache is cleared by :func:`clear_caches` after every write.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(db_path(), name, args, tuple(sorted(kwargs.items())), fn)


def clear_caches() -> None:
    """Forget every cached result, so each page shows the numbers after a write."""
    _cached_call.clear()
    _imports.clear()
    _currencies.clear()


# --------------------------------------------------------------------------- flash messages


def flash(kind: str, text: str) -> None:
    """Show ``text`` (``success`` / ``info`` / ``warning`` / ``error``) at the next run."""
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop("_flash", []):
        getattr(st, kind)(text)


# --------------------------------------------------------------------------- page setup


@dataclass(frozen=True)
class PageContext:
    """What a page needs after :func:`setup_page`: a cursor, the filters and the deal counts."""

    cur: duckdb.DuckDBPyConnection
    filters: Filters
    total_deals: int  # in the whole database
    matching: winrates.Headline  # over the filters

    @property
    def symbol(self) -> str:
        return money_symbol()


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
    return params


def page_link(page: str, *, label: str | None = None, icon: str | None = None,
              disabled: bool = False, container: Any = None) -> None:
    """``st.page_link`` to one of :data:`PAGES` that carries the current filters along.

    Bound query parameters belong to the page that binds them, so a link has to pass
    them on for the next page to open with the same filters.
    """
    target = PAGE_SCRIPT.get(page, page)
    default_label = next((lbl for script, lbl, _ in PAGES if script == target), None)
    params = st.session_state.get("_filter_params") or None
    (container or st).page_link(target, label=label or default_label, icon=icon or PAGE_ICON.get(page),
                                disabled=disabled, query_params=params)


def _sidebar_nav(container: Any, current: str) -> None:
    with container:
        st.markdown(f"## :material/insights: {APP_NAME}")
        st.caption(TAGLINE)
        for _script, label, icon in PAGES:
            page_link(label, icon=icon, disabled=label == current)
        st.divider()


def setup_page(title: str, *, intro: str | None = None, needs_deals: bool = True) -> PageContext:
    """Configure the page, draw the sidebar (navigation + filters) and the header.

    Stops the run with a friendly message when the database cannot be opened,
    and — when ``needs_deals`` — when it holds no deal yet.
    """
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=":material/insights:",
                       layout="wide", initial_sidebar_state="expanded")
    nav = st.sidebar.container()
    try:
        cur = cursor()
        total = load(deals.count_deals, Filters())
    except (DebriefError, duckdb.Error) as err:
        _sidebar_nav(nav, title)
        st.title(title)
        kind = "newer" if isinstance(err, SchemaVersionError) else "unavailable"
        st.error(_connection_problem(err), icon=":material/database:")
        if kind == "newer":
            st.caption("Your data is safe: Debrief did not change the file.")
        st.stop()
    filters = sidebar_filters(cur, title)
    st.session_state["_filter_params"] = filter_params(filters)
    _sidebar_nav(nav, title)
    st.title(f"{PAGE_ICON.get(title, '')} {title}".strip())
    lines = [intro] if intro else []
    if needs_deals:
        lines.append(f":material/filter_alt: {describe_filters(filters)}")
    if lines:
        st.caption("  \n".join(lines))
    sample_banner(link=title != "Import")
    show_flash()
    if needs_deals and total == 0:
        empty_database()
        st.stop()
    matching = load(winrates.headline, filters)
    return PageContext(cur, filters, total, matching)


def empty_database() -> None:
    """The friendly state of a database without deals."""
    with st.container(border=True):
        st.subheader("No deals yet — import an export")
        st.write("Debrief reads the opportunity or deal exports of Salesforce, HubSpot and "
                 "Pipedrive (CSV or XLSX). Upload one and every page fills in.")
        page_link("Import", label="Import your CRM export")


def no_matches(what: str = "deals") -> None:
    """The friendly state of filters that match nothing."""
    with st.container(border=True):
        st.subheader(f"No {what} match these filters")
        st.write("Widen the date range or remove a filter in the sidebar.")
        st.button("Reset filters", on_click=reset_filters, key=f"reset_empty_{what}",
                  icon=":material/filter_alt_off:")


def require_closed(ctx: PageContext) -> None:
    """Stop with a friendly message when no closed deal matches the filters."""
    if ctx.matching.closed == 0:
        no_matches("closed deals")
        st.stop()


# --------------------------------------------------------------------------- sample banner


@st.cache_data(show_spinner=False)
def _imports(db: str) -> pd.DataFrame:
    return importer.list_imports(cursor())


def all_imports() -> pd.DataFrame:
    """Every import, newest first, undone ones included (cached)."""
    return _imports(db_path())


def active_imports() -> pd.DataFrame:
    """Imports not undone, newest first (cached; cleared by :func:`clear_caches`)."""
    df = _imports(db_path())
    return df[df["undone_at"].isna()]


def showing_sample() -> bool:
    """True while ``DEBRIEF_SAMPLE=1`` and every import still active is one of the sample files."""
    if os.environ.get("DEBRIEF_SAMPLE") != "1":
        return False
    try:
        names = set(active_imports()["file_name"])
    except (DebriefError, duckdb.Error):
        return False
    return bool(names) and names <= SAMPLE_FILES


def sample_banner(link: bool = True) -> None:
    if showing_sample():
        with st.container(border=True):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(":material/science: **You are looking at sample data — import your own "
                          "exports on the Import page.** The numbers come from a fictitious seller, "
                          "Northwind Analytics.")
            if link:
                page_link("Import", label="Go to Import", container=right)


# --------------------------------------------------------------------------- sidebar filters


def reset_filters() -> None:
    """Clear every sidebar filter (a callback: runs before the widgets are drawn)."""
    for key in DATE_KEYS:
        st.session_state[key] = None
    for key in FILTER_DIMENSIONS:
        st.session_state[key] = []


def _period_presets(low: date | None, high: date | None) -> dict[str, tuple[date | None, date | None]]:
    """Quick periods from the data's close-date range: all time, latest quarter / 12 months, each year."""
    presets: dict[str, tuple[date | None, date | None]] = {"All time": (None, None)}
    if low is None or high is None:
        return presets
    month_start = date(high.year, high.month, 1)
    month_end = winrates.period_bounds(month_start, "month")[1]
    quarter = (high.month - 1) // 3
    q_start, q_end = winrates.period_bounds(date(high.year, 3 * quarter + 1, 1), "quarter")
    presets[f"Latest quarter (Q{quarter + 1} {high.year})"] = (q_start, q_end)
    index = high.year * 12 + high.month - 1 - 11
    presets["Latest 12 months"] = (date(index // 12, index % 12 + 1, 1), month_end)
    for year in range(high.year, low.year - 1, -1):
        presets[str(year)] = (date(year, 1, 1), date(year, 12, 31))
    return presets


def _apply_preset(presets: Mapping[str, tuple[date | None, date | None]]) -> None:
    choice = st.session_state.get("_period_preset")
    if choice in presets:
        st.session_state["from"], st.session_state["to"] = presets[choice]
    st.session_state["_period_preset"] = None


def _carry_filters_over(page: str | None) -> None:
    """On the first run of a page in this session, restore the filters set on the previous page.

    A bound query parameter belongs to the page whose widget binds it, so Streamlit drops it
    from the address when the user moves to another page. The last values are remembered in
    the session and written back to the widgets' keys (the way to set a bound widget) and to
    the address, before this page's widgets bind them.
    """
    memory = st.session_state.get("_filters_memory")
    if page is None or st.session_state.get("_filters_page") == page:
        return
    st.session_state["_filters_page"] = page
    if memory is None:  # the first page of the session: the address decides
        return
    for key, value in memory.items():
        st.session_state[key] = value
        if value:  # and back into the address, so this page's link can be shared as well
            with contextlib.suppress(StreamlitAPIException):  # still bound here: the widget has it
                st.query_params[key] = value.isoformat() if isinstance(value, date) else list(value)


def sidebar_filters(cur: duckdb.DuckDBPyConnection, page: str | None = None) -> Filters:
    """The sidebar filters of every page, bound to the URL (``?from=…&segment=…``).

    Bound widgets keep their values in the query string, so a reload or a pasted link
    shows the same view; moving to another page (``page`` is its title) keeps them too.
    Returns the :class:`Filters`.
    """
    _carry_filters_over(page)
    low, high = load(deals.close_date_bounds)
    min_day = date(low.year, 1, 1) if low else None
    max_day = date(high.year, 12, 31) if high else None
    presets = _period_presets(low, high)
    with st.sidebar:
        st.markdown("**Filters**")
        st.selectbox("Quick period", list(presets), index=None, key="_period_preset",
                     placeholder="Pick a period…", on_change=_apply_preset, args=(presets,),
                     help="Sets the close-date range below.")
        start = st.date_input("From", value=None, min_value=min_day, max_value=max_day, key="from",
                                bind="query-params", format="YYYY-MM-DD",
                                help="First close date (inclusive). Open deals have none.")
        end = st.date_input("To", value=None, min_value=min_day, max_value=max_day, key="to",
                               bind="query-params", format="YYYY-MM-DD",
                               help="Last close date (inclusive).")
        chosen: dict[str, tuple[str, ...]] = {}
        for key, label in FILTER_DIMENSIONS.items():
            options = list(load(deals.dimension_values, key))
            if BLANK_LABEL in set(load(winrates.by_dimension, Filters(), key)["value"]):
                options.append(BLANK_LABEL)  # the deals that record no value
            chosen[key] = tuple(st.multiselect(label, options, key=key, bind="query-params",
                                               placeholder="All", format_func=blank_as_text))
        st.session_state["_filters_memory"] = {"from": start, "to": end} | {
            key: list(values) for key, values in chosen.items()}
        active = start is not None or end is not None or any(chosen.values())
        st.button("Reset filters", on_click=reset_filters, disabled=not active,
                  icon=":material/filter_alt_off:", key="reset_filters", width="stretch")
        try:
            filters = Filters(start=start, end=end, **chosen)
        except InvalidSettingError as err:
            st.error(str(err))
            filters = Filters(**chosen)
        st.caption("Filters live in the page address: copy it to share this exact view.")
    return filters


def blank_as_text(value: object) -> str:
    """How a blank dimension value (:data:`BLANK_LABEL`) reads in the UI."""
    return "(not recorded)" if value == BLANK_LABEL else str(value)


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


# --------------------------------------------------------------------------- money


@st.cache_data(show_spinner=False)
def _currencies(db: str) -> tuple[str, ...]:
    df = deals.list_deals(cursor(), Filters(), limit=None)
    return tuple(sorted({str(c) for c in df["currency"].dropna() if str(c).strip()}))


def currencies() -> tuple[str, ...]:
    """ISO codes of the amounts in the database (from the deal list)."""
    return _currencies(db_path())


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def money_symbol() -> str:
    """``$`` when every amount with a known currency is in USD (or none says); ``€`` for EUR only;
    no symbol when the exports mix currencies (amounts are summed as exported)."""
    codes = currencies()
    if not codes:
        return "$"
    if len(codes) == 1:
        return _SYMBOLS.get(codes[0], f"{codes[0]} ")
    return ""


def currency_note() -> str | None:
    codes = currencies()
    if len(codes) > 1:
        return (f"Amounts mix currencies ({', '.join(codes)}) and are added up as exported, "
                "without conversion.")
    return None


def money_format() -> str:
    """A ``column_config.NumberColumn`` format for amounts: whole units, thousands separated."""
    return f"{money_symbol()}%,.0f"


# --------------------------------------------------------------------------- tables


def money_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format=money_format(), **kwargs)


def pct_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format="percent", **kwargs)


def rate_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.ProgressColumn(label, format="percent", min_value=0.0, max_value=1.0,
                                           **kwargs)


def count_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format="localized", **kwargs)


def date_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.DateColumn(label, format="YYYY-MM-DD", **kwargs)


def labelled_categories(df: pd.DataFrame, column: str = "category") -> pd.DataFrame:
    """``df`` with category codes in ``column`` replaced by their labels."""
    if column not in df.columns:
        return df
    return df.assign(**{column: df[column].map(category_label)})


def _deal_config() -> dict[str, Any]:
    return {
        "opportunity_id": st.column_config.TextColumn("Deal ID", width="small"),
        "account_name": st.column_config.TextColumn("Account", width="medium"),
        "opportunity_name": st.column_config.TextColumn("Deal", width="medium"),
        "owner": "Owner",
        "stage": "Stage",
        "outcome": "Outcome",
        "amount": money_column("Amount"),
        "currency": "Currency",
        "close_date": date_column("Close date"),
        "created_date": date_column("Created"),
        "cycle_days": st.column_config.NumberColumn("Cycle", format="%d days"),
        "competitor": "Competitor",
        "loss_reason": "Loss category",
        "loss_reason_raw": st.column_config.TextColumn("Loss reason (as written)", width="medium"),
        "loss_notes": st.column_config.TextColumn("Loss notes", width="medium"),
        "segment": "Segment",
        "region": "Region",
        "industry": "Industry",
        "product": "Product",
        "lead_source": "Lead source",
        "fit_score": st.column_config.NumberColumn("Fit score", format="%.0f"),
        "competitor_price": money_column("Competitor price"),
        "budget": money_column("Budget"),
        "price_gap": pct_column("Price gap"),
        "gap_basis": "Gap vs",
        "price_class": "Class",
    }


def prettify_deals(df: pd.DataFrame) -> pd.DataFrame:
    """Codes → labels (outcome, loss category, price class, gap basis) for display."""
    out = df.copy()
    if "outcome" in out:
        out["outcome"] = out["outcome"].map(lambda v: OUTCOME_LABELS.get(v, v))
    if "loss_reason" in out:
        out["loss_reason"] = out["loss_reason"].map(lambda v: None if _missing(v) else category_label(v))
    if "price_class" in out:
        out["price_class"] = out["price_class"].map(lambda v: PRICE_CLASS_LABELS.get(v, v))
    if "gap_basis" in out:
        out["gap_basis"] = out["gap_basis"].map(
            lambda v: {"competitor_price": "Competitor price", "budget": "Budget"}.get(v, v))
    return out


def deals_table(df: pd.DataFrame, *, columns: Sequence[str] | None = None, key: str | None = None,
                height: int | str = "auto") -> None:
    """A list of deals with nice headers and formats."""
    shown = list(columns) if columns else [c for c in df.columns if c in _deal_config()]
    table: Any = prettify_deals(df)
    if "outcome" in table.columns:  # won / lost in the same colours as every chart
        table = table.style.map(_outcome_style, subset=["outcome"])
    st.dataframe(table, hide_index=True, column_order=shown, column_config=_deal_config(),
                 key=key, height=height, width="stretch", placeholder=DASH)


def _outcome_style(value: object) -> str:
    color = {"Won": WON_COLOR, "Lost": LOST_COLOR}.get(str(value))
    return f"color: {color}; font-weight: 600" if color else ""


DRILL_COLUMNS = ("account_name", "opportunity_name", "owner", "outcome", "amount", "close_date",
                 "competitor", "loss_reason", "loss_reason_raw", "segment")


def drill_down(title: str, filters: Filters, **criteria: Any) -> None:
    """The deals behind a chart point: a count, the latest 200 and a pointer to the Deals page.

    ``criteria`` are :func:`analytics.deals.list_deals` keywords (category, competitor, period…).
    """
    total = load(deals.count_deals, filters, **criteria)
    st.markdown(f"**{title}** — {fmt_count(total)} deal{'s' if total != 1 else ''}")
    if total == 0:
        st.caption("No deal matches.")
        return
    df = load(deals.list_deals, filters, limit=200, **criteria)
    deals_table(df, columns=DRILL_COLUMNS, height=min(38 + 35 * len(df), 420))
    if total > len(df):
        st.caption(f"Showing the latest {len(df)}; the Deals page lists and downloads them all.")


def safe_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV, text cells that a spreadsheet would run as formulas prefixed with ``'``."""
    def neutral(value: object) -> object:
        if isinstance(value, str) and value.startswith(deals.FORMULA_STARTS):
            return "'" + value
        return value
    return df.map(neutral).to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- charts


PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def style(fig: go.Figure, title: str, *, x: str | None = None, y: str | None = None,
          height: int = 380, legend: bool = True) -> go.Figure:
    """Shared look: title, axis titles with units, quiet grid, compact margins."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        margin={"l": 10, "r": 10, "t": 56, "b": 10},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hoverlabel={"align": "left"},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#E3E7ED", zeroline=False)
    return fig


def chart(fig: go.Figure, *, key: str | None = None, on_select: Any = "ignore",
          selection_mode: Any = "points") -> Any:
    """``st.plotly_chart`` with Debrief's defaults; returns the selection state when selectable."""
    if on_select == "ignore":
        st.plotly_chart(fig, key=key, config=PLOT_CONFIG, width="stretch")
        return None
    return st.plotly_chart(fig, key=key, config=PLOT_CONFIG, width="stretch", on_select=on_select,
                           selection_mode=selection_mode)


def selected_points(state: Any) -> list[dict[str, Any]]:
    """The points of a plotly selection state (empty when nothing is selected)."""
    if not state:
        return []
    try:
        return list(state["selection"]["points"])
    except (KeyError, TypeError):
        return []


def selected_customdata(key: str) -> list[Any]:
    """The first ``customdata`` value of each selected point of the chart with ``key``."""
    out = []
    for point in selected_points(st.session_state.get(key)):
        data = point.get("customdata")
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        if data is not None:
            out.append(data)
    return out


SMALL_SAMPLE_NOTE = ("Hollow markers and \"n<10\": fewer than 10 closed deals, so the rate can swing "
                     "a lot — read with care.")


def _error_arrays(df: pd.DataFrame, value: str = "win_rate") -> tuple[list[float], list[float]]:
    """Distances from the value to the top / bottom of its 95% interval, for error bars."""
    plus = (df["high"] - df[value]).clip(lower=0).fillna(0).tolist()
    minus = (df[value] - df["low"]).clip(lower=0).fillna(0).tolist()
    return plus, minus


def _symbols(small: pd.Series) -> list[str]:
    return ["circle-open" if s else "circle" for s in small.fillna(True)]


def winrate_trend_figure(df: pd.DataFrame, grain: str, title: str = "Win rate over time") -> go.Figure:
    """Win rate per period with its 95% Wilson band; small samples drawn hollow."""
    labels = [period_label(p, grain) for p in df["period"]]
    custom = list(zip(labels, df["won"], df["closed"], df["low"].fillna(0), df["high"].fillna(0),
                      strict=True))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=df["period"], y=df["high"], mode="lines", line={"width": 0},
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=df["period"], y=df["low"], mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=BAND_FILL, name="95% interval",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=df["period"], y=df["win_rate"], mode="lines+markers", name="Win rate",
        line={"color": ACCENT, "width": 2.5},
        marker={"size": 9, "symbol": _symbols(df["small_sample"]), "color": ACCENT,
                "line": {"width": 2, "color": ACCENT}},
        customdata=custom,
        hovertemplate=("<b>%{customdata[0]}</b><br>Win rate %{y:.1%}"
                       "<br>95% interval %{customdata[3]:.0%}–%{customdata[4]:.0%}"
                       "<br>%{customdata[1]} won of %{customdata[2]} closed<extra></extra>"),
    ))
    style(fig, title, x="Close date", y="Win rate (%)")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    period_ticks(fig, df["period"], labels)
    return fig


def period_ticks(fig: go.Figure, periods: pd.Series, labels: Sequence[str], most: int = 14) -> None:
    """Label a date axis with the periods' own names (``Q2 2024``), thinned to at most ``most``."""
    if len(periods) == 0:
        return
    step = max(1, math.ceil(len(periods) / most))
    fig.update_xaxes(tickvals=list(periods)[::step], ticktext=list(labels)[::step])


def category_bars(df: pd.DataFrame, title: str, *, value: str = "deals",
                  value_title: str = "Lost deals", money: str | None = None,
                  height: int | None = None) -> go.Figure:
    """Horizontal bars per loss category (largest on top), category colours, share in the hover."""
    df = df.iloc[::-1]
    labels = [category_label(c) for c in df["category"]]
    colors = [CATEGORY_COLORS.get(c, MUTED) for c in df["category"]]
    hover_value = f"{money}%{{x:,.0f}}" if money is not None else "%{x:,}"
    fig = go.Figure(go.Bar(
        x=df[value], y=labels, orientation="h", marker={"color": colors},
        customdata=list(zip(df["category"], df["share"], df["deals"], strict=True)),
        text=[fmt_pct(s, 0) for s in df["share"]], textposition="auto",
        hovertemplate=(f"<b>%{{y}}</b><br>{value_title}: {hover_value}<br>Share %{{customdata[1]:.1%}}"
                       "<br>%{customdata[2]} lost deals<extra></extra>"),
    ))
    style(fig, title, x=value_title, legend=False, height=height or max(240, 60 + 36 * len(df)))
    if money is not None:
        fig.update_xaxes(tickprefix=money, tickformat="~s")
    return fig


def pareto_figure(df: pd.DataFrame, measure: str, symbol: str) -> go.Figure:
    """Loss categories ranked (bars) with the cumulative share (line, right axis). Click a bar."""
    labels = [category_label(c) for c in df["category"]]
    is_amount = measure == "amount"
    value_title = f"Lost amount ({symbol or 'as exported'})" if is_amount else "Lost deals"
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=df["value"], name=value_title,
        marker={"color": [CATEGORY_COLORS.get(c, MUTED) for c in df["category"]]},
        customdata=list(zip(df["category"], df["deals"], df["amount"], df["share"], strict=True)),
        hovertemplate=("<b>%{x}</b><br>%{customdata[1]:,} lost deals<br>"
                       f"Lost amount {symbol}%{{customdata[2]:,.0f}}<br>"
                       "Share %{customdata[3]:.1%}<extra>Click to list the deals</extra>"),
    ))
    fig.add_trace(go.Scatter(
        x=labels, y=df["cumulative_share"], name="Cumulative share", yaxis="y2",
        mode="lines+markers", line={"color": "#1F2933", "width": 2}, marker={"size": 7},
        customdata=list(zip(df["category"], strict=True)),  # a click here drills down too
        hovertemplate="Cumulative %{y:.0%}<extra></extra>",
    ))
    style(fig, f"Why we lose — ranked by {'amount' if is_amount else 'deal count'}",
          x="Loss category", y=value_title, height=420)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "dtick": 0.2,
                              "tickformat": ".0%", "title": {"text": "Cumulative share (%)"},
                              "showgrid": False})
    if is_amount:
        fig.update_yaxes(tickprefix=symbol, tickformat="~s", selector={"title": {"text": value_title}})
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


def rate_dots(df: pd.DataFrame, label: str, title: str, *, value: str = "win_rate",
              value_title: str = "Win rate (%)", count: str = "closed", count_label: str = "closed",
              reference: float | None = None, reference_label: str = "Overall",
              successes: str = "won", success_label: str = "won") -> go.Figure:
    """One dot per group with its 95% interval as error bars; small samples hollow.

    ``df`` has ``label``, ``value``, ``low``, ``high``, ``small_sample`` and the count columns.
    Best rate on top. Click a dot: its label is the point's customdata.
    """
    df = df.sort_values(value, ascending=True, na_position="first")
    plus, minus = _error_arrays(df, value)
    small = df["small_sample"].fillna(True)
    names = [f"{blank_as_text(v)} (n<10)" if s else blank_as_text(v)
             for v, s in zip(df[label], small, strict=True)]
    fig = go.Figure(go.Scatter(
        x=df[value], y=names, mode="markers",
        marker={"size": 12, "color": ACCENT, "symbol": _symbols(small),
                "line": {"width": 2, "color": ACCENT}},
        error_x={"type": "data", "array": plus, "arrayminus": minus, "color": "#9DB4C7", "thickness": 2},
        customdata=list(zip(df[label], df[successes], df[count], df["low"].fillna(0),
                            df["high"].fillna(0), strict=True)),
        hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{value_title.replace(' (%)', '')} %{{x:.1%}}"
                       "<br>95% interval %{customdata[3]:.0%}–%{customdata[4]:.0%}"
                       f"<br>%{{customdata[1]}} {success_label} of %{{customdata[2]}} {count_label}"
                       "<extra></extra>"),
        name=value_title,
    ))
    if reference is not None:
        fig.add_vline(x=reference, line={"dash": "dash", "color": MUTED},
                      annotation_text=f"{reference_label} {fmt_pct(reference)}",
                      annotation_position="top")
    style(fig, title, x=value_title, legend=False, height=max(260, 90 + 34 * len(df)))
    fig.update_xaxes(tickformat=".0%", range=[0, 1], showgrid=True, gridcolor="#E3E7ED")
    fig.update_yaxes(showgrid=False)
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


def heatmap(pivot: pd.DataFrame, text: pd.DataFrame, title: str, *, x: str, y: str,
            colorbar: str, scale: Any = RATE_SCALE, hover_value: str = "%{z:.0%}",
            zmin: float = 0.0, zmax: float | None = 1.0, height: int | None = None) -> go.Figure:
    """A labelled heatmap: colour from ``pivot``, cell text from ``text`` (same shape)."""
    fig = go.Figure(go.Heatmap(
        z=pivot.values, x=[str(c) for c in pivot.columns], y=[str(i) for i in pivot.index],
        text=text.values, texttemplate="%{text}", textfont={"size": 11},
        colorscale=scale, zmin=zmin, zmax=zmax, xgap=2, ygap=2,
        colorbar={"title": {"text": colorbar}, "tickformat": ".0%"},
        hovertemplate=f"<b>%{{y}}</b> · %{{x}}<br>{hover_value}<br>%{{text}}<extra></extra>",
        hoverongaps=False,
    ))
    style(fig, title, x=x, y=y, legend=False, height=height or max(340, 150 + 34 * len(pivot)))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def reasons_heatmap(df: pd.DataFrame, dim_label: str, top: int = 12) -> go.Figure:
    """Share of each loss category within each value of a dimension (rows: the top values)."""
    values = list(dict.fromkeys(df["value"]))[:top]
    df = df[df["value"].isin(values)]
    cats = [c for c in CATEGORIES if c in set(df["category"])]
    share = df.pivot(index="value", columns="category", values="share_of_value").reindex(
        index=values, columns=cats)
    count = df.pivot(index="value", columns="category", values="deals").reindex(index=values, columns=cats)
    text = count.map(lambda n: "" if _missing(n) else f"{int(n)}")
    share.columns = [category_label(c) for c in share.columns]
    text.columns = share.columns
    share.index = text.index = [f"(no {dim_label.lower()})" if v == BLANK_LABEL else v for v in values]
    fig = heatmap(share.fillna(0), text, f"Loss reasons by {dim_label.lower()} (share of each row's losses)",
                  x="Loss category", y=dim_label, colorbar="Share of row",
                  hover_value="%{z:.0%} of this row's lost deals")
    fig.update_traces(hovertemplate="<b>%{y}</b> · %{x}<br>%{z:.0%} of the row's lost deals"
                                    "<br>%{text} lost deals<extra></extra>", showscale=False)
    return fig


def share_over_time(df: pd.DataFrame, grain: str) -> go.Figure:
    """Stacked 100% bars: each period's lost deals split by category."""
    fig = go.Figure()
    for category in CATEGORIES:
        part = df[df["category"] == category]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=[period_label(p, grain) for p in part["period"]], y=part["share"],
            name=category_label(category), marker={"color": CATEGORY_COLORS[category]},
            customdata=part["deals"],
            hovertemplate=(f"<b>{category_label(category)}</b> · %{{x}}<br>%{{y:.0%}} of the period's "
                           "losses<br>%{customdata} lost deals<extra></extra>"),
        ))
    order = list(dict.fromkeys(period_label(p, grain) for p in df["period"]))
    style(fig, "Share of losses by reason over time", x="Close date", y="Share of lost deals (%)",
          height=420)
    fig.update_layout(barmode="stack", bargap=0.15, legend={"traceorder": "normal"})
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    return fig


def competitor_trend(df: pd.DataFrame, grain: str, names: Sequence[str]) -> go.Figure:
    """Head-to-head win rate per period, one line per competitor; small samples hollow."""
    palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#F0E442"]
    fig = go.Figure()
    for i, name in enumerate(names):
        part = df[df["competitor"] == name]
        if part.empty:
            continue
        color = palette[i % len(palette)]
        fig.add_trace(go.Scatter(
            x=part["period"], y=part["win_rate"], mode="lines+markers", name=str(name),
            line={"color": color, "width": 2},
            marker={"size": 8, "symbol": _symbols(part["small_sample"]), "color": color,
                    "line": {"width": 2, "color": color}},
            customdata=list(zip([period_label(p, grain) for p in part["period"]], part["won"],
                                part["closed"], strict=True)),
            hovertemplate=(f"<b>vs {name}</b> · %{{customdata[0]}}<br>Win rate %{{y:.1%}}"
                           "<br>%{customdata[1]} won of %{customdata[2]} closed<extra></extra>"),
        ))
    style(fig, "Head-to-head win rate over time", x="Close date", y="Win rate (%)", height=400)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    periods = sorted(set(df["period"]))
    period_ticks(fig, pd.Series(periods), [period_label(p, grain) for p in periods])
    return fig


def price_fit_matrix(df: pd.DataFrame, fit_order: Sequence[str], gap_order: Sequence[str]) -> go.Figure:
    """Win rate of closed deals by fit band (rows, best fit on top, unknown last) × price-gap band."""
    known = [band for band in fit_order if band != "unknown"]
    rows = known[::-1] + [band for band in fit_order if band == "unknown"]
    rate = df.pivot(index="fit_band", columns="gap_band", values="win_rate").reindex(
        index=rows, columns=list(gap_order))
    closed = df.pivot(index="fit_band", columns="gap_band", values="closed").reindex(
        index=rows, columns=list(gap_order))
    small = df.pivot(index="fit_band", columns="gap_band", values="small_sample").reindex(
        index=rows, columns=list(gap_order))
    text = pd.DataFrame(
        [[("" if _missing(r) else f"{fmt_pct(r, 0)}") + f"<br>{int(n)} deals"
          + (" · n<10" if (s and n) else "") if n else "no deals"
          for r, n, s in zip(rate.loc[i], closed.loc[i], small.loc[i], strict=True)]
         for i in rate.index],
        index=rate.index, columns=rate.columns)
    fig = heatmap(rate, text, "Win rate by fit and price gap", x="Price gap vs competitor / budget",
                  y="Fit score", colorbar="Win rate", scale=WINRATE_SCALE, height=380,
                  hover_value="Win rate %{z:.0%}")
    fig.update_traces(hovertemplate="<b>Fit %{y}</b> · gap %{x}<br>Win rate %{z:.1%}<br>%{text}"
                                    "<extra></extra>")
    return fig


def price_scatter(df: pd.DataFrame, fit_threshold: float, tolerance: float) -> go.Figure:
    """Price losses: price gap (x) vs fit score (y), coloured by class, thresholds drawn."""
    fig = go.Figure()
    for klass, label in PRICE_CLASS_LABELS.items():
        part = df[df["price_class"] == klass]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["price_gap"], y=part["fit_score"], mode="markers", name=label,
            marker={"size": 9, "color": PRICE_CLASS_COLORS[klass], "opacity": 0.8,
                    "line": {"width": 0.5, "color": "white"}},
            customdata=list(zip(part["account_name"].fillna("—"), part["amount"].fillna(0),
                                part["competitor"].fillna("—"), strict=True)),
            hovertemplate=("<b>%{customdata[0]}</b><br>Gap %{x:+.0%} · fit %{y:.0f}"
                           "<br>Amount %{customdata[1]:,.0f} · vs %{customdata[2]}"
                           f"<extra>{label}</extra>"),
        ))
    fig.add_hline(y=fit_threshold, line={"dash": "dash", "color": "#1F2933"},
                  annotation_text=f"Fit threshold {fit_threshold:g}", annotation_position="bottom right")
    fig.add_vline(x=tolerance, line={"dash": "dash", "color": "#1F2933"},
                  annotation_text=f"Tolerance {tolerance:.0%}", annotation_position="bottom right")
    fig.add_vline(x=0, line={"color": "#C9CED6", "width": 1})
    style(fig, "Price-cited losses: how far apart were we, and did they fit?",
          x="Price gap (% above competitor price or budget)", y="Fit score (0–100)", height=460)
    fig.update_xaxes(tickformat=".0%", zeroline=False, showgrid=True, gridcolor="#E3E7ED")
    fig.update_yaxes(range=[-2, 102])
    return fig


def plottable(losses: pd.DataFrame) -> pd.DataFrame:
    """The price losses that have both a price gap and a fit score (the scatter's points)."""
    return losses.dropna(subset=["price_gap", "fit_score"])


def km_figure(df: pd.DataFrame, horizon_days: int) -> go.Figure:
    """Kaplan–Meier: cumulative share of lost accounts that came back vs months since the loss."""
    months = df["time"] / 30.4375
    custom = list(zip(df["time"], df["at_risk"], df["comeback_low"], df["comeback_high"], strict=True))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=months, y=df["comeback_high"], mode="lines", line={"width": 0, "shape": "hv"},
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=months, y=df["comeback_low"], mode="lines", line={"width": 0, "shape": "hv"},
                             fill="tonexty", fillcolor="rgba(0, 158, 115, 0.18)", name="95% band",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=months, y=df["comeback_prob"], mode="lines", name="Came back (Kaplan–Meier)",
        line={"color": WON_COLOR, "width": 2.5, "shape": "hv"}, customdata=custom,
        hovertemplate=("%{x:.1f} months (%{customdata[0]:.0f} days) after the loss<br>"
                       "<b>%{y:.1%}</b> came back (95% band %{customdata[2]:.0%}–%{customdata[3]:.0%})"
                       "<br>%{customdata[1]} accounts still watched<extra></extra>"),
    ))
    fig.add_vline(x=horizon_days / 30.4375, line={"dash": "dash", "color": MUTED},
                  annotation_text=f"horizon: {horizon_label(horizon_days)}",
                  annotation_position="bottom right")
    style(fig, "How soon lost accounts come back", x="Months since the loss",
          y="Cumulative share that came back (%)", height=400)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(dtick=3, rangemode="tozero")
    return fig


def cohort_figure(df: pd.DataFrame) -> go.Figure:
    """Loss-quarter cohorts × months since loss: share that came back (blank = not yet known)."""
    labels = {c: f"{period_label(c, 'quarter')} ({int(n)})" for c, n in zip(df["cohort"], df["accounts"],
                                                                             strict=True)}
    share = df.pivot(index="cohort", columns="months_since_loss", values="share")
    came = df.pivot(index="cohort", columns="months_since_loss", values="came_back_cum")
    text = came.map(lambda v: "" if _missing(v) else f"{int(v)}")
    share.index = [labels[c] for c in share.index]
    text.index = share.index
    fig = heatmap(share.astype(float), text,
                  "Comeback cohorts by quarter of the loss",
                  x="Months since the loss", y="Quarter of the loss (accounts)", colorbar="Came back",
                  zmax=None, height=max(320, 110 + 26 * len(share)))
    fig.update_traces(hovertemplate="<b>%{y}</b> · within %{x} months<br>%{z:.0%} came back"
                                    "<br>%{text} accounts<extra></extra>", texttemplate="")
    return fig


# --------------------------------------------------------------------------- price vs fit


def price_settings(fit_threshold: float, tolerance_pct: float, bracket_factor: float) -> Any:
    """The page's controls (tolerance in percent) as :class:`analytics.price_fit.PriceFitSettings`."""
    from analytics.price_fit import PriceFitSettings

    return PriceFitSettings(fit_threshold=float(fit_threshold), tolerance=float(tolerance_pct) / 100,
                            bracket_factor=float(bracket_factor))


# --------------------------------------------------------------------------- import


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


MAPPING_OPTIONS: tuple[str, ...] = (IGNORE_LABEL, *(field_label(f) for f in FIELDS))
_LABEL_TO_FIELD = {field_label(f): f for f in FIELDS} | {IGNORE_LABEL: IGNORE}


def prepare_upload(upload: Any, options: importer.ImportOptions) -> importer.Prepared:
    """Dry-run one uploaded file: write it once to a temporary file and :func:`importer.prepare` it.

    Raises :class:`DebriefError` subclasses for an unusable file or mapping.
    """
    suffix = Path(upload.name).suffix or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(upload.getbuffer())
        handle.flush()
        return importer.prepare(handle.name, options, upload.name)


def preview_frame(prepared: importer.Prepared, rows: int = 8) -> pd.DataFrame:
    """The first records of the file as read (before parsing), headers as in the file."""
    table = prepared.table
    width = len(table.header)
    names = []
    for i, h in enumerate(table.header):
        name = h if h and h.strip() else f"(column {i + 1})"
        while name in names:
            name += " "
        names.append(name)
    records = [list(cells)[:width] + [None] * (width - len(cells)) for _, cells in table.records[:rows]]
    frame = pd.DataFrame(records, columns=names)
    return frame.astype("string")


def mapping_frame(prepared: importer.Prepared) -> pd.DataFrame:
    """One row per column of the file: its header, sample values and the field it feeds."""
    cmap = prepared.column_map
    fed: dict[int, str] = {}
    for name, index in cmap.fields.items():
        fed.setdefault(index, name)
    for index in cmap.close_columns:
        fed.setdefault(index, "close_date")
    rows = []
    for index, header in enumerate(cmap.headers):
        samples = []
        for _, cells in prepared.table.records[:50]:
            value = cells[index] if index < len(cells) else None
            if value is not None and str(value).strip() and str(value) not in samples:
                samples.append(str(value))
            if len(samples) == 3:
                break
        field = fed.get(index)
        rows.append({
            "column": header if header and header.strip() else f"(column {index + 1})",
            "examples": " · ".join(s[:30] for s in samples),
            "maps_to": field_label(field) if field else IGNORE_LABEL,
        })
    return pd.DataFrame(rows, columns=["column", "examples", "maps_to"])


def mapping_changes(original: pd.DataFrame, edited: pd.DataFrame) -> dict[str, str]:
    """The user's mapping (header → field) from the rows whose "maps to" they changed."""
    changes: dict[str, str] = {}
    for (_, before), (_, after) in zip(original.iterrows(), edited.iterrows(), strict=True):
        if before["maps_to"] != after["maps_to"] and not str(before["column"]).startswith("(column "):
            changes[str(before["column"])] = _LABEL_TO_FIELD.get(after["maps_to"], IGNORE)
    return changes


def rejects_frame(prepared: importer.Prepared) -> pd.DataFrame:
    return pd.DataFrame([{"line": r.line, "reason": r.reason, "raw": r.raw} for r in prepared.rejects],
                        columns=["line", "reason", "raw"])


@st.cache_data(show_spinner="Reading the file…", max_entries=32)
def _prepare_cached(file_id: str, name: str, size: int, source: str,
                    mapping: tuple[tuple[str, str], ...], day_first: bool,
                    _upload: Any) -> importer.Prepared:
    return prepare_upload(_upload, importer.ImportOptions(source=source, mapping=dict(mapping),
                                                          day_first=day_first))


def prepare_cached(upload: Any, source: str = "auto", mapping: Mapping[str, str] | None = None,
                   day_first: bool = False) -> importer.Prepared:
    """:func:`prepare_upload`, remembered per uploaded file and options (re-reading on every
    rerun would be slow for a large export)."""
    return _prepare_cached(upload.file_id, upload.name, upload.size, source,
                           tuple(sorted((mapping or {}).items())), day_first, upload)


def commit_prepared(prepared: importer.Prepared) -> importer.ImportResult:
    """Write a prepared file (one transaction) and clear the caches."""
    try:
        return importer.commit(get_connection(), prepared, now=now())
    finally:
        clear_caches()


def run_imports(ready: Sequence[importer.Prepared]) -> list[dict[str, Any]]:
    """Commit prepared files one by one inside an ``st.status`` with a progress bar.

    A file that fails is reported and skipped (its transaction rolled back); returns the
    results of the others as dicts (for the session state).
    """
    results: list[dict[str, Any]] = []
    with st.status("Importing…", expanded=True) as status:
        bar = st.progress(0.0)
        for done, prepared in enumerate(ready, start=1):
            st.write(f"Writing {prepared.file_name} ({len(prepared.rows):,} rows)…")
            try:
                result = commit_prepared(prepared)
            except DebriefError as err:
                st.error(str(err))
            else:
                results.append(asdict(result) | {"notes": list(result.notes)})
            bar.progress(done / len(ready))
        status.update(label="Import finished", state="complete")
    return results


def undo_import(import_id: int) -> importer.UndoResult:
    """Undo an import (raises :class:`UndoError` with the reason) and clear the caches."""
    try:
        return importer.undo(get_connection(), import_id, now=now())
    finally:
        clear_caches()


def rejected_csv(import_id: int) -> bytes:
    """The rejected rows of an import as a formula-safe CSV."""
    return safe_csv(importer.rejected_rows(cursor(), import_id))


def now() -> datetime:
    """Wall-clock time recorded with imports, undos and overrides."""
    return datetime.now().replace(microsecond=0)


def history_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Import history for display."""
    out = df[["import_id", "file_name", "dialect", "imported_at", "rows_read", "loaded", "updated",
              "unchanged", "duplicates", "rejected", "undone_at"]].copy()
    out["dialect"] = out["dialect"].map(lambda v: DIALECT_LABELS.get(v, v))
    out["status"] = ["Undone" if not _missing(u) else "Active" for u in out["undone_at"]]
    return out


def freshness(df: pd.DataFrame) -> str:
    """``Last import 2 days ago`` style text from the active imports."""
    if df.empty:
        return "No import yet"
    latest = pd.Timestamp(df["imported_at"].max()).to_pydatetime()
    age = now() - latest
    if age < timedelta(minutes=2):
        when = "just now"
    elif age < timedelta(hours=2):
        when = f"{int(age.total_seconds() // 60)} minutes ago"
    elif age < timedelta(days=2):
        when = f"{int(age.total_seconds() // 3600)} hours ago"
    else:
        when = f"{age.days} days ago"
    return f"Last import {when} ({latest:%Y-%m-%d %H:%M})"


RULES_LABEL = "Automatic (keyword rules)"
CATEGORY_CHOICES: tuple[str, ...] = (*(CATEGORY_LABELS[c] for c in CATEGORIES), RULES_LABEL)


def save_category_edits(raws: Sequence[str], before: Sequence[str], after: Sequence[str]) -> tuple[int, int]:
    """Save the categories a user changed in the raw-reason editor (labels, or :data:`RULES_LABEL`
    to drop an override). Returns (reasons changed, lost deals whose category changed)."""
    by_label = {CATEGORY_LABELS[c]: c for c in CATEGORIES}
    reasons = deals_changed = 0
    try:
        for raw, old, new in zip(raws, before, after, strict=True):
            if old == new:
                continue
            reasons += 1
            target = None if new == RULES_LABEL else by_label[new]
            deals_changed += categories.set_override(cursor(), raw, target, now=now())
    finally:
        clear_caches()
    return reasons, deals_changed


