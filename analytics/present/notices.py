"""Friendly explanations of problems the pages show instead of a traceback (no Streamlit)."""

from __future__ import annotations

from analytics.errors import DebriefError


def connection_problem(err: Exception, path: str) -> str:
    """Why the database file at ``path`` could not be opened, and what to do about it."""
    if isinstance(err, DebriefError):
        return str(err)
    text = str(err)
    if "lock" in text.lower():
        return (f"The database {path} is in use by another program (for example a running "
                "`python -m analytics import`). Wait for it to finish, then reload this page.")
    return (f"Debrief could not open the database {path}: {text.splitlines()[0] if text else err}. "
            "Check the path in DEBRIEF_DB, or move the file away to start with an empty one.")
