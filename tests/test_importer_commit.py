"""``importer.commit``, the write of a prepared file: categories computed in the INSERT, the
matching of stored rows, atomicity, and the stored tables against the earlier write.

The earlier write (:func:`reference_commit`, a copy of ``commit`` at 876052d) staged the rows in
temp tables, re-categorised them with an UPDATE and inserted the rejects one by one; the new
one must store exactly the same rows, row for row.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from analytics.categories import categorise, recategorise, set_override
from analytics.ingest import importer
from analytics.ingest.history import undo
from analytics.ingest.importer import COMPARED, ImportResult, commit
from analytics.ingest.normalise import Prepared, prepare_bytes
from analytics.ingest.rows import Rows
from analytics.lake import write
from analytics.store import OPPORTUNITY_COLUMN_NAMES, connect
from tests.messy_export import messy_export

NOW = datetime(2026, 1, 1, 12, 0)

HEADER = "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Loss Reason\n"
#: Every rule, the blank reason, a reason with an override, a won and an open deal with a reason.
DEALS = [
    ("L1", "Closed Lost", "Too expensive"),          # price
    ("L2", "Closed Lost", "  Went DARK after demo "),  # no_decision (trimmed, lower-cased)
    ("L3", "Closed Lost", ""),                       # unspecified
    ("L4", "Closed Lost", "Acquired by a rival"),     # other by the rules; overridden to timing
    ("L5", "Closed Lost", "ACQUIRED BY A RIVAL "),   # the same override key
    ("L6", "Closed Lost", "Missing SSO integration"),  # product_fit
    ("L7", "Closed Lost", "eh"),                     # other
    ("L8", "Closed Lost", "Chose incumbent"),         # competitor
    ("W1", "Closed Won", "Price was right"),          # not lost: no category
    ("O1", "Negotiation", "Timing"),                 # not lost: no category
]
BY_HAND = {"L1": "price", "L2": "no_decision", "L3": "unspecified", "L4": "timing",
           "L5": "timing", "L6": "product_fit", "L7": "other", "L8": "competitor",
           "W1": None, "O1": None}


def export(deals: list[tuple[str, str, str]], amount: int = 100) -> bytes:
    lines = [f"{i},Deal {i},Account {i},{stage},{amount},2024-03-01,{reason}" for i, stage, reason in deals]
    return (HEADER + "\n".join(lines) + "\n").encode()


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every row of every table (temp ones too), sorted: what a failed write must not change."""
    cur = con.cursor()
    names = [r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    return {t: sorted(map(repr, cur.execute(f'SELECT * FROM "{t}"').fetchall())) for t in names}


def categories(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(con.cursor().execute("SELECT opportunity_id, loss_reason FROM opportunities").fetchall())


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


# --------------------------------------------------------------------------- categories


def test_inserted_rows_get_the_category_of_their_raw_reason_and_the_override(con) -> None:
    set_override(con.cursor(), "acquired by a rival", "timing", now=NOW)
    result = commit(con, prepare_bytes(export(DEALS), "deals.csv"), now=NOW)
    assert (result.loaded, result.rejected) == (10, 0)
    assert categories(con) == BY_HAND
    # the same as the rules, but for the override
    for opp_id, _, raw in DEALS:
        if opp_id.startswith("L") and opp_id not in ("L4", "L5"):
            assert BY_HAND[opp_id] == categorise(raw)
    # and the same as recategorise, the path overrides and undo take
    cur = con.cursor()
    recategorise(cur)
    assert categories(con) == BY_HAND


def test_changed_rows_are_categorised_again_and_unchanged_ones_keep_their_import(con) -> None:
    commit(con, prepare_bytes(export(DEALS), "first.csv"), now=NOW)
    second = [("L1", "Closed Lost", "went dark"), ("W1", "Closed Lost", "Too expensive"),
              *DEALS[2:8], ("O1", "Negotiation", "Timing"), ("N1", "Closed Lost", "no decision")]
    result = commit(con, prepare_bytes(export(second), "second.csv"), now=NOW)
    assert (result.loaded, result.updated, result.unchanged) == (1, 2, 7)
    assert categories(con) == {**BY_HAND, "L1": "no_decision", "W1": "price", "N1": "no_decision",
                               "L4": "other", "L5": "other"}
    cur = con.cursor()
    assert dict(cur.execute("SELECT opportunity_id, import_id FROM opportunities").fetchall()) == {
        **{i: 1 for i in BY_HAND}, "L1": 2, "W1": 2, "N1": 2}
    assert sorted(cur.execute("SELECT opportunity_id, loss_reason_raw, loss_reason, replaced_by "
                              "FROM replaced_rows").fetchall()) == [
        ("L1", "Too expensive", "price", 2), ("W1", "Price was right", None, 2)]
    undo(cur, 2, now=NOW)
    assert categories(con) == {**BY_HAND, "L4": "other", "L5": "other"}


# --------------------------------------------------------------------------- atomicity


@pytest.mark.parametrize("step", ["_matches", "_replace_changed", "_insert_rows",
                                  "_insert_rejects", "_record_import"])
def test_a_commit_failing_at_any_step_leaves_every_table_as_it_was(con, monkeypatch, step) -> None:
    first = export(DEALS) + b"L9,Deal,Account,Closed Lost,100,not a date,x\n"
    commit(con, prepare_bytes(first, "first.csv"), now=NOW)
    before = tables(con)
    second = prepare_bytes(export([("L1", "Closed Lost", "went dark"), ("N1", "Closed Won", ""),
                                   ("N2", "Closed Lost", "x"), *DEALS[2:]])
                           + b"N3,Deal,Account,Closed Won,100,not a date,\n", "second.csv")
    real = getattr(importer, step)
    calls = []

    def fail(*args, **kwargs):
        real(*args, **kwargs)  # the step's statements run, then the write fails
        calls.append(step)
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, step, fail)
    with pytest.raises(RuntimeError, match="disk full"):
        commit(con, second, now=NOW)
    assert calls == [step]
    assert tables(con) == before
    monkeypatch.undo()
    result = commit(con, second, now=NOW)  # and the same connection still writes
    assert (result.loaded, result.updated, result.unchanged, result.rejected) == (2, 1, 8, 1)


def test_a_commit_leaves_no_view_temp_table_or_setting_behind(con) -> None:
    cur = con.cursor()
    before = cur.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    prepared = prepare_bytes(export(DEALS), "deals.csv")
    commit(con, prepared, now=NOW)
    commit(con, prepare_bytes(export([("L1", "Closed Lost", "x"), *DEALS[1:]]), "b.csv"), now=NOW)
    assert cur.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == before
    assert cur.execute("SELECT table_name FROM information_schema.tables WHERE table_name NOT IN "
                       "('opportunities', 'replaced_rows', 'imports', 'rejected_rows', "
                       "'reason_overrides', 'meta')").fetchall() == []
    assert commit(con, prepared, now=NOW).recorded is True  # not the live twin: rows changed since


# --------------------------------------------------------------------------- against the earlier write


def reference_commit(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, now: datetime) -> ImportResult:
    """``commit`` as it was at 876052d: temp copies, an UPDATE for the categories, executemany."""
    cols = ", ".join(OPPORTUNITY_COLUMN_NAMES)
    same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM i.{c}" for c in COMPARED)

    def body(cur: duckdb.DuckDBPyConnection) -> ImportResult:
        import_id = cur.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0]
        cur.register("incoming_arrow", prepared.rows.table)
        cur.execute("CREATE OR REPLACE TEMP TABLE incoming AS "
                    "SELECT * REPLACE (CAST(? AS INTEGER) AS import_id) FROM incoming_arrow", [import_id])
        cur.unregister("incoming_arrow")
        cur.execute(f"CREATE OR REPLACE TEMP TABLE matched AS SELECT i.opportunity_id, ({same}) AS same "
                    "FROM incoming i JOIN opportunities o USING (opportunity_id)")
        updated, unchanged = cur.execute("SELECT count(*) FILTER (WHERE NOT same), "
                                         "count(*) FILTER (WHERE same) FROM matched").fetchone()
        loaded = len(prepared.rows) - updated - unchanged
        twin = importer._twin(cur, prepared.content_hash)
        if twin is not None and loaded == updated == 0 and twin[1] == len(prepared.rejects):
            raise importer._NothingChanged(twin[0], unchanged)
        cur.execute(f"INSERT INTO replaced_rows ({cols}, replaced_by) SELECT "
                    f"{', '.join('o.' + c for c in OPPORTUNITY_COLUMN_NAMES)}, ? FROM opportunities o "
                    "JOIN matched m USING (opportunity_id) WHERE NOT m.same", [import_id])
        cur.execute("DELETE FROM opportunities WHERE opportunity_id IN "
                    "(SELECT opportunity_id FROM matched WHERE NOT same)")
        cur.execute(f"INSERT INTO opportunities ({cols}) SELECT {cols} FROM incoming WHERE "
                    "opportunity_id NOT IN (SELECT opportunity_id FROM matched WHERE same)")
        cur.execute("DROP TABLE incoming")
        cur.execute("DROP TABLE matched")
        recategorise(cur, "import_id = ?", [import_id])
        note = [] if twin is None else [f"The same file was already imported as import #{twin[0]}."]
        result = ImportResult(import_id, prepared.file_name, prepared.dialect, prepared.rows_read,
                              loaded=loaded, updated=updated, unchanged=unchanged,
                              duplicates=prepared.duplicates, rejected=len(prepared.rejects),
                              notes=(*prepared.notes, *note))
        if prepared.rejects:
            cur.executemany("INSERT INTO rejected_rows VALUES (?, ?, ?, ?)",
                            [[import_id, r.line, r.raw, r.reason] for r in prepared.rejects])
        importer._record_import(cur, dataclasses.replace(prepared, rejects=[]), result, now)
        return result

    try:
        return write(con.cursor(), body)
    except importer._NothingChanged as same_file:
        return importer._unchanged_result(prepared, same_file.twin, same_file.unchanged)


def _edited(prepared: Prepared, name: str) -> Prepared:
    """Another export of the same deals: every 7th dropped, every 5th changed (amount or
    reason), its lost reasons shifted, 50 new deals, and the same rejects."""
    table = prepared.rows.table
    rows = table.filter(pa.array([n % 7 != 0 for n in range(table.num_rows)])).to_pylist()
    for n, row in enumerate(rows):
        if n % 5 == 0:
            row["amount"] = None if row["amount"] is None else row["amount"] + 1
        if n % 5 == 1 and row["outcome"] == "lost":
            row["loss_reason_raw"] = "Too expensive"
        if n % 11 == 0:
            row["extras"] = json.dumps({"Note": f"edited {n}"})
    new = [{**rows[n], "opportunity_id": f"NEW-{n}", "loss_reason_raw": "Acquired by a rival"}
           for n in range(50)]
    table = pa.Table.from_pylist(rows + new, schema=table.schema)
    return dataclasses.replace(prepared, rows=Rows(table), file_name=name, content_hash=name)


def _run(path: Path, write_one, imports: list[Prepared]) -> tuple[list[ImportResult], dict[str, list[str]]]:
    con = connect(path)
    try:
        results = []
        for n, prepared in enumerate(imports):
            if n == 2:
                set_override(con.cursor(), "acquired by a rival", "timing", now=NOW)
            results.append(write_one(con, prepared, now=NOW))
        return results, tables(con)
    finally:
        con.close()


def test_the_stored_tables_are_those_of_the_earlier_write(tmp_path: Path) -> None:
    first = prepare_bytes(messy_export(3000, seed=3), "messy.csv")
    assert len(first.rows) > 2500 and first.rejects
    second = _edited(first, "edited.csv")
    imports = [first, first, second, second, first]  # first, same file, changes, same, back again
    new = _run(tmp_path / "new.duckdb", commit, imports)
    old = _run(tmp_path / "old.duckdb", reference_commit, imports)
    assert new == old
    results = new[0]
    assert [r.recorded for r in results] == [True, False, True, False, True]
    assert results[2].updated > 0 and results[2].loaded == 50 and results[2].unchanged > 0
