"""Cell value parsers for the CSV / XLSX importer (METRICS.md §1 and §6).

Pure Python, no I/O. The importer calls these once per cell, so every text
parser is cached on the cell text and every pattern is compiled once. A blank
cell reads as ``None``; a non-blank cell that cannot be read raises
:class:`ParseError`, whose message is the short reason shown in the reject
report.

>>> parse_amount("12.000,50 €")
Amount(value=12000.5, currency='EUR')
>>> parse_amount("(1,200.00)").value
-1200.0
>>> parse_date("15/03/2024", day_first=True)
datetime.date(2024, 3, 15)
>>> order = detect_date_order(["3/15/2024", "4/1/2024"])
>>> order.day_first, order.ambiguous
(False, False)
>>> fit_scale([parse_fit_value(v) for v in ["4", "5", "2"]])
20.0
>>> try:
...     parse_amount("12 apples")
... except ParseError as err:
...     print(err)
amount '12 apples' is not a number
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Amount",
    "DateOrder",
    "ParseError",
    "detect_date_order",
    "detect_decimal_comma",
    "fit_scale",
    "has_order",
    "is_blank",
    "parse_amount",
    "parse_date",
    "parse_fit_value",
]

#: Distinct cell texts remembered per parser. A column rarely has more distinct
#: values than this; when it does the cache only stops helping.
_CACHE_SIZE = 1 << 15

#: Longest piece of a cell quoted in an error message.
_SHOWN_CHARS = 40


class ParseError(ValueError):
    """A non-blank value that cannot be read.

    ``str(err)`` is a short reason for the reject report, e.g.
    ``amount 'abc' is not a number``.
    """


def is_blank(text: object) -> bool:
    """True for a cell with nothing in it: ``None``, NaN / NaT, or only whitespace (NBSP included).

    >>> [is_blank(v) for v in [None, "", "  ", "\\u00a0", "\\t\\n", "0", float("nan")]]
    [True, True, True, True, True, False, True]
    """
    if text is None:
        return True
    if isinstance(text, str):
        return not text.strip()
    # NaN and pandas' NaT (a datetime) are the only values unequal to themselves.
    return isinstance(text, (float, datetime.datetime)) and text != text


def _quoted(value: object) -> str:
    """The cell as shown in an error message: stripped, quoted and kept short."""
    if not isinstance(value, str):
        return str(value)
    text = value.strip()
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return repr(text)


def _fail(what: str, value: object, reason: str) -> ParseError:
    return ParseError(f"{what} {_quoted(value)} {reason}")


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amount:
    """A parsed money cell.

    ``value`` is ``None`` for a blank cell; ``currency`` is the ISO code the
    text names (``'USD 1,200'``, ``'£5'``), else ``None``.
    """

    value: float | None
    currency: str | None


_BLANK_AMOUNT = Amount(None, None)

#: ISO 4217 currency codes in use.
_ISO_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 (a table of 160 codes reads better as text)
)

#: Currency symbols and the code each stands for. A bare ``$`` is USD unless
#: the cell also names another dollar (``CAD $1,200`` is CAD).
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "SG$": "SGD",
    "R$": "BRL",
    "MX$": "MXN",
    "NT$": "TWD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "￥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "₦": "NGN",
    "₴": "UAH",
}

_DOLLARS = frozenset(code for mark, code in _SYMBOLS.items() if mark.endswith("$"))
_CURRENCY = r"([A-Z]{1,3}\$|[A-Z]{3}|[$€£¥￥₹₩₽₺₪₫₱₦₴])"
_CURRENCY_PREFIX = re.compile(_CURRENCY)
_CURRENCY_SUFFIX = re.compile(_CURRENCY + r"$")
_MINUS = "-\u2212"  # hyphen-minus and the Unicode minus sign
_SIGNS = "+" + _MINUS

#: A number as written: an integer part grouped by threes (the first group not
#: led by 0, one separator throughout) or not grouped, then maybe a decimal part.
_AMOUNT_NUMBER = re.compile(
    r"(?P<int>[1-9][0-9]{0,2}(?P<group>[,.' ])[0-9]{3}(?:(?P=group)[0-9]{3})*|[0-9]+)"
    r"(?:(?P<decimal>[.,])(?P<fraction>[0-9]+))?",
    re.ASCII,
)
#: A bare number with a decimal point: most exports write amounts so.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
#: Spaces and apostrophes that group thousands as ``' '`` and ``"'"`` do.
_GROUP_ONLY = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "’": "'"})


def parse_amount(text: str | None, *, what: str = "amount", decimal_comma: bool = False) -> Amount:
    """Read a money cell in any common format; ``what`` names the field in errors.

    Separators: when both ``,`` and ``.`` appear, the last one is the decimal
    mark. When only ``,`` appears it groups thousands if the digits are in
    threes (``1,200``; not ``0,500``), else it is the decimal mark (``12,5``).
    Several ``.`` group thousands, a single one is the decimal point. Spaces
    (also NBSP) and apostrophes only group thousands. Parentheses or a minus
    sign make the amount negative; a currency code or symbol may come before
    or after the number.

    >>> parse_amount("$12,000.50")
    Amount(value=12000.5, currency='USD')
    >>> parse_amount("1\\u00a0200,50").value
    1200.5
    >>> parse_amount("   ")
    Amount(value=None, currency=None)
    >>> try:
    ...     parse_amount("12 000 USD 5", what="budget")
    ... except ParseError as err:
    ...     print(err)
    budget '12 000 USD 5' is not a number

    ``decimal_comma`` says the column writes a decimal comma (see
    :func:`detect_decimal_comma`), so a lone ``.`` or ``,`` before three digits
    is read that way too:

    >>> parse_amount("1.200").value, parse_amount("1.200", decimal_comma=True).value
    (1.2, 1200.0)

    An XLSX number cell is taken as is.

    >>> parse_amount(1200)
    Amount(value=1200.0, currency=None)
    """
    if isinstance(text, str):
        result = _amount_text(text, decimal_comma)
    elif text is None:
        return _BLANK_AMOUNT
    elif isinstance(text, numbers.Real) and not isinstance(text, bool):
        number = float(text)
        if math.isnan(number):
            return _BLANK_AMOUNT
        result = _finite_amount(number, None) if math.isfinite(number) else "is not a number"
    else:
        result = "is not a number"
    if isinstance(result, Amount):
        return result
    raise _fail(what, text, result)


@lru_cache(maxsize=_CACHE_SIZE)
def _amount_text(text: str, decimal_comma: bool = False) -> Amount | str:
    """The :class:`Amount` in ``text``, or the reason it has none."""
    rest = text.strip()
    if not rest:
        return _BLANK_AMOUNT
    if _PLAIN_NUMBER.fullmatch(rest) and not (decimal_comma and "." in rest):  # '12000', '-1.5'
        return _finite_amount(float(rest), None)
    negative = False
    signs = 0
    codes: list[str] = []
    # Peel parentheses, one sign and currency marks off both ends, in any order:
    # '($1,200.00)', '-$5', '$ -5', 'USD 12', '12.000,50 €', '(1.200,00) €'.
    while rest:
        first, last = rest[0], rest[-1]
        if first == "(" and last == ")":
            negative, signs, rest = not negative, signs + 1, rest[1:-1].strip()
        elif first in _SIGNS:
            negative ^= first in _MINUS
            signs, rest = signs + 1, rest[1:].lstrip()
        elif not first.isdigit() and (match := _CURRENCY_PREFIX.match(rest)) and _is_currency(match[1]):
            codes.append(match[1])
            rest = rest[match.end() :].lstrip()
        elif not last.isdigit() and (match := _CURRENCY_SUFFIX.search(rest)) and _is_currency(match[1]):
            codes.append(match[1])
            rest = rest[: match.start()].rstrip()
        else:
            break
    number = _number(rest, decimal_comma) if signs <= 1 else None
    if number is None:
        return "is not a number"
    currency = _currency(codes) if codes else None
    if codes and currency is None:
        return "names two currencies"
    return _finite_amount(-number if negative else number, currency)


def _finite_amount(number: float, currency: str | None) -> Amount | str:
    if not math.isfinite(number):
        return "is too large"
    return Amount(number + 0.0, currency)  # + 0.0 turns -0.0 into 0.0


def _is_currency(mark: str) -> bool:
    return mark in _SYMBOLS or mark in _ISO_CODES


def _currency(marks: list[str]) -> str | None:
    """The one ISO code that a cell's currency marks name, else ``None``."""
    if len(marks) == 1:
        return _SYMBOLS.get(marks[0], marks[0])
    found = {_SYMBOLS.get(mark, mark) for mark in marks}
    if len(found) == 2 and "$" in marks and found <= _DOLLARS:  # 'CAD $5': which dollar
        found.discard("USD")
    return found.pop() if len(found) == 1 else None


def _number(text: str, decimal_comma: bool = False) -> float | None:
    """The value of digits with separators (rules at :func:`parse_amount`), or ``None``."""
    if not text.isascii():
        text = text.translate(_GROUP_ONLY)
    match = _AMOUNT_NUMBER.fullmatch(text)
    if match is None:
        return None
    integer, group, decimal, fraction = match.group("int", "group", "decimal", "fraction")
    if group:
        if group == decimal:  # '1,234,56': not grouped by three, yet several commas
            return None
        lone = not decimal and integer.count(group) == 1
        if lone and group == "." and not decimal_comma:
            return float(integer)  # '12.000': one dot is a decimal point
        if lone and group == "," and decimal_comma:
            return float(integer.replace(",", "."))  # '1,200' in a decimal-comma column
        integer = integer.replace(group, "")
    return float(f"{integer}.{fraction}" if fraction else integer)


_COMMA_DECIMAL = re.compile(r"[0-9],[0-9]{1,2}(?![0-9])|[0-9]\.[0-9]{3}[.,]")
_POINT_DECIMAL = re.compile(r"[0-9]\.[0-9]{1,2}(?![0-9])|[0-9],[0-9]{3}[.,]")


def detect_decimal_comma(values: Iterable[object]) -> bool:
    """True when a money column's texts write a decimal comma (``12,5``, ``1.234,50``,
    ``1.234.567``) and none writes a decimal point (``12.5``, ``1,234.50``); a lone
    separator before three digits (``1.200``) is then read the column's way.

    >>> detect_decimal_comma(["1.200", "1.234,50"]), detect_decimal_comma(["1.200", "12.50"])
    (True, False)
    """
    comma = point = False
    for value in set(v for v in values if isinstance(v, str)):
        comma = comma or bool(_COMMA_DECIMAL.search(value))
        point = point or bool(_POINT_DECIMAL.search(value))
        if point:
            return False
    return comma


# --------------------------------------------------------------------------
# Fit scores
# --------------------------------------------------------------------------

_FIT = re.compile(r"(-?)([0-9]*)(?:[.,]([0-9]+))?", re.ASCII)


def parse_fit_value(text: str | None) -> float | None:
    """The raw number of a fit / score cell, before the column's scale (§1) is applied.

    A ``%`` sign is dropped and a decimal comma accepted; blank is ``None``.

    >>> [parse_fit_value(v) for v in ["0.8", "80", "80 %", "7,5", "", None]]
    [0.8, 80.0, 80.0, 7.5, None, None]
    >>> try:
    ...     parse_fit_value("high")
    ... except ParseError as err:
    ...     print(err)
    fit score 'high' is not a number
    """
    if isinstance(text, str):
        result = _fit_text(text)
    elif text is None:
        return None
    elif isinstance(text, numbers.Real) and not isinstance(text, bool):
        number = float(text)
        if math.isnan(number):
            return None
        result = _check_fit(number) if math.isfinite(number) else "is not a number"
    else:
        result = "is not a number"
    if isinstance(result, float) or result is None:
        return result
    raise _fail("fit score", text, result)


@lru_cache(maxsize=_CACHE_SIZE)
def _fit_text(text: str) -> float | str | None:
    """The number in a fit cell's text, ``None`` when blank, or the reason it has none."""
    rest = text.strip()
    if not rest:
        return None
    if rest.endswith("%"):
        rest = rest[:-1].rstrip()
    elif rest.startswith("%"):
        rest = rest[1:].lstrip()
    match = _FIT.fullmatch(rest)
    if match is None or not (match[2] or match[3]):
        return "is not a number"
    number = float(f"{match[1]}{match[2] or '0'}.{match[3] or '0'}")
    return _check_fit(number)


def _check_fit(number: float) -> float | str:
    return number + 0.0 if number >= 0 else "is negative"


def fit_scale(values: Iterable[float]) -> float:
    """The multiplier that puts one fit column on 0–100 (METRICS.md §1).

    Rules in order: all values within 0–1 → 100; all whole numbers within
    1–5 → 20; all whole numbers within 1–10 → 10; anything else (and an empty
    column) → 1.

    >>> fit_scale([0, 0.5, 1]), fit_scale([1, 3, 5]), fit_scale([1, 6]), fit_scale([0.5, 3])
    (100.0, 20.0, 10.0, 1.0)
    >>> fit_scale([1, 1])
    100.0
    """
    column = list(values)
    if not column:
        return 1.0
    low, high = min(column), max(column)
    if low >= 0 and high <= 1:
        return 100.0
    if low >= 1 and high <= 10 and all(float(v).is_integer() for v in column):
        return 20.0 if high <= 5 else 10.0
    return 1.0


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateOrder:
    """How to read the slash dates of one column.

    ``day_first`` is the order to use; ``ambiguous`` is True when the data could
    not decide and the caller's default was used; ``conflicting`` is True when
    some values need day-first and others month-first (those that do not fit
    ``day_first`` are then rejected by :func:`parse_date`).
    """

    day_first: bool
    ambiguous: bool
    conflicting: bool


#: Optional time of day (and zone) after a date; ignored.
_TIME = (
    r"(?:(?:,?\s+|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})" + _TIME)
#: Numeric day/month dates, ``3/15/2024`` or ``15-03-2024``: their order is decided per column.
_SLASH = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})" + _TIME)
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}|[0-9]{2})" + _TIME)
_DAY_MONTH = re.compile(r"([0-9]{1,2})(?:\s+|-)([A-Za-z]{3,9})\.?(?:\s+|-)([0-9]{4}|[0-9]{2})" + _TIME)
_MONTH_DAY = re.compile(r"([A-Za-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})" + _TIME)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

#: Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the
#: 29 February 1900 that never was; from 61 on, days count from 1899-12-30.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_LAST_SERIAL = 2958465  # 9999-12-31
_EXCEL_FAKE_LEAP_DAY = 60

_NOT_A_DATE = "is not a date"
_INVALID = "is not a valid date"


def detect_date_order(values: Iterable[str], *, default_day_first: bool = False) -> DateOrder:
    """Decide day/month order for the slash dates (``d/m/y`` or ``m/d/y``) of one column.

    A value whose first part is above 12 votes day-first, one whose second part
    is above 12 votes month-first. No votes: ambiguous, use the default. Votes
    both ways: conflicting, the order with more values wins (a tie takes the
    default and is also ambiguous). Other values (ISO, dotted, text) don't vote.

    >>> detect_date_order(["15/03/2024", "1/2/2024"])
    DateOrder(day_first=True, ambiguous=False, conflicting=False)
    >>> detect_date_order(["01/02/2024"], default_day_first=True)
    DateOrder(day_first=True, ambiguous=True, conflicting=False)
    >>> detect_date_order(["15/03/2024", "3/15/2024", "3/16/2024"])
    DateOrder(day_first=False, ambiguous=False, conflicting=True)
    """
    day_votes = month_votes = 0
    for value, count in Counter(v for v in values if isinstance(v, str)).items():
        match = _SLASH.fullmatch(value.strip())
        if match is None:
            continue
        first, second = int(match[1]), int(match[3])
        if 12 < first <= 31 and 1 <= second <= 12:
            day_votes += count
        elif 12 < second <= 31 and 1 <= first <= 12:
            month_votes += count
    if day_votes and month_votes:
        if day_votes == month_votes:
            return DateOrder(default_day_first, ambiguous=True, conflicting=True)
        return DateOrder(day_votes > month_votes, ambiguous=False, conflicting=True)
    if day_votes or month_votes:
        return DateOrder(bool(day_votes), ambiguous=False, conflicting=False)
    return DateOrder(default_day_first, ambiguous=True, conflicting=False)


def has_order(value: object) -> bool:
    """True for a numeric day/month date whose order :func:`detect_date_order` decides."""
    return isinstance(value, str) and _SLASH.fullmatch(value.strip()) is not None


def parse_date(value: object, *, day_first: bool = False, what: str = "date") -> datetime.date | None:
    """Read a date cell: text from a CSV, or a date / datetime / Excel serial from XLSX.

    Text: ISO (any time and zone after it are ignored: the date is taken as
    written), slash ``m/d/y`` or ``d/m/y`` as ``day_first`` says, dotted
    ``d.m.y``, and ``15 Mar 2024`` / ``15-Mar-2024`` / ``Mar 15, 2024``.
    Two-digit years 00–68 are 20xx, 69–99 are 19xx. A number is a date only
    as an XLSX cell (an Excel serial), never as text.

    >>> parse_date("2024-03-15T10:22:11.123+02:00")
    datetime.date(2024, 3, 15)
    >>> parse_date("3/15/24 10:30 AM")
    datetime.date(2024, 3, 15)
    >>> parse_date(45366)
    datetime.date(2024, 3, 15)
    >>> try:
    ...     parse_date("13/13/2024", what="close date")
    ... except ParseError as err:
    ...     print(err)
    close date '13/13/2024' is not a valid date
    """
    if isinstance(value, str):
        result = _date_text(value, day_first)
    elif value is None:
        return None
    elif isinstance(value, datetime.datetime):
        return None if is_blank(value) else value.date()
    elif isinstance(value, datetime.date):
        return value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        result = _excel_serial(float(value))
    else:
        result = _NOT_A_DATE
    if isinstance(result, datetime.date) or result is None:
        return result
    raise _fail(what, value, result)


def _excel_serial(serial: float) -> datetime.date | str | None:
    """The calendar day of an Excel serial number (the time of day is dropped)."""
    if math.isnan(serial):
        return None
    if not 1 <= serial < _EXCEL_LAST_SERIAL + 1:
        return _INVALID
    day = int(serial)
    if day == _EXCEL_FAKE_LEAP_DAY:
        return _INVALID
    # Before the fake leap day Excel's count is one day ahead of the real one.
    return _EXCEL_EPOCH + datetime.timedelta(days=day if day > _EXCEL_FAKE_LEAP_DAY else day + 1)


@lru_cache(maxsize=_CACHE_SIZE)
def _date_text(text: str, day_first: bool) -> datetime.date | str | None:
    """The date in a cell's text, ``None`` when blank, or the reason it has none."""
    rest = text.strip()
    if not rest:
        return None
    if match := _YEAR_FIRST.fullmatch(rest):
        return _make_date(match[1], match[3], match[4])
    if match := _SLASH.fullmatch(rest):
        first, second, year = match[1], match[3], match[4]
        day, month = (first, second) if day_first else (second, first)
        result = _make_date(year, month, day)
        if isinstance(result, str) and isinstance(_make_date(year, day, month), datetime.date):
            order = "day/month/year" if day_first else "month/day/year"
            return f"is not a valid {order} date"
        return result
    if match := _DOTTED.fullmatch(rest):
        return _make_date(match[3], match[2], match[1])
    if match := _DAY_MONTH.fullmatch(rest):
        return _make_date(match[3], match[2], match[1])
    if match := _MONTH_DAY.fullmatch(rest):
        return _make_date(match[3], match[1], match[2])
    if _PLAIN_NUMBER.fullmatch(rest):
        return "is a number, not a date"
    return _NOT_A_DATE


def _make_date(year: str, month: str, day: str) -> datetime.date | str:
    """``date(year, month, day)`` from matched text (month may be a name), or the reason."""
    if month.isdigit():
        month_number = int(month)
    elif (found := _MONTHS.get(month.lower())) is not None:
        month_number = found
    else:
        return _NOT_A_DATE
    year_number = int(year)
    if len(year) == 2:
        year_number += 2000 if year_number <= 68 else 1900
    try:
        return datetime.date(year_number, month_number, int(day))
    except ValueError:
        return _INVALID
