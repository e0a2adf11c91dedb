"""Competitors: how often we beat each one, how that moves, and why we lose to them."""

from __future__ import annotations

import streamlit as st

from analytics import ui
from analytics.metrics import competitors, loss_reasons
from analytics.present import charts

ctx = ui.setup_page("Competitors", intro="Head-to-head win rates over the closed deals that name a "
                                         "competitor. Click a dot to list those deals.")
ui.require_closed(ctx)

h2h = ui.load(competitors.head_to_head, ctx.filters)
if h2h.empty:
    st.info("None of the closed deals matching these filters names a competitor. Map the export's "
            "competitor column (e.g. *Primary Competitor*, *Lost To*) on the Import page.")
    st.stop()


def _pick_from_chart() -> None:
    picked = ui.selected_customdata("comp_h2h")
    if picked:
        st.session_state["comp_drill"] = picked[0]


left, right = st.columns(2, gap="large")
with left:
    ui.chart(charts.rate_dots(h2h, "competitor", "Our win rate against each competitor",
                          reference=ctx.matching.win_rate.value, reference_label="All deals"),
             key="comp_h2h", on_select=_pick_from_chart)
    st.caption(f"Bars: 95% Wilson interval. {charts.SMALL_SAMPLE_NOTE}")
with right:
    st.dataframe(
        h2h, hide_index=True, width="stretch",
        column_order=["competitor", "win_rate", "won", "lost", "lost_amount"],
        column_config={
            "competitor": "Competitor",
            "win_rate": ui.rate_column("Win rate"),
            "won": ui.count_column("Won"),
            "lost": ui.count_column("Lost"),
            "closed": ui.count_column("Closed"),
            "lost_amount": ui.money_column("Lost amount"),
        },
    )

names = list(h2h["competitor"])
if st.session_state.get("comp_drill") not in names:
    st.session_state.pop("comp_drill", None)
picked = st.selectbox("Deals against", names, index=None, key="comp_drill",
                      placeholder="Click a dot above, or pick a competitor")
if picked:
    ui.drill_down(f"Deals against {picked}", ctx.filters, competitor=picked)

st.divider()
left, right = st.columns(2, gap="large")
with left:
    c1, c2 = st.columns([3, 1])
    shown = c1.multiselect("Competitors on the trend", names, default=names[:4], key="comp_trend_names")
    grain = c2.selectbox("Period", ["quarter", "month", "year"], key="comp_grain",
                         format_func=str.capitalize)
    trend = ui.load(competitors.trend, ctx.filters, grain)
    ui.chart(charts.competitor_trend(trend, grain, shown), key="comp_trend")
with right:
    breakdown = ui.load(loss_reasons.by_dimension, ctx.filters, "competitor")
    ui.chart(charts.reasons_heatmap(breakdown, "Competitor"), key="comp_reasons")
    st.caption("Why we lose, per competitor: share of the lost deals against each one (number: lost deals).")
