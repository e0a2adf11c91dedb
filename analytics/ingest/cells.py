"""What every cell parser shares (METRICS.md §6): the reject error, blank cells, numbers.

A blank cell reads as ``None``; a non-blank cell that cannot be read raises
:class:`ParseError`, whose message is the short reason shown in the reject report.

>>> str(fail("amount", "  12 apples ", "is not a number"))
"amount '12 apples' is not a number"
>>> cell_number(3), cell_number(float("nan")), cell_number(None), cell_number("3")
(3.0, None, None, 'is not a number')
"""

from __future__ import annotations

import datetime
import math
import numbers
import re

#: Distinct cell texts remembered per parser. A column rarely has more distinct
#: values than this; when it does the cache only stops helping.
CACHE_SIZE = 1 << 15

#: Longest piece of a cell quoted in an error message.
_SHOWN_CHARS = 40

#: The reason given for a cell that holds no number.
NOT_A_NUMBER = "is not a number"

#: A bare number with a decimal point: most exports write amounts so.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


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


def fail(what: str, value: object, reason: str) -> ParseError:
    """The :class:`ParseError` for cell ``value`` of field ``what``: ``what 'value' reason``."""
    return ParseError(f"{what} {_quoted(value)} {reason}")


def cell_number(value: object) -> float | str | None:
    """A non-text cell (an XLSX number) as a finite float, ``None`` when blank (``None``
    or NaN), else the reason it is not a number (infinities, booleans, anything else)."""
    if value is None:
        return None
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return NOT_A_NUMBER
    number = float(value)
    if math.isnan(number):
        return None
    return number if math.isfinite(number) else NOT_A_NUMBER
