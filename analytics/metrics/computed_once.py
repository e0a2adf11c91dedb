"""Intermediate results computed once per engine call, kept in a temporary table of its cursor.

A page that shows several results built on the same expensive relation (the comeback anchor,
the classified price losses) gets them from one engine call that computes the relation once:
inside :func:`computed_once`, the module that owns the relation finds its table with
:func:`table_for` and reads it instead of computing it again. The key says what was computed
(e.g. ``("comeback_anchor", filters, as_of, ())``): a call with other filters computes its own.
The table lives on one cursor (DuckDB temporary tables are per connection), so only the calls
made with that cursor inside the block may read it; it is dropped when the block ends.

These context managers name their cursor ``cursor``, not ``cur``: they are not metrics, and the
sweeps that call every public ``cur`` function of analytics/metrics (tests/test_lake.py) skip them.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import duckdb

_TABLES: ContextVar[dict[Hashable, str] | None] = ContextVar("debrief_computed_once", default=None)


@contextmanager
def computed_once(cursor: duckdb.DuckDBPyConnection, key: Hashable, sql: str,
                  params: list[object]) -> Iterator[str]:
    """``sql`` (a query, ``params`` bound) stored once in a temporary table of ``cursor`` for the
    block, found by :func:`table_for` (``key``); yields the table's name."""
    table = f"debrief_once_{uuid.uuid4().hex}"
    cursor.execute(f"CREATE TEMP TABLE {table} AS {sql}", params)
    token = _TABLES.set({**(_TABLES.get() or {}), key: table})
    try:
        yield table
    finally:
        _TABLES.reset(token)
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def table_for(key: Hashable) -> str | None:
    """The temporary table holding ``key`` inside :func:`computed_once`, else None."""
    return (_TABLES.get() or {}).get(key)
