"""From a read table to canonical rows: the first step of an import (nothing is written).

:func:`prepare_bytes` reads an export held in memory (an upload, or a file read once)
and parses every record into a canonical row of METRICS.md §1, or a reject with its
line, raw text and reason. The result, a :class:`Prepared`, is what
:func:`analytics.ingest.importer.commit` writes in one transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import UnusableFileError
from analytics.ingest import columnar, dialects, duckcsv, gcpause, limits
from analytics.ingest.headers import ColumnMap, build_column_map, normalise_header
from analytics.ingest.outcome import outcome_of
from analytics.ingest.parsing import (
    DateOrder,
    ParseError,
    decide_date_order,
    detect_decimal_comma,
    fit_scale,
    has_order,
    parse_fit_value,
)
from analytics.ingest.reading import RawTable, read_bytes, read_path
from analytics.ingest.records import (  # noqa: F401 (the field tables were defined here)
    DATE_FIELDS,
    MONEY_FIELDS,
    TEXT_FIELDS,
    Reading,
    cell_text,
    parse_record,
    parser_value,
)
from analytics.ingest.rows import Reject, Rows, rows_to_arrow


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file: forced dialect, the user's column mapping, slash-date order."""

    source: str = "auto"
    mapping: Mapping[str, str] = field(default_factory=dict)  # header -> field
    day_first: bool = False  # order for slash-date columns the data cannot decide


@dataclass
class Prepared:
    """A parsed file, ready to commit."""

    file_name: str
    content_hash: str
    dialect: str
    table: RawTable
    column_map: ColumnMap
    rows: Rows  # the parsed rows (an Arrow table shown as row dicts)
    rejects: list[Reject]
    duplicates: int
    notes: list[str]
    options: ImportOptions

    @property
    def rows_read(self) -> int:
        return self.table.record_count


# --------------------------------------------------------------------------- columns


def _choose_stage_column(cmap: ColumnMap, records: Sequence[tuple[int, list[object]]]) -> ColumnMap:
    """When several columns look like a stage (Pipedrive has Status and Stage), use the one
    that tells the most deals won or lost; a plain "Stage" column left over becomes loss_stage.

    Returns the map to use: ``cmap`` itself when there is nothing to choose, else a new
    map (``cmap`` is never changed).
    """
    candidates = cmap.stage_candidates
    if len(candidates) < 2:
        return cmap

    def decided(index: int) -> int:
        return sum(1 for _, cells in records[:5000]
                   if index < len(cells) and outcome_of(cell_text(cells[index])) != "open")

    best = max(candidates, key=lambda i: (decided(i), -candidates.index(i)))
    chosen = cmap.copy()
    chosen.fields["stage"] = best
    for index in candidates:
        if index == best:
            continue
        if "loss_stage" not in chosen.fields and normalise_header(chosen.headers[index]) in (
                "stage", "dealstage", "pipelinestage"):
            chosen.fields["loss_stage"] = index
        else:
            chosen.keep(index)
    return chosen


def _column_values(records: Iterable[tuple[int, list[object]]], index: int) -> Iterable[object]:
    for _, cells in records:
        if index < len(cells):
            yield cells[index]


def _date_orders(table: RawTable, cmap: ColumnMap,
                 day_first: bool) -> tuple[dict[int, DateOrder], list[str]]:
    """The slash-date order of each date column, and a note for each one that was a guess."""
    orders: dict[int, DateOrder] = {}
    notes: list[str] = []
    columns = list(dict.fromkeys(
        ([cmap.fields["created_date"]] if "created_date" in cmap.fields else [])
        + cmap.close_columns))
    for index in columns:
        texts = table.body.value_counts(index) if table.body is not None else Counter(
            v for v in _column_values(table.records, index) if isinstance(v, str))
        order = decide_date_order(texts, default_day_first=day_first)
        orders[index] = order
        header = cmap.headers[index]
        if order.conflicting:
            notes.append(f"Column {header!r} mixes day-first and month-first dates; read as "
                         f"{'day' if order.day_first else 'month'}-first, the others are rejected.")
        elif order.ambiguous and any(has_order(t) for t in texts):
            notes.append(f"Column {header!r}: every slash date could be either order; read "
                         f"{'day' if order.day_first else 'month'}-first as chosen "
                         f"(use --day-first / the import option to change it).")
    return orders, notes


def _fit_scale(table: RawTable, cmap: ColumnMap) -> tuple[float, list[str]]:
    """The fit column's scale to 0–100, and a note when it is not already 0–100."""
    index = cmap.fields.get("fit_score")
    if index is None:
        return 1.0, []
    values: list[float] = []
    cells = table.body.distinct(index) if table.body is not None else _column_values(table.records, index)
    for value in cells:
        try:
            number = parse_fit_value(parser_value(value))
        except ParseError:
            continue
        if number is not None:
            values.append(number)
    scale = fit_scale(values)
    if scale == 1:
        return scale, []
    label = {100.0: "0–1", 20.0: "1–5", 10.0: "1–10"}.get(scale, f"×{scale:g}")
    return scale, [f"Column {cmap.headers[index]!r} read as a {label} score, "
                   f"scaled ×{scale:g} to 0–100."]


# --------------------------------------------------------------------------- a whole file


def _column_map(table: RawTable, options: ImportOptions) -> ColumnMap:
    """The file's column map, its stage column chosen; a file without one is unusable."""
    cmap = build_column_map(table.header, options.mapping, file_name=table.file_name)
    if "stage" not in cmap.fields:
        raise UnusableFileError(
            table.file_name, "no column is mapped to stage, so won, lost and open deals cannot be "
            "told apart", "Map the column that holds the stage or status, e.g. --map Status=stage.")
    return _choose_stage_column(cmap, table.records)


def _plan_reading(table: RawTable, dialect: str, cmap: ColumnMap,
                  options: ImportOptions) -> tuple[Reading, list[str]]:
    """How to read the file's records, and the notes about it (encoding, guessed orders,
    scaled fit scores, no close date)."""
    notes = list(table.notes)
    if table.encoding not in ("utf-8", "xlsx"):
        notes.append(f"Read as {table.encoding} text.")
    orders, order_notes = _date_orders(table, cmap, options.day_first)
    scale, scale_notes = _fit_scale(table, cmap)
    notes += order_notes + scale_notes
    decimal_commas = frozenset(name for name in MONEY_FIELDS if name in cmap.fields
                               and _decimal_comma(table, cmap.fields[name]))
    if "close_date" not in cmap.fields:
        notes.append("No close-date column: every won or lost deal is rejected. "
                     "Map one with --map HEADER=close_date.")
    named = len(table.header)
    while named and not table.header[named - 1]:
        named -= 1
    pad_short = (table.body.widest() >= named if table.body is not None
                 else any(len(cells) >= named for _, cells in table.records))
    reading = Reading(dialect, cmap, orders, scale, len(table.header), decimal_commas, pad_short)
    return reading, notes


def _decimal_comma(table: RawTable, index: int) -> bool:
    if table.body is not None:
        return table.body.decimal_comma(index)
    return detect_decimal_comma(_column_values(table.records, index))


@dataclass(frozen=True)
class _Records:
    rows: Rows
    rejects: list[Reject]
    duplicates: int  # exact repeats of an earlier record, skipped


def _parse_records(table: RawTable, reading: Reading) -> _Records:
    """Every record parsed: exact repeats skipped, a reused opportunity id rejected.

    A CSV is parsed a column at a time (:mod:`analytics.ingest.columnar`); an XLSX,
    whose cells keep their types, record by record."""
    if columnar.can_parse(table):
        parsed = columnar.parse_columns(table, reading)
        return _Records(Rows(parsed.rows), parsed.rejects, parsed.duplicates)
    rows: list[dict[str, object]] = []
    rejects: list[Reject] = []
    seen_records: set[tuple[str, ...]] = set()
    line_of_id: dict[str, int] = {}
    duplicates = 0
    for line, cells in table.records:
        signature = tuple("" if c is None else str(c) for c in cells)
        if signature in seen_records:
            duplicates += 1
            continue
        seen_records.add(signature)
        row = columnar.parse_one(table, reading, line, cells)
        if isinstance(row, Reject):
            rejects.append(row)
            continue
        opp_id = str(row["opportunity_id"])
        if opp_id in line_of_id:
            rejects.append(Reject(line, table.raw_text(cells),
                                  columnar.reused_id_reason(opp_id, line_of_id[opp_id])))
            continue
        line_of_id[opp_id] = line
        rows.append(row)
    return _Records(Rows(rows_to_arrow(rows)), rejects, duplicates)


def _outcome_notes(table: RawTable, records: _Records) -> list[str]:
    """Notes on the result: nothing loadable (and why, mostly), report footers skipped."""
    notes: list[str] = []
    rejects = records.rejects
    if table.record_count and not records.rows and len(rejects) == table.record_count - records.duplicates:
        reasons = Counter(r.reason.split("'")[0] for r in rejects).most_common(1)[0][0]
        notes.append(f"No row could be loaded; most common problem: {reasons.strip()}.")
    if table.footer_lines:
        notes.append(f"Skipped {table.footer_lines} report footer line(s).")
    return notes


#: Told the stage an import is entering: "read", "parse" (then commit's "write").
Progress = Callable[[str], None]


def prepare_table(table: RawTable, content_hash: str, options: ImportOptions,
                  progress: Progress | None = None) -> Prepared:
    """Parse an already-read table (see :func:`prepare`)."""
    if progress is not None:
        progress("parse")
    try:
        limits.check_rows(table.record_count, table.file_name)
        dialect = dialects.resolve(options.source, table.header, footer_seen=table.footer_lines > 0)
        cmap = _column_map(table, options)
        reading, notes = _plan_reading(table, dialect, cmap, options)
        records = _parse_records(table, reading)
    finally:
        if table.body is not None:  # the records were read by DuckDB: free them
            table.body.close()
            table.body = None
    notes += _outcome_notes(table, records)
    return Prepared(table.file_name, content_hash, dialect, table, cmap, records.rows,
                    records.rejects, records.duplicates, notes, options)


def prepare_bytes(data: bytes, file_name: str, options: ImportOptions | None = None,
                  progress: Progress | None = None) -> Prepared:
    """Read and parse one export held in memory, without touching the database.

    The content hash is taken of these same bytes. Raises :class:`UnusableFileError`
    (or :class:`MappingError`) for a file that cannot be imported at all. ``progress``
    is called with ``"read"`` and then ``"parse"`` as each stage starts.
    """
    if progress is not None:
        progress("read")
    content_hash = hashlib.sha256(data).hexdigest()
    with gcpause.paused():  # millions of live lists: see analytics.ingest.gcpause
        staged = duckcsv.stage(data, file_name)  # a large CSV: its body is read by DuckDB
        if staged is None:
            table = read_bytes(data, file_name)
        else:
            del data  # (its body is in a file now: the bytes need not stay while DuckDB reads)
            table = duckcsv.read_staged(staged)
        return prepare_table(table, content_hash, options or ImportOptions(), progress)


def prepare(path: str | Path, options: ImportOptions | None = None,
            file_name: str | None = None) -> Prepared:
    """:func:`prepare_bytes` of a file on disk (read once); ``file_name`` is the name shown."""
    path = Path(path)
    return prepare_bytes(read_path(path, file_name), file_name or path.name, options)


