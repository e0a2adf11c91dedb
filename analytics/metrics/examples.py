"""Throw-away stores for the worked examples in the metric docstrings.

The examples are doctests: each builds a few deals in memory, runs one metric
over them and shows the number worked out by hand next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from analytics.errors import InvalidSettingError
from analytics.store import OPPORTUNITY_COLUMN_NAMES, connect


def example_cursor(
    columns: str, rows: Sequence[Sequence[object]], **shared: object
) -> duckdb.DuckDBPyConnection:
    """A cursor on a fresh in-memory store holding one deal per row of ``rows``.

    ``columns`` names each row's fields, separated by spaces; ``shared`` gives
    fields every deal has in common. Every deal is in import 1. Field names must
    be columns of ``opportunities``; values are bound.

    >>> cur = example_cursor("opportunity_id outcome", [("a", "won"), ("b", "open")], segment="SMB")
    >>> cur.execute("SELECT opportunity_id, outcome, segment FROM opportunities ORDER BY 1").fetchall()
    [('a', 'won', 'SMB'), ('b', 'open', 'SMB')]
    """
    names = [*columns.split(), *shared, "import_id"]
    for name in names:
        if name not in OPPORTUNITY_COLUMN_NAMES:
            raise InvalidSettingError(f"Unknown deal field {name!r}.")
    marks = ", ".join("?" for _ in names)
    cur = connect(":memory:").cursor()
    cur.executemany(
        f"INSERT INTO opportunities ({', '.join(names)}) VALUES ({marks})",
        [[*row, *shared.values(), 1] for row in rows],
    )
    return cur
