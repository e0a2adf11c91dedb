"""The SQL cell parsers of analytics.ingest.column_sql against the Python ones, cell by cell.

Many cells are generated in the forms the SQL reads (parentheses, signs, currency symbols
and ISO codes before or after, groups of ``,`` ``.`` space NBSP narrow NBSP apostrophe,
ISO / slash / dotted / month-name dates with times, two-digit years, fit scores with
``%``) and in near misses (two marks, a sign and parentheses, uneven groups, mixed date
separators, unknown month names, days a month lacks, years out of range, odd
whitespace). For each cell the SQL says ``ok`` or not; when it says ``ok`` its value must
be the one the Python parser gives (a second, independent implementation), and the Python
parser must not reject the cell. The forms the brief names must be read in SQL.
"""

from __future__ import annotations

import datetime
import json
import random

import duckdb
import pyarrow as pa
import pytest

from analytics.ingest import column_sql as sql
from analytics.ingest.amounts import parse_amount
from analytics.ingest.cells import ParseError
from analytics.ingest.dates import parse_date
from analytics.ingest.records import cell_text, parser_value
from analytics.ingest.scores import parse_fit_value

SPACES = [" ", "\u00a0", "\u202f", "\t"]


def run(parser: sql.Parser, cells: list[str | None]) -> list[tuple[object, bool, object]]:
    """(value, ok, currency or None) of every cell, by the parser's SQL."""
    stages, test = parser
    name = next(n for n in stages[-1] if not n.endswith("_cur"))
    cur = f"{name}_cur" if f"{name}_cur" in stages[-1] else "NULL"
    ctes = ["s0 AS (SELECT i, c AS c0 FROM cells)"]
    for k, stage in enumerate(stages, start=1):
        body = ", ".join(f"{expr} AS {n}" for n, expr in stage.items())
        ctes.append(f"s{k} AS (SELECT *, {body} FROM s{k - 1})")
    con = duckdb.connect()
    try:
        con.register("cells", pa.table({"i": pa.array(range(len(cells)), pa.int64()),
                                        "c": pa.array(cells, pa.string())}))
        rows = con.execute(f"WITH {', '.join(ctes)} SELECT i, {name}, coalesce({test}, FALSE), {cur} "
                           f"FROM s{len(stages)} ORDER BY i").fetchall()
    finally:
        con.close()
    return [(value, ok, currency) for _, value, ok, currency in rows]


def python(parse, cell: str | None) -> tuple[bool, object]:  # type: ignore[no-untyped-def]
    try:
        return True, parse(parser_value(cell))
    except ParseError:
        return False, None


def same(got: object, want: object) -> bool:
    """Equal, and a float with the same sign (-0.0 is not 0.0)."""
    if isinstance(got, tuple) and isinstance(want, tuple):
        return len(got) == len(want) and all(same(a, b) for a, b in zip(got, want, strict=True))
    if isinstance(got, float) or isinstance(want, float):
        return type(got) is type(want) and repr(got) == repr(want)
    return got == want


def assert_agrees(parser: sql.Parser, cells: list[str | None], parse,  # type: ignore[no-untyped-def]
                  currency=None) -> float:  # type: ignore[no-untyped-def]
    """Every cell the SQL reads has the Python value; the share it reads of the cells
    Python reads."""
    wrong = []
    results = run(parser, cells)
    readable = 0
    for cell, (value, ok, cur) in zip(cells, results, strict=True):
        good, expected = python(parse, cell)
        readable += good
        if not ok:
            continue
        got = (value, cur) if currency else value
        want = ((None, None) if expected is None else currency(expected)) if currency else expected
        if not good or not same(got, want):
            wrong.append((cell, got, good, want))
    assert not wrong, wrong[:20]
    return sum(ok for _, ok, _ in results) / readable


# --------------------------------------------------------------------------- amounts

_PREFIXES = ["", "", "", "$", "€", "£", "¥", "₹", "USD ", "USD", "EUR ", "US$", "C$", "CA$", "A$ ",
             "XYZ ", "usd ", "AB$", "USD$", "$ ", "€\u00a0", "R$", "ABCD "]
_SUFFIXES = ["", "", "", " €", "€", " $", " USD", "USD", "\u00a0€", " EUR", " ABC", " US$", "$",
             " usd", " €€", " NZ$", " CHF"]
_GROUPS = [",", ".", " ", "\u00a0", "\u202f", "\u2009", "'", "’", ";", "_"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _number(rng: random.Random) -> str:
    """Digits plain, with one separator, grouped by threes (or unevenly), maybe a decimal part."""
    kind = rng.randrange(6)
    if kind == 0:
        number = _digits(rng, rng.randrange(1, 9))
    elif kind == 1:
        number = _digits(rng, rng.randrange(1, 5)) + rng.choice(",.") + _digits(rng, rng.randrange(1, 5))
    else:
        group = rng.choice(_GROUPS)
        head = rng.choice("123456789") + _digits(rng, rng.randrange(0, 3 if kind < 5 else 4))
        size = 3 if kind < 5 else rng.choice([2, 3, 4])
        number = head + "".join(group + _digits(rng, size) for _ in range(rng.randrange(1, 4)))
        if rng.random() < 0.5:
            number += rng.choice(",.") + _digits(rng, rng.randrange(1, 4))
    return rng.choice(["0", "00", "000"]) + number if rng.random() < 0.03 else number


def _amount_cell(rng: random.Random) -> str:
    number = _number(rng)
    sign = rng.choice(["", "", "", "-", "−", "+"])
    pre, suf = rng.choice(_PREFIXES), rng.choice(_SUFFIXES)
    shape = rng.randrange(8)
    if shape == 0:
        cell = f"({pre}{number}{suf})"
    elif shape == 1:
        cell = f"{sign}({pre}{number}{suf})" if rng.random() < 0.2 else f"({number}){suf}"
    elif shape == 2:
        cell = f"{pre}{sign}{number}{suf}"
    else:
        cell = f"{sign}{pre}{number}{suf}"
    if rng.random() < 0.1:
        cell = rng.choice(SPACES) + cell
    if rng.random() < 0.1:
        cell += rng.choice(SPACES)
    return cell


def _amount_cells(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    fixed = ["(1,200.00)", "USD 5,000", "1\u00a0234\u00a0567,50", "1\u202f234,50", "12.000,50 €",
             "€12.000,50", "$12,000.50", "-$1,200", "12,345", "1.234", "1,234,56", "", "   ", "\u00a0",
             None, "12 apples", "1e5", "inf", "nan", "9" * 400, "-0", "(0)", "CAD $5", "$5 USD",
             "1'234.50", "1’234,50", "(-5)", "--5", "5-", "$-5", "- 5", "1 23", "0,500", "01,234",
             "1,2345", "1.2345"]
    return fixed + [_amount_cell(rng) for _ in range(n)]


@pytest.mark.parametrize("decimal_comma", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_amounts_read_in_sql_equal_parse_amount(seed: int, decimal_comma: bool) -> None:
    cells = _amount_cells(seed, 6000)
    share = assert_agrees(sql.amount("p", "c0", decimal_comma), cells,
                          lambda text: parse_amount(text, decimal_comma=decimal_comma),
                          currency=lambda amount: (amount.value, amount.currency))
    assert share > 0.6  # the rest: two marks, a sign after a mark, other whitespace


@pytest.mark.parametrize("decimal_comma", [False, True])
def test_the_odd_amount_forms_are_read_in_sql(decimal_comma: bool) -> None:
    cells = ["(1,200.00)", "USD 5,000", "1\u00a0234\u00a0567,50", "1\u202f234\u202f567,50", "1 234,50",
             "12.000,50 €", "€12.000", "-$1,200", "5,000 USD", "US$ 12", "(€1.200,00)", "(1.200,00) €",
             "1'234.50", "12345 $", "−1,200.00", "+5", "CAD 1,200.00", "  $1,200 ", "\u00a012,5\u00a0"]
    results = run(sql.amount("p", "c0", decimal_comma), cells)
    assert [cell for cell, (_, ok, _) in zip(cells, results, strict=True) if not ok] == []
    assert_agrees(sql.amount("p", "c0", decimal_comma), cells,
                  lambda text: parse_amount(text, decimal_comma=decimal_comma),
                  currency=lambda amount: (amount.value, amount.currency))


def test_fuzzed_amount_pieces_agree() -> None:
    pieces = ["", " ", "-", "−", "+", "(", ")", "$", "€", "£", "USD", "C$", ",", ".", "'", "\u00a0",
              "0", "1", "12", "123", "1234", "000", "5", "x", "\t", "e", "EUR", "A$", "’", "\u202f"]
    rng = random.Random(7)
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8))) for _ in range(8000)]
    for decimal_comma in (False, True):
        assert_agrees(sql.amount("p", "c0", decimal_comma), cells,
                      lambda text, dc=decimal_comma: parse_amount(text, decimal_comma=dc),
                      currency=lambda amount: (amount.value, amount.currency))


# --------------------------------------------------------------------------- dates

_MONTH_NAMES = ["Jan", "January", "feb", "FEB", "Mar", "March", "Apr", "May", "Jun", "June", "Jul",
                "Aug", "Sep", "Sept", "September", "Oct", "Nov", "Dec", "December", "Foo", "Mayo",
                "Marc", "Ja"]
_TIMES = ["", "", "", "T10:22:11Z", " 09:30:00", " 9:30 PM", "T10:22:11.123+02:00", ", 10:30",
          " 10:30 a.m.", " 10:30 UTC", "T10:22", " 10:30:00 +0200", "  10:30", " 10", "T", " 25:99"]


def _date_cell(rng: random.Random) -> str:
    day = datetime.date(1890, 1, 1) + datetime.timedelta(days=rng.randrange(80000))
    y, m, d = day.year, day.month, day.day
    if rng.random() < 0.1:  # a day the month may lack, a month over 12
        d, m = rng.choice([29, 30, 31, 32, 0]), rng.choice([m, 13, 0, 2])
    yy = f"{y % 100:02d}"
    pad = rng.random() < 0.5
    mm, dd = (f"{m:02d}", f"{d:02d}") if pad else (str(m), str(d))
    sep, sep2 = rng.choice("-/."), rng.choice("-/.") if rng.random() < 0.1 else None
    sep2 = sep2 or sep
    name = rng.choice(_MONTH_NAMES)
    form = rng.randrange(9)
    cell = [f"{y}{sep}{mm}{sep2}{dd}", f"{mm}/{dd}/{y}", f"{dd}/{mm}/{yy}", f"{mm}{sep}{dd}{sep2}{y}",
            f"{dd}.{mm}.{rng.choice([str(y), yy])}", f"{d} {name} {rng.choice([str(y), yy])}",
            f"{d}-{name}-{rng.choice([str(y), yy])}", f"{name} {d}, {y}",
            f"{name}. {d}{rng.choice(['st', 'nd', 'rd', 'th', ''])} {y}"][form]
    cell += rng.choice(_TIMES)
    if rng.random() < 0.05:
        cell = cell.replace(" ", rng.choice(["  ", "\u00a0", "\t"]), 1)
    if rng.random() < 0.1:
        cell = rng.choice(SPACES) + cell + rng.choice(["", *SPACES])
    return cell


@pytest.mark.parametrize("day_first", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_dates_read_in_sql_equal_parse_date(seed: int, day_first: bool) -> None:
    rng = random.Random(seed)
    cells = ["", " ", None, "2024-03-15", "2024-03/15", "3/15-2024", "13/13/2024", "31/02/2024",
             "1/1/1850", "12-31-2099", "2024-02-30", "0000-01-01", "45366", "tbd"]
    cells += [_date_cell(rng) for _ in range(8000)]
    share = assert_agrees(sql.date("d", "c0", day_first), cells,
                          lambda value: parse_date(value, day_first=day_first))
    assert share > 0.9  # the rest: whitespace other than spaces inside


@pytest.mark.parametrize("day_first", [False, True])
def test_the_odd_date_forms_are_read_in_sql(day_first: bool) -> None:
    cells = ["Mar 15, 2024", "15 Mar 2024", "15-Mar-2024", "15-Mar-24", "March 15th, 2024", "15 march 69",
             "Sept. 5 2024", "2024-03-15T10:22:11Z", "2024-3-5 09:30", "2024/03/15", "2024.03.15",
             "15.03.2024", "15.03.24", "03/04/24", "3-4-2024 10:30 PM", " 2024-03-15 ", "\u00a0Mar 15, 2024"]
    results = run(sql.date("d", "c0", day_first), cells)
    assert [cell for cell, (_, ok, _) in zip(cells, results, strict=True) if not ok] == []
    assert_agrees(sql.date("d", "c0", day_first), cells, lambda value: parse_date(value, day_first=day_first))


# --------------------------------------------------------------------------- fit scores, texts, JSON


@pytest.mark.parametrize("scale", [1.0, 10.0, 20.0, 100.0])
def test_fit_scores_read_in_sql_equal_parse_fit_value(scale: float) -> None:
    rng = random.Random(int(scale))
    pieces = ["", " ", "%", "-", ".", ",", "0", "1", "5", "80", "100", "101", "0.5", "7", "\t", "e", "x"]
    cells = ["80", "0.5", "7,5", "80 %", "80%", "%80", "-3", "-0", "101", ".5", "5.", "", "  ", None,
             "1" * 400, "0,45"]
    cells += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 5))) for _ in range(4000)]

    def score(text: object) -> float | None:
        raw = parse_fit_value(text)  # type: ignore[arg-type]
        if raw is not None and not 0 <= raw * scale <= 100:
            raise ParseError("outside 0–100")
        return None if raw is None else raw * scale

    assert_agrees(sql.fit("f", "c0", scale), cells, score)


def test_text_is_cell_text() -> None:
    rng = random.Random(3)
    ends = [" ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1f", "\x85", "x", "Ü", "€", "\u0600", "",
            "\x01"]
    cells = [rng.choice(ends) + rng.choice(["", "a", "a b", " ", "€5", "Ünï"]) + rng.choice(ends)
             for _ in range(3000)]
    cells += ["", None, "  Spaced   Out  ", " Won ", "北京"]
    con = duckdb.connect()
    con.register("cells", pa.table({"i": pa.array(range(len(cells))), "c": pa.array(cells, pa.string())}))
    got = [r[0] for r in con.execute(f"SELECT {sql.text('c')} FROM cells ORDER BY i").fetchall()]
    assert got == [None if c is None else cell_text(c) for c in cells]


def test_json_string_is_json_dumps() -> None:
    texts = ["x", 'a"b', "c\\d", "l1\nl2", "t\tx", "cr\rx", "ü€", "ctl\x01", "bs\x08", "ff\x0c", "\x7f"]
    con = duckdb.connect()
    for value in texts:
        query = f"SELECT {sql.json_string('$v')}, {sql.json_safe('$v')}"
        out, safe = con.execute(query, {"v": value}).fetchone()
        assert safe == (out == json.dumps(value, ensure_ascii=False))
        assert safe or any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value)
