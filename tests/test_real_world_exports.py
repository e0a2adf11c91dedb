"""Realistic CRM exports, hand-made: the shapes Salesforce, HubSpot, Pipedrive and
spreadsheets really produce (METRICS.md §1, §5, §6)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.ingest.importer import import_files
from analytics.ingest.normalise import ImportOptions
from analytics.store import connect

NOW = datetime(2026, 1, 1, 12, 0)


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def xlsx(rows: list[list[object]], merged: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows(con, sql: str) -> list[tuple]:
    return con.cursor().execute(sql).fetchall()


def accounted(result) -> bool:
    return result.rows_read == (result.loaded + result.updated + result.unchanged
                                + result.duplicates + result.rejected)


def test_salesforce_total_rows_with_sums_are_footers_not_rejects(tmp_path: Path, con) -> None:
    text = ('"Opportunity Name","Account Name","Stage","Amount","Close Date"\r\n'
            '"A","Acme","Closed Won","10.00","3/15/2024"\r\n'
            '"B","Beta","Closed Lost","5.00","3/16/2024"\r\n'
            '"Total","","","15.00",""\r\n'
            '\r\n"Grand Totals (2 records)","","","$15.00",""\r\n'
            '\r\n"Confidential Information - Do Not Distribute"\r\n')
    [result] = import_files(con, [write(tmp_path, "sf.csv", text)], now=NOW)
    assert (result.rows_read, result.loaded, result.rejected) == (2, 2, 0)
    assert accounted(result)


def test_salesforce_formatted_xlsx_with_groups_subtotals_and_merged_group_cells(
        tmp_path: Path, con) -> None:
    data = xlsx([
        ["Won and lost opportunities"],
        ["Filtered By:", "Close Date equals This Year"],
        [],
        [None, "Stage", "Opportunity Name", "Account Name", "Amount", "Close Date"],
        [None, "Closed Won", "A", "Acme", 100, datetime(2024, 3, 1)],
        [None, None, "B", "Beta", 200, datetime(2024, 3, 2)],
        [None, "Subtotal", None, None, 300, None],
        [None, "Closed Lost", "C", "Gamma", 50, datetime(2024, 3, 3)],
        [None, "Subtotal", None, None, 50, None],
        [None, "Total", None, None, 350, None],
        [],
        ["Confidential Information - Do Not Distribute"],
        ["Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."],
    ], merged=("A1:F1", "B5:B6", "A12:F12", "A13:F13"))
    [result] = import_files(con, [write(tmp_path, "report.xlsx", data)], now=NOW)
    assert (result.rows_read, result.loaded, result.rejected) == (3, 3, 0)
    assert rows(con, "SELECT opportunity_name, stage, outcome FROM opportunities ORDER BY 1") == [
        ("A", "Closed Won", "won"), ("B", "Closed Won", "won"), ("C", "Closed Lost", "lost")]


def test_salesforce_amount_currency_column(tmp_path: Path, con) -> None:
    text = ("Opportunity ID,Opportunity Name,Account Name,Stage,Amount Currency,Amount,Close Date,\n"
            "006A,Renewal,\"ACME, Inc.\",Closed Won,EUR,\"1,000.00\",15/03/2024,\n"
            "006B,Zoë deal,Zoë Société,Closed Lost,USD,\"USD 12,000.50\",3/4/2024,\n")
    [result] = import_files(con, [write(tmp_path, "sf.csv", text)], now=NOW)
    assert result.rejected == 0
    assert rows(con, "SELECT opportunity_id, account_key, amount, currency, close_date "
                     "FROM opportunities ORDER BY 1") == [
        ("006A", "acme", 1000.0, "EUR", date(2024, 3, 15)),
        ("006B", "zoe societe", 12000.5, "USD", date(2024, 4, 3)),  # the column is day-first
    ]


@pytest.mark.parametrize("placeholder", ["-", "n/a", "N/A", "—", "#N/A", "none", "null"])
@pytest.mark.parametrize("column", ["Amount", "Created", "Fit", "Budget", "Competitor Price"])
def test_placeholder_values_are_non_blank_and_reject_the_row(tmp_path: Path, con, placeholder: str,
                                                              column: str) -> None:
    # §1: a non-blank amount, price, budget, score or date that cannot be parsed rejects the row.
    header = ["Name", "Result", "Close Date", "Amount", "Created", "Fit", "Budget", "Competitor Price"]
    cells = ["A", "Won", "2024-01-01", "", "", "", "", ""]
    cells[header.index(column)] = placeholder
    text = ",".join(header) + "\n" + ",".join(cells) + "\nB,Lost,2024-01-02,100,2023-12-01,4,,\n"
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert (result.loaded, result.rejected) == (1, 1)
    [(line, reason)] = rows(con, "SELECT line, reason FROM rejected_rows")
    assert line == 2 and placeholder.strip() in reason


def test_placeholder_close_dates_are_rejected_even_on_open_deals(tmp_path: Path, con) -> None:
    text = "Name,Result,Close Date\nA,Won,n/a\nB,Open,-\nC,Open,\n"
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert (result.loaded, result.rejected) == (1, 2)  # only C, whose close date is blank, loads
    reasons = [r for (r,) in rows(con, "SELECT reason FROM rejected_rows ORDER BY line")]
    assert "'n/a'" in reasons[0] and "'-'" in reasons[1]


def test_duplicate_header_names_keep_every_value(tmp_path: Path, con) -> None:
    text = ("Name,Status,Close Date,Tag,Tag,Amount,Amount,\n"
            "A,won,2024-01-01,x,y,10,20,z\n")
    import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    [(amount, extras)] = rows(con, "SELECT amount, extras FROM opportunities")
    assert amount == 10.0
    assert sorted(json.loads(extras).values()) == ["20", "x", "y", "z"]


def test_hubspot_company_ids_are_kept_but_the_name_is_the_key(tmp_path: Path, con) -> None:
    text = ("\ufeffRecord ID,Deal Name,Deal Stage,Close Date,Create Date,Amount,"
            "Associated Company,Associated Company IDs,Competitor,Notes\n"
            '1,A,Closed won,2024-03-15 10:22,2024-01-01 09:00,"12,000",Acme Inc,555,,"line1\nline2"\n'
            "2,B,closedlost,2024-03-16 10:22,2024-01-01 09:00,700,ACME,555, ,\n")
    [result] = import_files(con, [write(tmp_path, "hs.csv", text)], now=NOW)
    assert (result.dialect, result.loaded) == ("hubspot", 2)
    # "Acme Inc" and "ACME" normalise to one key (§5), as they would against another CRM's export.
    assert rows(con, "SELECT opportunity_id, account_id, account_name, account_key, amount, "
                     "competitor, loss_notes, extras->>'Associated Company IDs' "
                     "FROM opportunities ORDER BY 1") == [
        ("1", None, "Acme Inc", "acme", 12000.0, None, "line1\nline2", "555"),
        ("2", None, "ACME", "acme", 700.0, None, None, "555")]


def test_hubspot_primary_company_headers(tmp_path: Path, con) -> None:
    text = ("Record ID,Deal Name,Deal Stage,Close Date,Associated Company (Primary),"
            "Associated Company IDs (Primary)\n1,A,Closed won,2024-03-15,Acme Inc,555\n")
    import_files(con, [write(tmp_path, "hs.csv", text)], now=NOW)
    assert rows(con, "SELECT account_id, account_name, account_key FROM opportunities") == [
        (None, "Acme Inc", "acme")]


def test_decimal_comma_column_reads_a_lone_dot_as_thousands(tmp_path: Path, con) -> None:
    text = ("Deal - Title;Deal - Status;Deal - Value;Deal - Won time;Deal - Lost time\n"
            "A;won;1.200;2024-02-01 10:00:00;\n"
            "B;lost;1.234,50;;2024-02-03 10:00:00\n"
            "C;open;900;;\n")
    import_files(con, [write(tmp_path, "pd.csv", text, "cp1252")], now=NOW)
    assert rows(con, "SELECT opportunity_name, amount FROM opportunities ORDER BY 1") == [
        ("A", 1200.0), ("B", 1234.5), ("C", 900.0)]


def test_decimal_point_column_keeps_a_lone_dot_as_decimal(tmp_path: Path, con) -> None:
    text = "Name,Status,Value,Close Date\nA,won,1.200,2024-01-01\nB,won,\"1,234.50\",2024-01-01\n"
    import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert rows(con, "SELECT opportunity_name, amount FROM opportunities ORDER BY 1") == [
        ("A", 1.2), ("B", 1234.5)]


def test_dashed_numeric_dates_follow_the_column_order(tmp_path: Path, con) -> None:
    text = "Name,Stage,Close Date\nA,Closed Won,15-03-2024\nB,Closed Lost,01-04-2024\n"
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], now=NOW)
    assert result.rejected == 0
    assert rows(con, "SELECT opportunity_name, close_date FROM opportunities ORDER BY 1") == [
        ("A", date(2024, 3, 15)), ("B", date(2024, 4, 1))]


def test_pipedrive_utf16_export(tmp_path: Path, con) -> None:
    text = ("Deal - ID\tDeal - Title\tDeal - Organization\tDeal - Status\tDeal - Stage\t"
            "Deal - Value\tDeal - Currency\tDeal - Deal created\tDeal - Won time\tDeal - Lost time\t"
            "Deal - Lost reason\n"
            "1\tT\tOrg Oy\twon\tWon stage\t1234,5\tEUR\t2024-01-01 10:00:00\t2024-02-01 10:00:00\t\t\n"
            "2\tT2\tOrg Oy\tlost\tDemo\t1.234,50\tEUR\t2024-01-01 10:00:00\t\t"
            "2024-02-03 10:00:00\tToo expensive\n")
    [result] = import_files(con, [write(tmp_path, "pd.csv", text, "utf-16")], now=NOW)
    assert (result.dialect, result.loaded, result.rejected) == ("pipedrive", 2, 0)
    assert rows(con, "SELECT opportunity_id, outcome, close_date, amount, loss_stage, loss_reason "
                     "FROM opportunities ORDER BY 1") == [
        ("1", "won", date(2024, 2, 1), 1234.5, None, None),
        ("2", "lost", date(2024, 2, 3), 1234.5, "Demo", "price")]


def test_generic_file_blank_lines_short_rows_and_percent_fit(tmp_path: Path, con) -> None:
    text = ("Company,Outcome,Amount,Close date,Fit,Country\n"
            'Café Ltd,Won,"(1.200,00)",15.03.2024,85%,Deutschland\n'
            "\n,,,,,\n"
            "Beta,Lost,,16.03.2024,40%\n"
            "Gamma,Open\n"
            "Delta,Lost,(1.200,00),17.03.2024,50%,France\n")  # unquoted comma: columns shift
    [result] = import_files(con, [write(tmp_path, "x.csv", text, "cp1252")], now=NOW)
    assert (result.rows_read, result.loaded, result.rejected) == (4, 3, 1)
    assert rows(con, "SELECT line, reason FROM rejected_rows") == [
        (7, "the row has 7 values but the header has 6 columns")]
    assert rows(con, "SELECT account_key, amount, close_date, fit_score, region "
                     "FROM opportunities ORDER BY source_line") == [
        ("cafe", -1200.0, date(2024, 3, 15), 85.0, "Deutschland"),
        ("beta", None, date(2024, 3, 16), 40.0, None),
        ("gamma", None, None, None, None)]


def test_reimport_without_ids_updates_and_counts_add_up(tmp_path: Path, con) -> None:
    first = "Account,Name,Status,Close Date,Created,Amount\nAcme,Renewal,open,,2024-01-01,10\n"
    second = "Account,Name,Status,Close Date,Created,Amount\nAcme,Renewal,won,2024-03-01,2024-01-01,12\n"
    import_files(con, [write(tmp_path, "a.csv", first)], now=NOW)
    [result] = import_files(con, [write(tmp_path, "b.csv", second)], now=NOW)
    assert (result.loaded, result.updated) == (0, 1)
    assert rows(con, "SELECT count(*), min(outcome) FROM opportunities") == [(1, "won")]


def test_cli_rejects_hint_names_the_database(tmp_path: Path) -> None:
    from contextlib import redirect_stdout

    from analytics.cli import run

    path = write(tmp_path, "x.csv", "Name,Status,Close Date\nA,won,\nB,won,2024-01-01\n")
    db = tmp_path / "my.duckdb"
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["import", str(path), "--db", str(db)]) == 0
    assert f"python -m analytics rejects 1 --db {db}" in out.getvalue()


def test_day_first_option_for_an_ambiguous_column(tmp_path: Path, con) -> None:
    text = "Name,Stage,Close Date\nA,Closed Won,01/02/2024\n"
    [result] = import_files(con, [write(tmp_path, "x.csv", text)], ImportOptions(day_first=True),
                            now=NOW)
    assert rows(con, "SELECT close_date FROM opportunities") == [(date(2024, 2, 1),)]
    assert any("either order" in note for note in result.notes)
