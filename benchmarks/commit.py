"""Benchmark: ``analytics.ingest.importer.commit`` alone, on an already prepared 1M-row export.

    .venv/bin/python benchmarks/commit.py [--size 100000] [--repeat 3] [--dir /tmp/bench]

Parsing a 1M-row export takes a minute, so it is done once, beforehand, into three files in
``--dir`` (``--build`` does it: ``prepare`` of ``messy_1000000.csv``, tests/messy_export.py)::

    rows_1m.parquet          prepared.rows.table
    rejects_1m.parquet       the rejects (line, raw, reason)
    prepared_1m_meta.pkl     the small fields (names, hash, dialect, column map, notes, counts)

Each repeat then runs in its own process (so its peak RSS is its own): it rebuilds a
``Prepared`` from those files (``--size N``: the first N rows and the rejects among their
lines), commits it into a fresh DuckDB file (the first import), commits it again (the re-import:
every row unchanged, so nothing is written), and closes the file (the checkpoint). Every
function of ``analytics.ingest.importer`` named in :data:`PHASES` that exists is timed as a
phase; "rest" is the commit's time outside them (BEGIN, claiming the store, COMMIT). The best
of the repeats is printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

from analytics.ingest import importer
from analytics.ingest.normalise import Prepared
from analytics.ingest.reading import RawTable
from analytics.ingest.rows import Reject, Rows
from analytics.store import connect

#: Functions of analytics.ingest.importer timed as phases, where they exist.
PHASES = ("_stage_incoming", "_write_incoming", "recategorise", "_twin", "_record_import",
          "_insert_rows", "_replace_changed", "_matches")


@dataclass
class BenchPrepared(Prepared):
    """A Prepared whose ``rows_read`` is given (its RawTable holds no records)."""

    read: int = 0

    @property
    def rows_read(self) -> int:  # type: ignore[override]
        return self.read


def build(folder: Path) -> None:
    """Parse the 1M-row export once and save what :func:`load` needs."""
    from analytics.ingest.normalise import prepare

    p = prepare(folder / "messy_1000000.csv")
    pq.write_table(p.rows.table, folder / "rows_1m.parquet")
    pq.write_table(pa.table({"line": pa.array([r.line for r in p.rejects], pa.int32()),
                             "raw": pa.array([r.raw for r in p.rejects], pa.string()),
                             "reason": pa.array([r.reason for r in p.rejects], pa.string())}),
                   folder / "rejects_1m.parquet")
    t = p.table
    table = {k: getattr(t, k) for k in ("file_name", "kind", "header", "header_line", "encoding",
                                        "delimiter", "footer_lines", "blank_lines", "notes")}
    meta = {"file_name": p.file_name, "content_hash": p.content_hash, "dialect": p.dialect,
            "column_map": p.column_map, "duplicates": p.duplicates, "notes": p.notes,
            "options": p.options, "rows_read": p.rows_read, "table": table}
    (folder / "prepared_1m_meta.pkl").write_bytes(pickle.dumps(meta))


def _first_rows(path: Path, size: int | None) -> pa.Table:
    """The first ``size`` rows of a Parquet file (all of them for None), only those read."""
    if size is None:
        return pq.read_table(path)
    batches, count = [], 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
        batches.append(batch)
        count += batch.num_rows
        if count >= size:
            break
    return pa.Table.from_batches(batches).slice(0, size).combine_chunks()


def load(folder: Path, size: int | None) -> BenchPrepared:
    """The saved Prepared, cut to its first ``size`` rows (and the rejects among their lines)."""
    meta = pickle.loads((folder / "prepared_1m_meta.pkl").read_bytes())
    rows = _first_rows(folder / "rows_1m.parquet", size)
    rejects = pq.read_table(folder / "rejects_1m.parquet").to_pylist()
    duplicates, read = meta["duplicates"], meta["rows_read"]
    if size is not None:
        total = pq.ParquetFile(folder / "rows_1m.parquet").metadata.num_rows
        rows = rows.slice(0, size)
        last = max(rows.column("source_line").to_pylist())
        rejects = [r for r in rejects if r["line"] <= last]
        duplicates = round(duplicates * size / total)
        read = size + len(rejects) + duplicates
    table = RawTable(records=[], **meta["table"])
    return BenchPrepared(meta["file_name"], meta["content_hash"], meta["dialect"], table,
                         meta["column_map"], Rows(rows), [Reject(**r) for r in rejects],
                         duplicates, meta["notes"], meta["options"], read=read)


#: Seconds spent in each phase during the current commit.
TIMES: dict[str, float] = defaultdict(float)


def _timed(name: str, fn: Callable[..., object]) -> Callable[..., object]:
    def wrapper(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - start
    return wrapper


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: Path, size: int | None) -> dict[str, object]:
    """One repeat: first import, re-import, close; every phase's seconds and the peak RSS."""
    prepared = load(folder, size)
    out: dict[str, object] = {"rows": len(prepared.rows), "rejects": len(prepared.rejects),
                              "rss_loaded": rss_mb()}
    for name in PHASES:
        if hasattr(importer, name):
            setattr(importer, name, _timed(name, getattr(importer, name)))
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        for run in ("first", "again"):
            TIMES.clear()
            start, cpu = time.perf_counter(), time.process_time()
            result = importer.commit(con, prepared, now=datetime(2024, 1, 1))
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            times = dict(TIMES)
            times["rest"] = total - sum(times.values())
            out[run] = {"total": total, "cpu": cpu, "phases": times, "rss": rss_mb(),
                        "counts": [result.loaded, result.updated, result.unchanged, result.rejected,
                                   result.recorded]}
        start = time.perf_counter()
        con.close()
        out["close"] = time.perf_counter() - start
    out["rss_peak"] = rss_mb()
    return out


def _best(runs: list[dict[str, object]], run: str) -> dict[str, object]:
    return min((r[run] for r in runs), key=lambda r: r["total"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.dir)
    if args.child:
        print(json.dumps(child(args.dir, args.size)))
        return
    command = [sys.executable, __file__, "--child", "--dir", str(args.dir)]
    command += ["--size", str(args.size)] if args.size else []
    runs = [json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            for _ in range(args.repeat)]
    first, again = _best(runs, "first"), _best(runs, "again")
    print(f"commit of {runs[0]['rows']:,} rows and {runs[0]['rejects']:,} rejects, "
          f"best of {args.repeat} (loaded, updated, unchanged, rejected, recorded): "
          f"first {first['counts']}, again {again['counts']}\n")
    print("| phase | first import | re-import |\n|---|---:|---:|")
    for name in sorted(set(first["phases"]) | set(again["phases"]), key=lambda n: n == "rest"):
        cells = [f"{r['phases'][name]:.3f} s" if name in r["phases"] else "" for r in (first, again)]
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    print(f"| **commit** | **{first['total']:.3f} s** | **{again['total']:.3f} s** |")
    print(f"| commit, CPU time (all threads) | {first['cpu']:.3f} s | {again['cpu']:.3f} s |")
    print(f"| close (checkpoint), best | {min(r['close'] for r in runs):.3f} s | |")
    rss = {key: max(r[key] if key.startswith("rss") else r[key]["rss"] for r in runs)
           for key in ("rss_loaded", "first", "again")}
    print(f"| peak RSS: rows loaded {rss['rss_loaded']:,.0f} MB, then | {rss['first']:,.0f} MB | "
          f"{rss['again']:,.0f} MB |")


if __name__ == "__main__":
    main()
