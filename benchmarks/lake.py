"""Benchmark: each page's engine calls on a DuckDB file vs on DuckLake (PostgreSQL catalog).

    .venv/bin/python benchmarks/lake.py [--size 100000]

Starts a throwaway PostgreSQL cluster (tests/postgres.py: needs the server binaries), generates
one Salesforce-style export (benchmarks/run.py's ``write_export``), imports it into a fresh file
and a fresh DuckLake catalog with a local data folder, then times every engine call a page makes
(best of 3) on both, before and after ``maintain``. Prints a Markdown table for
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from run import page_calls, timed, write_export  # noqa: E402

from analytics import lake  # noqa: E402
from analytics.ingest.importer import import_files  # noqa: E402
from analytics.store import connect  # noqa: E402
from tests.postgres import cluster_unavailable, running_cluster  # noqa: E402


def measure(target: str, export: Path) -> dict[str, float]:
    con = connect(target)
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    import_files(con, [export], now=datetime(2026, 1, 1))
    out["import (parse + commit)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    import_files(con, [export], now=datetime(2026, 1, 2))
    out["re-import, all unchanged"] = time.perf_counter() - t0
    for name, call in page_calls(con.cursor()).items():
        out[name] = timed(call)
    t0 = time.perf_counter()
    lake.maintain(con, now=datetime(2026, 1, 3))
    out["maintain"] = time.perf_counter() - t0
    calls = page_calls(con.cursor())
    out["summary (all of §9), after maintain"] = timed(calls["summary (all of §9)"])
    out["open + cursor + count(*)"] = timed(lambda: connect(target).cursor().execute(
        "SELECT count(*) FROM opportunities").fetchall())
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    reason = cluster_unavailable()
    if reason:
        sys.exit(reason)
    with tempfile.TemporaryDirectory() as tmp, running_cluster() as cluster:
        work = Path(tmp)
        export = work / "deals.csv"
        write_export(export, args.size)
        os.environ["DEBRIEF_DATA_PATH"] = str(work / "lake")
        os.environ["DEBRIEF_EXTENSION_DIR"] = str(work / "extensions")
        file = measure(str(work / "bench.duckdb"), export)
        ducklake = measure(lake.CATALOG + cluster.create_database(), export)
    print(f"| step ({args.size:,} deals) | DuckDB file | DuckLake | lake / file |")
    print("|---|---:|---:|---:|")
    for name, seconds in file.items():
        print(f"| {name} | {seconds:.3f} s | {ducklake[name]:.3f} s | {ducklake[name] / seconds:.1f}× |")


if __name__ == "__main__":
    main()
