"""Parsing a read CSV export a whole column at a time, in DuckDB (no Python loop per record).

:func:`parse_columns` takes the records of a :class:`~analytics.ingest.reading.RawTable`
and the :class:`~analytics.ingest.records.Reading` decided for it, and gives the same
rows, rejects and duplicate count as parsing record by record with
:func:`~analytics.ingest.records.parse_record`:

* the cells go to an in-memory DuckDB database as one text column each;
* exact repeats of an earlier record are found with a window over every cell;
* amounts, dates and fit scores are parsed by the SQL of :mod:`analytics.ingest.column_sql`,
  which also says, per record, whether every cell was in a form it reads exactly as
  Python does; the stage's outcome, the account key and the currency code are worked
  out by the Python functions once per distinct cell and joined back;
* the few records that are not (odd forms, and every record with an error) are parsed
  by :func:`parse_record` itself, which gives the reject reason;
* an opportunity id reused by a later record is found with a window, and rejected.

Text cells only (CSV); XLSX cells keep their Python types and are parsed record by record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from analytics.ingest import column_sql as sql
from analytics.ingest.cells import ParseError
from analytics.ingest.headers import LOST_TIME, WON_TIME, normalise_header
from analytics.ingest.identity import normalise_name
from analytics.ingest.limits import MAX_CELL_CHARS
from analytics.ingest.outcome import outcome_of
from analytics.ingest.reading import RawTable
from analytics.ingest.records import MONEY_FIELDS, TEXT_FIELDS, Reading, cell_text, parse_record
from analytics.ingest.rows import SCHEMA, Reject, rows_to_arrow
from analytics.store import OPPORTUNITY_COLUMNS


@dataclass(frozen=True)
class Parsed:
    rows: pa.Table  # the opportunities columns, import_id NULL, in file order
    rejects: list[Reject]  # in file order
    duplicates: int


def can_parse(table: RawTable) -> bool:
    """Whether :func:`parse_columns` reads this table: every cell is text (a CSV)."""
    return table.kind == "csv"


# --------------------------------------------------------------------------- cells in


def _cells_table(table: RawTable, reading: Reading) -> pa.Table:
    """One row per record: its position, line, cell count, the cells beyond the header's
    width joined (for the duplicate test), whether it must be parsed in Python, and one
    text column per header column (short records padded with NULL)."""
    width = reading.width
    records = table.records
    lengths = [len(cells) for _, cells in records]
    odd = [n > width or (n < width and not reading.pad_short) for n in lengths]
    padded = [cells if len(cells) == width else (cells + [None] * (width - len(cells)))[:width]
              for _, cells in records]
    tails: list[str | None] = [None] * len(records)
    for position in (i for i, n in enumerate(lengths) if n > width):
        tails[position] = "\x1f".join(str(c) for c in records[position][1][width:])
    columns = list(zip(*padded, strict=True)) if padded else [()] * width
    data = {"idx": pa.array(range(len(records)), pa.int64()),
            "line": pa.array([line for line, _ in records], pa.int64()),
            "n": pa.array(lengths, pa.int32()), "tail": pa.array(tails, pa.string()),
            "odd": pa.array(odd, pa.bool_())}
    data.update((f"c{i}", pa.array(column, pa.string())) for i, column in enumerate(columns))
    return pa.table(data)


# --------------------------------------------------------------------------- the SQL


def _close_order(reading: Reading, outcome: str) -> list[int]:
    """records._close_date's column order for a deal of this outcome."""
    cmap = reading.cmap
    preferred = WON_TIME if outcome == "won" else LOST_TIME if outcome == "lost" else None
    return sorted(cmap.close_columns, key=lambda i: normalise_header(cmap.headers[i]) != preferred)


def _field_stages(reading: Reading) -> tuple[list[dict[str, str]], list[str]]:
    """The staged parsers of every mapped value field (over the raw cells), and their
    tests (SQL over the names of the last stage)."""
    fields = reading.cmap.fields
    parsers: list[sql.Parser] = []
    for name in MONEY_FIELDS:
        if name in fields:
            parsers.append(sql.amount(name, f"c{fields[name]}", name in reading.decimal_commas))
    if "fit_score" in fields:
        parsers.append(sql.fit("fit_score", f"c{fields['fit_score']}", reading.scale))
    date_columns = set(reading.cmap.close_columns)
    if "created_date" in fields:
        date_columns.add(fields["created_date"])
    for index in sorted(date_columns):
        order = reading.orders.get(index)
        parsers.append(sql.date(f"d{index}", f"c{index}", bool(order and order.day_first)))
    stages: list[dict[str, str]] = [{} for _ in range(max((len(s) for s, _ in parsers), default=0))]
    for parser, _ in parsers:
        for stage, names in zip(stages, parser, strict=False):
            stage.update(names)
    return stages, [test for _, test in parsers]


def _text_of(reading: Reading, name: str) -> str:
    index = reading.cmap.fields.get(name)
    return "NULL::VARCHAR" if index is None else f"t{index}"


def _extras(reading: Reading) -> tuple[str, list[str]]:
    """records._extras_json as SQL, and the tests that it writes what json.dumps would."""
    import json

    extras = sorted(reading.cmap.extras.items(), key=lambda item: item[1])
    if not extras:
        return "'{}'", []
    pieces = ", ".join(
        f"CASE WHEN t{i} IS NOT NULL THEN {sql.quote(json.dumps(name, ensure_ascii=False) + ': ')}"
        f" || {sql.json_string(f't{i}')} END" for i, name in extras)
    safe = [f"(t{i} IS NULL OR {sql.json_safe(f't{i}')})" for i, _ in extras]
    return f"'{{' || concat_ws(', ', {pieces}) || '}}'", safe


def _assemble(reading: Reading, oks: list[str]) -> str:
    """The last stage: every opportunities column, and ``ok``."""
    fields = reading.cmap.fields
    text_of = {name: _text_of(reading, name) for name in TEXT_FIELDS}
    closes = {o: ", ".join(f"d{i}" for i in _close_order(reading, o)) or "NULL::DATE"
              for o in ("won", "lost", "open")}
    close = (f"CASE outcome WHEN 'won' THEN coalesce({closes['won']}, NULL::DATE) "
             f"WHEN 'lost' THEN coalesce({closes['lost']}, NULL::DATE) "
             f"ELSE coalesce({closes['open']}, NULL::DATE) END")
    created = f"d{fields['created_date']}" if "created_date" in fields else "NULL::DATE"
    amount_mark = "amount_cur" if "amount" in fields else "NULL::VARCHAR"
    currency = f"coalesce(currency_code, {amount_mark})"
    name, account = text_of["account_name"], text_of["account_id"]
    key = f"CASE WHEN {account} IS NOT NULL THEN {account} ELSE name_key END"
    stable = (f"'h-' || substr(sha1($dialect || chr(31) || coalesce({name}, '') || chr(31) || "
              f"coalesce({text_of['opportunity_name']}, '') || chr(31) || "
              f"coalesce(CAST({created} AS VARCHAR), '')), 1, 16)")
    extras, extras_safe = _extras(reading)
    # ``widest`` (of _query) counts bytes, which bound characters: a record within the
    # limit in bytes is within it in characters; one over it goes to parse_record.
    checks = ["NOT odd", f"{text_of['stage']} IS NOT NULL", f"widest <= {MAX_CELL_CHARS}",
              f"NOT (outcome IN ('won', 'lost') AND ({close}) IS NULL)", *oks, *extras_safe]
    columns = {
        **text_of,
        "opportunity_id": f"CASE WHEN {_text_of(reading, 'opportunity_id')} IS NOT NULL "
                          f"THEN {_text_of(reading, 'opportunity_id')} ELSE {stable} END",
        "account_key": key, "created_date": created, "close_date": close,
        "loss_stage": f"CASE WHEN outcome = 'lost' THEN {text_of['loss_stage']} END",
        "outcome": "outcome", "currency": currency,
        **{money: money if money in fields else "NULL::DOUBLE" for money in MONEY_FIELDS},
        "fit_score": "fit_score" if "fit_score" in fields else "NULL::DOUBLE",
        "loss_reason": "NULL::VARCHAR", "source": "$dialect", "source_line": "line",
        "extras": extras, "import_id": "NULL::INTEGER",
    }
    select = ", ".join(f"CAST({columns[c]} AS {t.split()[0].replace('JSON', 'VARCHAR')}) AS {c}"
                       for c, t in OPPORTUNITY_COLUMNS)
    return f"idx, {select}, coalesce({' AND '.join(checks)}, FALSE) AS ok"


def _query(reading: Reading) -> str:
    """The whole parse, as one SELECT over ``cells`` (non-repeated records only)."""
    width = reading.width
    texts = ", ".join(f"{sql.text(f'c{i}')} AS t{i}" for i in range(width))
    signature = ", ".join(["n", "tail", *(f"c{i}" for i in range(width))])
    widest = "greatest(" + ", ".join(f"strlen(c{i})" for i in range(width)) + ")"
    joins = " ".join(
        f"LEFT JOIN {table} {alias} ON {alias}.v = b.c{reading.cmap.fields[field]}"
        for field, alias, table in (("stage", "so", "stage_outcomes"), ("account_name", "nk", "name_keys"),
                                    ("currency", "cc", "currency_codes"))
        if field in reading.cmap.fields)
    looked_up = ", ".join(
        f"{f'{alias}.out' if field in reading.cmap.fields else 'NULL::VARCHAR'} AS {name}"
        for field, alias, name in (("stage", "so", "outcome"), ("account_name", "nk", "name_key"),
                                   ("currency", "cc", "currency_code")))
    ctes = [*sql.repeats("cells", signature),
            f"b AS (SELECT *, {texts}, {widest} AS widest FROM cells "
            "WHERE idx NOT IN (SELECT idx FROM repeats))",
            f"s0 AS (SELECT b.*, {looked_up} FROM b {joins})"]
    stages, oks = _field_stages(reading)
    for number, stage in enumerate(stages, start=1):
        body = ", ".join(f"{expr} AS {name}" for name, expr in stage.items()) or "NULL AS _none"
        ctes.append(f"s{number} AS (SELECT *, {body} FROM s{number - 1})")
    return f"WITH {', '.join(ctes)} SELECT {_assemble(reading, oks)} FROM s{len(stages)}"


# --------------------------------------------------------------------------- the parse


def _upper(text: str) -> str:
    return text.upper()


#: Per-value lookups done in Python, once per distinct cell (few values: stages, account
#: names, currency codes): field -> (table, function of the trimmed, non-blank text).
_LOOKUPS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "stage": ("stage_outcomes", outcome_of),
    "account_name": ("name_keys", lambda name: normalise_name(name) or None),
    "currency": ("currency_codes", _upper),
}


def _lookups(con: duckdb.DuckDBPyConnection, reading: Reading) -> None:
    """Register one table (cell ``v`` → ``out``) per lookup of a mapped field, built from
    the column's distinct cells (a blank cell has no row)."""
    for name, (table_name, function) in _LOOKUPS.items():
        index = reading.cmap.fields.get(name)
        cells = [] if index is None else [
            r[0] for r in con.execute(f"SELECT DISTINCT c{index} FROM cells").fetchall()]
        pairs = [(cell, function(text)) for cell in cells if (text := cell_text(cell)) is not None]
        con.register(table_name, pa.table({"v": pa.array([c for c, _ in pairs], pa.string()),
                                           "out": pa.array([o for _, o in pairs], pa.string())}))


def parse_one(table: RawTable, reading: Reading, line: int,
              cells: list[object]) -> dict[str, object] | Reject:
    """:func:`parse_record` of one record: its row (``source_line`` set) or its reject."""
    try:
        row = parse_record(cells, reading)
    except ParseError as exc:
        return Reject(line, table.raw_text(cells), str(exc))
    row["source_line"] = line
    return row


def reused_id_reason(opp_id: str, first_line: int) -> str:
    """The reject reason of a record whose opportunity id an earlier record has."""
    return (f"opportunity id {opp_id!r} already appears on line {first_line} of this file "
            "with other values; the first one was kept")


def _records_at(table: RawTable, idxs: Sequence[int]) -> dict[int, tuple[int, list[object]]]:
    """Records by position (``idx`` of the cells table): their line and cells."""
    if table.body is not None:
        return table.body.take(idxs)
    return {i: table.records[i] for i in idxs}


def _row_by_row(table: RawTable, reading: Reading,
                positions: Sequence[int]) -> tuple[list[dict[str, object]], list[Reject]]:
    """parse_record for the records the SQL left out."""
    found = _records_at(table, positions)
    parsed = [parse_one(table, reading, *found[position]) for position in sorted(positions)]
    return ([r for r in parsed if not isinstance(r, Reject)],
            [r for r in parsed if isinstance(r, Reject)])


def _reused_ids(con: duckdb.DuckDBPyConnection, table: RawTable) -> list[Reject]:
    """Reject every record (of table ``parsed``) whose opportunity id an earlier one has;
    their lines are left in table ``reused``."""
    con.execute("""CREATE OR REPLACE TEMP TABLE reused AS
                   SELECT line, opportunity_id, first_line FROM (
                       SELECT opportunity_id, unnest(lines[2:]) AS line, lines[1] AS first_line
                       FROM (SELECT opportunity_id, list(source_line ORDER BY source_line) AS lines
                             FROM parsed GROUP BY opportunity_id HAVING count(*) > 1))""")
    reused = con.execute("SELECT line, opportunity_id, first_line FROM reused ORDER BY line").fetchall()
    if not reused:
        return []
    if table.body is not None:
        position = table.body.idx_of_lines([line for line, _, _ in reused])
    else:
        position = {line: i for i, (line, _) in enumerate(table.records)}
    found = _records_at(table, [position[line] for line, _, _ in reused])
    return [Reject(line, table.raw_text(found[position[line]][1]), reused_id_reason(opp_id, first))
            for line, opp_id, first in reused]


def _register_cells(con: duckdb.DuckDBPyConnection, table: RawTable, reading: Reading) -> None:
    """``cells`` of :func:`_cells_table`: a view of a DuckDB-read body, else the records."""
    if table.body is None:
        con.register("cells", _cells_table(table, reading))
        return
    width = reading.width
    odd = f"(n > {int(width)} OR (n < {int(width)} AND NOT {bool(reading.pad_short)}))"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW cells AS SELECT idx, line, n, tail, {odd} AS odd,
                    {', '.join(f'c{i}' for i in range(width))} FROM records""")


def parse_columns(table: RawTable, reading: Reading) -> Parsed:
    """Rows, rejects and repeats of a text table, as the record-by-record parse gives them.

    The parse stays in DuckDB (table ``parsed``) until the one Arrow table of kept rows,
    in file order, is made at the end: at a million records each copy is ~250 MB."""
    con = duckdb.connect() if table.body is None else table.body.con
    try:
        _register_cells(con, table, reading)
        _lookups(con, reading)
        columns = ", ".join(SCHEMA.names)
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed_all AS {_query(reading)}",
                    {"dialect": reading.dialect})
        parsed_count = con.execute("SELECT count(*) FROM parsed_all").fetchone()[0]
        slow = [i for (i,) in con.execute("SELECT idx FROM parsed_all WHERE NOT ok").fetchall()]
        rows, rejects = _row_by_row(table, reading, slow)
        con.register("slow_rows", rows_to_arrow(rows))
        con.execute(f"""CREATE OR REPLACE TEMP TABLE parsed AS SELECT {columns} FROM parsed_all
                        WHERE ok UNION ALL SELECT {columns} FROM slow_rows""")
        con.execute("DROP TABLE parsed_all")
        con.unregister("slow_rows")
        rejects += _reused_ids(con, table)
        if table.body is not None:
            table.body.release()  # every record needed is read: free them before the copy
        kept = con.execute(f"""SELECT {columns} FROM parsed WHERE source_line NOT IN
                               (SELECT line FROM reused) ORDER BY source_line""").to_arrow_table()
        con.execute("DROP TABLE parsed")
        con.execute("DROP TABLE reused")
    finally:
        if table.body is None:
            con.close()
    rejects.sort(key=lambda r: r.line)
    return Parsed(kept.cast(SCHEMA), rejects, table.record_count - parsed_count)
