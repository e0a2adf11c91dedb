"""The importer's limits, in one place, and how long things are shown in messages.

A file with more than :data:`MAX_ROWS` data rows (:func:`check_rows`) or wider than
:data:`MAX_COLUMNS` is refused; a record with a value longer than
:data:`MAX_CELL_CHARS` is rejected (its reason names the column); a date outside
:data:`FIRST_DATE` – :data:`LAST_DATE` is rejected. Messages name at most
:data:`SHOWN_COLUMNS` columns, each cut to :data:`SHOWN_CHARS` characters, and a
message a user sees is at most :data:`MESSAGE_CHARS` characters on one line.

>>> shown_columns(["Stage", "x" * 60, "Amount", "A", "B", "C", "D"])
"'Stage', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…', 'Amount' and 4 more"
>>> clip("a\\nb  c", 5)
'a b c'
>>> clip("abcdefgh", 5)
'abcd…'
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from analytics.errors import MESSAGE_CHARS, UnusableFileError

#: Data rows a file may have; a longer file is refused (split it, e.g. by close year).
MAX_ROWS = 5_000_000
#: Columns a file may have; a wider header is refused (no CRM export comes close).
MAX_COLUMNS = 2_000
#: Characters one value may hold; a record with a longer value is rejected.
MAX_CELL_CHARS = 100_000
#: Characters of a reject's raw text that are stored (the rest is cut, and said so).
MAX_RAW_CHARS = 20_000
#: DuckDB memory for reading and parsing one large CSV (analytics.ingest.duckcsv); past it
#: DuckDB works from a temporary folder, so a million-row file imports within ~1 GB.
IMPORT_MEMORY = "512MB"
#: The plausible range of a close or created date; a date outside it is rejected.
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)
#: Columns named in a message, and characters shown of each name or value.
SHOWN_COLUMNS = 3
SHOWN_CHARS = 30
#: Longest message (one line) an unusable file or a mapping gives (kept by the errors).
__all__ = ["FIRST_DATE", "LAST_DATE", "MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_RAW_CHARS", "MAX_ROWS",
           "MESSAGE_CHARS", "SHOWN_CHARS", "SHOWN_COLUMNS", "check_rows", "clip", "shown_columns"]

_SPACES = re.compile(r"\s+")


def clip(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace, newlines included, become one space),
    cut to ``limit`` characters with an ellipsis."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def check_rows(count: int, file_name: str) -> None:
    """Refuse a file of more than :data:`MAX_ROWS` data rows (one line, nothing written)."""
    if count > MAX_ROWS:
        raise UnusableFileError(file_name, f"it has {count:,} data rows; Debrief imports at most "
                                f"{MAX_ROWS:,} per file", "Split the export (e.g. by close year) and "
                                "import the parts.")


def shown_columns(headers: Sequence[object]) -> str:
    """A few column names, quoted and cut, then how many more there are."""
    names = [str(h) for h in headers if h is not None and str(h).strip()]
    shown = ", ".join(repr(clip(n, SHOWN_CHARS)) for n in names[:SHOWN_COLUMNS])
    more = len(names) - SHOWN_COLUMNS
    return (shown or "(none)") + (f" and {more} more" if more > 0 else "")
