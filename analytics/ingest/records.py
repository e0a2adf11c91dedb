"""One record of an export → one canonical row of METRICS.md §1 (pure, no I/O).

:func:`parse_record` reads the cells of one record the way a :class:`Reading`
says (decided once per file by :mod:`analytics.ingest.normalise`) and raises
:class:`ParseError` with the reject reason for a record that breaks a rule.

>>> cell_text("  Acme "), cell_text(1200.0), cell_text("   ")
('Acme', '1200', None)
>>> parser_value(" 1,200 "), parser_value(""), parser_value(3.5)
('1,200', None, 3.5)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from analytics.ingest.headers import LOST_TIME, WON_TIME, ColumnMap, normalise_header
from analytics.ingest.identity import account_key
from analytics.ingest.limits import MAX_CELL_CHARS, SHOWN_CHARS, clip
from analytics.ingest.outcome import outcome_of
from analytics.ingest.parsing import (
    DateOrder,
    ParseError,
    is_blank,
    parse_amount,
    parse_date,
    parse_fit_value,
)
from analytics.store import OPPORTUNITY_COLUMN_NAMES

#: Fields stored as the cell's trimmed text.
TEXT_FIELDS = ("account_id", "account_name", "opportunity_name", "owner", "stage", "loss_stage",
               "currency", "competitor", "loss_reason_raw", "loss_notes", "segment", "region",
               "industry", "product", "lead_source")
#: Money fields → their name in reject reasons.
MONEY_FIELDS = {"amount": "amount", "competitor_price": "competitor price", "budget": "budget"}
DATE_FIELDS = {"created_date": "created date", "close_date": "close date"}


def cell_text(value: object) -> str | None:
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


def parser_value(value: object) -> object:
    """A number / date cell for its parser: XLSX numbers and dates as they are, text
    trimmed, blank as None. Anything else non-blank goes to the parser, which rejects
    what it cannot read (placeholders like ``n/a`` included, per the contract)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    return None if is_blank(text) else text


def _stable_id(dialect: str, row: Mapping[str, object]) -> str:
    key = "\x1f".join(str(row.get(k) or "") for k in ("account_name", "opportunity_name"))
    created = row.get("created_date")
    digest = hashlib.sha1(f"{dialect}\x1f{key}\x1f{created or ''}".encode()).hexdigest()
    return f"h-{digest[:16]}"


@dataclass(frozen=True)
class Reading:
    """How every record of one file is read, decided once from its columns."""

    dialect: str
    cmap: ColumnMap
    orders: Mapping[int, DateOrder]  # column -> slash-date order
    scale: float  # fit score multiplier to 0–100
    width: int  # columns in the header
    decimal_commas: frozenset[str]  # money fields whose column writes a decimal comma
    #: Whether a record may omit trailing values (read as blank): True when some record of
    #: the file reaches the header's last named column, so its exporter drops trailing
    #: empty values; False when none does, so short records are rejected.
    pad_short: bool = True


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
