"""Deals: every deal behind the numbers — search, sort, page through and download."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import deals
from analytics.present import downloads
from analytics.present import formatting as fmt
from analytics.ui import session, shell, widgets

ctx = shell.setup_page("Deals", intro="The deals matching the sidebar filters. The download has every "
                                      "matching deal, safe to open in a spreadsheet.")

SORTS = ("close_date", "amount", "account_name", "owner", "created_date", "cycle_days", "competitor")
c1, c2, c6, c3, c4, c5 = st.columns([2.6, 2.4, 1.8, 1.8, 1.2, 0.9], vertical_alignment="bottom")
search = c1.text_input("Search", key="deals_search", placeholder="Account, deal, owner, competitor, reason…",
                       icon=":material/search:")
outcome = c2.segmented_control("Outcome", ["won", "lost", "closed", "open"], key="deals_outcome",
                               format_func=fmt.OUTCOME_LABELS.get,
                               help="None selected: every outcome. Closed: won or lost.")
category = c6.selectbox("Loss reason", fmt.LOSS_CATEGORIES, index=None, key="deals_category",
                        format_func=fmt.category_label, placeholder="Any",
                        help="Lost deals whose reason falls in this category.")
order_by = c3.selectbox("Sort by", SORTS, format_func=fmt.field_label, key="deals_sort")
ARROWS = {"desc": ":material/arrow_downward:", "asc": ":material/arrow_upward:"}
order = c4.segmented_control("Order", ["desc", "asc"], default="desc", key="deals_order",
                             format_func=ARROWS.get, help="Descending or ascending.")
descending = order != "asc"
size = c5.selectbox("Rows", [25, 50, 100, 250], index=1, key="deals_size")

criteria = {"search": search or None, "outcome": outcome, "category": category}
total = session.load(deals.count_deals, ctx.filters, **criteria)
shell.stop_without("deals", total)

pages = fmt.page_count(total, size)
page, page_key = widgets.current_page(
    "deals_page", view=(ctx.filters, search, outcome, category, order_by, descending, size), pages=pages)
top_left, top_right = st.columns([3, 1], vertical_alignment="center")
rows = session.load(deals.list_deals, ctx.filters, **criteria, order_by=order_by, descending=descending,
                    limit=size, offset=fmt.page_offset(page, size))
top_left.markdown(f"**{fmt.counted(total, 'deal')}** · showing {fmt.page_span(page, size, total)}")
every = session.deferred(deals.list_deals, ctx.filters, **criteria, order_by=order_by, descending=descending,
                         limit=None, convert=downloads.deals_csv)  # built when pressed
top_right.download_button("Download CSV", every, file_name="debrief-deals.csv",
                          mime="text/csv", icon=":material/download:", key="deals_download", width="stretch")

widgets.deals_table(rows, columns=["account_name", "opportunity_name", "owner", "outcome", "stage", "amount",
                                   "close_date", "cycle_days", "competitor", "loss_reason", "loss_reason_raw",
                                   "segment", "region", "product", "fit_score", "opportunity_id"],
                    key="deals_table", max_height=720)
st.pagination(pages, key=page_key, max_visible_pages=9)
