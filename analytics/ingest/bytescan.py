"""One pass over a CSV body's bytes, for :mod:`analytics.ingest.duckcsv`.

DuckDB's ``read_csv`` and Python's ``csv`` module read an ordinary CSV the same way, but
not every CSV: :func:`scan` looks (with numpy, 32 MB at a time) for what they would read
differently, and finds what ``read_csv`` does not say (its empty lines and how many
physical lines there are). :func:`record_lines` then gives each record the line it
starts on, the way Python's reader counts them, and checks the count adds up.

>>> body = b'a,b\\n"x\\ny",z\\n\\nc,d\\n'
>>> found = scan(body, 0, ",", 2)
>>> found.gaps, found.lines, found.crlf
([5], 5, False)
>>> record_lines(np.array([0, 1, 0]), found, 2).tolist()
[2, 3, 6]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK = 1 << 25
#: Control characters Python's reader would remove (tab, LF and CR are data).
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0, 9), 11, 12, *range(14, 32), 127]] = True
_LF, _CR, _QUOTE, _SPACE, _C2 = 10, 13, 34, 32, 0xC2


@dataclass(frozen=True)
class Scan:
    gaps: list[int]  # the physical lines that are empty (outside quotes)
    lines: int  # physical lines in the body
    crlf: bool  # lines end with CR LF (as the first record's does)
    #: Some value holds a line break (DuckDB's parallel reader refuses those with short
    #: rows: such a body is read by one thread).
    broken_values: bool = False


def _positions(body: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Offsets of every LF, quote, CR and 0xC2 byte; None at a control character."""
    found: list[list[np.ndarray]] = [[], [], [], []]
    for start in range(0, len(body), _CHUNK):
        chunk = body[start:start + _CHUNK]
        if _CONTROL[chunk].any():
            return None
        for kind, byte in enumerate((_LF, _QUOTE, _CR, _C2)):
            found[kind].append(np.flatnonzero(chunk == byte) + start)
    lf, quote, cr, c2 = (np.concatenate(f) if f else np.zeros(0, np.int64) for f in found)
    return lf, quote, cr, c2


def _spaced_quotes(body: np.ndarray, quotes: np.ndarray, delimiter: int) -> bool:
    """A quote with spaces between it and a delimiter or a line end (DuckDB drops those
    spaces, Python keeps them). Also true inside a quoted value: then Python reads it."""
    n = len(body)
    for step, ends in ((-1, (_LF, delimiter)), (1, (_LF, _CR, delimiter))):
        at = quotes + step
        at = at[(at >= 0) & (at < n)]
        at = at[body[at] == _SPACE]
        while len(at):
            at = at + step
            inside = (at >= 0) & (at < n)
            if (~inside).any():
                return True  # spaces up to the start or the end of the body
            byte = body[at]
            if np.isin(byte, ends).any():
                return True
            at = at[byte == _SPACE]
    return False


def plain(data: bytes) -> bool:
    r"""No control character (but tab and line ends), no C1 control (``C2 80``–``C2 9F``) and
    no carriage return that is not before a line feed: text both readers read alike.

    >>> plain(b"a,b\r\nc,d\n"), plain(b"a\x00b"), plain(b"a\rb"), plain("\x85".encode())
    (True, False, False, False)
    """
    head = np.frombuffer(data, dtype=np.uint8)
    if _CONTROL[head].any():
        return False
    return not (_bad_cr(head, np.flatnonzero(head == _CR)) or _c1(head, np.flatnonzero(head == _C2)))


def _bad_cr(body: np.ndarray, cr: np.ndarray) -> bool:
    n = len(body)
    return bool((cr + 1 >= n).any() or (body[np.minimum(cr + 1, n - 1)] != _LF).any())


def _c1(body: np.ndarray, c2: np.ndarray) -> bool:
    after = body[np.minimum(c2 + 1, len(body) - 1)]
    return bool(((after >= 0x80) & (after <= 0x9F)).any())


def scan(data: bytes, offset: int, delimiter: str, first_line: int) -> Scan | None:
    """The body's empty lines and line count, or None when Python must read it: a control
    character, a carriage return not before a line feed, a C1 control character (UTF-8
    ``C2 80``–``C2 9F``), spaces around a quoted value, an odd number of quotes."""
    body = np.frombuffer(data, dtype=np.uint8)[offset:]
    n = len(body)
    positions = _positions(body)
    if positions is None:
        return None
    lf, quotes, cr, c2 = positions
    if len(quotes) % 2:  # a value left open at the end (DuckDB drops it), or a stray quote
        return None
    if _bad_cr(body, cr) or _c1(body, c2) or _spaced_quotes(body, quotes, ord(delimiter)):
        return None
    # An empty line starts right after a LF (or at the start) and is only "\n" or "\r\n".
    starts = np.concatenate([[0], lf + 1])
    line_of = np.arange(len(starts)) + first_line
    inside = starts < n
    starts, line_of = starts[inside], line_of[inside]
    first = body[starts]
    second = body[np.minimum(starts + 1, n - 1)]
    empty = (first == _LF) | ((first == _CR) & (starts + 1 < n) & (second == _LF))
    even = np.searchsorted(quotes, starts[empty]) % 2 == 0  # outside any quoted value
    gaps = line_of[empty][even]
    lines = len(lf) + (1 if n and body[-1] != _LF else 0)
    ends = lf[np.searchsorted(quotes, lf) % 2 == 0]  # line feeds that end a record
    crlf = bool(len(ends) and ends[0] > 0 and body[ends[0] - 1] == _CR)
    return Scan([int(g) for g in gaps], lines, crlf, len(ends) != len(lf))


def record_lines(breaks: np.ndarray, found: Scan, first_line: int) -> np.ndarray | None:
    """The first physical line of each record, given the line breaks inside each one's
    cells (in file order) and the empty lines; None when they do not add up to the body's
    lines or an empty line falls inside a record (the quotes did not pair up)."""
    count = len(breaks)
    if count + int(breaks.sum()) + len(found.gaps) != found.lines:
        return None
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]]) if count else np.zeros(0, np.int64)
    base = first_line + np.arange(count) + before  # the line if there were no empty lines
    gaps = np.asarray(found.gaps, dtype=np.int64)
    shifted = gaps - np.arange(len(gaps))  # where each empty line sits among the records
    line = base + np.searchsorted(shifted, base, side="right")
    if len(gaps) and count:
        owner = np.searchsorted(line, gaps, side="right") - 1
        valid = owner >= 0
        if (line[owner[valid]] + breaks[owner[valid]] >= gaps[valid]).any():
            return None
    return line
