"""The process-wide database connection, cached engine calls and messages kept across a rerun."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from analytics import store
from analytics.errors import DebriefError
from analytics.ingest import history, samples
from analytics.metrics import deals
from analytics.present import money

# --------------------------------------------------------------------------- connection


def now() -> datetime:
    """Wall-clock time recorded with imports, undos and overrides."""
    return datetime.now().replace(microsecond=0)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per database file and process (each run takes a cursor).

    With ``DEBRIEF_SAMPLE=1`` a database that never had an import gets the sample
    exports first: a hosted instance whose disk starts empty still opens on data.
    """
    con = store.connect(path)
    if os.environ.get("DEBRIEF_SAMPLE") == "1":
        samples.load_if_empty(con, now=now())
    return con


def db_path() -> str:
    """The database file this process serves (``$DEBRIEF_DB``, else ``data/debrief.duckdb``)."""
    return str(store.default_db_path())


def get_connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection to :func:`db_path` (opened, and its schema upgraded, once)."""
    return _open(db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor: one per script run / thread, never shared between sessions."""
    return get_connection().cursor()


# --------------------------------------------------------------------------- caching


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_call(db: str, name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...],
                 _fn: Callable[..., Any]) -> Any:
    return _fn(cursor(), *args, **dict(kwargs))


def load(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, *args, **kwargs)`` cached per database file and argument values.

    Arguments must be plain values (filters and settings are frozen dataclasses).
    The cache is cleared by :func:`clear_caches` after every write.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(db_path(), name, args, tuple(sorted(kwargs.items())), fn)


@st.cache_data(show_spinner=False)
def _imports(db: str) -> pd.DataFrame:
    return history.list_imports(cursor())


@st.cache_data(show_spinner=False)
def _currencies(db: str) -> tuple[str, ...]:
    return tuple(deals.currencies(cursor()))


def clear_caches() -> None:
    """Forget every cached result, so each page shows the numbers after a write."""
    _cached_call.clear()
    _imports.clear()
    _currencies.clear()


def all_imports() -> pd.DataFrame:
    """Every import, newest first, undone ones included (cached)."""
    return _imports(db_path())


def active_imports() -> pd.DataFrame:
    """Imports not undone, newest first (cached; cleared by :func:`clear_caches`)."""
    df = _imports(db_path())
    return df[df["undone_at"].isna()]


def showing_sample() -> bool:
    """True while ``DEBRIEF_SAMPLE=1`` and every import still active is one of the sample files."""
    if os.environ.get("DEBRIEF_SAMPLE") != "1":
        return False
    try:
        return bool(load(samples.showing_sample_only))
    except (DebriefError, duckdb.Error):
        return False


# --------------------------------------------------------------------------- money


def currencies() -> tuple[str, ...]:
    """ISO codes of the amounts in the database (from the deal list; cached)."""
    return _currencies(db_path())


#: Session key of the currency amount figures are in this run (set by the sidebar; None: as stored).
AMOUNT_CURRENCY = "_amount_currency"


def chosen_currency() -> str | None:
    """The currency of this run's amount figures (``Filters.currency``), None on one-currency data."""
    return st.session_state.get(AMOUNT_CURRENCY)


def money_symbol() -> str:
    """The symbol amounts are shown with: the chosen currency's on mixed data
    (see :func:`analytics.present.money.chosen_symbol`)."""
    return money.chosen_symbol(currencies(), chosen_currency())


def currency_note() -> str | None:
    """What amount figures cover when the deals mix currencies, else None."""
    return money.currency_note(currencies(), chosen_currency())


# --------------------------------------------------------------------------- flash messages


def flash(kind: str, text: str) -> None:
    """Show ``text`` (``success`` / ``info`` / ``warning`` / ``error``) at the next run."""
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop("_flash", []):
        getattr(st, kind)(text)
