"""The built-in sample exports, and loading them into an empty store.

``make run`` builds the sample database with the CLI; a hosted deployment whose
disk starts empty (Streamlit Community Cloud) calls :func:`load_if_empty` at
start-up instead, so the dashboard always opens on data.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from analytics.ingest.history import UndoResult, undo
from analytics.ingest.importer import ImportResult, import_files

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_FILES: tuple[str, ...] = (
    "salesforce_opportunities.csv",
    "hubspot_deals.csv",
    "pipedrive_deals.csv",
)


def sample_paths() -> list[Path]:
    return [SAMPLE_DIR / name for name in SAMPLE_FILES]


def load_if_empty(con: duckdb.DuckDBPyConnection, *, now: datetime) -> list[ImportResult]:
    """Import the sample exports when the store has never had an import."""
    count = con.cursor().execute("SELECT count(*) FROM imports").fetchone()[0]
    if count:
        return []
    return import_files(con, sample_paths(), now=now)


def showing_sample_only(cur: duckdb.DuckDBPyConnection) -> bool:
    """True while every live import is one of the sample files (the banner rule)."""
    names = [r[0] for r in cur.execute(
        "SELECT file_name FROM imports WHERE undone_at IS NULL").fetchall()]
    return bool(names) and all(name in SAMPLE_FILES for name in names)


def sample_import_ids(cur: duckdb.DuckDBPyConnection) -> list[int]:
    """The live imports of the sample files, newest first (the order they can be undone in)."""
    marks = ", ".join("?" for _ in SAMPLE_FILES)
    rows = cur.execute(
        f"SELECT import_id FROM imports WHERE undone_at IS NULL AND file_name IN ({marks}) "
        "ORDER BY import_id DESC", list(SAMPLE_FILES)).fetchall()
    return [int(import_id) for (import_id,) in rows]


def sample_beside_own(cur: duckdb.DuckDBPyConnection) -> bool:
    """True while sample imports are live beside at least one import of the user's own files."""
    names = [r[0] for r in cur.execute(
        "SELECT file_name FROM imports WHERE undone_at IS NULL").fetchall()]
    return any(name in SAMPLE_FILES for name in names) and any(
        name not in SAMPLE_FILES for name in names)


def remove_sample(con: duckdb.DuckDBPyConnection, *, now: datetime) -> list[UndoResult]:
    """Undo every live sample import, newest first (each one transaction, as ``history.undo``).

    Reversible: :func:`restore_sample` imports the sample files again. Stops with the
    :class:`~analytics.errors.UndoError` of ``history.undo`` if a later import of the user's
    updated sample rows (the same deal IDs) — that import has to be undone first.
    """
    return [undo(con, import_id, now=now) for import_id in sample_import_ids(con.cursor())]


def restore_sample(con: duckdb.DuckDBPyConnection, *, now: datetime) -> list[ImportResult]:
    """Import the sample files again (the way back from :func:`remove_sample`)."""
    return import_files(con, sample_paths(), now=now)
