"""Reading a large CSV export with DuckDB's ``read_csv``, exactly as :func:`read_csv_text` reads it.

:func:`analytics.ingest.reading.read_csv_text` reads every record into Python lists:
fine for a CRM export of tens of thousands of deals, slow and memory-hungry at a
million (about 3 GB). For a large UTF-8 file this module reads the same records into a
table of an in-memory DuckDB database instead (:class:`DuckRecords`), and Python only
ever holds a few thousand of them:

* the top of the file (delimiter, header row, checks) is read by the Python reader's
  own functions, on the first megabyte;
* the body goes through ``read_csv`` with every option explicit (delimiter, ``"``
  quotes doubled, all text, short rows padded with NULL, an empty field read as ``''``
  so a padded cell and an empty one stay apart);
* each record's physical line is rebuilt from the line breaks inside its cells and the
  empty lines of the file (``read_csv`` skips those; they are found in the bytes);
* blank lines, report footers and total rows are told apart by the Python rules, run
  on the few records that could be one (at most one filled cell, or a total-like label).

Where DuckDB and Python's ``csv`` module could read a file differently (control
characters, a lone carriage return, spaces around a quoted value, a row wider than the
widest one expected, invalid UTF-8, a record over 16 MB, quotes that do not pair up),
:func:`read_csv_duck` gives ``None`` and the Python reader reads the file: the result
is always the same as :func:`read_csv_text`'s, only faster. ``tests/test_duckcsv.py``
holds the two readers against each other.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from analytics.errors import DebriefError
from analytics.ingest import bytescan, column_sql
from analytics.ingest.amounts import COMMA_DECIMAL_SQL, POINT_DECIMAL_SQL
from analytics.ingest.footers import filled, footer_label, is_summary
from analytics.ingest.limits import IMPORT_MEMORY
from analytics.ingest.reading import RawTable, find_header_row, read_bytes, sniff_delimiter

#: Files smaller than this are read by the Python reader (under a second anyway).
MIN_BYTES = 4 << 20
#: How much of the top of the file decides the delimiter and the header row.
HEAD_BYTES = 1 << 20
#: Records kept as Python lists (the preview, the stage-column choice).
PREVIEW = 5000
#: Columns read beyond the widest row of the top; a wider row sends the file to Python.
SLACK = 4
#: Python's csv field limit (reading.py): a longer record is left to the Python reader.
_MAX_LINE = 2 * 1024 * 1024
_CRLF, _LF = "\\r\\n", "\\n"  # read_csv's spelling of the two line ends
_NULL = "\x01"  # never in a file read here (control characters send it to Python)
_SEP_LINE = re.compile(rb"\A[ \t]*sep=", re.IGNORECASE)
#: A filled cell holds a character Python's str.strip() keeps.
_FILLED = "regexp_matches({c}, " + column_sql.quote(f"[^{column_sql.WHITESPACE}]") + ")"
_LABEL = column_sql.quote(f"^[{column_sql.WHITESPACE}]*(grand|sub|tot|sum|count|av)")
_LABEL_START = column_sql.quote("^(grand|sub|tot|sum|count|av)")
_LABEL_LETTERS = tuple(ord(c) for c in "gGsStTcCaA")


class _NotHere(Exception):
    """The file is one the Python reader must read."""


@dataclass
class DuckRecords:
    """The data records of a CSV held in DuckDB: table ``records`` of ``con`` with
    ``idx`` (file order), ``line``, ``n`` (cells in the record), ``tail`` (the cells beyond
    the header's width, joined by U+001F) and ``c0`` … (every cell, NULL past ``n``)."""

    con: duckdb.DuckDBPyConnection
    count: int
    width: int  # the header's
    columns: int  # cells read per record
    folder: tempfile.TemporaryDirectory[str]  # where DuckDB may spill; removed on close

    def take(self, idxs: Sequence[int]) -> dict[int, tuple[int, list[object]]]:
        """Records by ``idx``: their line and cells, as the Python reader gives them."""
        if not idxs:
            return {}
        cells = ", ".join(f"c{i}" for i in range(self.columns))
        self.con.register("wanted", pa.table({"w": pa.array(sorted(set(idxs)), pa.int64())}))
        found = self.con.execute(f"SELECT idx, line, n, {cells} FROM records "
                                 "WHERE idx IN (SELECT w FROM wanted)").fetchall()
        self.con.unregister("wanted")
        return {row[0]: (row[1], list(row[3:3 + row[2]])) for row in found}

    def idx_of_lines(self, lines: Sequence[int]) -> dict[int, int]:
        """The ``idx`` of the record that starts on each of ``lines``."""
        self.con.register("wanted", pa.table({"w": pa.array(sorted(set(lines)), pa.int64())}))
        found = dict(self.con.execute(
            "SELECT line, idx FROM records WHERE line IN (SELECT w FROM wanted)").fetchall())
        self.con.unregister("wanted")
        return found

    def value_counts(self, index: int) -> dict[str, int]:
        """Each distinct cell of column ``index`` and how many records hold it."""
        return dict(self.con.execute(f"SELECT c{int(index)}, count(*) FROM records "
                                     f"WHERE c{int(index)} IS NOT NULL GROUP BY ALL").fetchall())

    def distinct(self, index: int) -> list[str]:
        """The distinct cells of column ``index``."""
        return [v for (v,) in self.con.execute(
            f"SELECT DISTINCT c{int(index)} FROM records WHERE c{int(index)} IS NOT NULL").fetchall()]

    def decimal_comma(self, index: int) -> bool:
        """``detect_decimal_comma`` of column ``index``, in SQL."""
        comma, point = self.con.execute(
            f"SELECT bool_or(regexp_matches(c{int(index)}, ?)), bool_or(regexp_matches(c{int(index)}, ?)) "
            "FROM records", [COMMA_DECIMAL_SQL, POINT_DECIMAL_SQL]).fetchone()
        return bool(comma) and not point

    def widest(self) -> int:
        """The most cells any record has."""
        return self.con.execute("SELECT coalesce(max(n), 0) FROM records").fetchone()[0]

    def release(self) -> None:
        """Drop the records (the connection stays, for what was computed from them)."""
        for view in ("cells", "records"):
            self.con.execute(f"DROP VIEW IF EXISTS {view}")
        for name in ("body", "lines", "dropped"):
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.con.close()
        self.folder.cleanup()


@dataclass
class Staged:
    """A large CSV whose top is read and whose body is in a temporary file, for DuckDB."""

    table: RawTable  # header, encoding, delimiter; no records yet
    head: bytes  # the bytes before the body
    folder: tempfile.TemporaryDirectory[str]
    scan: bytescan.Scan
    first_line: int  # the body's
    columns: int  # cells to read per record

    @property
    def path(self) -> Path:
        return Path(self.folder.name) / "body.csv"

    def original(self) -> bytes:
        """The file's bytes, as they were given."""
        return self.head + self.path.read_bytes()


def read_csv_duck(data: bytes, file_name: str) -> RawTable | None:
    """The file read as :func:`read_csv_text` would, or None when the Python reader must."""
    staged = stage(data, file_name)
    return None if staged is None else read_staged(staged, fallback=False)


def stage(data: bytes, file_name: str) -> Staged | None:
    """Read the top of a large UTF-8 CSV and write its body to a temporary file; None when
    the file is small or one the Python reader must read (nothing is left behind then)."""
    if len(data) < MIN_BYTES:
        return None
    try:
        return _stage(data, file_name)
    except (_NotHere, DebriefError, UnicodeDecodeError, csv.Error):
        return None  # (a refused file is refused by the Python reader, in its words)


def read_staged(staged: Staged, fallback: bool = True) -> RawTable | None:
    """The staged file's records read by DuckDB; when it cannot read them as Python would,
    the Python reader's table (``fallback``) or None. The temporary file is removed."""
    try:
        try:
            return _load_table(staged)
        except (_NotHere, duckdb.Error):
            return read_bytes(staged.original(), staged.table.file_name) if fallback else None
    finally:
        staged.path.unlink(missing_ok=True)


def _stage(data: bytes, file_name: str) -> Staged:
    start, encoding = (3, "utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else (0, "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _SEP_LINE.match(data, start):
        raise _NotHere
    head_end = data.rfind(b"\n", start, start + HEAD_BYTES)
    head = data[start:head_end + 1].decode("utf-8")
    if len(head.splitlines()) <= 60:
        raise _NotHere
    delimiter = sniff_delimiter(head)
    rows = _head_rows(head, delimiter)
    nonblank = [(line, cells) for line, cells in rows if "".join(cells).strip()]
    header_line, header_cells = nonblank[find_header_row([c for _, c in nonblank], file_name)]
    body_index = rows.index((header_line, header_cells)) + 1
    if body_index >= len(rows) or len(nonblank) < 26:
        raise _NotHere
    first_line = rows[body_index][0]
    offset = _line_offset(data, start, first_line)
    scan = bytescan.scan(data, offset, delimiter, first_line)
    if scan is None or not bytescan.plain(data[:offset]):
        raise _NotHere
    table = RawTable(file_name, "csv", [str(c).strip() for c in header_cells], header_line, [],
                     encoding=encoding, delimiter=delimiter)
    widest = max(len(cells) for _, cells in rows[body_index:])
    folder = tempfile.TemporaryDirectory(prefix="debrief-")
    staged = Staged(table, bytes(data[:offset]), folder, scan, first_line,
                    max(widest, len(table.header)) + SLACK)
    with staged.path.open("wb") as handle:
        handle.write(memoryview(data)[offset:])
    return staged


def _load_table(staged: Staged) -> RawTable:
    table = staged.table
    body = _load(staged)
    try:
        _number_lines(body, staged.scan, staged.first_line)
        _split(body, table, staged.scan.gaps)
        if not body.count:
            raise _NotHere  # (no records: the Python reader says so)
    except BaseException:
        body.close()
        raise
    table.body, table.count = body, body.count
    table.records = list(body.take(_first_idxs(body, PREVIEW)).values())
    return table


def _head_rows(head: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """The records of the top of the file, each with its first line; the last one, which
    the cut may have split, is left out."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    last_line = 0
    for cells in reader:
        rows.append((last_line + 1, cells))
        last_line = reader.line_num
    return rows[:-1]


def _line_offset(data: bytes, start: int, line: int) -> int:
    """The byte offset where physical line ``line`` (1 = the first) starts."""
    offset = start
    for _ in range(line - 1):
        offset = data.index(b"\n", offset) + 1
    return offset


def _quick(col: str) -> str:
    """SQL: the cell starts with a printable ASCII character other than a space (so it is
    certainly filled): its first byte is within '!' … '~' (strings compare byte by byte)."""
    return f"coalesce({col} >= '!' AND {col} < chr(127), FALSE)"


def _filled(col: str) -> str:
    """SQL: the cell holds a character Python's ``str.strip()`` keeps (NULL and '' do not)."""
    return (f"CASE WHEN {col} IS NULL OR {col} = '' THEN FALSE WHEN {_quick(col)} "
            f"THEN TRUE ELSE {_FILLED.format(c=col)} END")


def _load(staged: Staged) -> DuckRecords:
    """The body read by DuckDB into table ``body`` (rowid = file order), with each record's
    cell count ``n``, line breaks inside its cells ``emb``, whether two of its cells are
    certainly filled ``data`` and whether it may be blank, a footer or a total ``maybe``."""
    cells = [f"c{i}" for i in range(staged.columns)]
    listed = ", ".join(f"'{c}': 'VARCHAR'" for c in cells)
    quick = " + ".join(f"{_quick(c)}::INT" for c in cells)
    first = "CASE " + " ".join(f"WHEN {_filled(c)} THEN {c}" for c in cells) + " END"
    label = (f"CASE WHEN {_quick('c0')} THEN (CASE WHEN ord(c0) IN {_LABEL_LETTERS} THEN "
             f"regexp_matches(c0, {_LABEL_START}, 'i') ELSE FALSE END) "
             f"ELSE coalesce(regexp_matches({first}, {_LABEL}, 'i'), FALSE) END")
    stats = (" + ".join(f"({c} IS NOT NULL)::INT" for c in cells) + " AS n, "
             + " + ".join(f"CASE WHEN contains({c}, chr(10)) THEN strlen({c}) - "
                          f"strlen(replace({c}, chr(10), '')) ELSE 0 END" for c in cells)
             + f" AS emb, ({quick}) >= 2 AS data")
    con = duckdb.connect(config={"temp_directory": staged.folder.name,
                                 "memory_limit": IMPORT_MEMORY})
    try:
        # Compressed in memory: a million records fit the memory limit (spilling is slow).
        con.execute("ATTACH ':memory:' AS held (COMPRESS)")
        con.execute("USE held")
        # Explicit line ends: DuckDB then refuses a file that mixes them. (Left to guess,
        # it can take a line break inside the first value for the file's line end.)
        # One thread: the row order must be the file's (rowid is the record's position),
        # and the parallel reader, under this memory limit, did not keep it.
        con.execute(
            f"""CREATE TABLE body AS SELECT *, NOT data OR {label} AS maybe FROM (
                SELECT *, {stats} FROM read_csv(?, header = false, delim = ?, quote = '"',
                escape = '"', columns = {{{listed}}}, null_padding = true, nullstr = ?,
                max_line_size = {_MAX_LINE}, auto_detect = false,
                new_line = '{_CRLF if staged.scan.crlf else _LF}',
                parallel = false))""",
            [str(staged.path), staged.table.delimiter, _NULL])
    except BaseException:
        con.close()
        raise
    count = con.execute("SELECT count(*) FROM body").fetchone()[0]
    return DuckRecords(con, count, 0, staged.columns, staged.folder)


def _number_lines(body: DuckRecords, scan: bytescan.Scan, first_line: int) -> None:
    """Table ``lines``: each row's first physical line (``read_csv`` skips empty lines and
    reads line breaks inside quotes; both are put back), in the order of ``body``."""
    emb = body.con.execute("SELECT emb FROM body").fetchnumpy()["emb"].astype(np.int64)
    line = bytescan.record_lines(emb, scan, first_line)
    if line is None:
        raise _NotHere  # the quotes do not pair up as assumed: let Python read it
    body.con.register("line_numbers", pa.table({"idx": np.arange(len(line)), "line": line}))
    body.con.execute("CREATE TABLE lines AS SELECT * FROM line_numbers")
    body.con.unregister("line_numbers")


def _candidates(body: DuckRecords) -> list[tuple]:
    """(idx, line, n, cells…) of the records that may be blank, a footer or a total row."""
    cells = ", ".join(f"c{i}" for i in range(body.columns))
    return body.con.execute(
        f"""SELECT lines.idx, lines.line, n, {cells} FROM body POSITIONAL JOIN lines
            WHERE maybe ORDER BY lines.idx""").fetchall()


def _split(body: DuckRecords, table: RawTable, gaps: Sequence[int]) -> None:
    """Drop blank lines, report footers and total rows as :func:`footers.split_body` does
    (the same rules, on the candidates only); view ``records`` holds the rest."""
    body.width = len(table.header)
    candidates = [(idx, line, list(rest[:n])) for idx, line, n, *rest in _candidates(body)]
    counts = {idx: len(filled(cells)) for idx, _, cells in candidates}
    last_data = max([body.con.execute("SELECT coalesce(max(idx), -1) FROM body POSITIONAL JOIN "
                                      "lines WHERE data").fetchone()[0],
                     *(idx for idx, count in counts.items() if count >= 2)])
    data_end = body.con.execute("SELECT line + emb FROM body POSITIONAL JOIN lines WHERE idx = ?",
                                [last_data]).fetchone()
    table.blank_lines = len(gaps)
    gaps_after = [g for g in gaps if data_end is None or g > data_end[0]]
    blank_seen_after = False
    dropped: list[int] = []
    for idx, line, cells in candidates:
        count, after = counts[idx], idx > last_data
        if after and gaps_after and gaps_after[0] < line:
            blank_seen_after = True
        if count == 0:
            table.blank_lines += 1
            blank_seen_after = blank_seen_after or after
            dropped.append(idx)
        elif (count == 1 and (footer_label(cells) or (after and blank_seen_after))) or (
                count > 1 and is_summary(cells)):
            table.footer_lines += 1
            dropped.append(idx)
    _keep(body, dropped, body.width)


def _keep(body: DuckRecords, dropped: list[int], width: int) -> None:
    """View ``records``: the data records (``idx``, ``line``, ``n``, ``tail``, every cell)."""
    con = body.con
    con.register("dropped_rows", pa.table({"d": pa.array(dropped, pa.int64())}))
    con.execute("CREATE TABLE dropped AS SELECT * FROM dropped_rows")
    con.unregister("dropped_rows")
    tail = (f"CASE WHEN n > {width} THEN concat_ws(chr(31), "
            + ", ".join(f"c{i}" for i in range(width, body.columns)) + ") END")
    con.execute(
        f"""CREATE VIEW records AS SELECT lines.idx, lines.line, n::INTEGER AS n, {tail} AS tail,
            {', '.join(f'c{i}' for i in range(body.columns))} FROM body POSITIONAL JOIN lines
            WHERE lines.idx NOT IN (SELECT d FROM dropped)""")
    body.count = body.count - len(dropped)


def _first_idxs(body: DuckRecords, count: int) -> list[int]:
    return [i for (i,) in body.con.execute("SELECT idx FROM lines WHERE idx NOT IN "
                                           "(SELECT d FROM dropped) ORDER BY idx LIMIT ?",
                                           [count]).fetchall()]
