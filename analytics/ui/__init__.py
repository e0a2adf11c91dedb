"""Streamlit glue shared by every page: connection, caching, sidebar filters, tables, import.

This is the only module of ``analytics`` that imports Streamlit. Pages stay thin:
they call :func:`setup_page`, read their own widgets, call the engine through
:func:`load` (cached) and draw with the helpers here. Every number comes from
the engine; this module only reshapes and formats it for display.

Labels and number formats live in :mod:`analytics.formatting`, plotly figures in
:mod:`analytics.charts`; neither imports Streamlit.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics import categories, store
from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.errors import DebriefError, InvalidSettingError, SchemaVersionError
from analytics.filters import BLANK_LABEL, Filters
from analytics.ingest import history, importer, normalise, samples
from analytics.ingest.headers import FIELDS, IGNORE
from analytics.metrics import deals, winrates
from analytics.present.charts import PLOT_CONFIG
from analytics.present.formatting import (
    DASH,
    DIALECT_LABELS,
    FIELD_LABELS,
    FILTER_DIMENSIONS,
    IGNORE_LABEL,
    LOST_COLOR,
    OUTCOME_LABELS,
    PRICE_CLASS_LABELS,
    WON_COLOR,
    blank_as_text,
    category_label,
    fmt_count,
    fmt_date,
    is_missing,
)

DATE_KEYS = ("from", "to")

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


def current_page(key: str) -> int:
    """The page an ``st.pagination`` widget with ``key`` is on (1 before it is first drawn)."""
    value = st.session_state.get(key, 1)
    return value if isinstance(value, int) and value >= 1 else 1


# --------------------------------------------------------------------------- connection


@st.cache_resource(show_spinner=False)
def _open(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per database file and process (each run takes a cursor).

    With ``DEBRIEF_SAMPLE=1`` a database that never had an import gets the sample
    exports first: a hosted instance whose disk starts empty still opens on data.
    """
    con = store.connect(path)
    if os.environ.get("DEBRIEF_SAMPLE") == "1":
        samples.load_if_empty(con, now=now())
    return con


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
    return history.list_imports(cursor())


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
        return bool(load(samples.showing_sample_only))
    except (DebriefError, duckdb.Error):
        return False


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
    return tuple(deals.currencies(cursor()))


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
        out["loss_reason"] = out["loss_reason"].map(lambda v: None if is_missing(v) else category_label(v))
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


# --------------------------------------------------------------------------- price vs fit


def price_settings(fit_threshold: float, tolerance_pct: float, bracket_factor: float) -> Any:
    """The page's controls (tolerance in percent) as :class:`analytics.price_fit.PriceFitSettings`."""
    from analytics.metrics.price_fit import PriceFitSettings

    return PriceFitSettings(fit_threshold=float(fit_threshold), tolerance=float(tolerance_pct) / 100,
                            bracket_factor=float(bracket_factor))


# --------------------------------------------------------------------------- import


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


MAPPING_OPTIONS: tuple[str, ...] = (IGNORE_LABEL, *(field_label(f) for f in FIELDS))
_LABEL_TO_FIELD = {field_label(f): f for f in FIELDS} | {IGNORE_LABEL: IGNORE}


def prepare_upload(upload: Any, options: normalise.ImportOptions) -> normalise.Prepared:
    """Dry-run one uploaded file (held in memory) with :func:`normalise.prepare_bytes`.

    Raises :class:`DebriefError` subclasses for an unusable file or mapping.
    """
    return normalise.prepare_bytes(upload.getvalue(), upload.name, options)


def preview_frame(prepared: normalise.Prepared, rows: int = 8) -> pd.DataFrame:
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


def mapping_frame(prepared: normalise.Prepared) -> pd.DataFrame:
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


def rejects_frame(prepared: normalise.Prepared) -> pd.DataFrame:
    return pd.DataFrame([{"line": r.line, "reason": r.reason, "raw": r.raw} for r in prepared.rejects],
                        columns=["line", "reason", "raw"])


@st.cache_data(show_spinner="Reading the file…", max_entries=32)
def _prepare_cached(file_id: str, name: str, size: int, source: str,
                    mapping: tuple[tuple[str, str], ...], day_first: bool,
                    _upload: Any) -> normalise.Prepared:
    return prepare_upload(_upload, normalise.ImportOptions(source=source, mapping=dict(mapping),
                                                          day_first=day_first))


def prepare_cached(upload: Any, source: str = "auto", mapping: Mapping[str, str] | None = None,
                   day_first: bool = False) -> normalise.Prepared:
    """:func:`prepare_upload`, remembered per uploaded file and options (re-reading on every
    rerun would be slow for a large export)."""
    return _prepare_cached(upload.file_id, upload.name, upload.size, source,
                           tuple(sorted((mapping or {}).items())), day_first, upload)


def commit_prepared(prepared: normalise.Prepared) -> importer.ImportResult:
    """Write a prepared file (one transaction) and clear the caches."""
    try:
        return importer.commit(get_connection(), prepared, now=now())
    finally:
        clear_caches()


def run_imports(ready: Sequence[normalise.Prepared]) -> list[dict[str, Any]]:
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


def undo_import(import_id: int) -> history.UndoResult:
    """Undo an import (raises :class:`UndoError` with the reason) and clear the caches."""
    try:
        return history.undo(get_connection(), import_id, now=now())
    finally:
        clear_caches()


def rejected_csv(import_id: int) -> bytes:
    """The rejected rows of an import as a formula-safe CSV."""
    return safe_csv(history.rejected_rows(cursor(), import_id))


def now() -> datetime:
    """Wall-clock time recorded with imports, undos and overrides."""
    return datetime.now().replace(microsecond=0)


def history_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Import history for display."""
    out = df[["import_id", "file_name", "dialect", "imported_at", "rows_read", "loaded", "updated",
              "unchanged", "duplicates", "rejected", "undone_at"]].copy()
    out["dialect"] = out["dialect"].map(lambda v: DIALECT_LABELS.get(v, v))
    out["status"] = ["Undone" if not is_missing(u) else "Active" for u in out["undone_at"]]
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


