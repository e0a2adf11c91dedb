"""Importing CRM exports into the store, listing imports, and undoing them.

An import is two steps. :func:`prepare` reads and parses a file entirely in
memory and raises :class:`UnusableFileError` for a file that cannot be used;
nothing is written. :func:`commit` then writes the prepared rows in ONE
transaction: new rows are inserted, rows whose ``opportunity_id`` already
exists are replaced (the old version is kept in ``replaced_rows`` so
:func:`undo` can restore it), identical rows are left alone, and rows that
break the reject rules of METRICS.md §1 are stored in ``rejected_rows`` with
their line, raw text and reason. Any error rolls the whole import back.

Every record of the file is accounted for::

    rows_read = loaded + updated + unchanged + duplicates + rejected

where ``duplicates`` are exact repeats of an earlier line of the same file.
Blank lines and report footers are not records.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.categories import recategorise
from analytics.errors import UndoError, UnusableFileError
from analytics.ingest import dialects
from analytics.ingest.headers import (
    LOST_TIME,
    WON_TIME,
    ColumnMap,
    build_column_map,
    normalise_header,
)
from analytics.ingest.identity import account_key
from analytics.ingest.outcome import outcome_of
from analytics.ingest.parsing import (
    DateOrder,
    ParseError,
    detect_date_order,
    detect_decimal_comma,
    fit_scale,
    has_order,
    is_blank,
    parse_amount,
    parse_date,
    parse_fit_value,
)
from analytics.ingest.reading import RawTable, read_table
from analytics.store import OPPORTUNITY_COLUMN_NAMES, OPPORTUNITY_COLUMNS

TEXT_FIELDS = ("account_id", "account_name", "opportunity_name", "owner", "stage", "loss_stage",
               "currency", "competitor", "loss_reason_raw", "loss_notes", "segment", "region",
               "industry", "product", "lead_source")
MONEY_FIELDS = {"amount": "amount", "competitor_price": "competitor price", "budget": "budget"}
DATE_FIELDS = {"created_date": "created date", "close_date": "close date"}
#: Columns compared to decide whether a re-imported row changed.
COMPARED = tuple(c for c in OPPORTUNITY_COLUMN_NAMES
                 if c not in ("import_id", "source_line", "loss_reason"))
_ARROW_TYPES = {"VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64(),
                "INTEGER": pa.int32(), "JSON": pa.string()}


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file: forced dialect, the user's column mapping, slash-date order."""

    source: str = "auto"
    mapping: Mapping[str, str] = field(default_factory=dict)  # header -> field
    day_first: bool = False  # order for slash-date columns the data cannot decide


@dataclass
class Reject:
    line: int
    raw: str
    reason: str


@dataclass
class Prepared:
    """A parsed file, ready to commit."""

    file_name: str
    content_hash: str
    dialect: str
    table: RawTable
    column_map: ColumnMap
    rows: list[dict[str, object]]
    rejects: list[Reject]
    duplicates: int
    notes: list[str]
    options: ImportOptions

    @property
    def rows_read(self) -> int:
        return len(self.table.records)


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


# --------------------------------------------------------------------------- parsing


def _text(value: object) -> str | None:
    """A cell as trimmed text (None when blank); whole floats from XLSX lose their '.0'."""
    if type(value) is str:  # the common case, kept fast
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    text = str(value).strip()
    return text or None


def _choose_stage_column(cmap: ColumnMap, records: Sequence[tuple[int, list[object]]]) -> None:
    """When several columns look like a stage (Pipedrive has Status and Stage), use the one
    that tells the most deals won or lost; a plain "Stage" column left over becomes loss_stage."""
    candidates = cmap.stage_candidates
    if len(candidates) < 2:
        return

    def decided(index: int) -> int:
        return sum(1 for _, cells in records[:5000]
                   if index < len(cells) and outcome_of(_text(cells[index])) != "open")

    best = max(candidates, key=lambda i: (decided(i), -candidates.index(i)))
    cmap.fields["stage"] = best
    for index in candidates:
        if index == best:
            continue
        if "loss_stage" not in cmap.fields and normalise_header(cmap.headers[index]) in (
                "stage", "dealstage", "pipelinestage"):
            cmap.fields["loss_stage"] = index
        else:
            cmap.keep(index)


def _column_values(records: Iterable[tuple[int, list[object]]], index: int) -> Iterable[object]:
    for _, cells in records:
        if index < len(cells):
            yield cells[index]


def _date_orders(table: RawTable, cmap: ColumnMap, day_first: bool,
                 notes: list[str]) -> dict[int, DateOrder]:
    """The slash-date order of each date column, with a note when it was a guess."""
    orders: dict[int, DateOrder] = {}
    columns = list(dict.fromkeys(
        ([cmap.fields["created_date"]] if "created_date" in cmap.fields else [])
        + cmap.close_columns))
    for index in columns:
        texts = [v for v in _column_values(table.records, index) if isinstance(v, str)]
        order = detect_date_order(texts, default_day_first=day_first)
        orders[index] = order
        header = cmap.headers[index]
        if order.conflicting:
            notes.append(f"Column {header!r} mixes day-first and month-first dates; read as "
                         f"{'day' if order.day_first else 'month'}-first, the others are rejected.")
        elif order.ambiguous and any(has_order(t) for t in texts):
            notes.append(f"Column {header!r}: every slash date could be either order; read "
                         f"{'day' if order.day_first else 'month'}-first as chosen "
                         f"(use --day-first / the import option to change it).")
    return orders


def _fit_scale(table: RawTable, cmap: ColumnMap, notes: list[str]) -> float:
    index = cmap.fields.get("fit_score")
    if index is None:
        return 1.0
    values: list[float] = []
    for value in _column_values(table.records, index):
        try:
            number = parse_fit_value(_value(value))
        except ParseError:
            continue
        if number is not None:
            values.append(number)
    scale = fit_scale(values)
    if scale != 1:
        label = {100.0: "0–1", 20.0: "1–5", 10.0: "1–10"}.get(scale, f"×{scale:g}")
        notes.append(f"Column {cmap.headers[index]!r} read as a {label} score, "
                     f"scaled ×{scale:g} to 0–100.")
    return scale


def _stable_id(dialect: str, row: Mapping[str, object]) -> str:
    key = "\x1f".join(str(row.get(k) or "") for k in ("account_name", "opportunity_name"))
    created = row.get("created_date")
    digest = hashlib.sha1(f"{dialect}\x1f{key}\x1f{created or ''}".encode()).hexdigest()
    return f"h-{digest[:16]}"


def _parse_record(cells: list[object], cmap: ColumnMap, dialect: str, orders: dict[int, DateOrder],
                  scale: float, width: int,
                  decimal_commas: frozenset[str] = frozenset()) -> dict[str, object]:
    """One record → a canonical row; raises ParseError with the reject reason."""
    if len(cells) > width and any(_text(c) for c in cells[width:]):
        raise ParseError(f"the row has {len(cells)} values but the header has {width} columns")
    cells = list(cells) + [None] * (width - len(cells))
    fields = cmap.fields
    row: dict[str, object] = dict.fromkeys(OPPORTUNITY_COLUMN_NAMES)
    for name in TEXT_FIELDS:
        if name in fields:
            row[name] = _text(cells[fields[name]])
    if not row["stage"]:
        raise ParseError("stage is blank")
    outcome = outcome_of(str(row["stage"]))
    row["outcome"] = outcome
    if outcome != "lost":
        row["loss_stage"] = None

    for name, what in MONEY_FIELDS.items():
        if name in fields:
            amount = parse_amount(_value(cells[fields[name]]), what=what,
                                  decimal_comma=name in decimal_commas)
            row[name] = amount.value
            if name == "amount" and amount.currency and not row["currency"]:
                row["currency"] = amount.currency
    if row["currency"]:
        row["currency"] = str(row["currency"]).upper()

    if "fit_score" in fields:
        value = cells[fields["fit_score"]]
        raw = parse_fit_value(_value(value))
        if raw is not None:
            score = raw * scale
            if not 0 <= score <= 100:
                raise ParseError(f"fit score {_text(value)!r} is outside 0–100")
            row["fit_score"] = score

    if "created_date" in fields:
        index = fields["created_date"]
        order = orders.get(index)
        row["created_date"] = parse_date(_value(cells[index]),
                                         day_first=bool(order and order.day_first),
                                         what="created date")
    close_columns = list(cmap.close_columns)
    if len(close_columns) > 1:
        preferred = WON_TIME if outcome == "won" else LOST_TIME if outcome == "lost" else None
        close_columns.sort(key=lambda i: normalise_header(cmap.headers[i]) != preferred)
    close: date | None = None
    for index in close_columns:
        order = orders.get(index)
        parsed = parse_date(_value(cells[index]), day_first=bool(order and order.day_first),
                            what="close date")
        if parsed is not None and close is None:
            close = parsed
    row["close_date"] = close
    if outcome in ("won", "lost") and close is None:
        raise ParseError(f"{outcome} deal has no close date")

    if row["competitor"] is not None:
        row["competitor"] = str(row["competitor"]).strip() or None
    row["account_key"] = account_key(row["account_id"], row["account_name"])  # type: ignore[arg-type]
    row["opportunity_id"] = _text(cells[fields["opportunity_id"]]) if "opportunity_id" in fields else None
    if not row["opportunity_id"]:
        row["opportunity_id"] = _stable_id(dialect, row)
    extras = {cmap.extras[i]: _text(cells[i]) for i in cmap.extras if _text(cells[i]) is not None}
    row["extras"] = json.dumps(extras, ensure_ascii=False, default=str, sort_keys=True)
    row["source"] = dialect
    return row


def _value(value: object) -> object:
    """A number / date cell for its parser: XLSX numbers and dates as they are, text
    trimmed, blank as None. Anything else non-blank goes to the parser, which rejects
    what it cannot read (placeholders like ``n/a`` included, per the contract)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    return None if is_blank(text) else text


def prepare_table(table: RawTable, content_hash: str, options: ImportOptions) -> Prepared:
    """Parse an already-read table (see :func:`prepare`)."""
    dialect = dialects.resolve(options.source, table.header, footer_seen=table.footer_lines > 0)
    cmap = build_column_map(table.header, options.mapping, file_name=table.file_name)
    if "stage" not in cmap.fields:
        raise UnusableFileError(
            table.file_name, "no column is mapped to stage, so won, lost and open deals cannot be "
            "told apart", "Map the column that holds the stage or status, e.g. --map Status=stage.")
    _choose_stage_column(cmap, table.records)
    notes = list(table.notes)
    if table.encoding not in ("utf-8", "xlsx"):
        notes.append(f"Read as {table.encoding} text.")
    orders = _date_orders(table, cmap, options.day_first, notes)
    scale = _fit_scale(table, cmap, notes)
    decimal_commas = frozenset(
        name for name in MONEY_FIELDS if name in cmap.fields
        and detect_decimal_comma(_column_values(table.records, cmap.fields[name])))
    if "close_date" not in cmap.fields:
        notes.append("No close-date column: every won or lost deal is rejected. "
                     "Map one with --map HEADER=close_date.")

    rows: list[dict[str, object]] = []
    rejects: list[Reject] = []
    seen_records: set[tuple[str, ...]] = set()
    line_of_id: dict[str, int] = {}
    duplicates = 0
    width = len(table.header)
    for line, cells in table.records:
        signature = tuple("" if c is None else str(c) for c in cells)
        if signature in seen_records:
            duplicates += 1
            continue
        seen_records.add(signature)
        try:
            row = _parse_record(cells, cmap, dialect, orders, scale, width, decimal_commas)
        except ParseError as exc:
            rejects.append(Reject(line, table.raw_text(cells), str(exc)))
            continue
        row["source_line"] = line
        opp_id = str(row["opportunity_id"])
        if opp_id in line_of_id:
            earlier = line_of_id[opp_id]
            rejects.append(Reject(line, table.raw_text(cells),
                                  f"opportunity id {opp_id!r} already appears on line {earlier} "
                                  "of this file with other values; the first one was kept"))
            continue
        line_of_id[opp_id] = line
        rows.append(row)
    if table.records and not rows and len(rejects) == len(table.records) - duplicates:
        reasons = Counter(r.reason.split("'")[0] for r in rejects).most_common(1)[0][0]
        notes.append(f"No row could be loaded; most common problem: {reasons.strip()}.")
    if table.footer_lines:
        notes.append(f"Skipped {table.footer_lines} report footer line(s).")
    return Prepared(table.file_name, content_hash, dialect, table, cmap, rows, rejects,
                    duplicates, notes, options)


def prepare(path: str | Path, options: ImportOptions | None = None,
            file_name: str | None = None) -> Prepared:
    """Read and parse one export without touching the database.

    Raises :class:`UnusableFileError` (or :class:`MappingError`) for a file that
    cannot be imported at all.
    """
    path = Path(path)
    options = options or ImportOptions()
    table = read_table(path, file_name)
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    return prepare_table(table, content_hash, options)


# --------------------------------------------------------------------------- writing


def _arrow(rows: list[dict[str, object]]) -> pa.Table:
    columns = {}
    for name, sql_type in OPPORTUNITY_COLUMNS:
        arrow_type = _ARROW_TYPES[sql_type.split()[0]]
        columns[name] = pa.array([r.get(name) for r in rows], type=arrow_type)
    return pa.table(columns)


def commit(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, now: datetime) -> ImportResult:
    """Write a prepared file in one transaction and return its counts."""
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        import_id = cur.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0]
        for row in prepared.rows:
            row["import_id"] = import_id
        incoming = _arrow(prepared.rows)
        cur.register("incoming_arrow", incoming)
        cur.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM incoming_arrow")
        cur.unregister("incoming_arrow")
        same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM i.{c}" for c in COMPARED)
        cur.execute(
            f"""CREATE OR REPLACE TEMP TABLE matched AS
                SELECT i.opportunity_id, ({same}) AS same
                FROM incoming i JOIN opportunities o USING (opportunity_id)""")
        updated, unchanged = cur.execute(
            "SELECT count(*) FILTER (WHERE NOT same), count(*) FILTER (WHERE same) FROM matched"
        ).fetchone()
        cols = ", ".join(OPPORTUNITY_COLUMN_NAMES)
        cur.execute(
            f"""INSERT INTO replaced_rows ({cols}, replaced_by)
                SELECT {', '.join('o.' + c for c in OPPORTUNITY_COLUMN_NAMES)}, ?
                FROM opportunities o JOIN matched m USING (opportunity_id) WHERE NOT m.same""",
            [import_id])
        cur.execute("""DELETE FROM opportunities WHERE opportunity_id IN
                       (SELECT opportunity_id FROM matched WHERE NOT same)""")
        cur.execute(
            f"""INSERT INTO opportunities ({cols}) SELECT {cols} FROM incoming
                WHERE opportunity_id NOT IN (SELECT opportunity_id FROM matched WHERE same)""")
        recategorise(cur, "import_id = ?", [import_id])
        if prepared.rejects:
            cur.executemany("INSERT INTO rejected_rows VALUES (?, ?, ?, ?)",
                            [[import_id, r.line, r.raw, r.reason] for r in prepared.rejects])
        loaded = len(prepared.rows) - updated - unchanged
        notes = list(prepared.notes)
        twin = cur.execute(
            "SELECT min(import_id) FROM imports WHERE content_hash = ? AND undone_at IS NULL",
            [prepared.content_hash]).fetchone()[0]
        if twin is not None:
            notes.append(f"The same file was already imported as import #{twin}.")
        options = {"source": prepared.options.source, "day_first": prepared.options.day_first,
                   "user_mapping": dict(prepared.options.mapping),
                   "encoding": prepared.table.encoding, "delimiter": prepared.table.delimiter,
                   "kind": prepared.table.kind}
        cur.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [import_id, prepared.file_name, prepared.content_hash, prepared.dialect,
             json.dumps(prepared.column_map.describe()), json.dumps(options), json.dumps(notes),
             prepared.rows_read, loaded, updated, unchanged, prepared.duplicates,
             len(prepared.rejects), now])
        cur.execute("DROP TABLE incoming")
        cur.execute("DROP TABLE matched")
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return ImportResult(import_id, prepared.file_name, prepared.dialect, prepared.rows_read,
                        loaded, updated, unchanged, prepared.duplicates, len(prepared.rejects),
                        tuple(notes))


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
    """Import an upload held in memory (written once to a temporary file)."""
    suffix = Path(file_name).suffix or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        return commit(con, prepare(handle.name, options, file_name), now=now)


# --------------------------------------------------------------------------- history


def list_imports(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every import, newest first, with its counts and whether it was undone."""
    return cur.execute(
        """SELECT import_id, file_name, dialect, imported_at, rows_read, loaded, updated,
                  unchanged, duplicates, rejected, undone_at, notes, mapping
           FROM imports ORDER BY import_id DESC""").df()


def rejected_rows(cur: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """The rejected rows of one import: line, reason, raw text."""
    return cur.execute(
        "SELECT line, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY line",
        [import_id]).df()


@dataclass(frozen=True)
class UndoResult:
    import_id: int
    removed: int
    restored: int


def undo(con: duckdb.DuckDBPyConnection, import_id: int, *, now: datetime) -> UndoResult:
    """Remove what an import wrote and restore the rows it replaced.

    An import whose rows were since replaced by a later import cannot be undone
    before that later one (undo them newest first).
    """
    cur = con.cursor()
    found = cur.execute("SELECT undone_at FROM imports WHERE import_id = ?", [import_id]).fetchone()
    if found is None:
        raise UndoError(f"There is no import #{import_id}; list them with "
                        "`python -m analytics imports`.")
    if found[0] is not None:
        raise UndoError(f"Import #{import_id} was already undone on {found[0]:%Y-%m-%d %H:%M}.")
    later = cur.execute(
        """SELECT min(r.replaced_by) FROM replaced_rows r
           WHERE r.import_id = ? AND r.replaced_by > ?""", [import_id, import_id]).fetchone()[0]
    if later is not None:
        raise UndoError(f"Import #{import_id} was since updated by import #{later}; "
                        f"undo import #{later} first.")
    cols = ", ".join(OPPORTUNITY_COLUMN_NAMES)
    cur.execute("BEGIN TRANSACTION")
    try:
        removed = cur.execute("SELECT count(*) FROM opportunities WHERE import_id = ?",
                              [import_id]).fetchone()[0]
        cur.execute("DELETE FROM opportunities WHERE import_id = ?", [import_id])
        restored = cur.execute("SELECT count(*) FROM replaced_rows WHERE replaced_by = ?",
                               [import_id]).fetchone()[0]
        cur.execute(f"INSERT INTO opportunities ({cols}) SELECT {cols} FROM replaced_rows "
                    "WHERE replaced_by = ?", [import_id])
        # Overrides may have changed since these rows were replaced.
        recategorise(cur, "opportunity_id IN (SELECT opportunity_id FROM replaced_rows "
                          "WHERE replaced_by = ?)", [import_id])
        cur.execute("DELETE FROM replaced_rows WHERE replaced_by = ?", [import_id])
        cur.execute("UPDATE imports SET undone_at = ? WHERE import_id = ?", [now, import_id])
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return UndoResult(import_id, removed, restored)
