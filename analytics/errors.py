"""Errors a user can hit, in one hierarchy.

Every message says what went wrong *and what to do about it*, so the CLI can
print ``str(err)`` as its one-line reason and a page can show it as is.

>>> err = UnusableFileError("deals.pdf", "it is a PDF document", "Export the report as CSV or XLSX.")
>>> str(err)
'deals.pdf: it is a PDF document. Export the report as CSV or XLSX.'
"""

from __future__ import annotations


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
        text = f"{file_name}: {problem}."
        if hint:
            text += f" {hint}"
        super().__init__(text)


class MappingError(DebriefError):
    """A column mapping the user gave that cannot be applied."""


class UndoError(DebriefError):
    """An import that cannot be undone (unknown, already undone, or built upon)."""


class SchemaVersionError(DebriefError):
    """The database file was written by a newer Debrief than this one."""


class InvalidSettingError(DebriefError):
    """A threshold, date, category or filter value outside what the metric accepts."""
