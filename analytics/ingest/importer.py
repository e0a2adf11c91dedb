"""Writing prepared exports into the store, one transaction per file.

An import is two steps. :func:`prepare` reads and parses a file entirely in
memory and raises :class:`UnusableFileError` for a file that cannot be used;
nothing is written. :func:`commit` then writes the prepared rows in ONE
transaction: new rows are inserted, rows whose ``opportunity_id`` already
exists are replaced (the old version is kept in ``replaced_rows`` so
:func:`undo` can restore it), identical rows are left alone, and rows that
break the reject rules of METRICS.md §1 are stored in ``rejected_rows`` with
their line, raw text and reason. Any error rolls the whole import back.

Re-importing a file identical to an import still in effect (same bytes, nothing that
would be loaded or updated, the same rejects) records nothing: the result says so
(``recorded`` is false, ``import_id`` names the earlier import) and the history gains
no entry that did nothing.

Every record of the file is accounted for::

    rows_read = loaded + updated + unchanged + duplicates + rejected

where ``duplicates`` are exact repeats of an earlier line of the same file.
Blank lines and report footers are not records.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics.categories import reason_category_sql
from analytics.ingest.normalise import ImportOptions, Prepared, Progress, prepare, prepare_bytes
from analytics.ingest.rows import Reject
from analytics.lake import write
from analytics.store import OPPORTUNITY_COLUMN_NAMES

#: Columns compared to decide whether a re-imported row changed.
COMPARED = tuple(c for c in OPPORTUNITY_COLUMN_NAMES
                 if c not in ("import_id", "source_line", "loss_reason"))


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    file_name: str
    dialect: str
    rows_read: int
    loaded: int
    updated: int
    unchanged: int
    duplicates: int
    rejected: int
    notes: tuple[str, ...]
    #: False when nothing changed because the same file is already import ``import_id``.
    recorded: bool = True


class _NothingChanged(Exception):
    """Raised inside the write to roll it back: the file is identical to a live import."""

    def __init__(self, twin: int, unchanged: int) -> None:
        super().__init__(twin)
        self.twin, self.unchanged = twin, unchanged


# --------------------------------------------------------------------------- writing
#
# Every step is one set-based statement over the prepared Arrow table, registered on the
# write's cursor as ``incoming`` (no copy): which stored rows it matches, the old versions
# of the changed ones, and one INSERT of the new and changed rows that also gives each its
# import id and its loss-reason category (overrides first, as ``recategorise`` gives).

#: An incoming row ``i`` is the same as the stored row ``o`` of its id when every compared
#: column is (NULL equals NULL). JSON compares as its text, so ``extras`` is compared as
#: text: the incoming text is not parsed as JSON a million times over.
_SAME = " AND ".join(
    f"CAST(o.{c} AS VARCHAR) IS NOT DISTINCT FROM i.{c}" if c == "extras"
    else f"o.{c} IS NOT DISTINCT FROM i.{c}" for c in COMPARED if c != "opportunity_id")


def _matches(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(changed, unchanged): how many incoming rows have a stored id, split by whether they
    differ from the stored row (ids are unique on both sides: a file's reused id is a
    reject). The changed ids are kept in the temp table ``changed``."""
    stored = cur.execute("SELECT count(*) FROM incoming WHERE opportunity_id IN "
                         "(SELECT opportunity_id FROM opportunities)").fetchone()[0]
    if not stored:  # a first import: nothing to compare
        return 0, 0
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE changed AS
                    SELECT i.opportunity_id FROM incoming i JOIN opportunities o USING (opportunity_id)
                    WHERE NOT ({_SAME})""")
    changed = cur.execute("SELECT count(*) FROM changed").fetchone()[0]
    return changed, stored - changed


def _replace_changed(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Keep the stored version of every changed row in ``replaced_rows``, then remove it."""
    cols = ", ".join(OPPORTUNITY_COLUMN_NAMES)
    changed = "opportunity_id IN (SELECT opportunity_id FROM changed)"
    cur.execute(f"INSERT INTO replaced_rows ({cols}, replaced_by) "
                f"SELECT {cols}, ? FROM opportunities WHERE {changed}", [import_id])
    cur.execute(f"DELETE FROM opportunities WHERE {changed}")


def _insert_rows(cur: duckdb.DuckDBPyConnection, import_id: int, unchanged: int) -> None:
    """Store every incoming row but the unchanged ones, with its import id and category.

    Run after :func:`_replace_changed`, so the only incoming ids still stored are those of
    the unchanged rows. The category is worked out once per distinct raw reason
    (:func:`reason_category_sql`, as :func:`analytics.categories.recategorise` would) and
    joined on: the big side streams into the table, nothing holds it all."""
    reason_sql, params = reason_category_sql("d.raw")
    select = ", ".join({"loss_reason": "CASE WHEN i.outcome <> 'lost' THEN NULL ELSE c.category END",
                        "import_id": "CAST(? AS INTEGER)"}.get(c, f"i.{c}")
                       for c in OPPORTUNITY_COLUMN_NAMES)
    keep = ("WHERE i.opportunity_id NOT IN (SELECT opportunity_id FROM opportunities)"
            if unchanged else "")
    cur.execute(
        f"""INSERT INTO opportunities ({', '.join(OPPORTUNITY_COLUMN_NAMES)})
            SELECT {select} FROM incoming i
            LEFT JOIN (SELECT d.raw, {reason_sql} AS category
                       FROM (SELECT DISTINCT loss_reason_raw AS raw FROM incoming) d) c
              ON c.raw IS NOT DISTINCT FROM i.loss_reason_raw
            {keep}""", [import_id, *params])  # in the order of the ?s


def _twin(cur: duckdb.DuckDBPyConnection, content_hash: str) -> tuple[int, int] | None:
    """(import id, rejected rows) of the earliest live import of the very same bytes, if any."""
    return cur.execute(
        """SELECT import_id, rejected FROM imports
           WHERE content_hash = ? AND undone_at IS NULL ORDER BY import_id LIMIT 1""",
        [content_hash]).fetchone()


def _unchanged_result(prepared: Prepared, twin: int, unchanged: int) -> ImportResult:
    """The result of a re-import that changed nothing (and was not recorded)."""
    note = (f"Nothing changed: this file is identical to import #{twin}, "
            "so no new import was recorded.")
    return ImportResult(twin, prepared.file_name, prepared.dialect, prepared.rows_read, loaded=0,
                        updated=0, unchanged=unchanged, duplicates=prepared.duplicates,
                        rejected=len(prepared.rejects), notes=(*prepared.notes, note), recorded=False)


def _insert_rejects(cur: duckdb.DuckDBPyConnection, import_id: int, rejects: Sequence[Reject]) -> None:
    """The file's rejects in ``rejected_rows``: one INSERT from an Arrow table."""
    table = pa.table({"line": pa.array([r.line for r in rejects], pa.int32()),
                      "raw": pa.array([r.raw for r in rejects], pa.string()),
                      "reason": pa.array([r.reason for r in rejects], pa.string())})
    cur.register("incoming_rejects", table)
    try:
        cur.execute("INSERT INTO rejected_rows SELECT CAST(? AS INTEGER), line, raw, reason "
                    "FROM incoming_rejects", [import_id])
    finally:
        cur.unregister("incoming_rejects")


def _record_import(cur: duckdb.DuckDBPyConnection, prepared: Prepared, result: ImportResult,
                   now: datetime) -> None:
    """The import's row in ``imports`` and its rejects in ``rejected_rows``."""
    if prepared.rejects:
        _insert_rejects(cur, result.import_id, prepared.rejects)
    options = {"source": prepared.options.source, "day_first": prepared.options.day_first,
               "user_mapping": dict(prepared.options.mapping),
               "encoding": prepared.table.encoding, "delimiter": prepared.table.delimiter,
               "kind": prepared.table.kind}
    cur.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [result.import_id, prepared.file_name, prepared.content_hash, prepared.dialect,
         json.dumps(prepared.column_map.describe()), json.dumps(options), json.dumps(list(result.notes)),
         result.rows_read, result.loaded, result.updated, result.unchanged, result.duplicates,
         result.rejected, now])


def _test_pause(stage: str) -> None:
    """For the crash tests only (tests/hardening/test_crash.py): with ``DEBRIEF_TEST_PAUSE`` set to
    ``stage`` — ``written`` (every row written, the transaction not yet committed) or ``committed``
    (committed, the file not yet closed) — say so on stderr and sleep, for the test to kill the
    process right there. Unset (always, outside that test): nothing."""
    if os.environ.get("DEBRIEF_TEST_PAUSE") == stage:
        print(f"DEBRIEF_TEST_PAUSE: {stage}", file=sys.stderr, flush=True)
        time.sleep(120)


def _write_file(cur: duckdb.DuckDBPyConnection, prepared: Prepared, import_id: int,
                now: datetime) -> ImportResult:
    """The body of :func:`commit`, with the rows registered as ``incoming``."""
    updated, unchanged = _matches(cur)
    loaded = len(prepared.rows) - updated - unchanged
    twin = _twin(cur, prepared.content_hash)
    if twin is not None and loaded == updated == 0 and twin[1] == len(prepared.rejects):
        raise _NothingChanged(twin[0], unchanged)  # rolls the write back
    if updated:
        _replace_changed(cur, import_id)
    if loaded or updated:
        _insert_rows(cur, import_id, unchanged)
    cur.execute("DROP TABLE IF EXISTS temp.changed")
    twin_note = [] if twin is None else [f"The same file was already imported as import #{twin[0]}."]
    result = ImportResult(
        import_id, prepared.file_name, prepared.dialect, prepared.rows_read,
        loaded=loaded, updated=updated, unchanged=unchanged,
        duplicates=prepared.duplicates, rejected=len(prepared.rejects),
        notes=(*prepared.notes, *twin_note))
    _record_import(cur, prepared, result, now)
    _test_pause("written")
    return result


def commit(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, now: datetime,
           progress: Progress | None = None) -> ImportResult:
    """Write a prepared file in one transaction and return its counts; ``progress`` (if
    given) is told ``"write"`` first.

    ``prepared`` is only read: the import id is given to the stored rows, not to its rows.
    """
    if progress is not None:
        progress("write")

    def body(cur: duckdb.DuckDBPyConnection) -> ImportResult:
        import_id = cur.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0]
        cur.register("incoming", prepared.rows.table)
        try:
            return _write_file(cur, prepared, import_id, now)
        finally:
            cur.unregister("incoming")

    cur = con.cursor()  # this write's own: its settings, views and temp tables end with it
    # The rows' order in a table does not matter (every reader sorts, ties by id), and
    # without keeping it DuckDB writes a big insert in parallel and need not rewrite it later.
    cur.execute("SET SESSION preserve_insertion_order = false")
    try:
        done = write(cur, body)  # one transaction, re-run whole if a concurrent write wins
    except _NothingChanged as same:
        return _unchanged_result(prepared, same.twin, same.unchanged)
    finally:
        cur.close()
    _test_pause("committed")
    return done


def import_files(con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path],
                 options: ImportOptions | None = None, *, now: datetime,
                 file_names: Sequence[str] | None = None) -> list[ImportResult]:
    """Import several files. Every file is parsed first, so one unusable file means
    nothing is written at all; then each file is committed in its own transaction."""
    names = list(file_names) if file_names else [None] * len(paths)
    prepared = [prepare(p, options, n) for p, n in zip(paths, names, strict=True)]
    return [commit(con, p, now=now) for p in prepared]


def import_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                 options: ImportOptions | None = None, *, now: datetime) -> ImportResult:
    """Import an upload held in memory (no temporary file)."""
    return commit(con, prepare_bytes(data, file_name, options), now=now)


