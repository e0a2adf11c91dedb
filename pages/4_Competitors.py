"""Competitors: how often we beat each one, how that moves, and why we lose to them."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import competitors, loss_reasons
from analytics.present import charts, text
from analytics.ui import session, shell, widgets

ctx = shell.setup_page("Competitors", intro="Head-to-head win rates over the closed deals that name a "
                                         "competitor. Click a dot to list those deals.")
shell.require_closed(ctx)

h2h = session.load(competitors.head_to_head, ctx.filters)
if h2h.empty:
    st.info("None of the closed deals matching these filters names a competitor. Map the export's "
            "competitor column (e.g. *Primary Competitor*, *Lost To*) on the Import page.")
    st.stop()
drill = widgets.DrillSelect(chart_key="comp_h2h", select_key="comp_drill")

left, right = st.columns(2, gap="large")
with left:
    drill.chart(charts.rate_dots(h2h, "competitor", "Our win rate against each competitor",
                                 reference=ctx.matching.win_rate.value, reference_label="All deals"))
    st.caption(f"Bars: 95% Wilson interval. {charts.SMALL_SAMPLE_NOTE}")
with right:
    st.dataframe(
        h2h, hide_index=True, width="stretch",
        column_order=["competitor", "win_rate", "won", "lost", "lost_amount"],
        column_config={
            "competitor": "Competitor",
            "win_rate": widgets.rate_column("Win rate"),
            "won": widgets.count_column("Won"),
            "lost": widgets.count_column("Lost"),
            "closed": widgets.count_column("Closed"),
            "lost_amount": widgets.money_column("Lost amount"),
        },
    )

names = list(h2h["competitor"])
picked = drill.select("Deals against", names, placeholder="Click a dot above, or pick a competitor")
if picked:
    widgets.drill_down(f"Closed deals against {text.md_escape(picked)}", ctx.filters, competitor=picked,
                       outcome="closed")

st.divider()
left, right = st.columns(2, gap="large")
with left:
    # The full width of the column, so every chip shows its whole name.
    shown = st.multiselect("Competitors on the trend", names, default=names[:4], key="comp_trend_names")
    grain = st.selectbox("Period", ["quarter", "month", "year"], key="comp_grain",
                         format_func=str.capitalize, width=220)
    trend = session.load(competitors.trend, ctx.filters, grain)
    widgets.chart(charts.competitor_trend(trend, grain, shown), key="comp_trend")
    st.caption(charts.SMALL_SAMPLE_NOTE)
with right:
    breakdown = session.load(loss_reasons.by_dimension, ctx.filters, "competitor")
    widgets.chart(charts.reasons_heatmap(breakdown, "Competitor", blank_row=False), key="comp_reasons")
    st.caption("Why we lose, per competitor: share of the lost deals against each one (number: lost "
               "deals). Losses that name no competitor are left out; the Loss reasons page has them.")
