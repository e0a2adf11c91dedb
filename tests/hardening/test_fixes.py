"""One test per failure the probe found in the importer (each fails without its fix)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from analytics.errors import MappingError, UnusableFileError
from analytics.ingest import history, importer
from analytics.ingest.headers import build_column_map, parse_user_mapping
from analytics.ingest.limits import MAX_CELL_CHARS, MAX_COLUMNS
from analytics.ingest.normalise import ImportOptions, prepare_bytes
from analytics.ingest.reading import read_bytes
from tests.hardening.helpers import (
    NOW,
    assert_one_line,
    checksum,
    corrupt_xlsx,
    seeded_store,
    xlsx_bytes,
)

HEADER = "Opportunity ID,Account Name,Stage,Amount,Close Date,Created Date"


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def test_corrupt_xlsx_sheet_is_one_unusable_file_error() -> None:
    data = corrupt_xlsx([["Stage", "Amount", "Close Date"], ["Closed Won", 1, "2024-01-01"]])
    with pytest.raises(UnusableFileError, match="the workbook is damaged") as caught:
        read_bytes(data, "broken.xlsx")
    assert_one_line(str(caught.value))


def test_200k_columns_are_refused_quickly() -> None:
    header = "Stage,Amount,Close Date," + ",".join(f"c{i}" for i in range(200_000))
    data = (header + "\nClosed Won,1,2024-01-01\n").encode()
    started = time.perf_counter()
    with pytest.raises(UnusableFileError, match=f"at most {MAX_COLUMNS:,}") as caught:
        prepare_bytes(data, "wide.csv")
    assert time.perf_counter() - started < 10
    assert_one_line(str(caught.value))


def test_a_value_over_the_cell_limit_rejects_its_row() -> None:
    long = "x" * (MAX_CELL_CHARS + 1)
    data = _csv("A-1,Acme,Closed Won,1,2024-01-01,", f"A-2,{long},Closed Won,1,2024-01-01,")
    prepared = prepare_bytes(data, "long.csv")
    assert [r["opportunity_id"] for r in prepared.rows] == ["A-1"]
    (reject,) = prepared.rejects
    assert reject.line == 3 and "'Account Name' has 100,001 characters" in reject.reason
    assert len(reject.raw) < 25_000 and reject.raw.endswith("more characters)")


@pytest.mark.parametrize("name", ["deals.csv", "d" * 5000 + ".csv"])
def test_messages_stay_short_with_huge_headers(name: str) -> None:
    headers = [f"Amount {i} " + "h" * 5000 for i in range(11)]
    data = (",".join(["Account Name", *headers]) + "\nAcme," + ",".join("1" * 11) + "\n").encode()
    with pytest.raises(UnusableFileError) as caught:
        prepare_bytes(data, name)
    assert_one_line(str(caught.value))
    assert "and 9 more" in str(caught.value) or len(name) > 60
    with pytest.raises(MappingError) as mapped:
        build_column_map(headers, {"h" * 5000: "stage"}, file_name=name)
    assert_one_line(str(mapped.value))
    with pytest.raises(MappingError) as bad_pair:
        parse_user_mapping(["h" * 5000 + "=" + "f" * 5000])
    assert_one_line(str(bad_pair.value))
    assert_one_line(str(UnusableFileError(name, "p\n" * 5000, "hint\n" * 100)))


def test_one_bad_byte_keeps_a_utf8_file_utf8() -> None:
    data = _csv("A-1,José,Closed Won,1,2024-01-01,", "A-2,Zoë,Closed Won,2,2024-01-02,").replace(
        b"Zo", b"Z\xffo")
    prepared = prepare_bytes(data, "mixed.csv")
    names = [r["account_name"] for r in prepared.rows]
    assert names == ["José", "Z\ufffdoë"]
    assert prepared.table.encoding == "utf-8"
    assert any("1 invalid UTF-8 byte sequence(s) on 1 line(s) (line 3)" in n for n in prepared.notes)


def test_a_cp1252_file_still_reads_as_cp1252() -> None:
    data = _csv("A-1,José €,Closed Won,1,2024-01-01,").decode().encode("cp1252")
    prepared = prepare_bytes(data, "latin.csv")
    assert prepared.rows[0]["account_name"] == "José €"
    assert prepared.table.encoding == "cp1252"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_dates_outside_1900_2100_reject_the_row(kind: str) -> None:
    rows = [["A-1", "Acme", "Closed Won", 1, "9999-12-31", None],
            ["A-2", "Acme", "Closed Won", 1, "2024-01-01", 2958465 if kind == "xlsx" else "1850-01-01"],
            ["A-3", "Acme", "Closed Won", 1, "2024-01-01", None]]
    if kind == "xlsx":
        data = xlsx_bytes([HEADER.split(","), *rows])
    else:
        data = _csv(*(",".join("" if c is None else str(c) for c in row) for row in rows))
    prepared = prepare_bytes(data, f"dates.{kind}")
    assert [r["opportunity_id"] for r in prepared.rows] == ["A-3"]
    assert [r.reason.split(" ")[0] for r in prepared.rejects] == ["close", "created"]
    assert all("outside 1900–2100" in r.reason for r in prepared.rejects)


def test_short_rows_do_not_blank_existing_deals(tmp_path: Path) -> None:
    header = HEADER + ",Owner,Segment,Region,Industry,Product,Lead Source,Competitor,Loss Reason,Budget"
    con = seeded_store(tmp_path)
    full = f"{header}\nS-1,Acme,Closed Won,1200,2024-03-15,2024-01-02,Ann,SMB,EU,Tech,Core,Web,,,9\n"
    importer.import_bytes(con, full.encode(), "full.csv", now=NOW)
    before = checksum(con)
    short = f"{header}\nS-1,Acme,Closed Won,1200,2024-03-15,2024-01-02,Ann,SMB\n"
    result = importer.import_bytes(con, short.encode(), "short.csv", now=NOW)
    assert (result.rejected, result.updated, result.loaded) == (1, 0, 0)
    reason = con.execute("SELECT reason FROM rejected_rows WHERE import_id = ?",
                         [result.import_id]).fetchone()[0]
    assert reason == "the row has 8 values but the header has 15 columns"
    after = checksum(con)
    assert after["opportunities"] == before["opportunities"]


def test_rows_dropping_trailing_empty_values_still_load() -> None:
    data = _csv("A-1,Acme,Closed Won,1,2024-01-01,2023-12-01", "A-2,Acme,Open,2", "A-3,Acme,Lost")
    prepared = prepare_bytes(data, "trailing.csv")
    assert [r["opportunity_id"] for r in prepared.rows] == ["A-1", "A-2"]
    assert [r.reason for r in prepared.rejects] == ["lost deal has no close date"]


def test_control_characters_are_removed_with_a_note() -> None:
    rows = [["A-1", "Ac\x00me\x07", "Closed Won", 1, "2024-01-01", None],
            ["A-2", "Tab\there", "Closed Won", 1, "2024-01-01", None]]
    data = _csv(*(",".join(f'"{c}"' if c is not None else "" for c in row) for row in rows))
    prepared = prepare_bytes(data, "nul.csv")
    assert [r["account_name"] for r in prepared.rows] == ["Acme", "Tab\there"]
    assert "Removed control characters (such as NUL) from 1 value(s)." in prepared.notes


def test_rejects_csv_is_formula_safe(tmp_path: Path) -> None:
    con = seeded_store(tmp_path)
    data = _csv("=cmd|' /C calc'!A0,Acme,Closed Won,abc,2024-01-01,", "+1,@x,,5,2024-01-01,")
    result = importer.import_bytes(con, data, "formula.csv", now=NOW)
    rows = list(csv.reader(io.StringIO(history.rejected_csv(con.cursor(), result.import_id))))
    assert rows[0] == ["line", "reason", "raw"]
    assert [r[0] for r in rows[1:]] == ["2", "3"]
    assert rows[1][2].startswith("'=cmd") and rows[2][2].startswith("'+1,@x")
    assert rows[1][1] == "amount 'abc' is not a number"
    assert ImportOptions().source == "auto"
