"""DuckLake on PostgreSQL: one Debrief store for several processes at once.

``DEBRIEF_DB="ducklake:postgres:dbname=debrief host=... user=..."`` with
``DEBRIEF_DATA_PATH`` (a shared folder or object storage) puts the store in a DuckLake
catalog: the metadata in PostgreSQL, the rows in Parquet files under the data path.
Several dashboard replicas and importers then work on it at once; readers see new
commits without reconnecting.

- **Offline extensions.** ``ducklake`` and ``postgres`` come from the PyPI packages
  ``duckdb-extension-ducklake`` / ``duckdb-extension-postgres`` (``duckdb-extensions``
  installs them into an extension folder this module owns); nothing is downloaded.
- **The lake is the default database.** :func:`connect` opens the catalog as the
  connection's own database (``duckdb.connect("ducklake:postgres:...")``), so every
  ``cursor()`` sees its tables — ``USE`` would be per cursor and cursors do not inherit it.
  The first open in a process attaches it once with its ``DATA_PATH`` and keeps one
  connection, so later opens reuse the same database instance (~10 ms, not ~0.4 s).
- **Writes retry.** DuckLake's write conflicts are table-wide (two importers touching
  disjoint rows still conflict), and two inserts into one table do NOT conflict. So
  :func:`write` runs a re-runnable body in one transaction that first claims the store
  (rewrites one ``meta`` row: concurrent writers always conflict, never both derive the
  same next import id) and retries the whole body when the commit loses.
- **Only PostgreSQL catalogs.** A SQLite catalog takes one writer and a DuckDB-file
  catalog one process: for one process a plain DuckDB file is the better store.
- :func:`maintain` merges small files, flushes inlined rows and expires old snapshots
  (on a DuckDB file it runs ``CHECKPOINT``).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import duckdb

from analytics.errors import DebriefError

PREFIX = "ducklake:"
#: The only catalog type offered: the one several processes can write to at once.
CATALOG = "ducklake:postgres:"
EXTENSIONS = ("ducklake", "postgres")
#: Whole-transaction attempts before a write gives up (backoff doubles from 50 ms, capped at 2 s).
ATTEMPTS = 12
#: Snapshots (and the files only they reference) younger than this survive ``maintain``.
KEEP_SNAPSHOTS = timedelta(days=7)

T = TypeVar("T")
_KEEPERS: dict[str, duckdb.DuckDBPyConnection] = {}
_LOCK = threading.Lock()


class LakeError(DebriefError):
    """The DuckLake catalog cannot be opened as configured (the message says what to set)."""


class WriteConflictError(DebriefError):
    """Other writers kept winning: the change was not saved and can simply be retried."""


def is_lake(target: object) -> bool:
    """True for a ``DEBRIEF_DB`` / ``--db`` value naming a DuckLake catalog.

    >>> is_lake("ducklake:postgres:dbname=debrief host=db"), is_lake("data/debrief.duckdb")
    (True, False)
    """
    return str(target).startswith(PREFIX)


def extension_dir() -> Path:
    """Where the DuckDB extensions are installed from the PyPI packages: ``$DEBRIEF_EXTENSION_DIR``,
    else ``~/.cache/debrief/duckdb-<version>``."""
    env = os.environ.get("DEBRIEF_EXTENSION_DIR")
    return Path(env) if env else Path.home() / ".cache" / "debrief" / f"duckdb-{duckdb.__version__}"


def _config() -> dict[str, object]:
    """The one configuration every lake connection of this process uses (DuckDB refuses
    a second connection to the same database with another)."""
    return {"extension_directory": str(extension_dir()), "autoinstall_known_extensions": False}


def _literal(text: str) -> str:
    """A SQL string literal (ATTACH takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Load ducklake and postgres, installing them from the PyPI packages the first time."""
    try:
        from duckdb_extensions import import_extension
    except ModuleNotFoundError as exc:
        raise LakeError("DuckLake needs the packages duckdb-extensions, duckdb-extension-ducklake and "
                        "duckdb-extension-postgres: run pip install -r requirements.txt.") from exc
    extension_dir().mkdir(parents=True, exist_ok=True)
    for name in EXTENSIONS:
        try:
            con.execute(f"LOAD {name}")
        except duckdb.Error:
            import_extension(name, con=con)
            con.execute(f"LOAD {name}")


def _data_path() -> str:
    path = os.environ.get("DEBRIEF_DATA_PATH", "").strip()
    if not path:
        raise LakeError("DEBRIEF_DATA_PATH is not set: point it at the folder or bucket (s3://...) "
                        "that holds the lake's files, the same for every process.")
    return path if path.endswith("/") else path + "/"


def _open_failed(spec: str, exc: duckdb.Error) -> LakeError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return LakeError(f"Cannot open the DuckLake catalog {spec}: {first[:200]} Check DEBRIEF_DB "
                     "(dbname, host, user) and DEBRIEF_DATA_PATH, and that PostgreSQL is running.")


def _keeper(spec: str) -> duckdb.DuckDBPyConnection:
    """The connection that keeps this process's lake database instance open (made once)."""
    from analytics.store import ensure_schema

    with _LOCK:
        if spec in _KEEPERS:
            return _KEEPERS[spec]
        try:
            boot = duckdb.connect(config=_config())
            try:
                load_extensions(boot)
                boot.execute(f"ATTACH {_literal(spec)} AS lake (DATA_PATH {_literal(_data_path())})")
            finally:
                boot.close()
            keeper = duckdb.connect(spec, config=_config())
        except duckdb.Error as exc:
            raise _open_failed(spec, exc) from exc
        retry(lambda: ensure_schema(keeper))
        _KEEPERS[spec] = keeper
        return keeper


def connect(spec: str) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the DuckLake catalog ``spec`` (schema up to date).

    There is no read-only mode: the lake holds no lock a reader would take from a writer.
    """
    if not spec.startswith(CATALOG):
        raise LakeError(f"{spec.split(' ')[0]}: Debrief runs DuckLake on a PostgreSQL catalog only "
                        "(ducklake:postgres:dbname=... host=... user=...). A SQLite or DuckDB catalog "
                        "serves one process: use a plain DuckDB file instead.")
    _keeper(spec)
    return duckdb.connect(spec, config=_config())


def close_all() -> None:
    """Close the kept lake connections of this process (tests, and before exiting)."""
    with _LOCK:
        for con in _KEEPERS.values():
            con.close()
        _KEEPERS.clear()


# --------------------------------------------------------------------------- writes


def is_conflict(exc: BaseException) -> bool:
    """A write that lost to a concurrent one (DuckLake's commit, or DuckDB's row update)."""
    return isinstance(exc, duckdb.TransactionException) and "onflict" in str(exc)


def retry(fn: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """``fn()``, called again after a short random backoff while it raises a write conflict."""
    for attempt in range(attempts):
        try:
            return fn()
        except duckdb.TransactionException as exc:
            if not is_conflict(exc):
                raise
            if attempt == attempts - 1:
                raise WriteConflictError(
                    f"Other imports or edits kept changing the data {attempts} times in a row; "
                    "nothing was saved. Try again in a minute.") from exc
            time.sleep(min(2.0, 0.05 * 2 ** attempt) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


def write(cur: duckdb.DuckDBPyConnection, body: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``body(cur)`` in ONE transaction (:func:`analytics.store.transaction`) and return its
    result; when a concurrent writer wins, the whole body runs again from the start.

    ``body`` must be re-runnable: it reads what it needs inside the transaction and keeps
    no state between attempts. It first claims the store by rewriting one ``meta`` row, so
    two writers never commit side by side (e.g. both taking the same next import id).
    """
    from analytics.store import transaction

    def attempt() -> T:
        with transaction(cur):
            cur.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
            return body(cur)

    return retry(attempt)


# --------------------------------------------------------------------------- maintenance


def maintain(con: duckdb.DuckDBPyConnection, *, now: datetime,
             keep: timedelta = KEEP_SNAPSHOTS) -> list[str]:
    """Compact the store; return one line per step done, for the CLI to print.

    On DuckLake: flush rows inlined in the catalog to Parquet, merge adjacent small files,
    expire snapshots older than ``now - keep`` and delete the files only they used (time
    travel to an expired snapshot is then gone). On a DuckDB file: ``CHECKPOINT``.
    """
    cur = con.cursor()
    name = cur.execute("SELECT current_database()").fetchone()[0]
    is_ducklake = cur.execute("SELECT type = 'ducklake' FROM duckdb_databases() WHERE database_name = ?",
                              [name]).fetchone()
    if not (is_ducklake and is_ducklake[0]):
        cur.execute("CHECKPOINT")
        return ["DuckDB file: CHECKPOINT done (DuckLake maintenance does not apply to a file)."]
    cutoff = now - keep
    steps = [
        ("inlined rows flushed to Parquet", "ducklake_flush_inlined_data(?)", [name]),
        ("small files merged", "ducklake_merge_adjacent_files(?)", [name]),
        (f"snapshots older than {cutoff:%Y-%m-%d %H:%M} expired",
         "ducklake_expire_snapshots(?, older_than => ?::TIMESTAMPTZ)", [name, cutoff]),
        ("files of expired snapshots deleted",
         "ducklake_cleanup_old_files(?, older_than => ?::TIMESTAMPTZ)", [name, cutoff]),
    ]
    done = []
    for label, call, params in steps:
        count = retry(lambda c=call, p=params: cur.execute(f"SELECT count(*) FROM {c}", p).fetchone()[0])
        done.append(f"DuckLake: {label} ({count}).")
    return done
