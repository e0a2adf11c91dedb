"""SQL expressions that parse a whole column of cell texts the way the cell parsers do.

Each parser takes a name ``p`` and the SQL of a trimmed text column (``t3``) and returns
a few stages of named expressions (a stage may use the names of the stages before it);
the last stage names the value ``p`` and a test ``p_ok``. ``p_ok`` is true only for the
common forms whose value is known to equal what :mod:`analytics.ingest.amounts`,
:mod:`~analytics.ingest.dates` and :mod:`~analytics.ingest.scores` give; a record with
any cell outside them (or with an error) is parsed by
:func:`analytics.ingest.records.parse_record`, which gives the reject reason. Column
names come from :mod:`analytics.ingest.columnar` (``c<N>``), never from the file; the
regular expressions and character sets are constants of this module.

>>> import duckdb
>>> duckdb.sql(f"SELECT {text('c')} FROM (VALUES ('  Acme\u00a0'), (' '), ('Ü ')) v(c)").fetchall()
[('Acme',), (None,), ('Ü',)]
"""

from __future__ import annotations

import sys

#: Every character Python's ``str.strip()`` removes (``cell_text`` / ``is_blank``).
WHITESPACE = "".join(chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace())


def quote(value: str) -> str:
    """A constant of this module as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def text(col: str) -> str:
    """``cell_text``: the cell trimmed of Python whitespace, NULL when blank. Trimming a
    set of characters is slow, so only a cell that starts or ends with something other
    than printable ASCII (a space included) is trimmed."""
    plain = f"ord({col}) BETWEEN 33 AND 126 AND ord({col}[-1]) BETWEEN 33 AND 126"
    return f"nullif(CASE WHEN {plain} THEN {col} ELSE trim({col}, {quote(WHITESPACE)}) END, '')"


# --------------------------------------------------------------------------- staged parsers

#: A parser is a few stages of named expressions; a stage may use the names of the
#: stages before it. The last stage names ``<p>`` (the value) and ``<p>_ok``.
Stages = list[dict[str, str]]
STAGES = 4


def _groups(text_sql: str, pattern: str, names: str) -> str:
    listed = ", ".join(f"'{n}'" for n in names.split())
    return f"regexp_extract({text_sql}, {quote(pattern)}, [{listed}])"


_AMOUNT = r"^(-?)([$€£]?) ?([0-9][0-9.,]*[0-9]|[0-9])(?: ?([$€£]))?$"
_SINGLE = r"^([0-9]+)([.,])([0-9]+)$"
_COMMA_GROUPS = r"[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?"
_POINT_GROUPS = r"[1-9][0-9]{0,2}(\.[0-9]{3})+(,[0-9]+)?"


def amount(p: str, t: str, decimal_comma: bool) -> Stages:
    """``parse_amount`` for ``-``, one of ``$ € £`` before or after, and a number written
    plain, with one separator, or grouped by threes with ``,`` or ``.`` (the other mark
    then the decimal one). Names ``p`` (value), ``p_cur`` (the mark's code), ``p_ok``."""
    m, s, num = f"{p}_m", f"{p}_s", f"{p}_m.num"
    dc = "TRUE" if decimal_comma else "FALSE"
    # One separator before exactly three digits groups thousands unless it is the
    # column's decimal mark (amounts._number's "lone" rule); otherwise it is decimal.
    grouped = (f"(regexp_full_match({s}.a, '[1-9][0-9]{{0,2}}') AND length({s}.b) = 3 "
               f"AND NOT (({s}.sep = '.' AND NOT {dc}) OR ({s}.sep = ',' AND {dc})))")
    number = f"""CASE
        WHEN regexp_full_match({num}, '[0-9]+') THEN {num}
        WHEN {s}.sep <> '' THEN CASE WHEN {grouped} THEN {s}.a || {s}.b
                                     ELSE {s}.a || '.' || {s}.b END
        WHEN regexp_full_match({num}, {quote(_COMMA_GROUPS)}) THEN replace({num}, ',', '')
        WHEN regexp_full_match({num}, {quote(_POINT_GROUPS)})
            THEN replace(replace({num}, '.', ''), ',', '.')
        END"""
    mark = f"coalesce(nullif({m}.pre, ''), nullif({m}.suf, ''))"
    matched = f"({m}.num <> '' AND NOT ({m}.pre <> '' AND {m}.suf <> ''))"
    return [
        {m: _groups(t, _AMOUNT, "sign pre num suf")},
        {s: _groups(num, _SINGLE, "a sep b")},
        {f"{p}_mag": f"CASE WHEN {matched} THEN TRY_CAST(({number}) AS DOUBLE) END"},
        {p: f"(CASE WHEN {m}.sign = '-' THEN -{p}_mag ELSE {p}_mag END) + 0.0",
         f"{p}_cur": (f"CASE {mark} WHEN '$' THEN 'USD' WHEN '€' THEN 'EUR' "
                      f"WHEN '£' THEN 'GBP' END"),
         f"{p}_ok": f"({t} IS NULL OR coalesce(isfinite({p}_mag), FALSE))"},
    ]


#: dates._TIME with ``\s`` narrowed to a space: a subset of what Python accepts.
_TIME = (r"(?:(?:,? +|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
         r" *(?:[AaPp]\.?[Mm]\.?)? *(?:Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")
_ISO = r"^([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})" + _TIME + "$"
_SLASH = r"^([0-9]{1,2})([/-])([0-9]{1,2})([/-])([0-9]{4}|[0-9]{2})" + _TIME + "$"
_DOTTED = r"^([0-9]{1,2})(\.)([0-9]{1,2})(\.)([0-9]{4}|[0-9]{2})" + _TIME + "$"


def date(p: str, t: str, day_first: bool) -> Stages:
    """``parse_date`` for ISO, slash (``day_first`` as the column's order says) and dotted
    dates, with or without a time, between 1900 and 2100. Names ``p`` and ``p_ok``.

    The form is found first (a cheap test on one character before each pattern, in
    parse_date's order), then only that pattern's parts are taken."""
    kind, g = f"{p}_k", f"{p}_g"
    first, second = (f"{g}.g1", f"{g}.g3") if day_first else (f"{g}.g3", f"{g}.g1")
    names = "g1 g2 g3 g4 g5"

    def year(y: str) -> str:
        return (f"(CASE WHEN length({y}) = 2 THEN TRY_CAST({y} AS INTEGER) + "
                f"(CASE WHEN TRY_CAST({y} AS INTEGER) <= 68 THEN 2000 ELSE 1900 END) "
                f"ELSE TRY_CAST({y} AS INTEGER) END)")

    def integer(part: str) -> str:
        return f"TRY_CAST({part} AS INTEGER)"

    forms = {"iso": (_ISO, f"{t}[5] IN ('-', '/', '.')",
                     integer(f"{g}.g1"), integer(f"{g}.g3"), integer(f"{g}.g5")),
             "slash": (_SLASH, f"({t}[2] IN ('/', '-') OR {t}[3] IN ('/', '-'))",
                       year(f"{g}.g5"), integer(second), integer(first)),
             "dotted": (_DOTTED, f"({t}[2] = '.' OR {t}[3] = '.')",
                        year(f"{g}.g5"), integer(f"{g}.g3"), integer(f"{g}.g1"))}
    which = "CASE " + " ".join(
        f"WHEN {gate} AND regexp_full_match({t}, {quote(pattern)}) THEN '{name}'"
        for name, (pattern, gate, *_) in forms.items()) + " END"
    parts = f"CASE {kind} " + " ".join(
        f"WHEN '{name}' THEN {_groups(t, pattern, names)}"
        for name, (pattern, *_) in forms.items()) + " END"

    def pick(i: int) -> str:
        return f"CASE {kind} " + " ".join(
            f"WHEN '{name}' THEN {form[i]}" for name, form in forms.items()) + " END"

    y, m, d = f"{p}_y", f"{p}_mo", f"{p}_d"
    return [
        {kind: which},
        {g: parts},
        {y: pick(2), m: pick(3), d: pick(4)},
        # make_date only ever sees a real month (a CASE need not guard its arguments).
        {p: (f"CASE WHEN {y} BETWEEN 1900 AND 2100 AND {m} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND "
             f"day(last_day(make_date(least(greatest({y}, 1900), 2100), "
             f"least(greatest({m}, 1), 12), 1))) THEN make_date({y}, {m}, {d}) END"),
         f"{p}_ok": f"({t} IS NULL OR {p} IS NOT NULL)"},
    ]


_FIT = r"^([0-9]*)(?:[.,]([0-9]+))?(?: *%)?$"


def fit(p: str, t: str, scale: float) -> Stages:
    """``_fit_score``: digits with an optional decimal mark and ``%``, scaled, in 0–100."""
    m = f"{p}_m"
    raw = f"(coalesce(nullif({m}.w, ''), '0') || '.' || coalesce(nullif({m}.f, ''), '0'))"
    return [
        {m: _groups(t, _FIT, "w f")},
        {f"{p}_score": (f"CASE WHEN {m}.w <> '' OR {m}.f <> '' "
                        f"THEN TRY_CAST({raw} AS DOUBLE) * {float(scale)!r}::DOUBLE END")},
        {},
        {p: f"CASE WHEN {t} IS NOT NULL THEN {p}_score END",
         f"{p}_ok": f"({t} IS NULL OR coalesce({p}_score BETWEEN 0 AND 100, FALSE))"},
    ]


def json_string(text_sql: str) -> str:
    """``json.dumps`` of a text without control characters other than tab, CR and LF."""
    escaped = text_sql
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = f"replace({escaped}, {quote(char)}, {quote(escape)})"
    return f"('\"' || {escaped} || '\"')"


def json_safe(text_sql: str) -> str:
    """True when :func:`json_string` writes ``text_sql`` as ``json.dumps`` would."""
    return f"NOT regexp_matches({text_sql}, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]')"
