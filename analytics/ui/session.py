"""The dashboard's database leases, cached engine calls and messages kept across a rerun.

**No connection is kept between runs.** The process has one :class:`SharedFile` per
database file (``@st.cache_resource``): an engine call borrows a cursor (:func:`reading`)
and the file is open only while some run of some session is inside a call — read-only,
so other dashboard processes read too — and closed when the last call ends. A
``python -m analytics import`` from cron therefore finds the file free between runs; a
run that finds the file locked by such a writer waits quietly (up to
:data:`~analytics.connection.DASHBOARD_WAIT` seconds, ``$DEBRIEF_DB_WAIT`` to change),
then says which process holds it. Writes (:func:`writing`) open the file read-write for
their transaction only. See :mod:`analytics.connection` for the DuckDB facts behind this
and ``benchmarks/connections.py`` for what it costs per page run.

**Caches follow the data.** Every write bumps ``meta.data_version``
(:func:`analytics.store.transaction`); :func:`start_run` (called by ``setup_page`` at
the top of every page run) reads it once, and every cached result is keyed on it, so a
page shows another process's import at its next rerun without anyone clearing a cache.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from analytics import store
from analytics.connection import DASHBOARD_WAIT, SharedFile, open_store
from analytics.errors import DebriefError
from analytics.ingest import history, samples
from analytics.metrics import currency
from analytics.present import money
from analytics.present.text import md_escape

_VERSION_KEY = "_data_version"
#: Longest one engine call of a page may take (seconds); then DuckDB is interrupted and the page
#: says so (:class:`SlowViewError`). Reads only: nothing is left half-done.
QUERY_SECONDS = 60.0
_TODO = "Wait for it to finish, then reload this page."

# --------------------------------------------------------------------------- connection


def now() -> datetime:
    """Wall-clock time recorded with imports, undos and overrides."""
    return datetime.now().replace(microsecond=0)


def db_path() -> str:
    """The database file this process serves (``$DEBRIEF_DB``, else ``data/debrief.duckdb``)."""
    return str(store.default_db_path())


def wait_seconds() -> float:
    """How long a run waits for a file another process holds (``$DEBRIEF_DB_WAIT``)."""
    return float(os.environ.get("DEBRIEF_DB_WAIT") or DASHBOARD_WAIT)


@st.cache_resource(show_spinner=False)
def _shared(path: str) -> SharedFile:
    """The process's leases on ``path`` (a door, not a connection: it holds nothing while idle)."""
    return SharedFile(lambda read_only: open_store(path, read_only=read_only, wait=wait_seconds(),
                                                   todo=_TODO))


@st.cache_resource(show_spinner=False)
def _prepared() -> set[str]:
    """Files whose schema this process has checked (and, with ``DEBRIEF_SAMPLE=1``, filled)."""
    return set()


def shared_file() -> SharedFile:
    """The :class:`SharedFile` of :func:`db_path`."""
    return _shared(db_path())


@contextmanager
def reading() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the database for one engine call (the file is closed again after it)."""
    with _lease(db_path()) as cur:
        yield cur


#: The read lease :func:`held` keeps for this thread: ``(path, cursor)``, or absent.
_HELD = threading.local()


@contextmanager
def held() -> Iterator[None]:
    """Keep the file open across the engine calls inside (one open instead of one per call: an
    open costs ~10–30 ms and starts with a cold buffer pool). Only reads inside: a write would wait
    for this lease. Released when the block ends, so nothing is held between runs."""
    path = db_path()
    outer = getattr(_HELD, "lease", None)
    if outer is not None and outer[0] == path:
        yield
        return
    with _shared(path).reading() as cur:
        _HELD.lease = (path, cur)
        try:
            yield
        finally:
            _HELD.lease = outer


@contextmanager
def _lease(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for one read: a child of this thread's :func:`held` lease when there is one — not
    a new lease, which would queue behind a writer that waits for the held one — else its own."""
    outer = getattr(_HELD, "lease", None)
    if outer is None or outer[0] != path:
        with _shared(path).reading() as cur:
            yield cur
        return
    cur = outer[1].cursor()
    try:
        yield cur
    finally:
        cur.close()


@contextmanager
def writing() -> Iterator[duckdb.DuckDBPyConnection]:
    """The read-write connection for one write; the run then reads the new data version."""
    try:
        with shared_file().writing() as con:
            yield con
    finally:
        if get_script_run_ctx() is not None:
            st.session_state.pop(_VERSION_KEY, None)


def _prepare(path: str) -> None:
    """Create or upgrade the schema once per process (a read-write open); with
    ``DEBRIEF_SAMPLE=1`` a database that never had an import gets the sample exports first:
    a hosted instance whose disk starts empty still opens on data."""
    done = _prepared()
    if path in done and Path(path).exists():
        return
    with _shared(path).writing() as con:
        if os.environ.get("DEBRIEF_SAMPLE") == "1":
            samples.load_if_empty(con, now=now())
    done.add(path)


def _read_version(path: str) -> str:
    with _lease(path) as cur:
        return store.data_version(cur)


def start_run() -> str:
    """Open the database's door for this page run: check the schema (first run of the process),
    read the data version once, and return it. Raises what opening raises
    (:class:`DebriefError` — a newer schema, a file busy past the wait — or ``duckdb.Error``)."""
    _prepare(db_path())
    if get_script_run_ctx() is not None:
        st.session_state.pop(_VERSION_KEY, None)
    return data_version()


def data_version() -> str:
    """The data version of this run: read at its start (afresh outside a page run)."""
    path = db_path()
    if get_script_run_ctx() is None:
        return _read_version(path)
    seen = st.session_state.get(_VERSION_KEY)
    if seen and seen[0] == path:
        return seen[1]
    version = _read_version(path)
    st.session_state[_VERSION_KEY] = (path, version)
    return version


# --------------------------------------------------------------------------- caching


class SlowViewError(DebriefError):
    """An engine call of a page that ran past :data:`QUERY_SECONDS` and was interrupted."""


def time_limited(cur: duckdb.DuckDBPyConnection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cur, *args, **kwargs)``, interrupted (:class:`SlowViewError`) once it has run
    :data:`QUERY_SECONDS` — DuckDB 1.5 has no statement timeout, so a timer calls
    ``cur.interrupt()`` (a no-op when no query is running)."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        cur.interrupt()

    timer = threading.Timer(QUERY_SECONDS, stop)
    timer.daemon = True
    timer.start()
    try:
        return fn(cur, *args, **kwargs)
    except duckdb.InterruptException as err:
        if fired.is_set():
            raise SlowViewError(f"This view took longer than {QUERY_SECONDS:g} s and was stopped. Narrow "
                                "the filters (a shorter period, fewer values) and try again.") from err
        raise
    finally:
        timer.cancel()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_call(db: str, version: str, name: str, args: tuple[Any, ...],
                 kwargs: tuple[tuple[str, Any], ...], _fn: Callable[..., Any]) -> Any:
    with _lease(db) as cur:
        return time_limited(cur, _fn, *args, **dict(kwargs))


def load(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, *args, **kwargs)`` cached per database file, data version and argument values.

    Arguments must be plain values (filters and settings are frozen dataclasses). A write by
    any process changes the data version, so the next run computes afresh. A call past
    :data:`QUERY_SECONDS` stops the page run with a message saying so (inside a page run).
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    try:
        return _cached_call(db_path(), data_version(), name, args, tuple(sorted(kwargs.items())), fn)
    except SlowViewError as err:
        if get_script_run_ctx() is None:
            raise
        st.error(md_escape(err), icon=":material/hourglass_bottom:")
        st.stop()


def deferred(fn: Callable[..., Any], *args: Any, convert: Callable[[Any], Any] | None = None,
             **kwargs: Any) -> Callable[[], Any]:
    """``fn(cursor, *args, **kwargs)`` (then ``convert`` of it) computed only when called: a download
    button's data, built when the button is pressed (Streamlit calls it on another thread) instead
    of on every run — a CSV of every deal costs seconds at 1M deals. Uses its own read lease."""
    door = shared_file()

    def build() -> Any:
        with door.reading() as cur:
            result = fn(cur, *args, **kwargs)
        return convert(result) if convert else result

    return build


@st.cache_data(show_spinner=False, max_entries=64)
def _imports(db: str, version: str) -> pd.DataFrame:
    with _lease(db) as cur:
        return history.list_imports(cur)


@st.cache_data(show_spinner=False, max_entries=64)
def _currencies(db: str, version: str) -> tuple[str, ...]:
    with _lease(db) as cur:
        return tuple(currency.stated_currencies(cur))


def clear_caches() -> None:
    """After this session's own write: drop every cached result and read the new data version,
    so the rest of this run (and the next) shows the numbers after the write."""
    _cached_call.clear()
    _imports.clear()
    _currencies.clear()
    if get_script_run_ctx() is not None:
        st.session_state.pop(_VERSION_KEY, None)  # the next load reads the new version


def all_imports() -> pd.DataFrame:
    """Every import, newest first, undone ones included (cached)."""
    return _imports(db_path(), data_version())


def active_imports() -> pd.DataFrame:
    """Imports not undone, newest first (cached per data version)."""
    df = all_imports()
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
    return _currencies(db_path(), data_version())


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
    """What amount figures cover when the deals mix currencies, else None (markdown-escaped: the
    codes come from the data)."""
    note = money.currency_note(currencies(), chosen_currency())
    return None if note is None else md_escape(note)


# --------------------------------------------------------------------------- flash messages


def flash(kind: str, text: str) -> None:
    """Show ``text`` (``success`` / ``info`` / ``warning`` / ``error``) at the next run."""
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop("_flash", []):
        getattr(st, kind)(md_escape(text))  # texts name files and errors
