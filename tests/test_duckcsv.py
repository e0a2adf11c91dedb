"""The DuckDB reader of large CSVs (analytics/ingest/duckcsv.py) against the Python reader.

For every file, :func:`read_csv_duck` must give exactly the table :func:`read_bytes`
gives (header, every record with its line and cells, footer and blank-line counts), or
decline (None) so the Python reader reads it. The size threshold is lowered so small
files take the DuckDB path. Whole imports are then held against the record-by-record
reference (tests/reference_importer.py) on the samples, the malformed files, messy
exports of several seeds and files built around each edge: empty lines inside and
outside quotes, footers after a blank line, total rows, long and short rows, spaces
around quotes, control characters, lone carriage returns, invalid UTF-8.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analytics.ingest import bytescan, duckcsv, normalise
from analytics.ingest.reading import RawTable, read_bytes
from tests.hardening.malformed import CASES
from tests.messy_export import messy_export
from tests.test_columnar import _samples, assert_same_import

HEADER = ["Opportunity ID", "Account Name", "Stage", "Amount", "Close Date", "Notes"]


@pytest.fixture(autouse=True)
def small_files_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 0)


def _records(table: RawTable) -> list[tuple[int, list[object]]]:
    assert table.body is not None
    idxs = [i for (i,) in table.body.con.execute("SELECT idx FROM records ORDER BY idx").fetchall()]
    found = table.body.take(idxs)
    return [found[i] for i in idxs]


def same_table(data: bytes, name: str = "x.csv") -> bool:
    """Whether the DuckDB reader read ``data`` (True) or declined (False); when it read it,
    everything must equal the Python reader's table."""
    duck = duckcsv.read_csv_duck(data, name)
    if duck is None:
        return False
    try:
        python = read_bytes(data, name)
        assert (duck.header, duck.header_line, duck.encoding, duck.delimiter) == (
            python.header, python.header_line, python.encoding, python.delimiter)
        assert (duck.footer_lines, duck.blank_lines, duck.notes) == (
            python.footer_lines, python.blank_lines, python.notes)
        assert duck.record_count == len(python.records)
        assert _records(duck) == python.records
        assert duck.records == python.records[:duckcsv.PREVIEW]
    finally:
        duck.body.close()
    return True


def _export(rows: int = 80, *, newline: str = "\n", delimiter: str = ",",
            edits: dict[int, str] | None = None, tail: str = "") -> bytes:
    """A small export; ``edits`` replaces (or with a key past the end, adds) raw lines."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER)
    for i in range(rows):
        writer.writerow([f"006{i:05d}", f"Account {i % 7}", ["Closed Won", "Closed Lost", "Open"][i % 3],
                         f"${1000 + i:,}.00", f"3/{i % 28 + 1}/2024", "" if i % 4 else f"note {i}"])
    lines = out.getvalue().split(newline)[:-1]
    for at, text in sorted((edits or {}).items(), reverse=True):
        lines[at:at + 1] = text.split("\x00SPLIT\x00")
    return (newline.join(lines) + newline + tail).encode("utf-8")


READ = {
    "plain": _export(),
    "crlf": _export(newline="\r\n"),
    "semicolon": _export(delimiter=";"),
    "tab": _export(delimiter="\t"),
    "bom": b"\xef\xbb\xbf" + _export(),
    "no final newline": _export()[:-1],
    "empty line in the body": _export(edits={
        40: "\x00SPLIT\x00".join(["", _export().decode().split("\n")[40]])}),
    "two empty lines, crlf": _export(newline="\r\n", edits={30: "\r\n"}),
    "empty lines at the end": _export(tail="\n\n"),
    "whitespace-only line": _export(edits={50: "   "}),
    "empty cells line": _export(edits={50: ",,,,,"}),
    "quoted value with an empty line": _export(edits={45: '0069,"Acme\n\nCorp",Closed Won,$5.00,1/2/2024,x'}),
    "quoted values with line breaks": _export(edits={
        33: '0070,"A\nB\nC",Closed Lost,$5.00,1/2/2024,"x\r\ny"', 60: '0071,Z,Open,,,"\n"'}),
    "footers after a blank line": _export(tail="\nGrand Totals (80 records),,,\"$123,000\"\n"
                                               "Confidential Information\nReport run by Ann\n"),
    "single cell without a blank line": _export(tail="Report run by Ann\n"),
    "total row in the middle": _export(edits={44: 'Total,,,"12,000.00",,'}),
    "total row led by NBSP": _export(edits={44: '\u00a0Subtotal,,,"12,000.00",,'}),
    "ſum row": _export(edits={44: 'ſum,,,"12,000.00",,'}),
    "long rows": _export(edits={20: "1,2,3,4,5,6,7", 21: "1,2,3,4,5,6,7,8,9"}),
    "short rows": _export(edits={20: "1,2,3", 22: "x"}),
    "doubled quotes": _export(edits={25: '0073,"Say ""hi"", then",Closed Won,$1.00,1/2/2024,'}),
    "unicode": _export(edits={25: "0074,北京科技有限公司,Closed Won,€1.000,1/2/2024,über"}),
    "blank first line of the body": _export(edits={1: "\x00SPLIT\x00" + _export().decode().split("\n")[1]}),
    "title rows above the header": b"Opportunities report\nAs of today\n\n" + _export(),
    "a wide row (within the top)": _export(edits={70: ",".join(["x"] * 40)}),
}
DECLINED = {
    "control character": _export(edits={30: "0080,Ac\x07me,Closed Won,$1.00,1/2/2024,"}),
    "C1 control character": _export(edits={30: "0080,Ac\u0085me,Closed Won,$1.00,1/2/2024,"}),
    "lone carriage return": _export(edits={30: "0080,Acme\rX,Closed Won,$1.00,1/2/2024,"}),
    "space before a quote": _export(edits={30: '0080, "Acme",Closed Won,$1.00,1/2/2024,'}),
    "space after a quote": _export(edits={30: '0080,"Acme" ,Closed Won,$1.00,1/2/2024,'}),
    "invalid UTF-8": _export().replace(b"Account 3", b"Account \xff3"),
    "too few lines": _export(rows=20),
    "UTF-16": "\ufeff".encode("utf-16-le") + _export().decode().encode("utf-16-le"),
    "sep= line": b"sep=;\n" + _export(delimiter=";"),
}


#: Either way is right, so long as a file DuckDB reads is read as Python reads it.
EITHER = {
    "quote inside an unquoted value": _export(edits={25: '0072,Acme 5" screen,Closed Won,$1.00,1/2/2024,'}),
    "unclosed quote": _export(tail='0099,"never closed,Closed Won\n'),
    "unclosed quote, crlf": _export(newline="\r\n", tail='0099,"never closed,Closed Won\r\n'),
    "mixed line ends": _export(newline="\r\n", edits={40: "0098,Acme,Closed Won,$1.00,1/2/2024,\nx"}),
    "quoted CR LF in a LF file": _export(edits={33: '0070,"A\r\nB",Closed Lost,$5.00,1/2/2024,'}),
}


@pytest.mark.parametrize("name", list(EITHER))
def test_odd_files_are_read_as_python_reads_them_or_declined(name: str) -> None:
    same_table(EITHER[name])


@pytest.mark.parametrize("name", list(READ))
def test_duckdb_reads_these_as_python_does(name: str) -> None:
    assert same_table(READ[name]), f"{name}: the DuckDB reader declined it"


@pytest.mark.parametrize("name", list(DECLINED))
def test_forms_the_readers_could_read_differently_go_to_python(name: str) -> None:
    assert duckcsv.read_csv_duck(DECLINED[name], "x.csv") is None


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_messy_exports_are_read_by_duckdb_as_by_python(seed: int) -> None:
    assert same_table(messy_export(2000, seed, bad_share=0.05))


@pytest.mark.parametrize(("name", "data"), _samples(), ids=[n for n, _ in _samples()])
def test_sample_exports_are_read_by_duckdb_as_by_python(name: str, data: bytes) -> None:
    assert same_table(data, name) or len(data.splitlines()) <= 61


@pytest.mark.parametrize("kind", [k for k in CASES if k not in ("single_50mb_line", "200k_columns")])
def test_malformed_files_read_the_same_or_go_to_python(tmp_path: Path, kind: str) -> None:
    name, data = CASES[kind]()
    if not name.endswith(".xlsx"):
        same_table(data, name)
    assert_same_import(tmp_path, data, name)


@pytest.mark.parametrize("name", list(READ) + list(DECLINED) + list(EITHER))
def test_whole_imports_match_the_reference(tmp_path: Path, name: str) -> None:
    assert_same_import(tmp_path, {**READ, **DECLINED, **EITHER}[name], "edge.csv")


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_messy_imports_through_duckdb_match_the_reference(tmp_path: Path, seed: int) -> None:
    data = messy_export(3000, seed, bad_share=0.05)
    assert duckcsv.stage(data, "m.csv") is not None  # (this file does take the DuckDB path)
    prepared = assert_same_import(tmp_path, data, f"messy_{seed}.csv")
    assert prepared is not None and prepared.rejects and prepared.duplicates


@pytest.mark.parametrize("edit", ["0099,Acme @BAD@,Closed Won,$1.00,1/2/2024,",  # invalid UTF-8
                                  ",".join(["x"] * 40),  # wider than any row of the top
                                  "0098,Acme,Closed Won,$1.00,1/2/2024,@LF@x"])  # a lone LF
def test_what_only_duckdb_finds_past_the_top_goes_to_python(monkeypatch: pytest.MonkeyPatch,
                                                            edit: str) -> None:
    monkeypatch.setattr(duckcsv, "HEAD_BYTES", 4000)
    data = _export(300, newline="\r\n", edits={250: edit})
    data = data.replace(b"@BAD@", b"\xff").replace(b"@LF@", b"\n")
    staged = duckcsv.stage(data, "x.csv")
    assert staged is not None and staged.original() == data  # only DuckDB can tell
    table = duckcsv.read_staged(staged, fallback=False)
    if table is not None:  # (a lone LF: DuckDB's parallel reader takes it as Python does)
        assert _records(table) == read_bytes(data, "x.csv").records
        table.body.close()
    else:
        assert "@LF@" not in edit


def test_a_declined_staged_file_is_read_by_python_from_the_same_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckcsv, "HEAD_BYTES", 4000)
    data = _export(300) + b"0099,Acme,Closed Won,$1.00,1/2/2024,\xff\n"
    staged = duckcsv.stage(data, "x.csv")
    assert staged is not None and staged.original() == data  # declined only once DuckDB reads it
    table = duckcsv.read_staged(staged)
    assert table.body is None and table.records == read_bytes(data, "x.csv").records
    assert not staged.path.exists()


def test_the_temporary_files_are_removed() -> None:
    data = READ["plain"]
    staged = duckcsv.stage(data, "x.csv")
    table = duckcsv.read_staged(staged)
    folder = Path(staged.folder.name)
    assert table.body is not None and not staged.path.exists()
    normalise.prepare_table(table, "h", normalise.ImportOptions())
    assert table.body is None and not folder.exists()


def test_record_lines_count_line_breaks_and_empty_lines_by_hand() -> None:
    # line 2: a,b | lines 3-4: "x\ny",z | line 5: empty | line 6: c,d | 7: empty | 8: e,f
    body = b'a,b\n"x\ny",z\n\nc,d\n\ne,f'
    found = bytescan.scan(body, 0, ",", 2)
    assert found is not None and (found.gaps, found.lines) == ([5, 7], 7)
    assert bytescan.record_lines(bytescan.np.array([0, 1, 0, 0]), found, 2).tolist() == [2, 3, 6, 8]
    # The same lines with a count that does not add up (a quote that did not pair): refused.
    assert bytescan.record_lines(bytescan.np.array([0, 0, 0, 0]), found, 2) is None
