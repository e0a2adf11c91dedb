"""Drawing helpers: column formats, deal tables, charts, chart selections and drill-downs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.filters import Filters
from analytics.metrics import deals
from analytics.present.charts import PLOT_CONFIG
from analytics.present.filter_view import deals_link_params
from analytics.present.formatting import DASH, field_label, fmt_count
from analytics.present.money import money_format
from analytics.present.tables import outcome_style, prettify_deals, table_height
from analytics.present.text import plot_unescape, safe_figure
from analytics.ui.session import load, money_symbol

# --------------------------------------------------------------------------- column formats


def money_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format=money_format(money_symbol()), **kwargs)


def pct_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format="percent", **kwargs)


def rate_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.ProgressColumn(label, format="percent", min_value=0.0, max_value=1.0,
                                           **kwargs)


def count_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.NumberColumn(label, format="localized", **kwargs)


def date_column(label: str, **kwargs: Any) -> Any:
    return st.column_config.DateColumn(label, format="YYYY-MM-DD", **kwargs)


def lost_account_columns(account: str, reason_key: str, competitor_key: str) -> dict[str, Any]:
    """Column formats shared by the tables of lost accounts: who (headed ``account``), when they
    were lost, why (column ``reason_key``), to whom (``competitor_key``) and how much."""
    return {
        "account_name": st.column_config.TextColumn(account, width="medium"),
        "loss_date": date_column("Lost on"),
        reason_key: "Loss reason",
        competitor_key: "Lost to",
        "lost_amount": money_column("Lost amount"),
    }


def text_column(label: str, width: str = "medium") -> Any:
    return st.column_config.TextColumn(label, width=width)


# --------------------------------------------------------------------------- deal tables

#: Every column a deal table can show; the header of each is its :func:`field_label`.
DEAL_COLUMNS = ("opportunity_id", "account_name", "opportunity_name", "owner", "stage", "outcome",
                "amount", "currency", "close_date", "created_date", "cycle_days", "competitor",
                "loss_reason", "loss_reason_raw", "loss_notes", "segment", "region", "industry",
                "product", "lead_source", "fit_score", "competitor_price", "budget", "price_gap",
                "gap_basis", "price_class", "missing_evidence")

#: The columns formatted beyond a plain header, as a column-config maker taking the label.
_DEAL_FORMATS: dict[str, Callable[[str], Any]] = {
    "opportunity_id": lambda label: text_column(label, "small"),
    "account_name": text_column,
    "opportunity_name": text_column,
    "loss_reason_raw": text_column,
    "loss_notes": text_column,
    "amount": money_column,
    "competitor_price": money_column,
    "budget": money_column,
    "close_date": date_column,
    "created_date": date_column,
    "cycle_days": lambda label: st.column_config.NumberColumn(label, format="%d days"),
    "fit_score": lambda label: st.column_config.NumberColumn(label, format="%.0f"),
    "price_gap": pct_column,
}


def _deal_config() -> dict[str, Any]:
    return {name: _DEAL_FORMATS.get(name, str)(field_label(name)) for name in DEAL_COLUMNS}


def deals_table(df: pd.DataFrame, *, columns: Sequence[str] | None = None, key: str | None = None,
                max_height: int | None = None) -> None:
    """A list of deals with nice headers and formats; ``max_height`` (pixels) fits the table to its
    rows up to that height (default: Streamlit's)."""
    shown = list(columns) if columns else [c for c in df.columns if c in DEAL_COLUMNS]
    table: Any = prettify_deals(df)
    if "outcome" in table.columns:  # won / lost in the same colours as every chart
        table = table.style.map(outcome_style, subset=["outcome"])
    height = "auto" if max_height is None else table_height(len(df), max_height)
    st.dataframe(table, hide_index=True, column_order=shown, column_config=_deal_config(),
                 key=key, height=height, width="stretch", placeholder=DASH)


DRILL_COLUMNS = ("account_name", "opportunity_name", "owner", "outcome", "amount", "close_date",
                 "competitor", "loss_reason", "loss_reason_raw", "segment")


def drill_down(title: str, filters: Filters, **criteria: Any) -> None:
    """The deals behind a chart point: a count, the latest 200 and a pointer to the Deals page.

    ``criteria`` are :func:`analytics.metrics.deals.list_deals` keywords (category, competitor…).
    """
    total = load(deals.count_deals, filters, **criteria)
    what = "closed deal" if criteria.get("outcome") == "closed" else "deal"
    st.markdown(f"**{title}** — {fmt_count(total)} {what}{'s' if total != 1 else ''}")
    if total == 0:
        st.caption("No deal matches.")
        return
    df = load(deals.list_deals, filters, limit=200, **criteria)
    deals_table(df, columns=DRILL_COLUMNS, max_height=420)
    if total > len(df):
        st.caption(f"Showing the latest {len(df)} of {fmt_count(total)}.")
    st.page_link("pages/5_Deals.py", label=f"List and download these {fmt_count(total)} on the Deals page",
                 icon=":material/table_rows:", query_params=deals_link_params(filters, **criteria))


def card_slots(count: int = 4) -> list[Any]:
    """``count`` (even) slots for headline cards: all in one row on a wide screen, two per row on a
    phone (the outer pair of columns stacks below 640 px, the inner ones never do)."""
    return [slot for half in st.columns(2) for slot in half.columns(count // 2, wrap=False)]


def current_page(key: str, *, view: object, pages: int) -> tuple[int, str]:
    """The page an ``st.pagination`` widget is on (1 before it is first drawn), and the widget key
    to draw it with.

    ``view`` is what the pages list (filters, search, sort…): a new view, or one with fewer
    than the current page's number of ``pages``, starts again on its first page — by giving
    the widget a new key (``key`` plus a round number), never by setting its value through the
    Session State API (which Streamlit warns about for a widget with a default).
    """
    round_key = f"{key}_round"
    widget = f"{key}_{st.session_state.get(round_key, 0)}"
    value = st.session_state.get(widget, 1)
    page = value if isinstance(value, int) and value >= 1 else 1
    if st.session_state.get(f"{key}_view") != view or page > pages:
        st.session_state[f"{key}_view"] = view
        if page != 1:
            st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
            widget = f"{key}_{st.session_state[round_key]}"
        page = 1
    return page, widget


# --------------------------------------------------------------------------- charts


def chart(fig: go.Figure, *, key: str | None = None, on_select: Any = "ignore",
          selection_mode: Any = "points") -> Any:
    """``st.plotly_chart`` with Debrief's defaults; returns the selection state when selectable."""
    fig = safe_figure(fig)  # data text shows as written, never as plotly markup
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
            out.append(plot_unescape(data))
    return out


@dataclass(frozen=True)
class DrillSelect:
    """A chart whose clicked point picks the value of a selectbox, whose value lists the deals.

    The chart's points carry the value as their first ``customdata``; the selectbox lets the
    user pick it without the chart too, and forgets a value the chart no longer shows.
    """

    chart_key: str
    select_key: str

    def _pick_from_chart(self) -> None:
        picked = selected_customdata(self.chart_key)
        if picked:
            st.session_state[self.select_key] = picked[0]

    def chart(self, fig: go.Figure) -> None:
        """Draw ``fig``; clicking a point selects its value below."""
        chart(fig, key=self.chart_key, on_select=self._pick_from_chart)

    def select(self, label: str, options: Sequence[Any], *, placeholder: str,
               format_func: Callable[[Any], str] = str) -> Any:
        """The selectbox of the values (None until one is picked)."""
        options = list(options)
        if st.session_state.get(self.select_key) not in options:
            st.session_state.pop(self.select_key, None)
        return st.selectbox(label, options, index=None, key=self.select_key, format_func=format_func,
                            placeholder=placeholder)
