"""The parsed rows of one export, held as an Arrow table, and its rejects.

:class:`Rows` shows the table as a read-only sequence of row dicts (the canonical
columns of METRICS.md §1, ``import_id`` None) without building them all: its length
is the table's, and a row is made when it is asked for.

>>> rows = Rows(rows_to_arrow([{"opportunity_id": "A1", "outcome": "won", "source_line": 2}]))
>>> len(rows), rows[0]["opportunity_id"], rows[0]["amount"], rows[-1]["source_line"]
(1, 'A1', None, 2)
>>> rows == [dict(rows[0])]
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import pyarrow as pa

from analytics.store import OPPORTUNITY_COLUMNS

_ARROW_TYPES = {"VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64(),
                "INTEGER": pa.int32(), "JSON": pa.string()}
SCHEMA = pa.schema([(name, _ARROW_TYPES[sql_type.split()[0]]) for name, sql_type in OPPORTUNITY_COLUMNS])
_BATCH = 50_000


@dataclass
class Reject:
    line: int
    raw: str
    reason: str


def rows_to_arrow(rows: Sequence[Mapping[str, object]]) -> pa.Table:
    """Row dicts as an Arrow table of the opportunities columns (missing keys are NULL)."""
    return pa.table({field.name: pa.array([r.get(field.name) for r in rows], type=field.type)
                     for field in SCHEMA}, schema=SCHEMA)


class Rows(Sequence[dict[str, object]]):
    """The rows of an Arrow table as dicts, made when asked for."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __len__(self) -> int:
        return self.table.num_rows

    @overload
    def __getitem__(self, index: int) -> dict[str, object]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, object]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, object] | list[dict[str, object]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return self.table.slice(start, max(stop - start, 0)).to_pylist()
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.table.slice(index, 1).to_pylist()[0]

    def __iter__(self) -> Iterator[dict[str, object]]:
        for batch in self.table.to_batches(_BATCH):
            yield from batch.to_pylist()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self.table.equals(other.table)
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({len(self)} rows)"
