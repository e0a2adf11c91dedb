"""Money cells (METRICS.md §6): amounts in any common format, and a column's decimal mark.

Pure Python, no I/O; text parsing is cached on the cell text.

>>> parse_amount("12.000,50 €")
Amount(value=12000.5, currency='EUR')
>>> parse_amount("(1,200.00)").value
-1200.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from analytics.ingest.cells import CACHE_SIZE, NOT_A_NUMBER, PLAIN_NUMBER, ParseError, cell_number, fail

#: ParseError is the error these parsers raise for a cell they cannot read.
__all__ = ["Amount", "ParseError", "detect_decimal_comma", "parse_amount"]


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
    else:  # an XLSX cell
        number = cell_number(text)
        if number is None:
            return _BLANK_AMOUNT
        result = number if isinstance(number, str) else _finite_amount(number, None)
    if isinstance(result, Amount):
        return result
    raise fail(what, text, result)


@lru_cache(maxsize=CACHE_SIZE)
def _amount_text(text: str, decimal_comma: bool = False) -> Amount | str:
    """The :class:`Amount` in ``text``, or the reason it has none."""
    rest = text.strip()
    if not rest:
        return _BLANK_AMOUNT
    if PLAIN_NUMBER.fullmatch(rest) and not (decimal_comma and "." in rest):  # '12000', '-1.5'
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
        return NOT_A_NUMBER
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
#: The same two tests for DuckDB's regexp_matches (RE2 has no look-ahead: a non-digit
#: or the end instead), used on a large CSV's columns (analytics.ingest.normalise).
COMMA_DECIMAL_SQL = r"[0-9],[0-9]{1,2}([^0-9]|$)|[0-9]\.[0-9]{3}[.,]"
POINT_DECIMAL_SQL = r"[0-9]\.[0-9]{1,2}([^0-9]|$)|[0-9],[0-9]{3}[.,]"


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
