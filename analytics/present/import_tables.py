"""The import wizard's tables: the file as read, its column mapping, its rejects (no Streamlit)."""

from __future__ import annotations

import pandas as pd

from analytics.ingest import importer, normalise
from analytics.ingest.dialects import SOURCES
from analytics.ingest.headers import FIELDS, IGNORE
from analytics.present.formatting import IGNORE_LABEL, field_label

#: The choices of the "Exported from" box (``auto`` first).
SOURCE_CHOICES: tuple[str, ...] = tuple(SOURCES)

#: The choices of the mapping editor's "Feeds" column, and the field each one stands for.
MAPPING_OPTIONS: tuple[str, ...] = (IGNORE_LABEL, *(field_label(f) for f in FIELDS))
_LABEL_TO_FIELD = {field_label(f): f for f in FIELDS} | {IGNORE_LABEL: IGNORE}

#: The counts of an :class:`~analytics.ingest.importer.ImportResult`, as (label, attribute).
RESULT_COUNTS: tuple[tuple[str, str], ...] = (
    ("Rows read", "rows_read"), ("Loaded", "loaded"), ("Updated", "updated"),
    ("Unchanged", "unchanged"), ("Duplicates", "duplicates"), ("Rejected", "rejected"),
)


def result_title(result: importer.ImportResult) -> str:
    """``import #3``, or ``nothing changed — same as import #3`` for a re-import that recorded nothing."""
    if result.recorded:
        return f"import #{result.import_id}"
    return f"nothing changed — same as import #{result.import_id}"


def result_counts(result: importer.ImportResult) -> list[tuple[str, int]]:
    """(label, count) of every count of an import, in display order."""
    return [(label, getattr(result, name)) for label, name in RESULT_COUNTS]


def _column_name(header: str | None, index: int) -> str:
    """A header as shown; a blank one is ``(column N)`` (N counted from 1)."""
    return header if header and header.strip() else f"(column {index + 1})"


def preview_frame(prepared: normalise.Prepared, rows: int = 8) -> pd.DataFrame:
    """The first records of the file as read (before parsing), headers as in the file."""
    table = prepared.table
    width = len(table.header)
    names: list[str] = []
    for i, h in enumerate(table.header):
        name = _column_name(h, i)
        while name in names:
            name += " "
        names.append(name)
    records = [list(cells)[:width] + [None] * (width - len(cells)) for _, cells in table.records[:rows]]
    frame = pd.DataFrame(records, columns=names)
    return frame.astype("string")


def _examples(prepared: normalise.Prepared, index: int, most: int = 3) -> str:
    """Up to ``most`` distinct non-blank values of a column among its first 50 records."""
    samples: list[str] = []
    for _, cells in prepared.table.records[:50]:
        value = cells[index] if index < len(cells) else None
        if value is not None and str(value).strip() and str(value) not in samples:
            samples.append(str(value))
        if len(samples) == most:
            break
    return " · ".join(s[:30] for s in samples)


def mapping_frame(prepared: normalise.Prepared) -> pd.DataFrame:
    """One row per column of the file: its header, sample values and the field it feeds."""
    cmap = prepared.column_map
    fed: dict[int, str] = {}
    for name, index in cmap.fields.items():
        fed.setdefault(index, name)
    for index in cmap.close_columns:
        fed.setdefault(index, "close_date")
    rows = [{"column": _column_name(header, index),
             "examples": _examples(prepared, index),
             "maps_to": field_label(fed[index]) if index in fed else IGNORE_LABEL}
            for index, header in enumerate(cmap.headers)]
    return pd.DataFrame(rows, columns=["column", "examples", "maps_to"])


def mapping_changes(original: pd.DataFrame, edited: pd.DataFrame) -> dict[str, str]:
    """The user's mapping (header → field) from the rows whose "maps to" they changed.

    A column without a header (shown as ``(column N)``) cannot be named in a mapping.
    """
    changes: dict[str, str] = {}
    for (_, before), (_, after) in zip(original.iterrows(), edited.iterrows(), strict=True):
        if before["maps_to"] != after["maps_to"] and not str(before["column"]).startswith("(column "):
            changes[str(before["column"])] = _LABEL_TO_FIELD.get(after["maps_to"], IGNORE)
    return changes


def rejects_frame(prepared: normalise.Prepared) -> pd.DataFrame:
    """The rows the import would refuse: file line, reason and the row as written."""
    return pd.DataFrame([{"line": r.line, "reason": r.reason, "raw": r.raw} for r in prepared.rejects],
                        columns=["line", "reason", "raw"])


#: Encodings as a person knows them (the importer's notes and history name Python's codecs).
ENCODING_LABELS = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8",
                   "cp1252": "Windows-1252 (Western European)", "latin-1": "Latin-1 (ISO-8859-1)",
                   "utf-16": "UTF-16", "xlsx": "Excel workbook"}


def encoding_label(name: str) -> str:
    """``utf-8-sig`` → ``UTF-8 with BOM``; an unknown codec name is shown as it is."""
    return ENCODING_LABELS.get(name, name)


def readable_note(note: str) -> str:
    """An import note with codec names as people say them; also for notes already stored in the
    history, which keep the importer's wording.

    >>> readable_note("Read as utf-8-sig text."), readable_note("Read as cp1252 text.")
    ('Read as UTF-8 with BOM text.', 'Read as Windows-1252 (Western European) text.')
    """
    for name in sorted(ENCODING_LABELS, key=len, reverse=True):
        if name not in ("utf-8", "xlsx") and name in note:
            note = note.replace(name, ENCODING_LABELS[name])
    return note
