"""SQL expressions that parse a whole column of cells the way the cell parsers do.

Each parser takes a name ``p`` and the column of raw cell texts (``c3``) and returns a
:data:`Parser`: a few stages of named expressions (a stage may use the names of the stages
before it; the last one names the value ``p``) and a test over those names, true only when
the cell is blank or in a form whose value is known to equal what
:mod:`analytics.ingest.amounts`, :mod:`~analytics.ingest.dates` and
:mod:`~analytics.ingest.scores` give. A record with any cell outside those forms (or with
an error) is parsed by :func:`analytics.ingest.records.parse_record`, which gives the
reject reason. Column names come from :mod:`analytics.ingest.columnar` (``c<N>``), never
from the file; the regular expressions and character sets are constants of this module.

Speed, for a million records: a regular expression that only tests a form
(``regexp_full_match``) is cheap, one that takes groups out (``regexp_extract``) costs
several times more, and ``trim`` with a set of characters microseconds per cell; a long
``IN`` list becomes a join evaluated for every row. So each parser first tries the usual
forms on the raw cell (a form starts and ends with a character that is not whitespace, so
a cell in it needs no trimming), reads them with ``replace`` and casts, and trims and takes
groups only from the other cells.

>>> import duckdb
>>> duckdb.sql(f"SELECT {text('c')} FROM (VALUES ('  Acme\u00a0'), (' '), ('Ü '), ('')) v(c)").fetchall()
[('Acme',), (None,), ('Ü',), (None,)]
"""

from __future__ import annotations

import re
import sys

from analytics.ingest.amounts import _ISO_CODES, _SYMBOLS
from analytics.ingest.dates import _MONTHS
from analytics.ingest.limits import FIRST_DATE, LAST_DATE

#: Every character Python's ``str.strip()`` removes (``cell_text`` / ``is_blank``).
WHITESPACE = "".join(chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace())


def quote(value: str) -> str:
    """A constant of this module as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _printable(col: str) -> str:
    """The text starts and ends with printable ASCII other than a space (the usual cell)."""
    return f"ord({col}) BETWEEN 33 AND 126 AND ord({col}[-1]) BETWEEN 33 AND 126"


def text(col: str) -> str:
    """``cell_text``: the cell trimmed of Python whitespace, NULL when blank.

    Only a cell that starts or ends with something other than printable ASCII is looked at
    further: one padded with spaces loses them (DuckDB's plain ``trim``), one whose ends are
    not whitespace is kept, and only the rest is trimmed of every whitespace character."""
    ws = quote(WHITESPACE)
    return (f"CASE WHEN {_printable(col)} THEN {col} WHEN {col} = '' THEN NULL "
            f"WHEN {_printable(f'trim({col})')} THEN trim({col}) "
            f"WHEN NOT contains({ws}, {col}[1]) AND NOT contains({ws}, {col}[-1]) THEN {col} "
            f"ELSE nullif(trim({col}, {ws}), '') END")


def repeats(table: str, signature: str) -> list[str]:
    """CTEs naming ``repeats``: the ``idx`` of every record of ``table`` that repeats an
    earlier one (same ``signature`` columns). A window over every cell of a million records
    is slow, so records are first grouped by a hash of the cells, and only those whose
    hash is shared are compared cell by cell."""
    return [f"hashed AS MATERIALIZED (SELECT idx, hash({signature}) AS h FROM {table})",
            "shared AS (SELECT idx FROM hashed WHERE h IN "
            "(SELECT h FROM hashed GROUP BY h HAVING count(*) > 1))",
            f"repeats AS (SELECT idx FROM {table} WHERE idx IN (SELECT idx FROM shared) "
            f"QUALIFY row_number() OVER (PARTITION BY {signature} ORDER BY idx) > 1)"]


# --------------------------------------------------------------------------- parsers

#: Stages of named expressions; a stage may use the names of the stages before it.
Stages = list[dict[str, str]]
#: A parser: its stages (the last names the value) and its test over their names.
Parser = tuple[Stages, str]


def _groups(text_sql: str, pattern: str, names: str) -> str:
    listed = ", ".join(f"'{n}'" for n in names.split())
    return f"regexp_extract({text_sql}, {quote(pattern)}, [{listed}])"


def _full(text_sql: str, pattern: str) -> str:
    return f"regexp_full_match({text_sql}, {quote(pattern)})"


def _kind(c: str, tests: list[str]) -> str:
    """1, 2… for the first usual form (test) the raw cell is in, 0 for any other cell,
    NULL for an empty one."""
    whens = " ".join(f"WHEN {test} THEN {i}" for i, test in enumerate(tests, start=1))
    return f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL {whens} ELSE 0 END"


def _ok(kind: str, c: str, good: str) -> str:
    """The parser's test: the value is ``good``, or the cell is blank (empty, or another
    cell that is all whitespace); trimmed only when needed."""
    return (f"CASE WHEN {good} THEN TRUE WHEN {kind} IS NULL THEN TRUE "
            f"WHEN {kind} = 0 THEN {text(c)} IS NULL END")


# --------------------------------------------------------------------------- amounts

_SINGLE_SYMBOLS = "".join(sorted(m for m in _SYMBOLS if len(m) == 1))
_SYMBOL = "[" + _SINGLE_SYMBOLS.replace("$", r"\$") + "]"
#: amounts._CURRENCY without its group: a symbol, a dollar of a country, an ISO code.
CURRENCY = rf"[A-Z]{{1,3}}\$|[A-Z]{{3}}|{_SYMBOL}"
#: Every currency mark amounts._is_currency accepts.
_MARKS = "|".join(re.escape(mark) for mark in sorted({*_SYMBOLS, *_ISO_CODES}))
_GAP = "[ \u00a0\u202f]?"
#: Space, NBSP, narrow NBSP and thin space: amounts._GROUP_ONLY makes them one mark.
_SPACES = "[ \u00a0\u202f\u2009]"
#: Parentheses or one sign, a currency mark before or after, and digits with separators
#: (``(1.200,00) €``: the mark may follow the parentheses).
_AMOUNT = (rf"^(\(?)([-−+]?)((?:{CURRENCY})?){_GAP}"
           rf"([0-9]+(?:(?:[.,'’]|{_SPACES})[0-9]+)*)(\)?){_GAP}((?:{CURRENCY})?)(\)?)$")
#: Grouped by threes, keyed by the decimal mark: the other mark groups.
_GROUPED = {".": r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?",
            ",": r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?"}


def _digits(num: str, decimal_comma: bool) -> str:
    """amounts._number of digits with separators, as text for a cast (NULL when not read
    exactly so): each form in turn, in the order its regular expression tries them."""
    dec, group = (",", ".") if decimal_comma else (".", ",")
    point = "replace({}, ',', '.')"
    forms = [  # (pattern, SQL of the value text with {} for the digits)
        (rf"[0-9]+(?:{re.escape(dec)}[0-9]+)?", point if decimal_comma else "{}"),
        (_GROUPED["."], "replace({}, ',', '')"),
        (_GROUPED[","], "replace(replace({}, '.', ''), ',', '.')"),
        # One group mark before other than three digits, or after a longer or 0-led
        # integer part, is a decimal mark (amounts._AMOUNT_NUMBER's second branch).
        (rf"[0-9]+{re.escape(group)}[0-9]+", point),
        (rf"[1-9][0-9]{{0,2}}(?:{_SPACES}[0-9]{{3}})+(?:[.,][0-9]+)?",
         f"replace(regexp_replace({{}}, {quote(_SPACES)}, '', 'g'), ',', '.')"),
        (r"[1-9][0-9]{0,2}(?:['’][0-9]{3})+(?:[.,][0-9]+)?",
         "replace(regexp_replace({}, '[''’]', '', 'g'), ',', '.')"),
    ]
    whens = " ".join(f"WHEN {_full(num, pattern)} THEN {value.format(num)}" for pattern, value in forms)
    return f"CASE {whens} END"


def _fast_amounts(c: str, decimal_comma: bool) -> list[tuple[str, str, str]]:
    """The usual forms, each told by one test and read with ``replace``: (test, value
    text, mark). A number plain, grouped by the column's other mark, or grouped by its
    decimal mark (tried in amounts._number's order); signed, or after a currency symbol,
    or before one (with a space or not)."""
    dec, other = (",", ".") if decimal_comma else (".", ",")
    point = "replace({}, ',', '.')"

    def ungroup(group: str) -> str:  # the text without group marks, a decimal point
        removed = f"replace({{}}, {quote(group)}, '')"
        return point.format(removed) if group == "." else removed

    forms = [(rf"[0-9]+(?:{re.escape(dec)}[0-9]+)?", point if decimal_comma else "{}"),
             (_GROUPED[dec], ungroup(other)), (_GROUPED[other], ungroup(dec))]
    head, tail = f"substring({c}, 2)", f"rtrim(left({c}, -1))"
    return [*((_full(c, f"-?{form}"), value.format(c), "''") for form, value in forms),
            *((_full(c, _SYMBOL + form), value.format(head), f"{c}[1]") for form, value in forms),
            *((_full(c, f"{form} ?{_SYMBOL}"), value.format(tail), f"{c}[-1]") for form, value in forms)]


def _amount_kind(c: str, tests: list[str]) -> str:
    """:func:`_kind` of :func:`_fast_amounts`' forms, each tried only on the cells that may
    be in it: those that start with a digit or ``-`` and end with a digit (no mark), start
    with a digit and end otherwise (a mark after), or start otherwise (a mark before)."""
    def tried(numbers: range) -> str:
        return "CASE " + " ".join(f"WHEN {tests[i - 1]} THEN {i}" for i in numbers) + " ELSE 0 END"

    digit = "BETWEEN 48 AND 57"
    return (f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL "
            f"WHEN ord({c}) {digit} OR ord({c}) = 45 THEN (CASE WHEN ord({c}[-1]) {digit} "
            f"THEN {tried(range(1, 4))} ELSE {tried(range(7, 10))} END) ELSE {tried(range(4, 7))} END")


def amount(p: str, c: str, decimal_comma: bool) -> Parser:
    """``parse_amount`` for a number written plain, with one separator or grouped by threes
    (``,`` ``.`` space, NBSP, narrow NBSP or apostrophe, then the other decimal mark), in
    parentheses or after one sign, with one currency symbol or ISO code before or after
    it. Names ``p`` (the value) and ``p_cur`` (the code the mark names).

    The usual forms (:func:`_fast_amounts`) are told by a test each; only the other cells
    are trimmed and have their parts taken (kind 0)."""
    kind, m, mark, digits, negative = (f"{p}_{x}" for x in ("k", "m", "mark", "digits", "neg"))
    fast = _fast_amounts(c, decimal_comma)
    # One mark (before or after), parentheses on both sides or none, not with a sign.
    shaped = (f"({m}.pre = '' OR {m}.suf = '') AND ({m}.open = '') = ({m}.shut || {m}.close = '') "
              f"AND NOT ({m}.shut <> '' AND {m}.close <> '') AND NOT ({m}.open <> '' AND {m}.sign <> '')")
    values = " ".join(f"WHEN {i} THEN {value}" for i, (_, value, _) in enumerate(fast, start=1))
    marks = " ".join(f"WHEN {i} THEN {mark_}" for i, (_, _, mark_) in enumerate(fast, start=1))
    value = f"TRY_CAST({digits} AS DOUBLE)"
    symbols = " ".join(f"WHEN {quote(s)} THEN {quote(code)}" for s, code in sorted(_SYMBOLS.items()))
    return [
        {kind: _amount_kind(c, [test for test, _, _ in fast])},
        {m: f"CASE WHEN {kind} = 0 THEN {_groups(text(c), _AMOUNT, 'open sign pre num shut suf close')} END"},
        {mark: f"CASE {kind} {marks} WHEN 0 THEN (CASE WHEN {shaped} THEN {m}.pre || {m}.suf END) END",
         digits: f"CASE {kind} {values} WHEN 0 THEN {_digits(f'{m}.num', decimal_comma)} END",
         negative: f"{kind} = 0 AND ({m}.open <> '' OR {m}.sign IN ('-', '−'))"},
        {p: (f"CASE WHEN {kind} > 0 OR {mark} = '' OR {_full(mark, _MARKS)} THEN "
             f"(CASE WHEN {negative} THEN -{value} ELSE {value} END) + 0.0 END"),
         f"{p}_cur": f"CASE {mark} WHEN '' THEN NULL {symbols} ELSE {mark} END"},
    ], _ok(kind, c, f"isfinite({p})")


# --------------------------------------------------------------------------- dates

#: dates._TIME with ``\s`` narrowed to a space: a subset of what Python accepts.
_TIME = (r"(?:(?:,? +|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
         r" *(?:[AaPp]\.?[Mm]\.?)? *(?:Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")
#: Python's patterns repeat the first separator (``\2``); RE2 has no back-references, so
#: one alternative per separator.
_ISO = "|".join(rf"[0-9]{{4}}{s}[0-9]{{1,2}}{s}[0-9]{{1,2}}" for s in ("-", "/", r"\."))
_SLASH = "|".join(rf"[0-9]{{1,2}}{s}[0-9]{{1,2}}{s}(?:[0-9]{{4}}|[0-9]{{2}})" for s in ("/", "-"))
_DOTTED = r"[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2})"
_DAY_MONTH = r"([0-9]{1,2})(?: +|-)([A-Za-z]{3,9})\.?(?: +|-)([0-9]{4}|[0-9]{2})"
_MONTH_DAY = r"([A-Za-z]{3,9})\.? +([0-9]{1,2})(?:st|nd|rd|th)?,? +([0-9]{4})"
#: The three numbers of an ISO, slash or dotted date (its form already known).
_PARTS = r"^([0-9]+)[-/.]([0-9]+)[-/.]([0-9]+)"


def _fast_dates(c: str, day_first: bool) -> list[tuple[str, str]]:
    """The usual forms, told by a test and read by DuckDB's own date parsers: (test, date).
    ISO with two-digit month and day (a time after it ignored), and slash dates without a
    time (``%y``, like Python, reads 00–68 as 20xx and 69–99 as 19xx)."""
    order = "%d/%m" if day_first else "%m/%d"
    return [(_full(c, "[0-9]{4}-[0-9]{2}-[0-9]{2}" + _TIME), f"TRY_CAST(left({c}, 10) AS DATE)"),
            (_full(c, "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"), f"CAST(try_strptime({c}, '{order}/%Y') AS DATE)"),
            (_full(c, "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}"), f"CAST(try_strptime({c}, '{order}/%y') AS DATE)")]


def _year(y: str) -> str:
    """Two-digit years 00–68 are 20xx, 69–99 are 19xx."""
    return (f"CASE WHEN length({y}) = 2 THEN TRY_CAST({y} AS INTEGER) + "
            f"(CASE WHEN TRY_CAST({y} AS INTEGER) <= 68 THEN 2000 ELSE 1900 END) "
            f"ELSE TRY_CAST({y} AS INTEGER) END")


def _month(name: str) -> str:
    whens = " ".join(f"WHEN {quote(k)} THEN {v}" for k, v in _MONTHS.items())
    return f"CASE lower({name}) {whens} END"


def date(p: str, c: str, day_first: bool) -> Parser:
    """``parse_date`` for ISO, slash (``day_first`` as the column's order says), dotted and
    month-name dates (``15 Mar 2024``, ``15-Mar-24``, ``Mar 15, 2024``), with or without a
    time, between limits.FIRST_DATE and LAST_DATE. Names ``p``.

    The usual forms (:func:`_fast_dates`) are read at once. Another cell is trimmed, its
    form found (a cheap test on one character before each pattern; the forms exclude one
    another), that form's parts taken and read as an ISO date by a cast (NULL when it is
    no date)."""
    kind, t, fast, form, g, other = (f"{p}_{x}" for x in ("k", "t", "f", "form", "g", "v"))
    quick = _fast_dates(c, day_first)
    digit = f"ord({t}) BETWEEN 48 AND 57"
    forms = [(f"{t}[5] IN ('-', '/', '.')", _ISO),
             (f"({t}[2] IN ('/', '-') OR {t}[3] IN ('/', '-'))", _SLASH),
             (f"({t}[2] = '.' OR {t}[3] = '.')", _DOTTED),
             (digit, _DAY_MONTH), (f"NOT ({digit})", _MONTH_DAY)]
    which = " ".join(f"WHEN {gate} AND {_full(t, f'(?:{pattern}){_TIME}')} THEN {i}"
                     for i, (gate, pattern) in enumerate(forms, start=1))
    first, second = (f"{g}.a", f"{g}.b") if day_first else (f"{g}.b", f"{g}.a")
    number = "TRY_CAST({} AS INTEGER)".format
    ymd = [(number(f"{g}.a"), number(f"{g}.b"), number(f"{g}.c")),  # ISO
           (_year(f"{g}.c"), number(second), number(first)),  # slash
           (_year(f"{g}.c"), number(f"{g}.b"), number(f"{g}.a")),  # dotted
           (_year(f"{g}.c"), _month(f"{g}.b"), number(f"{g}.a")),  # day month
           (number(f"{g}.c"), _month(f"{g}.a"), number(f"{g}.b"))]  # month day
    parts = (f"CASE WHEN {form} IN (1, 2, 3) THEN {_groups(t, _PARTS, 'a b c')} "
             f"WHEN {form} = 4 THEN {_groups(t, '^' + _DAY_MONTH, 'a b c')} "
             f"WHEN {form} = 5 THEN {_groups(t, '^' + _MONTH_DAY, 'a b c')} END")
    # A year, month and day as an ISO text: the cast is NULL for a day the month lacks.
    as_date = " ".join(f"WHEN {n} THEN TRY_CAST(concat({y}, '-', {m}, '-', {d}) AS DATE)"
                       for n, (y, m, d) in enumerate(ymd, start=1))
    within = f"BETWEEN DATE '{FIRST_DATE}' AND DATE '{LAST_DATE}'"
    return [
        {kind: _kind(c, [test for test, _ in quick])},
        {t: f"CASE WHEN {kind} = 0 THEN {text(c)} END",
         fast: "CASE {} {} END".format(kind, " ".join(
             f"WHEN {i} THEN {v}" for i, (_, v) in enumerate(quick, start=1)))},
        {form: f"CASE WHEN {t} IS NULL THEN NULL {which} END"},
        {g: parts},
        {other: f"CASE {form} {as_date} END"},
        {p: f"CASE WHEN {fast} {within} THEN {fast} WHEN {other} {within} THEN {other} END"},
    ], f"({kind} IS NULL OR {p} IS NOT NULL OR ({kind} = 0 AND {t} IS NULL))"


# --------------------------------------------------------------------------- fit scores

_FIT = r"^([0-9]*)(?:[.,]([0-9]+))?(?: *%)?$"


def fit(p: str, c: str, scale: float) -> Parser:
    """``_fit_score``: digits with an optional decimal mark and ``%``, scaled, in 0–100."""
    kind, m = f"{p}_k", f"{p}_m"
    raw = f"(coalesce(nullif({m}.w, ''), '0') || '.' || coalesce(nullif({m}.f, ''), '0'))"
    plain = f"CASE WHEN contains({c}, ',') THEN replace({c}, ',', '.') ELSE {c} END"
    return [
        {kind: _kind(c, [_full(c, "[0-9]+(?:[.,][0-9]+)?")])},
        {m: f"CASE WHEN {kind} = 0 THEN {_groups(text(c), _FIT, 'w f')} END"},
        {p: (f"CASE {kind} WHEN 1 THEN TRY_CAST({plain} AS DOUBLE) "
             f"WHEN 0 THEN (CASE WHEN {m}.w <> '' OR {m}.f <> '' THEN TRY_CAST({raw} AS DOUBLE) END) "
             f"END * {float(scale)!r}::DOUBLE")},
    ], _ok(kind, c, f"{p} BETWEEN 0 AND 100")


# --------------------------------------------------------------------------- extras

#: A text json.dumps writes as it is, between quotes (no quote, backslash or control).
_JSON_PLAIN = r'[^"\\\x00-\x1f]*'


def json_string(text_sql: str) -> str:
    """``json.dumps`` of a text without control characters other than tab, CR and LF."""
    escaped = text_sql
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = f"replace({escaped}, {quote(char)}, {quote(escape)})"
    return (f"('\"' || CASE WHEN {_full(text_sql, _JSON_PLAIN)} THEN {text_sql} "
            f"ELSE {escaped} END || '\"')")


def json_safe(text_sql: str) -> str:
    """True when :func:`json_string` writes ``text_sql`` as ``json.dumps`` would."""
    return f"NOT regexp_matches({text_sql}, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]')"
