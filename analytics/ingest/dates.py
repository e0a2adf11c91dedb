"""Date cells (METRICS.md §6): text, XLSX dates and Excel serials, and a column's day/month order.

Pure Python, no I/O; text parsing is cached on the cell text.

>>> parse_date("15/03/2024", day_first=True)
datetime.date(2024, 3, 15)
>>> order = detect_date_order(["3/15/2024", "4/1/2024"])
>>> order.day_first, order.ambiguous
(False, False)
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from analytics.ingest.cells import CACHE_SIZE, PLAIN_NUMBER, ParseError, fail, is_blank
from analytics.ingest.limits import FIRST_DATE, LAST_DATE

#: ParseError is the error these parsers raise for a cell they cannot read.
__all__ = ["DateOrder", "ParseError", "decide_date_order", "detect_date_order", "has_order", "parse_date"]


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
_OUT_OF_RANGE = f"is outside {FIRST_DATE.year}–{LAST_DATE.year}, not a plausible deal date"


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
    return decide_date_order(Counter(v for v in values if isinstance(v, str)),
                             default_day_first=default_day_first)


def decide_date_order(counts: Mapping[str, int], *, default_day_first: bool = False) -> DateOrder:
    """:func:`detect_date_order` of a column given as each distinct text and how often it
    occurs (what a ``GROUP BY`` gives).

    >>> decide_date_order({"15/03/2024": 1, "3/15/2024": 2})
    DateOrder(day_first=False, ambiguous=False, conflicting=True)
    """
    day_votes = month_votes = 0
    for value, count in counts.items():
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
    as an XLSX cell (an Excel serial), never as text. A date before 1900 or after
    2100 (``limits.FIRST_DATE`` – ``LAST_DATE``) is rejected: no deal closes then.

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
    >>> try:
    ...     parse_date("9999-12-31", what="close date")
    ... except ParseError as err:
    ...     print(err)
    close date '9999-12-31' is outside 1900–2100, not a plausible deal date
    """
    if isinstance(value, str):
        result = _date_text(value, day_first)
    elif value is None:
        return None
    elif isinstance(value, datetime.datetime):
        result = None if is_blank(value) else value.date()
    elif isinstance(value, datetime.date):
        result = value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        result = _excel_serial(float(value))
    else:
        result = _NOT_A_DATE
    if result is None or (isinstance(result, datetime.date) and FIRST_DATE <= result <= LAST_DATE):
        return result
    raise fail(what, value, result if isinstance(result, str) else _OUT_OF_RANGE)


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


@lru_cache(maxsize=CACHE_SIZE)
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
    if PLAIN_NUMBER.fullmatch(rest):
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
