"""Errors a user can hit, in one hierarchy.

Every message says what went wrong *and what to do about it*, so the CLI can
print ``str(err)`` as its one-line reason and a page can show it as is.

>>> err = UnusableFileError("deals.pdf", "it is a PDF document", "Export the report as CSV or XLSX.")
>>> str(err)
'deals.pdf: it is a PDF document. Export the report as CSV or XLSX.'
"""

from __future__ import annotations

import re

#: Longest message an unusable file or a mapping gives: one line, whatever the file holds.
MESSAGE_CHARS = 300
#: Characters of a file name shown in a message (its start and its end, the extension).
_NAME_CHARS = 60
_SPACES = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def shown_name(file_name: str) -> str:
    """A file name on one line, its middle cut when it is long (the extension stays).

    >>> shown_name("deals " * 30 + ".csv")
    'deals deals deals deals deals deals dea…als deals deals .csv'
    """
    flat = _flat(file_name)
    if len(flat) <= _NAME_CHARS:
        return flat
    tail = _NAME_CHARS // 3
    return flat[: _NAME_CHARS - tail - 1] + "…" + flat[-tail:]


class DebriefError(Exception):
    """Base class of every error Debrief reports to a user."""


class UnusableFileError(DebriefError):
    """A file that cannot be imported at all; nothing from it was written.

    ``file_name`` is the name the user knows the file by (not a temp path),
    ``problem`` says what is wrong and ``hint`` what to do.
    """

    def __init__(self, file_name: str, problem: str, hint: str = "") -> None:
        self.file_name = file_name
        self.problem = problem
        self.hint = hint
        name, hint_text = shown_name(file_name), _cut(_flat(hint), 140)
        room = MESSAGE_CHARS - len(name) - len(hint_text) - 4
        text = f"{name}: {_cut(_flat(problem), room)}."
        if hint_text:
            text += f" {hint_text}"
        super().__init__(text)


class MappingError(DebriefError):
    """A column mapping the user gave that cannot be applied (one line, at most
    :data:`MESSAGE_CHARS` characters)."""

    def __init__(self, message: str) -> None:
        super().__init__(_cut(_flat(message), MESSAGE_CHARS))


class UndoError(DebriefError):
    """An import that cannot be undone (unknown, already undone, or built upon)."""


class SchemaVersionError(DebriefError):
    """The database file was written by a newer Debrief than this one."""


class InvalidSettingError(DebriefError):
    """A threshold, date, category or filter value outside what the metric accepts."""
