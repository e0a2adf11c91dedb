"""From a read table to canonical rows: the first step of an import (nothing is written).

:func:`prepare_bytes` reads an export held in memory (an upload, or a file read once)
and parses every record into a canonical row of METRICS.md §1, or a reject with its
line, raw text and reason. The result, a :class:`Prepared`, is what
:func:`analytics.ingest.importer.commit` writes in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from analytics.errors import UnusableFileError
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
from analytics.ingest.reading import RawTable, read_bytes, read_path
from analytics.store import OPPORTUNITY_COLUMN_NAMES

TEXT_FIELDS = ("account_id", "account_name", "opportunity_name", "owner", "stage", "loss_stage",
               "currency", "competitor", "loss_reason_raw", "loss_notes", "segment", "region",
               "industry", "product", "lead_source")
MONEY_FIELDS = {"amount": "amount", "competitor_price": "competitor price", "budget": "budget"}
DATE_FIELDS = {"created_date": "created date", "close_date": "close date"}
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


def prepare_bytes(data: bytes, file_name: str, options: ImportOptions | None = None) -> Prepared:
    """Read and parse one export held in memory, without touching the database.

    The content hash is taken of these same bytes. Raises :class:`UnusableFileError`
    (or :class:`MappingError`) for a file that cannot be imported at all.
    """
    table = read_bytes(data, file_name)
    return prepare_table(table, hashlib.sha256(data).hexdigest(), options or ImportOptions())


def prepare(path: str | Path, options: ImportOptions | None = None,
            file_name: str | None = None) -> Prepared:
    """:func:`prepare_bytes` of a file on disk (read once); ``file_name`` is the name shown."""
    path = Path(path)
    return prepare_bytes(read_path(path, file_name), file_name or path.name, options)


