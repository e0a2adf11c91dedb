"""The importer as it was before the columnar parse: every record parsed in a Python loop.

Kept as the reference the columnar importer (analytics/ingest/columnar.py) is held
against: :func:`reference_prepare_bytes` reads and plans a file with the importer's own
reading and planning steps (they are unchanged), then parses it record by record with
the copy of ``records.parse_record`` and ``normalise._parse_records`` below (as they
were at commit 98955e2). Only the pure cell parsers are imported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date

from analytics.ingest import normalise
from analytics.ingest.headers import LOST_TIME, WON_TIME, ColumnMap, normalise_header
from analytics.ingest.identity import account_key
from analytics.ingest.limits import MAX_CELL_CHARS, SHOWN_CHARS, clip
from analytics.ingest.outcome import outcome_of
from analytics.ingest.parsing import ParseError, parse_amount, parse_date, parse_fit_value
from analytics.ingest.reading import RawTable, read_bytes
from analytics.ingest.records import (
    MONEY_FIELDS,
    TEXT_FIELDS,
    Reading,
    cell_text,
    parser_value,
)
from analytics.ingest.rows import Reject, Rows, rows_to_arrow
from analytics.store import OPPORTUNITY_COLUMN_NAMES


def _stable_id(dialect: str, row: Mapping[str, object]) -> str:
    key = "\x1f".join(str(row.get(k) or "") for k in ("account_name", "opportunity_name"))
    created = row.get("created_date")
    digest = hashlib.sha1(f"{dialect}\x1f{key}\x1f{created or ''}".encode()).hexdigest()
    return f"h-{digest[:16]}"


def _padded(cells: list[object], reading: Reading) -> list[object]:
    """The record's cells, padded to the header's width; extra non-blank cells, missing
    cells (unless the file drops trailing empty values) and overlong values are errors."""
    width = reading.width
    if (len(cells) > width and any(cell_text(c) for c in cells[width:])) or (
            len(cells) < width and not reading.pad_short):
        raise ParseError(f"the row has {len(cells)} values but the header has {width} columns")
    if any(type(c) is str and len(c) > MAX_CELL_CHARS for c in cells):
        index = next(i for i, c in enumerate(cells) if type(c) is str and len(c) > MAX_CELL_CHARS)
        column = reading.cmap.headers[index] if index < width else f"column {index + 1}"
        raise ParseError(f"the value in column {clip(column, SHOWN_CHARS)!r} has "
                         f"{len(str(cells[index])):,} characters; at most {MAX_CELL_CHARS:,} are read")
    return list(cells) + [None] * (width - len(cells))


def _stage_outcome(stage: object) -> str:
    """The outcome a stage cell tells; a blank stage is an error."""
    if not stage:
        raise ParseError("stage is blank")
    return outcome_of(str(stage))


def _money(cells: list[object], reading: Reading, currency: object) -> dict[str, object]:
    """The money fields, and the currency (the column's, else the one the amount names)."""
    fields = reading.cmap.fields
    out: dict[str, object] = {}
    for name, what in MONEY_FIELDS.items():
        if name in fields:
            amount = parse_amount(parser_value(cells[fields[name]]), what=what,
                                  decimal_comma=name in reading.decimal_commas)
            out[name] = amount.value
            if name == "amount" and amount.currency and not currency:
                currency = amount.currency
    out["currency"] = str(currency).upper() if currency else currency
    return out


def _fit_score(cells: list[object], reading: Reading) -> float | None:
    """The fit score on 0–100 (the column's scale applied), None when there is none."""
    index = reading.cmap.fields.get("fit_score")
    if index is None:
        return None
    raw = parse_fit_value(parser_value(cells[index]))
    if raw is None:
        return None
    score = raw * reading.scale
    if not 0 <= score <= 100:
        raise ParseError(f"fit score {cell_text(cells[index])!r} is outside 0–100")
    return score


def _date_cell(cells: list[object], index: int, reading: Reading, what: str) -> date | None:
    order = reading.orders.get(index)
    return parse_date(parser_value(cells[index]), day_first=bool(order and order.day_first), what=what)


def _close_date(cells: list[object], reading: Reading, outcome: str) -> date | None:
    """The first close date found, the column that fits the outcome first (Pipedrive's won /
    lost time); every close cell must be readable, and a decided deal must have one."""
    cmap = reading.cmap
    close_columns = list(cmap.close_columns)
    if len(close_columns) > 1:
        preferred = WON_TIME if outcome == "won" else LOST_TIME if outcome == "lost" else None
        close_columns.sort(key=lambda i: normalise_header(cmap.headers[i]) != preferred)
    close: date | None = None
    for index in close_columns:
        parsed = _date_cell(cells, index, reading, "close date")
        if parsed is not None and close is None:
            close = parsed
    if outcome in ("won", "lost") and close is None:
        raise ParseError(f"{outcome} deal has no close date")
    return close


def _extras_json(cells: list[object], cmap: ColumnMap) -> str:
    """The unmapped columns that have a value, as JSON header -> text."""
    extras = {cmap.extras[i]: text for i in cmap.extras if (text := cell_text(cells[i])) is not None}
    return json.dumps(extras, ensure_ascii=False, default=str, sort_keys=True)


def parse_record(cells: list[object], reading: Reading) -> dict[str, object]:
    """One record → a canonical row; raises ParseError with the reject reason.

    The checks run in a fixed order (width, stage, money, fit, created date, close
    date), so a record with several problems is rejected for the first one.

    >>> from analytics.ingest.headers import build_column_map
    >>> cmap = build_column_map(["Stage", "Amount", "Close Date", "Account"])
    >>> reading = Reading("salesforce", cmap, {}, 1.0, 4, frozenset())
    >>> row = parse_record(["Closed Won", "$1,200", "2024-03-15", " Acme "], reading)
    >>> row["outcome"], row["amount"], row["currency"], row["close_date"], row["account_name"]
    ('won', 1200.0, 'USD', datetime.date(2024, 3, 15), 'Acme')
    >>> parse_record(["Closed Lost", "5", "", "Acme"], reading)
    Traceback (most recent call last):
    ...
    analytics.ingest.cells.ParseError: lost deal has no close date
    """
    cells = _padded(cells, reading)
    fields = reading.cmap.fields
    row: dict[str, object] = dict.fromkeys(OPPORTUNITY_COLUMN_NAMES)
    row.update((name, cell_text(cells[fields[name]])) for name in TEXT_FIELDS if name in fields)
    outcome = row["outcome"] = _stage_outcome(row["stage"])
    if outcome != "lost":
        row["loss_stage"] = None
    row.update(_money(cells, reading, row["currency"]))
    row["fit_score"] = _fit_score(cells, reading)
    if "created_date" in fields:
        row["created_date"] = _date_cell(cells, fields["created_date"], reading, "created date")
    row["close_date"] = _close_date(cells, reading, outcome)
    row["account_key"] = account_key(row["account_id"], row["account_name"])  # type: ignore[arg-type]
    row["opportunity_id"] = (cell_text(cells[fields["opportunity_id"]]) if "opportunity_id" in fields
                             else None) or _stable_id(reading.dialect, row)
    row["extras"] = _extras_json(cells, reading.cmap)
    row["source"] = reading.dialect
    return row


def parse_records(table: RawTable, reading: Reading) -> tuple[list[dict[str, object]], list[Reject], int]:
    """Every record parsed: exact repeats skipped, a reused opportunity id rejected."""
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
        try:
            row = parse_record(cells, reading)
        except ParseError as exc:
            rejects.append(Reject(line, table.raw_text(cells), str(exc)))
            continue
        row["source_line"] = line
        opp_id = str(row["opportunity_id"])
        if opp_id in line_of_id:
            rejects.append(Reject(line, table.raw_text(cells),
                                  f"opportunity id {opp_id!r} already appears on line "
                                  f"{line_of_id[opp_id]} of this file with other values; "
                                  "the first one was kept"))
            continue
        line_of_id[opp_id] = line
        rows.append(row)
    return rows, rejects, duplicates


def reference_prepare_table(table: RawTable, content_hash: str,
                            options: normalise.ImportOptions) -> normalise.Prepared:
    """normalise.prepare_table with the record-by-record parse."""
    from analytics.ingest import dialects

    dialect = dialects.resolve(options.source, table.header, footer_seen=table.footer_lines > 0)
    cmap = normalise._column_map(table, options)
    reading, notes = normalise._plan_reading(table, dialect, cmap, options)
    rows, rejects, duplicates = parse_records(table, reading)
    records = normalise._Records(Rows(rows_to_arrow(rows)), rejects, duplicates)
    notes += normalise._outcome_notes(table, records)
    return normalise.Prepared(table.file_name, content_hash, dialect, table, cmap, records.rows,
                              rejects, duplicates, notes, options)


def reference_prepare_bytes(data: bytes, file_name: str,
                            options: normalise.ImportOptions | None = None) -> normalise.Prepared:
    table = read_bytes(data, file_name)
    return reference_prepare_table(table, hashlib.sha256(data).hexdigest(),
                                   options or normalise.ImportOptions())
