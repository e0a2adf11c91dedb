"""The writes a page asks for: the import wizard (read, commit, undo) and the category editor.

Each write first checks the session's role on the server (:func:`analytics.ui.auth.require_admin`:
a viewer gets :class:`~analytics.present.access.NotAllowedError` and nothing is written), and
clears the caches after it, so every page shows the numbers after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import duckdb
import streamlit as st

from analytics import categories
from analytics.errors import DebriefError
from analytics.ingest import history, importer, normalise
from analytics.present.tables import category_changes, safe_csv
from analytics.present.text import md_escape
from analytics.ui.auth import require_admin
from analytics.ui.session import clear_caches, now, reading, writing


def uploader_key() -> str:
    """The key of the file uploader: a new one after an import empties the uploader."""
    return f"uploader_{st.session_state.get('uploader_round', 0)}"


def clear_uploads() -> None:
    """Empty the file uploader at the next run (its key changes)."""
    st.session_state["uploader_round"] = st.session_state.get("uploader_round", 0) + 1


def prepare_upload(upload: Any, options: normalise.ImportOptions,
                   progress: normalise.Progress | None = None) -> normalise.Prepared:
    """Dry-run one uploaded file (held in memory) with :func:`normalise.prepare_bytes`;
    ``progress`` is told each stage (read, parse) as it starts.

    Raises :class:`DebriefError` subclasses for an unusable file or mapping.
    """
    return normalise.prepare_bytes(upload.getvalue(), upload.name, options, progress)


#: The label of the status box while an upload is in each stage.
STAGE_LABELS = {"read": "Reading {name}…", "parse": "Parsing {name}…", "write": "Writing {name}…"}


@st.cache_data(show_spinner=False, max_entries=32)
def _prepare_cached(file_id: str, name: str, size: int, source: str,
                    mapping: tuple[tuple[str, str], ...], day_first: bool,
                    _upload: Any, _progress: normalise.Progress | None = None) -> normalise.Prepared:
    return prepare_upload(_upload, normalise.ImportOptions(source=source, mapping=dict(mapping),
                                                          day_first=day_first), _progress)


def prepare_cached(upload: Any, source: str = "auto", mapping: Mapping[str, str] | None = None,
                   day_first: bool = False) -> normalise.Prepared:
    """:func:`prepare_upload`, remembered per uploaded file and options (re-reading on every
    rerun would be slow for a large export)."""
    box = st.empty()  # a status box showing the stage (read, parse) while the file is read
    with box.status(STAGE_LABELS["read"].format(name=upload.name)) as status:
        def stage(name: str) -> None:
            status.update(label=STAGE_LABELS[name].format(name=upload.name))

        prepared = _prepare_cached(upload.file_id, upload.name, upload.size, source,
                                   tuple(sorted((mapping or {}).items())), day_first, upload, stage)
    box.empty()
    return prepared


T = TypeVar("T")


def _admin_write(action: str, write: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """``write(con)`` for an admin (``action`` names it in the refusal), with the store open for
    writing; the caches are cleared afterwards, whatever happened."""
    require_admin(action)
    try:
        with writing() as con:
            return write(con)
    finally:
        clear_caches()


def commit_prepared(prepared: normalise.Prepared) -> importer.ImportResult:
    """Write a prepared file (one transaction) and clear the caches (admins only)."""
    return _admin_write("import files", lambda con: importer.commit(con, prepared, now=now()))


def run_imports(ready: Sequence[normalise.Prepared]) -> list[importer.ImportResult]:
    """Commit prepared files one by one inside an ``st.status`` with a progress bar.

    A file that fails is reported and skipped (its transaction rolled back); returns the
    results of the others.
    """
    results: list[importer.ImportResult] = []
    with st.status("Importing…", expanded=True) as status:
        bar = st.progress(0.0)
        for done, prepared in enumerate(ready, start=1):
            st.write(f"Writing {md_escape(prepared.file_name)} ({len(prepared.rows):,} rows)…")
            try:
                results.append(commit_prepared(prepared))
            except DebriefError as err:
                st.error(md_escape(err))
            bar.progress(done / len(ready))
        status.update(label="Import finished", state="complete")
    return results


def undo_import(import_id: int) -> history.UndoResult:
    """Undo an import (raises :class:`UndoError` with the reason) and clear the caches (admins only)."""
    return _admin_write("undo an import", lambda con: history.undo(con, import_id, now=now()))


def rejected_csv(import_id: int) -> bytes:
    """The rejected rows of an import as a formula-safe CSV."""
    with reading() as cur:
        rows = history.rejected_rows(cur, import_id)
    return safe_csv(rows)


def save_category_edits(raws: Sequence[str], before: Sequence[str], after: Sequence[str]) -> tuple[int, int]:
    """Save, in one transaction, the categories a user changed in the raw-reason editor (labels,
    or :data:`~analytics.present.tables.RULES_LABEL` to drop an override).

    Returns (reasons changed, lost deals whose category changed).
    """
    require_admin("change a reason's category")
    changes = category_changes(raws, before, after)
    if not changes:
        return 0, 0
    changed = _admin_write("change a reason's category",
                           lambda con: categories.set_overrides(con.cursor(), changes, now=now()))
    return len(changes), changed
