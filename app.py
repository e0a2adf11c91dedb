"""Debrief — Overview: headline numbers, the win-rate trend, why we lose, who we lose to.

Run with ``make run`` (sample data) or ``streamlit run app.py`` (``$DEBRIEF_DB``).
"""

from __future__ import annotations

import streamlit as st

from analytics.metrics import competitors, deals, loss_reasons, winrates
from analytics.present import charts, tables
from analytics.present import formatting as fmt
from analytics.ui import session, share, shell, widgets

ctx = shell.setup_page("Overview", intro="How the team is winning and losing, at a glance.")
shell.require_closed(ctx)
share.report_button(ctx.filters)
now = ctx.matching
previous = winrates.previous_period(ctx.filters)
before = session.load(winrates.headline, previous) if previous is not None else None
sym = ctx.symbol

if previous is not None:
    vs = "vs previous period"
    st.caption(f":material/compare_arrows: Changes compare with the previous period of the same length, "
               f"{fmt.fmt_date(previous.start)} → {fmt.fmt_date(previous.end)}.")
else:
    vs = None
    st.caption(":material/info: Pick a date range (or a quick period) in the sidebar to compare "
               "every number with the period just before it.")

row = widgets.card_slots(4)  # 4 a row; 2 a row on a phone
row[0].metric("Win rate", fmt.fmt_pct(now.win_rate.value),
              fmt.fmt_pp_delta(now.win_rate.value, before.win_rate.value) if before else None,
              delta_description=vs, border=True,
              help=(f"Won ÷ closed deals: {now.won:,} won of {now.closed:,}. 95% interval "
                    f"{fmt.fmt_pct(now.win_rate.low)}–{fmt.fmt_pct(now.win_rate.high)}."
                    f" Without no-decision losses: {fmt.fmt_pct(now.win_rate_excl_no_decision.value)}."))
row[1].metric("Won deals", fmt.fmt_count(now.won), fmt.count_delta(now.won, before.won) if before else None,
              delta_description=vs, border=True, help="Deals closed won in the period.")
row[2].metric("Lost deals", fmt.fmt_count(now.lost),
              fmt.count_delta(now.lost, before.lost) if before else None,
              delta_color="inverse", delta_description=vs, border=True,
              help="Deals closed lost in the period (no-decision losses included).")
row[3].metric("Average deal size", fmt.fmt_money(now.avg_won_amount, sym),
              fmt.money_delta(now.avg_won_amount, before.avg_won_amount, sym) if before else None,
              delta_description=vs, border=True, help="Mean amount of the won deals that have one.")
row = widgets.card_slots(4)  # 4 a row; 2 a row on a phone
row[0].metric("Won amount", fmt.fmt_money(now.won_amount, sym),
              fmt.money_delta(now.won_amount, before.won_amount, sym) if before else None,
              delta_description=vs, border=True)
row[1].metric("Lost amount", fmt.fmt_money(now.lost_amount, sym),
              fmt.money_delta(now.lost_amount, before.lost_amount, sym) if before else None,
              delta_color="inverse", delta_description=vs, border=True)
row[2].metric("Sales cycle (won)", fmt.fmt_days(now.cycle_won_median_days),
              fmt.days_delta(now.cycle_won_median_days, before.cycle_won_median_days) if before else None,
              delta_color="inverse", delta_description=vs, border=True,
              help="Median days from created to closed, over won deals with both dates.")
row[3].metric("Sales cycle (lost)", fmt.fmt_days(now.cycle_lost_median_days),
              fmt.days_delta(now.cycle_lost_median_days, before.cycle_lost_median_days) if before else None,
              delta_color="off", delta_description=vs, border=True,
              help="Median days from created to closed, over lost deals with both dates.")
note = session.currency_note()
if note:
    st.caption(f":material/currency_exchange: {note}")

left, right = st.columns([3, 2], gap="large")
with left:
    grain = st.segmented_control("Trend by", ["month", "quarter", "year"], default="quarter",
                                 format_func=str.capitalize, key="overview_grain") or "quarter"
    trend = session.load(winrates.by_period, ctx.filters, grain)
    widgets.chart(charts.winrate_trend_figure(trend, grain), key="overview_trend")
    st.caption(f"Shaded band: 95% Wilson interval. {charts.SMALL_SAMPLE_NOTE}")
with right:
    top = session.load(loss_reasons.pareto, ctx.filters, "count").head(5)
    if top.empty:
        st.info("No lost deals match the filters.")
    else:
        widgets.chart(charts.category_bars(top, "Top loss reasons", height=430), key="overview_reasons")
    shell.page_link("Loss reasons", ctx.filters, label="All loss reasons", icon=":material/arrow_forward:")

left, right = st.columns(2, gap="large")
with left:
    h2h = session.load(competitors.head_to_head, ctx.filters).head(6)
    if h2h.empty:
        st.info("No closed deal names a competitor.")
    else:
        widgets.chart(charts.rate_dots(h2h, "competitor", "Top competitors: our win rate head-to-head",
                                       reference=now.win_rate.value, reference_label="All deals"),
                      key="overview_competitors")
        st.caption("Bars: 95% interval. Dashed line: the win rate over all deals.")
    shell.page_link("Competitors", ctx.filters, label="All competitors", icon=":material/arrow_forward:")
with right:
    st.markdown("**Data loaded**")
    imports = session.active_imports()
    st.markdown(f"**{fmt.fmt_count(ctx.total_deals)} deals** from {len(imports)} "
                f"import{'s' if len(imports) != 1 else ''} · {tables.freshness(imports, session.now())}")
    first, last = session.load(deals.close_date_bounds)
    st.caption(f"Deals closed {fmt.fmt_date(first)} → {fmt.fmt_date(last)}.")
    st.dataframe(tables.history_frame(imports), hide_index=True, width="stretch",
                 column_order=["file_name", "dialect", "loaded", "imported_at"],
                 column_config={"file_name": "File", "dialect": "Source",
                                "loaded": widgets.count_column("Loaded"),
                                "updated": widgets.count_column("Updated"),
                                "rejected": widgets.count_column("Rejected"),
                                "imported_at": st.column_config.DatetimeColumn("Imported",
                                                                               format="YYYY-MM-DD HH:mm")})
    shell.page_link("Import", ctx.filters, label="Import or undo exports")
