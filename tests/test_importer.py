"""Importing exports end to end: dialects, mapping, rejects, re-import, undo, atomicity."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.errors import MappingError, UndoError, UnusableFileError
from analytics.ingest import history, importer
from analytics.ingest.history import undo
from analytics.ingest.importer import import_files
from analytics.ingest.normalise import ImportOptions
from analytics.store import connect

NOW = datetime(2026, 1, 1, 12, 0)

SALESFORCE = (
    '"Opportunity ID","Opportunity Name","Account Name","Opportunity Owner","Stage","Amount",'
    '"Close Date","Created Date","Loss Reason","Primary Competitor","Fit Score","Sales Stage Notes"\n'
    '"006A","Acme renewal","ACME, Inc.","Ann","Closed Won","$12,000.50","3/15/2024","1/2/2024",'
    '"","","80","renewed early"\n'
    '"006B","Globex new","Globex Corp","Bo","Closed Lost","$8,000.00","3/20/2024","2/1/2024",'
    '"Price too high","Tableau","45",""\n'
    '"006C","Initech pilot","Initech","Ann","Negotiation","(1,200.00)","","2/10/2024","","","",""\n'
    '\n"Grand Totals (3 records)"\n\n"Confidential Information - Do Not Distribute"\n\n'
    '"Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."\n'
)

HUBSPOT = (
    "Record ID,Deal Name,Associated Company,Deal owner,Deal Stage,Amount,Close Date,Create Date,"
    "Closed Lost Reason,Competitor,ICP Score\n"
    "101,Acme expansion,Acme Inc,Cy,Closed Won,5000,2025-01-10 10:00,2024-11-01 09:00,,,5\n"
    "102,Umbrella,Umbrella Ltd,Cy,Closed Lost,700,2025-02-01 10:00,2024-12-01 09:00,went dark,,2\n"
)

PIPEDRIVE = (
    "Deal - ID;Deal - Title;Deal - Organization;Deal - Owner;Deal - Status;Deal - Stage;"
    "Deal - Value;Deal - Currency;Deal - Deal created;Deal - Won time;Deal - Lost time;"
    "Deal - Lost reason;Deal - Fit\n"
    "7;Müller deal;Müller Logistik GmbH;Eva;won;Contract;12000,50;EUR;2024-01-01 10:00:00;"
    "2024-02-01 11:00:00;;;0.9\n"
    "8;Dupont deal;Dupont SA;Eva;lost;Proposal made;900;EUR;2024-01-05 10:00:00;;"
    "2024-03-01 09:00:00;Too expensive;0.3\n"
    "9;Open deal;Dupont SA;Eva;open;Qualified;100;EUR;2024-01-05 10:00:00;;;;\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a failed import changed nothing."""
    cur = con.cursor()
    tables = [r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    return {t: sorted(map(repr, cur.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.cursor().execute(sql, params or []).fetchall()


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def test_salesforce_report(tmp_path: Path, con) -> None:
    [result] = import_files(con, [write(tmp_path, "sf.csv", SALESFORCE)], now=NOW)
    assert result.dialect == "salesforce"
    # 3 records; the footer is neither loaded nor rejected.
    assert (result.rows_read, result.loaded, result.rejected) == (3, 3, 0)
    got = rows(con, """SELECT opportunity_id, account_key, owner, outcome, amount, close_date,
                              created_date, fit_score, loss_reason, competitor, extras
                       FROM opportunities ORDER BY 1""")
    assert got == [
        ("006A", "acme", "Ann", "won", 12000.5, date(2024, 3, 15), date(2024, 1, 2), 80.0, None,
         None, json.dumps({"Sales Stage Notes": "renewed early"})),
        ("006B", "globex", "Bo", "lost", 8000.0, date(2024, 3, 20), date(2024, 2, 1), 45.0, "price",
         "Tableau", "{}"),
        ("006C", "initech", "Ann", "open", -1200.0, None, date(2024, 2, 10), None, None, None, "{}"),
    ]


def test_hubspot_export_scales_a_1_to_5_score(tmp_path: Path, con) -> None:
    [result] = import_files(con, [write(tmp_path, "hs.csv", "\ufeff" + HUBSPOT)], now=NOW)
    assert result.dialect == "hubspot"
    assert any("1–5" in note for note in result.notes)
    got = rows(con, "SELECT opportunity_id, account_key, fit_score, close_date, loss_reason "
                    "FROM opportunities ORDER BY 1")
    # ICP 5 -> 100, 2 -> 40 (x20); 'went dark' is a no-decision reason.
    assert got == [("101", "acme", 100.0, date(2025, 1, 10), None),
                   ("102", "umbrella", 40.0, date(2025, 2, 1), "no_decision")]


def test_pipedrive_status_won_lost_time_and_stage_at_loss(tmp_path: Path, con) -> None:
    [result] = import_files(con, [write(tmp_path, "pd.csv", PIPEDRIVE)], now=NOW)
    assert result.dialect == "pipedrive"
    got = rows(con, """SELECT opportunity_id, stage, outcome, close_date, loss_stage, amount,
                              currency, fit_score, account_key, loss_reason
                       FROM opportunities ORDER BY 1""")
    assert got == [
        ("7", "won", "won", date(2024, 2, 1), None, 12000.5, "EUR", 90.0, "muller logistik", None),
        ("8", "lost", "lost", date(2024, 3, 1), "Proposal made", 900.0, "EUR", 30.0, "dupont",
         "price"),
        ("9", "open", "open", None, None, 100.0, "EUR", None, "dupont", None),
    ]


def test_maven_pipeline_with_user_mapping(con, maven_csv) -> None:
    options = ImportOptions(mapping={"sales_agent": "owner", "engage_date": "created_date",
                                     "close_value": "amount"})
    [result] = import_files(con, [maven_csv], options, now=NOW)
    assert (result.rows_read, result.loaded, result.rejected) == (8800, 8800, 0)
    assert dict(rows(con, "SELECT outcome, count(*) FROM opportunities GROUP BY 1")) == {
        "won": 4238, "lost": 2473, "open": 2089}
    assert rows(con, "SELECT count(*) FROM opportunities WHERE owner IS NULL OR created_date IS NULL "
                     "AND outcome <> 'open'") == [(0,)]
    stored = json.loads(rows(con, "SELECT mapping FROM imports")[0][0])
    assert stored["owner"] == "sales_agent" and stored["amount"] == "close_value"


def test_rejects_are_stored_with_line_raw_text_and_reason(tmp_path: Path, con) -> None:
    text = ("Deal Name,Deal Stage,Amount,Close Date,Fit Score\n"
            "ok,Closed Won,100,2024-01-05,50\n"
            "no stage,,100,2024-01-05,50\n"
            "no close,Closed Lost,100,,50\n"
            "bad amount,Closed Won,lots,2024-01-05,50\n"
            "bad date,Proposal,100,2024-13-45,50\n"
            "bad score,Closed Won,100,2024-01-05,high\n"
            "open ok,Proposal,,,\n")
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert (result.rows_read, result.loaded, result.rejected) == (7, 2, 5)
    got = rows(con, "SELECT line, raw, reason FROM rejected_rows ORDER BY line")
    assert [(line, raw) for line, raw, _ in got] == [
        (3, "no stage,,100,2024-01-05,50"), (4, "no close,Closed Lost,100,,50"),
        (5, "bad amount,Closed Won,lots,2024-01-05,50"), (6, "bad date,Proposal,100,2024-13-45,50"),
        (7, "bad score,Closed Won,100,2024-01-05,high")]
    reasons = [reason for _, _, reason in got]
    assert reasons[0] == "stage is blank"
    assert reasons[1] == "lost deal has no close date"
    assert "amount" in reasons[2] and "lots" in reasons[2]
    assert "2024-13-45" in reasons[3]
    assert "high" in reasons[4]
    frame = history.rejected_rows(con.cursor(), result.import_id)
    assert list(frame["line"]) == [3, 4, 5, 6, 7]


def test_reimport_updates_never_duplicates_and_counts_exact_duplicates_once(tmp_path: Path, con) -> None:
    first = ("Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,100,2024-01-01\n"
             "B,Closed Lost,50,2024-01-02\n")
    [r1] = import_files(con, [write(tmp_path, "v1.csv", first)], now=NOW)
    [r2] = import_files(con, [write(tmp_path, "v1-again.csv", first)], now=NOW)
    assert (r2.loaded, r2.updated, r2.unchanged) == (0, 0, 2)
    # the very same bytes again: nothing changed, so no history entry that did nothing
    assert (r2.recorded, r2.import_id) == (False, r1.import_id)
    assert any("identical to import #1" in n for n in r2.notes)
    assert rows(con, "SELECT import_id FROM imports") == [(r1.import_id,)]
    second = ("Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,100,2024-01-01\n"
              "B,Closed Won,75,2024-02-01\nB,Closed Won,75,2024-02-01\nC,Proposal,10,\n")
    [r3] = import_files(con, [write(tmp_path, "v2.csv", second)], now=NOW)
    # A unchanged, B changed, the second B line is an exact duplicate, C is new.
    assert (r3.rows_read, r3.loaded, r3.updated, r3.unchanged, r3.duplicates) == (4, 1, 1, 1, 1)
    assert rows(con, "SELECT opportunity_id, outcome, amount, import_id FROM opportunities ORDER BY 1") == [
        ("A", "won", 100.0, r1.import_id), ("B", "won", 75.0, r3.import_id),
        ("C", "open", 10.0, r3.import_id)]


def test_rows_without_ids_get_a_stable_id(tmp_path: Path, con) -> None:
    text = "Account,Name,Status,Value,Created,Close Date\nAcme,Deal 1,won,5,2024-01-01,2024-02-01\n"
    import_files(con, [write(tmp_path, "a.csv", text)], now=NOW)
    [again] = import_files(con, [write(tmp_path, "b.csv", text)], now=NOW)
    assert (again.loaded, again.unchanged) == (0, 1)
    assert rows(con, "SELECT count(*) FROM opportunities") == [(1,)]


def test_conflicting_rows_with_one_id_reject_the_later(tmp_path: Path, con) -> None:
    text = "Opportunity ID,Stage,Amount\nA,Proposal,1\nA,Proposal,2\n"
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert (result.loaded, result.rejected) == (1, 1)
    assert rows(con, "SELECT amount FROM opportunities") == [(1.0,)]
    assert "already appears on line 2" in rows(con, "SELECT reason FROM rejected_rows")[0][0]


def test_undo_restores_replaced_rows_and_refuses_out_of_order(tmp_path: Path, con) -> None:
    v1 = "Opportunity ID,Stage,Amount,Close Date\nA,Proposal,100,\n"
    v2 = "Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,120,2024-03-01\nB,Proposal,5,\n"
    v3 = "Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,130,2024-03-01\n"
    [r1] = import_files(con, [write(tmp_path, "1.csv", v1)], now=NOW)
    [r2] = import_files(con, [write(tmp_path, "2.csv", v2)], now=NOW)
    [r3] = import_files(con, [write(tmp_path, "3.csv", v3)], now=NOW)
    with pytest.raises(UndoError, match="undo import #3 first"):
        undo(con, r2.import_id, now=NOW)
    undone = undo(con, r3.import_id, now=NOW)
    assert (undone.removed, undone.restored) == (1, 1)
    assert rows(con, "SELECT opportunity_id, amount, import_id FROM opportunities ORDER BY 1") == [
        ("A", 120.0, r2.import_id), ("B", 5.0, r2.import_id)]
    undo(con, r2.import_id, now=NOW)
    assert rows(con, "SELECT opportunity_id, stage, amount, import_id FROM opportunities") == [
        ("A", "Proposal", 100.0, r1.import_id)]
    with pytest.raises(UndoError, match="already undone"):
        undo(con, r2.import_id, now=NOW)
    with pytest.raises(UndoError, match="no import #99"):
        undo(con, 99, now=NOW)
    imports = history.list_imports(con.cursor())
    assert list(imports["import_id"]) == [3, 2, 1]
    assert imports["undone_at"].notna().tolist() == [True, True, False]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02" * 100, b"%PDF-1.4 ...",
                                     b"sector,revenue\nx,1\n"])
def test_unusable_file_leaves_database_unchanged(tmp_path: Path, con, content: bytes) -> None:
    import_files(con, [write(tmp_path, "good.csv", SALESFORCE)], now=NOW)
    before = snapshot(con)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    good2 = write(tmp_path, "good2.csv", HUBSPOT)
    with pytest.raises(UnusableFileError, match=r"^bad\.csv: "):
        import_files(con, [good2, bad], now=NOW)  # the good file before it is not written either
    assert snapshot(con) == before


def test_failure_inside_the_transaction_rolls_everything_back(tmp_path: Path, con, monkeypatch) -> None:
    import_files(con, [write(tmp_path, "good.csv", SALESFORCE)], now=NOW)
    before = snapshot(con)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_record_import", boom)  # after every row is written
    with pytest.raises(RuntimeError):
        import_files(con, [write(tmp_path, "hs.csv", HUBSPOT)], now=NOW)
    assert snapshot(con) == before


def test_xlsx_export_with_excel_serial_dates(tmp_path: Path, con) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date"])
    sheet.append([1, "A", "Closed Won", 1500, datetime(2024, 3, 15, 9, 30), 45292])
    sheet.append([2, "B", "Closed Lost", "2,000.00", 45366, None])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "deals.xlsx"
    path.write_bytes(buffer.getvalue())
    [result] = import_files(con, [path], now=NOW)
    assert (result.loaded, result.rejected) == (2, 0)
    # serial 45292 = 2024-01-01, 45366 = 2024-03-15 (1900 date system)
    assert rows(con, "SELECT opportunity_id, amount, close_date, created_date FROM opportunities "
                     "ORDER BY 1") == [("1", 1500.0, date(2024, 3, 15), date(2024, 1, 1)),
                                       ("2", 2000.0, date(2024, 3, 15), None)]


def test_day_first_detected_per_column_and_ambiguous_column_follows_the_option(tmp_path: Path, con) -> None:
    # Close Date has 25/03 -> day-first; Created Date never passes 12 -> ambiguous.
    text = ("Opportunity ID,Stage,Close Date,Created Date\n"
            "A,Closed Won,25/03/2024,01/02/2024\nB,Closed Won,05/04/2024,03/02/2024\n")
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert rows(con, "SELECT close_date, created_date FROM opportunities ORDER BY opportunity_id") == [
        (date(2024, 3, 25), date(2024, 1, 2)), (date(2024, 4, 5), date(2024, 3, 2))]
    assert any("Created Date" in n and "month-first" in n for n in result.notes)
    con2 = connect(":memory:")
    import_files(con2, [write(tmp_path, "y.csv", text)], ImportOptions(day_first=True), now=NOW)
    assert rows(con2, "SELECT created_date FROM opportunities ORDER BY opportunity_id") == [
        (date(2024, 2, 1),), (date(2024, 2, 3),)]


def test_cp1252_semicolon_export_with_euro_amounts(tmp_path: Path, con) -> None:
    text = "Account Name;Stage;Amount;Close Date\nSociété Générale;Closed Lost;12.000,50 €;15.03.2024\n"
    import_files(con, [write(tmp_path, "x.csv", text, "cp1252")], now=NOW)
    assert rows(con, "SELECT account_name, account_key, amount, currency, close_date FROM opportunities") == [
        ("Société Générale", "societe generale", 12000.5, "EUR", date(2024, 3, 15))]


def test_utf16_tab_export(tmp_path: Path, con) -> None:
    text = "Deal Name\tDeal Stage\tAmount\tClose Date\nA\tClosed Won\t10\t2024-01-01\n"
    [result] = import_files(con, [write(tmp_path, "x.txt", text, "utf-16")], now=NOW)
    assert (result.loaded, result.rejected) == (1, 0)


def test_bad_user_mapping_is_a_clear_error(tmp_path: Path, con) -> None:
    path = write(tmp_path, "x.csv", "Deal Stage,Amount\nwon,1\n")
    with pytest.raises(MappingError, match="no column 'close_value'"):
        import_files(con, [path], ImportOptions(mapping={"close_value": "amount"}), now=NOW)


def test_user_can_keep_a_recognised_column_unmapped(tmp_path: Path, con) -> None:
    path = write(tmp_path, "x.csv", "Deal Stage,Amount,Country\nProposal,1,FR\n")
    import_files(con, [path], ImportOptions(mapping={"Country": "ignore"}), now=NOW)
    assert rows(con, "SELECT region, extras FROM opportunities") == [(None, '{"Country": "FR"}')]


def test_an_identical_file_is_recorded_again_when_it_changes_something(tmp_path: Path, con) -> None:
    """The same bytes make a new import when they do change the store: after the first
    import was undone, or after a later import changed a row they hold."""
    v1 = write(tmp_path, "v1.csv", "Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,100,2024-01-01\n")
    v2 = write(tmp_path, "v2.csv", "Opportunity ID,Stage,Amount,Close Date\nA,Closed Won,120,2024-01-01\n")
    [first] = import_files(con, [v1], now=NOW)
    undo(con, first.import_id, now=NOW)
    [again] = import_files(con, [v1], now=NOW)  # the twin is undone: a real import
    assert (again.recorded, again.loaded) == (True, 1)
    [changed] = import_files(con, [v2], now=NOW)
    assert (changed.recorded, changed.updated) == (True, 1)
    [back] = import_files(con, [v1], now=NOW)  # identical to a live import, but it changes A back
    assert (back.recorded, back.updated) == (True, 1)
    assert any("already imported as import #" in n for n in back.notes)
    assert rows(con, "SELECT amount FROM opportunities") == [(100.0,)]
    assert rows(con, "SELECT count(*) FROM imports") == [(4,)]
