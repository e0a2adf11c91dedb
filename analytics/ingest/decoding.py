"""Bytes → text for a CSV export, and the control characters a value must not keep.

An export is UTF-8 (with or without BOM), UTF-16 (BOM, or told by its NUL bytes), or
Windows-1252 / Latin-1. A file with valid multi-byte UTF-8 sequences is UTF-8 even when
a few bytes are not: those become U+FFFD and a note says how many and on which lines,
so one stray byte never re-encodes every accented name. A file with no valid
multi-byte sequence but some invalid bytes is cp1252 (else Latin-1), as before.

>>> text, encoding, notes = decode(b"name\\nJos\\xc3\\xa9\\nbad \\xff\\n", "x.csv")
>>> text, encoding
('name\\nJosé\\nbad �\\n', 'utf-8')
>>> notes[0][:60]
'1 invalid UTF-8 byte sequence(s) on 1 line(s) (line 3) were '

>>> decode(b"Jos\\xe9", "x.csv")[:2]
('José', 'cp1252')
>>> clean_controls([(1, ["a\\x00b", "ok\\tfine", 3]), (2, ["c\\x07"])])
2
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analytics.errors import UnusableFileError

EXPORT_HINT = "Export the deals report from your CRM as CSV or XLSX and try again."

#: Control characters no value keeps (tab, newline and carriage return are kept).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: A sample with more NUL bytes than this share (and not UTF-16) is a binary file.
_NUL_SHARE = 0.01
_ASCII = bytes(range(128))
_SHOWN_LINES = 5


def magic_problem(data: bytes, file_name: str) -> None:
    """Raise for well-known non-table formats, recognised by their first bytes."""
    head = data[:8]
    known = {
        b"\x1f\x8b": "a gzip archive",
        b"Rar!": "a RAR archive",
        b"7z\xbc\xaf": "a 7-Zip archive",
        b"%PDF": "a PDF document",
        b"\xd0\xcf\x11\xe0": "an old-style Excel .xls (or other Office) file",
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"GIF8": "a GIF image",
        b"SQLite format": "a SQLite database",
    }
    for magic, what in known.items():
        if head.startswith(magic) or data[: len(magic)] == magic:
            hint = ("Save it as .xlsx or CSV and import that." if "xls" in what
                    else "Unpack it first and import the CSV or XLSX inside." if "archive" in what
                    else EXPORT_HINT)
            raise UnusableFileError(file_name, f"it is {what}, not a CSV or XLSX export", hint)


def _utf16_by_nuls(data: bytes, file_name: str) -> tuple[str, str] | None:
    """UTF-16 without a BOM, told by where its NUL bytes are; a binary file raises; a few
    stray NULs in a text file give None (they are removed later, with a note)."""
    sample = data[:4096]
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    try:
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return data.decode("utf-16-le", errors="strict"), "utf-16-le"
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return data.decode("utf-16-be", errors="strict"), "utf-16-be"
    except UnicodeDecodeError as exc:
        raise UnusableFileError(file_name, "it looks like UTF-16 text but is not readable as such",
                                EXPORT_HINT) from exc
    if even_nuls + odd_nuls > _NUL_SHARE * len(sample):
        raise UnusableFileError(file_name, "it is a binary file, not a text export", EXPORT_HINT)
    return None


def _mostly_utf8(data: bytes, declared: bool = False) -> tuple[str, list[str]] | None:
    """The text of a file that is UTF-8 but for a few bytes, and the note saying so;
    None when it has fewer valid multi-byte sequences than invalid ones (unless a BOM
    ``declared`` it UTF-8)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    ascii_chars = len(data) - len(data.translate(None, _ASCII))
    if len(text) - ascii_chars - bad < bad and not declared:
        return None
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if "\ufffd" in line]
    shown = ", ".join(str(n) for n in lines[:_SHOWN_LINES]) + (", …" if len(lines) > _SHOWN_LINES else "")
    return text, [f"{bad} invalid UTF-8 byte sequence(s) on {len(lines)} line(s) (line {shown}) "
                  "were replaced by �; the rest was read as UTF-8."]


def decode(data: bytes, file_name: str) -> tuple[str, str, list[str]]:
    """The file's text, the encoding it was read with, and notes on what was replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError:
            text, notes = _mostly_utf8(data, declared=True) or ("", [])
            return text, "utf-8-sig", notes
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise UnusableFileError(file_name, "it says it is UTF-16 but is not readable as such",
                                    EXPORT_HINT) from exc
    if b"\x00" in data[:4096] and (utf16 := _utf16_by_nuls(data, file_name)) is not None:
        return utf16[0], utf16[1], []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    replaced = _mostly_utf8(data)
    if replaced is not None:
        return replaced[0], "utf-8", replaced[1]
    try:
        return data.decode("cp1252"), "cp1252", []
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", []


def clean_controls(rows: Iterable[tuple[int, list[object]]]) -> int:
    """Remove control characters from the text cells of ``rows`` (in place); how many
    cells were cleaned."""
    cleaned = 0
    for _, cells in rows:
        for index, cell in enumerate(cells):
            if type(cell) is str and CONTROL.search(cell):
                cells[index] = CONTROL.sub("", cell)
                cleaned += 1
    return cleaned


def controls_note(cleaned: int) -> list[str]:
    """The note for ``cleaned`` values that lost control characters (none when 0)."""
    return [f"Removed control characters (such as NUL) from {cleaned} value(s)."] if cleaned else []
