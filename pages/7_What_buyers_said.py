"""What buyers said: the loss notes read against the reason the seller picked (METRICS.md §10)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analytics.metrics import deals, notes, phrases
from analytics.present import formatting as fmt
from analytics.present import notes_charts as nc
from analytics.present import text
from analytics.ui import session, shell, widgets

ctx = shell.setup_page("What buyers said", intro="The reason a seller picks is not always what the buyer "
                                                 "said. The loss notes, read against the stated reason.")
shell.stop_without("lost deals", ctx.matching.lost)

NOTES_COLUMNS = ["account_name", "loss_reason", "loss_reason_raw", "loss_notes", "owner", "close_date",
                 "amount", "opportunity_name"]


def listed(title: str, **criteria: Any) -> None:
    """The deals behind a tile or a phrase, with their notes (shown as text, never as markup)."""
    found = session.load(deals.count_deals, ctx.filters, **criteria)
    st.markdown(f"**{title}** — {fmt.fmt_count(found)} deal{'s' if found != 1 else ''}")
    rows = session.load(deals.list_deals, ctx.filters, limit=200, **criteria)
    widgets.deals_table(rows, columns=NOTES_COLUMNS, max_height=420)
    if found > len(rows):
        st.caption(f"The latest {len(rows)} are shown; the download below has them all.")
    st.download_button("Download these deals (CSV)", session.deferred(deals.export_csv_bytes, ctx.filters,
                                                                      **criteria),
                       file_name="debrief-notes-deals.csv", mime="text/csv", icon=":material/download:",
                       key=f"dl_{title}")


head = session.load(notes.headline, ctx.filters)
if head.with_notes == 0:
    with st.container(border=True):
        st.subheader("No loss notes to read", anchor=False)
        st.write(f"None of the {fmt.fmt_count(head.lost)} lost deals matching these filters has notes. "
                 "Debrief reads the free-text notes a rep writes when a deal is lost. Export that field "
                 "with your deals, then import the file again (deals already imported are updated, "
                 "never duplicated):")
        st.markdown("\n".join(f"- **{crm}**: {where}" for crm, where in nc.NOTES_FIELDS))
        shell.page_link("Import", ctx.filters, label="Import an export with notes")
    st.stop()

cols = st.columns(4)
cols[0].metric("Agreement rate", fmt.fmt_pct(head.agreement.value), border=True,
               help="Lost deals whose notes name the reason the seller picked, of the lost deals with notes.")
cols[1].metric("Lost deals with notes", fmt.fmt_count(head.with_notes), border=True)
cols[2].metric("Easy-price losses", fmt.fmt_count(head.easy_price), border=True,
               help="The seller picked price; the notes name another reason, and not price.")
cols[3].metric("Notes that name no reason", fmt.fmt_count(head.unclear), border=True)
st.caption(nc.agreement_caption(head))

matrix = session.load(notes.matrix, ctx.filters)
drill = widgets.DrillSelect(chart_key="notes_matrix", select_key="notes_cell")
drill.chart(nc.matrix_figure(matrix))
st.caption("Read across a row: the reasons the notes of those losses name. A note can name several, so a "
           "row can add up to more than 100%. The diagonal is where the seller and the notes agree.")
cell = drill.select("Deals of a tile", nc.cell_options(matrix), format_func=nc.cell_title,
                    placeholder="Click a tile above, or pick one")
if cell:
    stated, said = nc.split_cell_key(cell)
    listed(nc.cell_title(cell), category=stated, notes_say=said)

st.divider()
st.subheader("Easy-price losses: price was picked, the notes say otherwise", anchor=False)
st.caption("Price is the easy reason to give. In these deals the notes name another cause and never price: "
           "read them before cutting prices.")
if head.easy_price == 0:
    st.caption("No easy-price loss matches these filters.")
else:
    listed("Easy-price losses", easy_price=True)

st.divider()
st.subheader("In the buyers' words", anchor=False)
min_deals = st.number_input("Used by at least this many deals", min_value=1, max_value=50, value=3, step=1,
                            key="notes_min_deals", help="A word or pair of words is listed for a reason "
                                                        "only when that many of its notes use it.")
terms = session.load(phrases.distinctive, ctx.filters, min_deals=int(min_deals))
reasons = nc.phrase_reasons(terms)
if not reasons:
    st.info("No word is used often enough to set one reason's notes apart. Lower the minimum above, or "
            "widen the filters.")
    st.stop()
if st.session_state.get("notes_reason") not in reasons:
    st.session_state.pop("notes_reason", None)
stated = st.segmented_control("Stated reason", reasons, default=reasons[0], key="notes_reason",
                              format_func=fmt.category_label) or reasons[0]
part = nc.phrases_of(terms, stated)
pick = widgets.DrillSelect(chart_key="notes_phrases", select_key="notes_phrase")
pick.chart(nc.phrases_figure(part, stated))
st.caption("The words and pairs of words most typical of this reason's notes compared with the others' "
           "(common words left out). Click one to read the notes that use it.")
phrase = pick.select("Deals whose notes use", part["phrase"], placeholder="Click a phrase above, or pick one")
if phrase:
    listed(f"{fmt.category_label(stated)} losses whose notes say “{text.md_escape(phrase)}”",
           category=stated, notes_phrase=phrase)
