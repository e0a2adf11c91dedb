"""The import history: list the imports, read their rejects, undo one."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from analytics.categories import recategorise
from analytics.errors import UndoError
from analytics.lake import write
from analytics.safecsv import formula_safe
from analytics.store import OPPORTUNITY_COLUMN_NAMES

_REJECTS_SQL = "SELECT line, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY line"


def list_imports(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every import, newest first, with its counts and whether it was undone."""
    return cur.execute(
        """SELECT import_id, file_name, dialect, imported_at, rows_read, loaded, updated,
                  unchanged, duplicates, rejected, undone_at, notes, mapping
           FROM imports ORDER BY import_id DESC""").df()


def rejected_rows(cur: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """The rejected rows of one import: line, reason, raw text."""
    return cur.execute(_REJECTS_SQL, [import_id]).df()


def rejected_csv(cur: duckdb.DuckDBPyConnection, import_id: int) -> str:
    """The rejected rows of one import as CSV text (``line,reason,raw``, one row each),
    safe to open in a spreadsheet: no cell is run as a formula."""
    rows = cur.execute(_REJECTS_SQL, [import_id]).fetchall()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "reason", "raw"])
    writer.writerows([formula_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


@dataclass(frozen=True)
class UndoResult:
    import_id: int
    removed: int
    restored: int


def undo(con: duckdb.DuckDBPyConnection, import_id: int, *, now: datetime) -> UndoResult:
    """Remove what an import wrote and restore the rows it replaced.

    An import whose rows were since replaced by a later import cannot be undone
    before that later one (undo them newest first).
    """
    def body(cur: duckdb.DuckDBPyConnection) -> UndoResult:
        _check_undoable(cur, import_id)
        return _undo_rows(cur, import_id, now)

    return write(con.cursor(), body)  # checks and changes in one transaction, re-run on conflict


def _check_undoable(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    found = cur.execute("SELECT undone_at FROM imports WHERE import_id = ?", [import_id]).fetchone()
    if found is None:
        raise UndoError(f"There is no import #{import_id}; list them with "
                        "`python -m analytics imports`.")
    if found[0] is not None:
        raise UndoError(f"Import #{import_id} was already undone on {found[0]:%Y-%m-%d %H:%M}.")
    later = cur.execute(
        """SELECT min(r.replaced_by) FROM replaced_rows r
           WHERE r.import_id = ? AND r.replaced_by > ?""", [import_id, import_id]).fetchone()[0]
    if later is not None:
        raise UndoError(f"Import #{import_id} was since updated by import #{later}; "
                        f"undo import #{later} first.")


def _undo_rows(cur: duckdb.DuckDBPyConnection, import_id: int, now: datetime) -> UndoResult:
    """Delete the import's rows and put back the versions it replaced (by import id, never by
    time travel: ``DELETE`` + ``INSERT ... AT (VERSION => n)`` in one DuckLake transaction
    leaves 0 rows)."""
    cols = ", ".join(OPPORTUNITY_COLUMN_NAMES)
    removed = cur.execute("SELECT count(*) FROM opportunities WHERE import_id = ?",
                          [import_id]).fetchone()[0]
    cur.execute("DELETE FROM opportunities WHERE import_id = ?", [import_id])
    restored = cur.execute("SELECT count(*) FROM replaced_rows WHERE replaced_by = ?",
                           [import_id]).fetchone()[0]
    cur.execute(f"INSERT INTO opportunities ({cols}) SELECT {cols} FROM replaced_rows "
                "WHERE replaced_by = ?", [import_id])
    # Overrides may have changed since these rows were replaced.
    recategorise(cur, "opportunity_id IN (SELECT opportunity_id FROM replaced_rows "
                      "WHERE replaced_by = ?)", [import_id])
    cur.execute("DELETE FROM replaced_rows WHERE replaced_by = ?", [import_id])
    cur.execute("UPDATE imports SET undone_at = ? WHERE import_id = ?", [now, import_id])
    return UndoResult(import_id, removed, restored)
