"""Import: load CRM exports (CSV / XLSX), check them before they land, and undo an import."""

from __future__ import annotations

import streamlit as st

from analytics.errors import DebriefError
from analytics.present import formatting as fmt
from analytics.present import import_tables, tables, text
from analytics.ui import importing, session, shell, widgets

ctx = shell.setup_page("Import", needs_deals=False, admin_only="import or undo exports",
                       intro="Upload Salesforce, HubSpot or Pipedrive exports. Nothing is written until "
                             "you press Import, and every import can be undone.")

# ------------------------------------------------------------------ the last import's result
for result in st.session_state.get("import_results", []):
    with st.container(border=True):
        st.markdown(f":material/check_circle: **{text.md_escape(result.file_name)}** — "
                    f"{import_tables.result_title(result)} "
                    f"({fmt.DIALECT_LABELS.get(result.dialect, result.dialect)})")
        for col, (label, count) in zip(st.columns(6), import_tables.result_counts(result), strict=True):
            col.metric(label, fmt.fmt_count(count))
        for note in result.notes:
            st.caption(f":material/info: {text.md_escape(import_tables.readable_note(note))}")
        if result.rejected:
            st.download_button(f"Download the {result.rejected:,} rejected rows (CSV)",
                               importing.rejected_csv(result.import_id),
                               file_name=f"debrief-rejects-{result.import_id}.csv", mime="text/csv",
                               key=f"rejects_{result.import_id}", icon=":material/download:")
if st.session_state.get("import_results"):
    shell.page_link("Overview", ctx.filters, label="See the updated numbers", icon=":material/arrow_forward:")
    st.button("Dismiss", key="dismiss_results", on_click=st.session_state.pop, args=("import_results", None))

# ------------------------------------------------------------------ upload and check
st.subheader("1 · Upload exports", anchor=False)
uploads = st.file_uploader(
    "CSV or XLSX exports of opportunities / deals", type=["csv", "xlsx", "txt", "tsv"],
    accept_multiple_files=True, key=importing.uploader_key(),
    help="Export a report of closed and open opportunities with their stage, amount, close date, "
         "loss reason and competitor. Several files at once are fine.")

ready = []
for upload in uploads or []:
    title = f":material/description: {text.md_escape(upload.name)} · {fmt.fmt_size(upload.size)}"
    with st.expander(title, expanded=True):
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        source = c1.selectbox("Exported from", import_tables.SOURCE_CHOICES, key=f"source_{upload.file_id}",
                              format_func=fmt.DIALECT_LABELS.get,
                              help="Detected from the column names; force it if the guess is wrong.")
        day_first = c2.checkbox("Dates are day/month/year", key=f"dayfirst_{upload.file_id}",
                                help="Only used for a date column whose values could be read either way.")
        try:
            auto = importing.prepare_cached(upload, source, None, day_first)
        except DebriefError as err:
            st.error(text.md_escape(err), icon=":material/block:")
            continue
        if source == "auto":
            st.caption(f"Detected: **{fmt.DIALECT_LABELS.get(auto.dialect, auto.dialect)}** export · "
                       f"{import_tables.encoding_label(auto.table.encoding)} · "
                       f"{fmt.counted(auto.rows_read, 'row')}")

        st.markdown("**Preview** (first rows, as read)")
        st.dataframe(import_tables.preview_frame(auto), hide_index=True, width="stretch", height=250)

        st.markdown("**Columns** — check what each column feeds; change any that is wrong")
        mapping_table = import_tables.mapping_frame(auto)
        edited = st.data_editor(
            mapping_table, key=f"mapping_{upload.file_id}", hide_index=True, width="stretch",
            height=tables.table_height(len(mapping_table), 740),
            disabled=["column", "examples"], num_rows="fixed",
            column_config={
                "column": st.column_config.TextColumn("Column in the file", width="medium"),
                "examples": st.column_config.TextColumn("Examples", width="large"),
                "maps_to": st.column_config.SelectboxColumn("Feeds", options=import_tables.MAPPING_OPTIONS,
                                                            required=True, width="medium"),
            })
        mapping = import_tables.mapping_changes(mapping_table, edited)
        try:
            prepared = importing.prepare_cached(upload, source, mapping, day_first) if mapping else auto
        except DebriefError as err:
            st.error(text.md_escape(err), icon=":material/block:")
            continue

        st.markdown("**Check before importing**")
        cols = st.columns(4)
        cols[0].metric("Rows read", fmt.fmt_count(prepared.rows_read))
        cols[1].metric("Will load", fmt.fmt_count(len(prepared.rows)))
        cols[2].metric("Will be rejected", fmt.fmt_count(len(prepared.rejects)))
        cols[3].metric("Exact duplicates", fmt.fmt_count(prepared.duplicates))
        for note in prepared.notes:
            st.caption(f":material/info: {text.md_escape(import_tables.readable_note(note))}")
        if prepared.rejects:
            rejects = import_tables.rejects_frame(prepared)
            st.dataframe(rejects, hide_index=True, width="stretch",
                         height=tables.table_height(len(rejects), 250),
                         column_config={
                             "line": widgets.count_column("Line"),
                             "reason": st.column_config.TextColumn("Why", width="large"),
                             "raw": st.column_config.TextColumn("Row as in the file", width="large")})
        if prepared.rows:
            ready.append(prepared)
        else:
            st.warning("No row of this file can be loaded; fix the column mapping above.")

if uploads and not ready:
    st.info("Nothing to import yet: no file above has a row that can be loaded.", icon=":material/info:")
elif uploads:
    label = f"Import {fmt.counted(len(ready), 'file')}"
    if st.button(label, type="primary", key="import_button", icon=":material/upload:"):
        results = importing.run_imports(ready)
        st.session_state["import_results"] = results
        importing.clear_uploads()
        st.rerun()

# ------------------------------------------------------------------ history and undo
st.subheader("2 · Import history", anchor=False)
history = tables.history_frame(session.all_imports())
if history.empty:
    st.caption("No import yet.")
else:
    st.caption("Undo removes what an import wrote and puts back the rows it replaced. Undo the newest "
               "imports first.")
    for row in history.itertuples(index=False):
        with st.container(border=True):
            c1, c2, c3 = st.columns([4, 5, 1], vertical_alignment="center")
            c1.markdown(f"**#{row.import_id} · {text.md_escape(row.file_name)}**  \n{row.dialect} · "
                        f"{fmt.fmt_date(row.imported_at)}")
            c2.markdown(f"{row.loaded:,} loaded · {row.updated:,} updated · {row.unchanged:,} unchanged · "
                        f"{fmt.counted(row.duplicates, 'duplicate')} · {row.rejected:,} rejected")
            if row.status == "Undone":
                c3.markdown(f":gray[Undone {fmt.fmt_date(row.undone_at)}]")
            elif c3.button("Undo", key=f"undo_{row.import_id}", icon=":material/undo:", width="stretch"):
                try:
                    done = importing.undo_import(int(row.import_id))
                except DebriefError as err:
                    st.error(text.md_escape(err))
                else:
                    st.session_state.pop("import_results", None)
                    session.flash("success", f"Import #{done.import_id} undone: {done.removed:,} rows "
                                             f"removed, {done.restored:,} earlier versions restored.")
                    st.rerun()
