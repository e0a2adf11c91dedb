"""Reading exports: encodings, delimiters, quoted newlines, header search, footers, XLSX,
and the clear errors for files that are not exports at all."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.errors import UnusableFileError
from analytics.ingest.reading import read_table

CSV = "Opportunity Name,Stage,Amount,Close Date\nBig deal,Closed Won,\"$1,200.00\",3/15/2024\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CSV.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("utf-16"), "utf-16"),  # with BOM, as Excel's "Unicode text"
        (CSV.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (CSV.encode("cp1252"), "utf-8"),  # pure ASCII is valid UTF-8
    ],
)
def test_encodings(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    table = read_table(write(tmp_path, "x.csv", encoded))
    assert table.encoding == encoding
    assert table.header == ["Opportunity Name", "Stage", "Amount", "Close Date"]
    assert table.records == [(2, ["Big deal", "Closed Won", "$1,200.00", "3/15/2024"])]


def test_cp1252_with_euro_sign_and_accents(tmp_path: Path) -> None:
    text = "Account Name;Stage;Amount\nSociété Générale;Closed Lost;12.000,50 €\n"
    table = read_table(write(tmp_path, "x.csv", text.encode("cp1252")))
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.records[0][1] == ["Société Générale", "Closed Lost", "12.000,50 €"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["Deal Name", "Deal Stage", "Amount"]) + "\n" + delimiter.join(
        ["A", "closedwon", "10"]) + "\n"
    table = read_table(write(tmp_path, "x.csv", text.encode()))
    assert table.delimiter == delimiter
    assert table.records == [(2, ["A", "closedwon", "10"])]


def test_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    text = ('Deal Name,Deal Stage,Notes\n"A","Closed Lost","line one\nline two"\n'
            '"B","Closed Won",""\n')
    table = read_table(write(tmp_path, "x.csv", text.encode()))
    # B starts on physical line 4 because A's note spans lines 2 and 3.
    assert table.records == [(2, ["A", "Closed Lost", "line one\nline two"]),
                             (4, ["B", "Closed Won", ""])]


def test_salesforce_footer_is_neither_data_nor_reject(tmp_path: Path) -> None:
    text = ('"Opportunity Name","Stage","Amount"\n"A","Closed Won","10"\n"B","Closed Lost","5"\n'
            '\n"Grand Totals (2 records)"\n\n"Confidential Information - Do Not Distribute"\n\n'
            '"Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."\n')
    table = read_table(write(tmp_path, "report.csv", text.encode()))
    assert [cells[0] for _, cells in table.records] == ["A", "B"]
    assert table.footer_lines == 3


def test_header_below_report_title(tmp_path: Path) -> None:
    text = "Win/loss report\nGenerated for Q3\n\nAccount,Status,Value\nAcme,won,5\n"
    table = read_table(write(tmp_path, "x.csv", text.encode()))
    assert table.header == ["Account", "Status", "Value"]
    assert table.header_line == 4
    assert table.records == [(5, ["Acme", "won", "5"])]


def test_xlsx_with_title_rows_and_real_dates(tmp_path: Path) -> None:
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Opportunities report"])
    sheet.append([])
    sheet.append(["Opportunity Name", "Stage", "Amount", "Close Date"])
    sheet.append(["A", "Closed Won", 1200.5, datetime(2024, 3, 15)])
    sheet.append(["B", "Closed Lost", 99, 45366])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(write(tmp_path, "x.xlsx", buffer.getvalue()))
    assert table.kind == "xlsx"
    assert table.header == ["Opportunity Name", "Stage", "Amount", "Close Date"]
    assert table.records == [(4, ["A", "Closed Won", 1200.5, datetime(2024, 3, 15)]),
                             (5, ["B", "Closed Lost", 99, 45366])]


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deals.csv", CSV)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n ", "the file is empty"),
        (_zip_bytes(), "ZIP archive"),
        (gzip.compress(CSV.encode(), mtime=0), "gzip archive"),
        (b"%PDF-1.7\n...", "PDF document"),
        (bytes(range(256)) * 8, "binary file"),
        (b"Dear team,\nplease find attached the numbers for Q3.\nThanks!\n",
         "does not look like a CRM deals export"),
        (b"Quarterly review\nWe lost three deals to price.\n", "not a table"),
        (b"sector,revenue\nmedical,100\n", "no deal columns were recognised"),
        (b"Account Name,Amount,Close Date\nAcme,100,2024-01-01\n", "no stage / status column"),
        (b"Deal Name,Deal Stage,Amount\n\n", "headers but no deal rows"),
        (b'"Opportunity Name","Stage"\n\n"Grand Totals (0 records)"\n', "headers but no deal rows"),
    ],
)
def test_unusable_files_get_one_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(UnusableFileError) as caught:
        read_table(write(tmp_path, "upload.bin", data), "deals export.csv")
    text = str(caught.value)
    assert text.startswith("deals export.csv: ")
    assert message in text


def test_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    text = "sep=;\nDeal Name;Deal Stage;Amount\nA, B and C;won;1,5\n"
    table = read_table(write(tmp_path, "x.csv", text.encode()))
    assert table.delimiter == ";"
    assert table.header == ["Deal Name", "Deal Stage", "Amount"]
    assert table.records == [(3, ["A, B and C", "won", "1,5"])]
