"""Price vs fit: when a deal was lost "on price", was it really the price?"""

from __future__ import annotations

import streamlit as st

from analytics.errors import DebriefError
from analytics.metrics import price_fit
from analytics.metrics.price_fit_view import price_fit_view
from analytics.present import charts, price_fit_text, text
from analytics.present import formatting as fmt
from analytics.ui import session, share, shell, widgets

ctx = shell.setup_page("Price vs fit", intro="Deals lost \"on price\", sorted by what the evidence says: "
                                             "the wrong customer, an easy excuse, or a real price gap.")
shell.require_closed(ctx)

with st.container(border=True):
    st.markdown("**Thresholds** — move them to see how the classes change")
    c1, c2, c3 = st.columns(3)
    fit_threshold = c1.slider("Fit threshold (0–100)", 0, 100, 50, step=5, key="pf_fit",
                              help="A fit score below this is not our customer.")
    tolerance = c2.slider("Price tolerance (%)", 0, 50, 10, step=1, key="pf_tolerance",
                          help="Within this much above the competitor's price (or budget), price "
                               "is unlikely to be the real reason.")
    bracket = c3.number_input("Budget bracket factor (×)", min_value=1.0, max_value=5.0, value=1.5,
                              step=0.1, format="%.1f", key="pf_bracket",
                              help="Asking more than this multiple of the customer's budget puts "
                                   "them outside our price bracket.")
try:
    settings = price_fit_text.settings_from_controls(fit_threshold, tolerance, bracket)
except DebriefError as err:
    st.error(text.md_escape(err))
    st.stop()
share.report_button(ctx.filters, price=settings)

# Every result below in one engine call: the price losses are classified once.
view = session.load(price_fit_view, ctx.filters, settings)
evidence = view.evidence
if evidence["price_losses"] == 0:
    st.info("No lost deal matching these filters is categorised as a price loss. "
            "Check the categories on the Loss reasons page, or widen the filters.")
else:
    warning = price_fit_text.evidence_warning(evidence)
    if warning:
        st.warning(warning, icon=":material/lock_open:")
    st.caption(price_fit_text.evidence_summary(evidence))

counts = view.counts
cols = st.columns(5)
for col, klass in zip(cols, price_fit.PRICE_CLASSES, strict=False):
    col.metric(fmt.PRICE_CLASS_LABELS[klass], fmt.fmt_count(counts[klass]), border=True)
cols[4].metric("Mismatch rate", fmt.fmt_pct(counts["mismatch_rate"]), border=True,
               help="Wrong customer + easy excuse, as a share of the price losses that could be classified.")

explain = price_fit_text.explain(fit_threshold, tolerance, bracket)
cols = st.columns(4)
for col, klass in zip(cols, price_fit.PRICE_CLASSES, strict=True):
    meaning, action = explain[klass]
    with col.container(border=True, height="stretch"):
        st.markdown(f"**:material/label: {fmt.PRICE_CLASS_LABELS[klass]}** · "
                    f"{fmt.fmt_count(counts[klass])} deals")
        st.write(meaning)
        st.caption(f"**What to do:** {action}")
        if klass == "easy_reason":
            shell.page_link("What buyers said", ctx.filters, label="What the loss notes say")

left, right = st.columns(2, gap="large")
with left:
    matrix = view.matrix
    figure = charts.price_fit_matrix(matrix, price_fit.fit_bands(settings), price_fit.gap_bands(settings))
    widgets.chart(figure, key="pf_matrix")
    st.caption("Every closed deal (won or lost, any reason). Colour: win rate; n<10 marks a small sample.")
with right:
    losses = view.losses
    plotted = charts.plottable(losses)
    if plotted.empty:
        st.info("No price loss has both a fit score and a price gap to plot.")
    else:
        widgets.chart(charts.price_scatter(plotted, fit_threshold, settings.tolerance), key="pf_scatter")
    st.caption(f"{len(plotted):,} of {len(losses):,} price losses have both a fit score and a price gap. "
               "Dashed lines: the fit threshold and the price tolerance. A deal above the budget bracket "
               "is the wrong customer wherever it sits.")

st.subheader("The deals in each class", anchor=False)
tabs = st.tabs([f"{fmt.PRICE_CLASS_LABELS[k]} ({counts[k]:,})" for k in price_fit.PRICE_CLASSES])
for tab, klass in zip(tabs, price_fit.PRICE_CLASSES, strict=True):
    with tab:
        rows = view.by_class[klass]
        if rows.empty:
            st.caption("No deal in this class.")
        else:
            # The evidence that decides the class first, and why a blank is blank.
            widgets.deals_table(price_fit_text.with_missing_evidence(rows),
                                columns=price_fit_text.CLASS_TABLE_COLUMNS, max_height=400)
