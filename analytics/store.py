"""The DuckDB store: one file, a versioned schema, one connection per process.

Open it with :func:`connect`; the schema is created or upgraded on open, so a
newer Debrief opens a file written by an older one. Work goes through a
``cursor()`` of the returned connection (one per thread / Streamlit run), and
every result is finished (``fetchall()`` / ``.df()``) before the next statement.

>>> con = connect(":memory:")
>>> con.cursor().execute("SELECT count(*) FROM opportunities").fetchone()
(0,)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics.errors import SchemaVersionError

DEFAULT_DB_PATH = Path("data") / "debrief.duckdb"

#: Bumped whenever a migration is appended to ``MIGRATIONS``.
SCHEMA_VERSION = 1

#: The canonical opportunity (METRICS.md §1), in column order, with DuckDB types.
#: ``replaced_rows`` repeats these columns, so the two tables never drift apart.
OPPORTUNITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("opportunity_id", "VARCHAR NOT NULL"),
    ("account_id", "VARCHAR"),
    ("account_name", "VARCHAR"),
    ("account_key", "VARCHAR"),
    ("opportunity_name", "VARCHAR"),
    ("owner", "VARCHAR"),
    ("created_date", "DATE"),
    ("close_date", "DATE"),
    ("stage", "VARCHAR"),
    # Pipeline stage a lost deal was in when it was lost, where the export says
    # (Pipedrive's "Deal - Stage" beside its status, a "Stage before lost" column).
    ("loss_stage", "VARCHAR"),
    ("outcome", "VARCHAR NOT NULL"),
    ("amount", "DOUBLE"),
    ("currency", "VARCHAR"),
    ("competitor", "VARCHAR"),
    ("competitor_price", "DOUBLE"),
    ("budget", "DOUBLE"),
    ("fit_score", "DOUBLE"),
    ("loss_reason_raw", "VARCHAR"),
    ("loss_reason", "VARCHAR"),
    ("loss_notes", "VARCHAR"),
    ("segment", "VARCHAR"),
    ("region", "VARCHAR"),
    ("industry", "VARCHAR"),
    ("product", "VARCHAR"),
    ("lead_source", "VARCHAR"),
    ("source", "VARCHAR"),  # dialect of the export that wrote the row
    ("source_line", "INTEGER"),  # line of that export the row came from
    ("extras", "JSON"),  # the export's unmapped columns, header -> text
    ("import_id", "INTEGER NOT NULL"),
)

OPPORTUNITY_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in OPPORTUNITY_COLUMNS)


def _columns_ddl(extra: str = "") -> str:
    cols = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in OPPORTUNITY_COLUMNS)
    return cols + (f",\n  {extra}" if extra else "")


def _migration_1(cur: duckdb.DuckDBPyConnection) -> None:
    """Initial schema."""
    cur.execute(f"CREATE TABLE opportunities (\n  {_columns_ddl()}\n)")
    # The previous version of every row an import replaced, so undo can put it back.
    cur.execute(
        f"CREATE TABLE replaced_rows (\n  {_columns_ddl('replaced_by INTEGER NOT NULL')}\n)"
    )
    cur.execute(
        """
        CREATE TABLE imports (
          import_id INTEGER NOT NULL,
          file_name VARCHAR NOT NULL,
          content_hash VARCHAR NOT NULL,
          dialect VARCHAR NOT NULL,
          mapping JSON NOT NULL,      -- field -> header(s) actually used
          options JSON NOT NULL,      -- encoding, delimiter, day-first choices...
          notes JSON NOT NULL,        -- messages for the import report
          rows_read INTEGER NOT NULL,
          loaded INTEGER NOT NULL,
          updated INTEGER NOT NULL,
          unchanged INTEGER NOT NULL,
          duplicates INTEGER NOT NULL,
          rejected INTEGER NOT NULL,
          imported_at TIMESTAMP NOT NULL,
          undone_at TIMESTAMP
        )
        """
    )
    cur.execute(
        """
        CREATE TABLE rejected_rows (
          import_id INTEGER NOT NULL,
          line INTEGER NOT NULL,
          raw VARCHAR NOT NULL,
          reason VARCHAR NOT NULL
        )
        """
    )
    cur.execute(
        """
        CREATE TABLE reason_overrides (
          raw_key VARCHAR NOT NULL,   -- lower-cased, trimmed raw loss reason
          category VARCHAR NOT NULL,
          updated_at TIMESTAMP NOT NULL
        )
        """
    )


#: Migration ``i`` upgrades a database from schema version ``i`` to ``i + 1``.
MIGRATIONS: tuple[Callable[[duckdb.DuckDBPyConnection], None], ...] = (_migration_1,)
assert len(MIGRATIONS) == SCHEMA_VERSION


@contextmanager
def transaction(cur: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the statements of the ``with`` block in ONE transaction on ``cur``.

    Commits when the block ends normally; on any exception rolls back (the database
    is exactly as it was before) and lets the exception go on. Every write of Debrief
    goes through here.

    >>> con = connect(":memory:")
    >>> cur = con.cursor()
    >>> try:
    ...     with transaction(cur):
    ...         _ = cur.execute("INSERT INTO meta VALUES ('probe', 'x')")
    ...         raise RuntimeError("changed my mind")
    ... except RuntimeError:
    ...     pass
    >>> cur.execute("SELECT count(*) FROM meta WHERE key = 'probe'").fetchone()
    (0,)
    """
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    bump_data_version(cur)
    cur.execute("COMMIT")


def data_version(cur: duckdb.DuckDBPyConnection) -> str:
    """A token that changes with every committed write (:func:`transaction` bumps it), so a
    cache keyed on it never serves numbers from before another process's import, undo or
    override. ``"0"`` for a store that has never been written through ``transaction``."""
    row = cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return row[0] if row else "0"


def bump_data_version(cur: duckdb.DuckDBPyConnection) -> None:
    """Count one more write in ``meta`` (inside the writer's open transaction)."""
    changed = cur.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                          "WHERE key = 'data_version'").fetchone()[0]
    if not changed:
        cur.execute("INSERT INTO meta VALUES ('data_version', '1')")


def default_db_path() -> Path:
    """``$DEBRIEF_DB`` when set, else ``data/debrief.duckdb``."""
    env = os.environ.get("DEBRIEF_DB")
    return Path(env) if env else DEFAULT_DB_PATH


def schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    """The schema version stored in the file (0 for a new, empty database)."""
    has_meta = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if not has_meta:
        return 0
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create or upgrade the schema in one transaction; return the version found."""
    cur = con.cursor()
    found = schema_version(cur)
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"This database was written by a newer Debrief (schema {found}, this one knows "
            f"{SCHEMA_VERSION}). Upgrade Debrief, or open another database file."
        )
    if found == SCHEMA_VERSION:
        return found
    with transaction(cur):
        if found == 0:
            cur.execute("CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)")
            cur.execute("INSERT INTO meta VALUES ('schema_version', '0')")
        for migrate in MIGRATIONS[found:]:
            migrate(cur)
        cur.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)]
        )
    return found


def connect(path: str | os.PathLike[str] | None = None, *,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the Debrief database and bring its schema up to date.

    ``path`` defaults to :func:`default_db_path`; ``":memory:"`` gives a throw-away store;
    ``ducklake:postgres:...`` a DuckLake catalog (:mod:`analytics.lake`).
    """
    target = default_db_path() if path is None else path
    if str(target).startswith("ducklake:"):
        from analytics import lake

        return lake.connect(str(target))
    if str(target) != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con
