"""Loss reasons: why deals are lost, where, how it changes, and the raw reasons behind the categories."""

from __future__ import annotations

import streamlit as st

from analytics.errors import DebriefError
from analytics.metrics import deals, loss_reasons
from analytics.present import charts, tables, text
from analytics.present import formatting as fmt
from analytics.ui import importing, session, shell, widgets

ctx = shell.setup_page("Loss reasons", intro="Why we lose — ranked, broken down and followed over time. "
                                             "Click a bar to list its deals.")
shell.stop_without("lost deals", ctx.matching.lost)

sym = ctx.symbol
measure = st.segmented_control("Rank by", ["count", "amount"], default="count", key="reasons_measure",
                               format_func={"count": "Deal count", "amount": "Lost amount"}.get) or "count"
pareto = session.load(loss_reasons.pareto, ctx.filters, measure)
drill = widgets.DrillSelect(chart_key="reasons_pareto", select_key="reasons_drill")
drill.chart(charts.pareto_figure(pareto, measure, sym))
if measure == "amount" and session.currency_note():
    st.caption(session.currency_note())

category = drill.select("Deals lost to", pareto["category"], format_func=fmt.category_label,
                        placeholder="Click a bar above, or pick a category")
if category:
    widgets.drill_down(f"Lost to {fmt.category_label(category)}", ctx.filters, category=category)
shell.page_link("What buyers said", ctx.filters, label="What did the buyers say? Read the loss notes against "
                                                     "these reasons")

st.divider()
by = st.segmented_control("Break down by", ["competitor", "segment", "owner", "region", "product"],
                          default="competitor", key="reasons_by",
                          format_func=lambda d: fmt.DIMENSION_LABELS[d]) or "competitor"
breakdown = session.load(loss_reasons.by_dimension, ctx.filters, by)
widgets.chart(charts.reasons_heatmap(breakdown, fmt.DIMENSION_LABELS[by]), key="reasons_heatmap")
st.caption("Darker: a bigger share of that row's lost deals; the number is the lost deals. "
           "Up to 12 rows, most losses first.")

grain = st.segmented_control("Period", ["month", "quarter", "year"], default="quarter",
                             format_func=str.capitalize, key="reasons_grain") or "quarter"
over_time = session.load(loss_reasons.over_time, ctx.filters, grain)
widgets.chart(charts.share_over_time(over_time, grain), key="reasons_over_time")
st.caption(charts.SHARE_SMALL_NOTE)

st.divider()
st.subheader("The reasons as your reps wrote them", anchor=False)
st.caption("Each raw reason is put in a category by keyword rules. If a rule got one wrong, change its "
           "category here: the change applies to every deal with that reason, in every view.")
raw = session.load(loss_reasons.raw_reasons, ctx.filters)
table = tables.reasons_editor_frame(raw)
with st.form("reasons_form", border=False):
    edited = st.data_editor(
        table, key="reasons_editor", hide_index=True, width="stretch", height=420,
        disabled=["raw", "deals", "amount", "overridden"] if ctx.access.can_write else True, num_rows="fixed",
        column_order=["raw", "category", "deals", "amount", "overridden"],
        column_config={
            "raw": st.column_config.TextColumn("Reason (as written)", width="large"),
            "category": st.column_config.SelectboxColumn("Category", options=tables.CATEGORY_CHOICES,
                                                         required=True, width="medium"),
            "deals": widgets.count_column("Lost deals"),
            "amount": widgets.money_column("Lost amount"),
            "overridden": st.column_config.CheckboxColumn("Changed by you"),
        },
    )
    saved = st.form_submit_button("Save categories", type="primary", icon=":material/save:",
                                  disabled=not ctx.access.can_write,
                                  help=None if ctx.access.can_write else "Only an admin can change them.")
if saved:
    try:
        reasons, moved = importing.save_category_edits(raw["raw"], table["category"], edited["category"])
    except DebriefError as err:
        st.error(text.md_escape(err))
    else:
        if reasons:
            session.flash("success", f"Saved {reasons} reason{'s' if reasons != 1 else ''}: "
                                     f"{moved} lost deal{'s' if moved != 1 else ''} changed category.")
        else:
            session.flash("info", "Nothing to save: no category was changed.")
        st.session_state.pop("reasons_editor", None)
        st.rerun()

csv = session.deferred(deals.export_csv_bytes, ctx.filters, outcome="lost")  # built when pressed
st.download_button("Download the lost deals (CSV)", csv, file_name="debrief-lost-deals.csv",
                   mime="text/csv", icon=":material/download:")
