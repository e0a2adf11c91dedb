"""Reading an export file into header + records, whatever its format.

Handles CSV (UTF-8 with or without BOM, UTF-16, Windows-1252 / Latin-1; comma,
semicolon or tab; quoted newlines) and XLSX, finds the header row, and drops
blank lines and report footers (Salesforce's "Grand Totals", "Confidential
Information", copyright line), which are neither data nor rejects.

Anything that is not a table of deals raises :class:`UnusableFileError` naming
the file and what is wrong, before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.errors import DebriefError, UnusableFileError
from analytics.ingest.decoding import (
    CONTROL,
    EXPORT_HINT,
    clean_controls,
    controls_note,
    magic_problem,
)
from analytics.ingest.decoding import decode as decode_text
from analytics.ingest.footers import filled, split_body
from analytics.ingest.headers import recognise
from analytics.ingest.limits import MAX_COLUMNS, MAX_RAW_CHARS, shown_columns

if TYPE_CHECKING:
    from analytics.ingest.duckcsv import DuckRecords

#: How far down a file the header row may be (formatted reports put titles above it).
HEADER_SEARCH_ROWS = 25
DELIMITERS = (",", ";", "\t")
#: Excel's "sep=;" first line, which names the delimiter of the rest of the file.
_SEP_HINT = re.compile(r"\A[ \t]*sep=([,;\t|])[ \t]*\r?\n", re.IGNORECASE)
_EXPORT_HINT = EXPORT_HINT
_RESAVE_HINT = "Open it in Excel and save it again as .xlsx, or export CSV."

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class RawTable:
    """One file's header and data records, each with the line it started on."""

    file_name: str
    kind: str  # "csv" or "xlsx"
    header: list[str]
    header_line: int
    records: list[tuple[int, list[object]]]
    encoding: str = ""
    delimiter: str = ""
    footer_lines: int = 0
    blank_lines: int = 0
    notes: list[str] = field(default_factory=list)
    #: A large CSV read by DuckDB (analytics.ingest.duckcsv): its records live there, and
    #: ``records`` holds only the first few thousand. None once parsed, and for the rest.
    body: DuckRecords | None = None
    count: int | None = None  # every record, when ``records`` holds only the first ones

    @property
    def record_count(self) -> int:
        """How many data records the file has."""
        return len(self.records) if self.count is None else self.count

    def raw_text(self, cells: Sequence[object]) -> str:
        """A record as text, the way it would appear in the file.

        The text is cut to :data:`~analytics.ingest.limits.MAX_RAW_CHARS` characters.
        """
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter or ",", lineterminator="").writerow(
            ["" if c is None else c for c in cells])
        text = out.getvalue()
        if len(text) > MAX_RAW_CHARS:
            text = f"{text[:MAX_RAW_CHARS]}… ({len(text) - MAX_RAW_CHARS:,} more characters)"
        return text


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """The file's text and the encoding it was read with (see :mod:`analytics.ingest.decoding`)."""
    text, encoding, _notes = decode_text(data, file_name)
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    control = len(CONTROL.findall(sample))
    return control > 0.02 * len(sample)


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most columns consistently over the first lines."""
    lines = [line for line in text.splitlines()[:60] if line.strip()][:40]
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        widest = max(widths)
        consistent = sum(1 for w in widths if w == widest)
        score = (consistent, widest)
        if score > best_score:
            best, best_score = delim, score
    return best


def _find_header(rows: Sequence[Sequence[object]], file_name: str) -> int:
    """Index of the header row: the first of the top rows with a recognised stage column
    and at least one other recognised column."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = [recognise(str(c)) for c in row if c is not None and str(c).strip()]
        if "stage" in fields and len([f for f in fields if f]) >= 2:
            return index
    # Explain what is missing, from the row that looked most like a header.
    best = max(rows[:HEADER_SEARCH_ROWS], key=lambda r: sum(
        1 for c in r if c is not None and recognise(str(c))), default=[])
    seen = [str(c) for c in best if c is not None and str(c).strip()]
    if any(recognise(c) for c in seen):
        raise UnusableFileError(
            file_name,
            "no stage / status column, so won, lost and open deals cannot be told apart "
            f"(columns found: {shown_columns(seen)})",
            "Add the Stage or Status column, or map one with --map HEADER=stage.",
        )
    raise UnusableFileError(
        file_name,
        "no deal columns were recognised (it does not look like a CRM deals export)",
        "Export an opportunities / deals report with at least Stage, Close Date and Amount, "
        "or map your columns with --map HEADER=field.",
    )


def _require_records(table: RawTable) -> None:
    if not table.records:
        raise UnusableFileError(
            table.file_name, "it has column headers but no deal rows",
            "Check the report's filters (date range, owner) and export it again.")


def _check_width(rows: Sequence[Sequence[object]], file_name: str) -> None:
    """Refuse a file whose top rows (where the header is) are absurdly wide."""
    for cells in rows[:HEADER_SEARCH_ROWS]:
        width = len(cells)
        while width and (cells[width - 1] is None or not str(cells[width - 1]).strip()):
            width -= 1
        if width > MAX_COLUMNS:
            raise UnusableFileError(
                file_name, f"a row near its top has {width:,} columns; Debrief reads at most "
                f"{MAX_COLUMNS:,}", "Export only the deal columns (stage, dates, amount, …).")


def find_header_row(rows: Sequence[Sequence[object]], file_name: str) -> int:
    """Index of the header among a CSV's non-blank rows, after the checks of its top rows
    (not too wide, more than one column)."""
    _check_width(rows, file_name)
    if max(len(cells) for cells in rows[:HEADER_SEARCH_ROWS]) < 2:
        raise UnusableFileError(
            file_name, "it is not a table: no comma, semicolon or tab separated columns were found",
            _EXPORT_HINT)
    return _find_header(rows, file_name)


def read_csv_text(text: str, file_name: str, encoding: str,
                  notes: Sequence[str] = ()) -> RawTable:
    if _looks_binary(text):
        raise UnusableFileError(file_name, "it is a binary file, not a text export", _EXPORT_HINT)
    if not text.strip():
        raise UnusableFileError(file_name, "the file is empty", _EXPORT_HINT)
    hint = _SEP_HINT.match(text)
    delimiter = hint.group(1) if hint else sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[object]]] = []
    last_line = 0
    try:
        for cells in reader:
            rows.append((last_line + 1, list(cells)))
            last_line = reader.line_num
    except csv.Error as exc:
        raise UnusableFileError(file_name, f"the CSV is malformed near line {last_line + 1} ({exc})",
                                "Check for an unclosed quote, or export the file again.") from exc
    cleaned = clean_controls(rows) if CONTROL.search(text) else 0
    nonblank = [(line, cells) for line, cells in rows if "".join(cells).strip()]  # (text cells)
    if not nonblank:
        raise UnusableFileError(file_name, "the file has no rows", _EXPORT_HINT)
    header_line, header_cells = nonblank[find_header_row([cells for _, cells in nonblank], file_name)]
    table = RawTable(file_name, "csv", [str(c).strip() for c in header_cells], header_line, [],
                     encoding=encoding, delimiter=delimiter,
                     notes=[*notes, *controls_note(cleaned)])
    start = rows.index((header_line, header_cells)) + 1
    split_body(table, rows[start:])
    _require_records(table)
    return table


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """The merged cell ranges of one worksheet (min_col, min_row, max_col, max_row);
    openpyxl's read-only mode does not report them."""
    from openpyxl.utils.cell import range_boundaries

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(sheet_path.lstrip("/"))
    except (KeyError, zipfile.BadZipFile):
        return []
    return [range_boundaries(ref.decode()) for ref in _MERGE_REF.findall(xml)]


def _fill_merged(rows: list[tuple[int, list[object]]],
                 ranges: Sequence[tuple[int, int, int, int]]) -> None:
    """Give the rows of a vertically merged range the value of its top cell, as Excel
    shows it (a formatted report merges a group's value over the group's rows). A range
    merged across columns only (a title or footer spread over the width) stays one cell."""
    by_line = {line: cells for line, cells in rows}
    for min_col, min_row, _max_col, max_row in ranges:
        top = by_line.get(min_row)
        if max_row == min_row or top is None or len(top) < min_col:
            continue
        for line in range(min_row + 1, max_row + 1):
            cells = by_line.get(line)
            if cells is not None and len(cells) >= min_col:
                cells[min_col - 1] = top[min_col - 1]


def read_xlsx_bytes(data: bytes, file_name: str) -> RawTable:
    """The first worksheet that holds a deals table."""
    import openpyxl  # local: only XLSX imports pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl fails in many ways
        raise UnusableFileError(file_name, f"the workbook cannot be opened ({_why(exc)})",
                                _RESAVE_HINT) from exc
    try:
        return _first_deals_sheet(book, data, file_name)
    except DebriefError:
        raise
    except Exception as exc:  # broken XML, bad cell values
        raise UnusableFileError(file_name, f"the workbook is damaged ({_why(exc)})",
                                _RESAVE_HINT) from exc
    finally:
        book.close()


def _why(exc: BaseException) -> str:
    """An exception as a short phrase for a message."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _first_deals_sheet(book: object, data: bytes, file_name: str) -> RawTable:
    """The first worksheet of ``book`` that holds a deals table."""
    problem: UnusableFileError | None = None
    for sheet in book.worksheets:  # type: ignore[attr-defined]
        rows = [(index, list(values)) for index, values in
                enumerate(sheet.iter_rows(values_only=True), start=1)]
        _fill_merged(rows, _merged_ranges(data, getattr(sheet, "_worksheet_path", "")))
        cleaned = clean_controls(rows)
        nonblank = [(line, cells) for line, cells in rows if filled(cells)]
        if not nonblank:
            continue
        _check_width([cells for _, cells in nonblank], file_name)
        try:
            header_at = _find_header([cells for _, cells in nonblank], file_name)
        except UnusableFileError as exc:
            problem = problem or exc
            continue
        header_line, header_cells = nonblank[header_at]
        width = len(header_cells)
        while width and (header_cells[width - 1] is None or not str(header_cells[width - 1]).strip()):
            width -= 1
        header = [("" if c is None else str(c)).strip() for c in header_cells[:width]]
        table = RawTable(file_name, "xlsx", header, header_line, [], encoding="xlsx",
                         delimiter=",", notes=controls_note(cleaned))
        body = [(line, cells) for line, cells in rows if line > header_line]
        split_body(table, body)
        _require_records(table)
        if len(book.worksheets) > 1:  # type: ignore[attr-defined]
            table.notes.append(f"Read worksheet {sheet.title!r}.")
        return table
    if problem:
        raise problem
    raise UnusableFileError(file_name, "the workbook has no rows", _EXPORT_HINT)


def read_path(path: str | Path, file_name: str | None = None) -> bytes:
    """The bytes of the file at ``path``; a missing file or a folder is an :class:`UnusableFileError`."""
    name = file_name or Path(path).name
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise UnusableFileError(name, "no such file", "Check the path and try again.") from exc
    except IsADirectoryError as exc:
        raise UnusableFileError(name, "it is a folder, not a file",
                                "Name the CSV or XLSX files inside it.") from exc


def read_bytes(data: bytes, name: str) -> RawTable:
    """Read any supported export held in memory; ``name`` is the file name shown in messages.

    Whatever goes wrong while reading is an :class:`UnusableFileError` of one line."""
    try:
        return _read_bytes(data, name)
    except DebriefError:
        raise
    except Exception as exc:  # the file's problem, not a crash
        raise UnusableFileError(name, f"it cannot be read ({_why(exc)})", _EXPORT_HINT) from exc


def _read_bytes(data: bytes, name: str) -> RawTable:
    if not data.strip():
        raise UnusableFileError(name, "the file is empty", _EXPORT_HINT)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile as exc:
            raise UnusableFileError(name, "it is a damaged ZIP / XLSX file", _EXPORT_HINT) from exc
        if not is_xlsx:
            raise UnusableFileError(name, "it is a ZIP archive, not a CSV or XLSX export",
                                    "Unpack it first and import the CSV or XLSX inside.")
        return read_xlsx_bytes(data, name)
    magic_problem(data, name)
    text, encoding, notes = decode_text(data, name)
    return read_csv_text(text, name, encoding, notes)


def read_table(path: str | Path, file_name: str | None = None) -> RawTable:
    """Read any supported export from disk; ``file_name`` is the name shown in messages."""
    return read_bytes(read_path(path, file_name), file_name or Path(path).name)
