"""Fit / score cells (METRICS.md §1): the raw number of a cell and a column's 0–100 scale.

Pure Python, no I/O; text parsing is cached on the cell text.

>>> fit_scale([parse_fit_value(v) for v in ["4", "5", "2"]])
20.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from analytics.ingest.cells import CACHE_SIZE, NOT_A_NUMBER, ParseError, cell_number, fail

#: ParseError is the error these parsers raise for a cell they cannot read.
__all__ = ["ParseError", "fit_scale", "parse_fit_value"]


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
    else:  # an XLSX cell
        number = cell_number(text)
        result = _check_fit(number) if isinstance(number, float) else number
    if isinstance(result, float) or result is None:
        return result
    raise fail("fit score", text, result)


@lru_cache(maxsize=CACHE_SIZE)
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
        return NOT_A_NUMBER
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
