"""Benchmark: what a page run costs with a connection per engine call (analytics.connection) vs
the old process-wide connection kept open for the process's life.

    .venv/bin/python benchmarks/connections.py [--deals 100000] [--runs 7]

Builds a database of N generated deals (run.py's ``write_export``), then times AppTest runs of
Overview and Deals: "cold" runs start with empty result caches (every engine call runs),
"warm" runs are reruns served from the caches. The old design is reproduced by a SharedFile that never
closes (its first connection stays open for the process, as ``@st.cache_resource`` kept it) —
the same code path, only the open/close removed.
Also times a bare read-only open + query + close against a query on an open connection.
Prints Markdown tables (medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import write_export  # noqa: E402 (sibling script)

from analytics.ingest.importer import import_files  # noqa: E402
from analytics.store import connect  # noqa: E402

PAGES = {"Overview": None, "Deals": "pages/5_Deals.py"}
QUERY = "SELECT outcome, count(*), sum(amount) FROM opportunities GROUP BY outcome"


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bare(db: Path, runs: int) -> dict[str, float]:
    import duckdb

    def open_query_close() -> None:
        con = duckdb.connect(str(db), read_only=True)
        con.execute(QUERY).fetchall()
        con.close()

    con = duckdb.connect(str(db), read_only=True)
    try:
        on_open = median_ms(lambda: con.cursor().execute(QUERY).fetchall(), runs * 5)
    finally:
        con.close()
    return {"read-only open + close": median_ms(lambda: duckdb.connect(str(db), read_only=True).close(),
                                                runs * 5),
            "read-only open + query + close": median_ms(open_query_close, runs * 5),
            "cursor + query on an open connection": on_open}


def pages(db: Path, runs: int, *, keep_open: bool) -> dict[str, tuple[float, float, float]]:
    """Per page: (cold ms, warm ms, file opens per cold run)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics import connection
    from analytics.ui import session

    os.environ["DEBRIEF_DB"] = str(db)
    opened = []

    def counting_open(*args, **kwargs):
        opened.append(1)
        return connection.open_store(*args, **kwargs)

    session.open_store = counting_open
    if keep_open:  # the old design: the first connection stays open for the process's life
        def release(self) -> None:
            with self._cond:
                self._users -= 1
        connection.SharedFile._release = release
    out = {}
    for name, page in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        if page:
            at.switch_page(page)
        at.run()  # the process's first run checks the schema: not counted

        def cold(at: AppTest = at) -> None:
            st.cache_data.clear()
            at.run()

        before = len(opened)
        cold_ms = median_ms(cold, runs)
        opens = (len(opened) - before) / runs
        warm_ms = median_ms(at.run, runs)
        if at.exception:
            raise RuntimeError(f"{name}: {at.exception[0].value}")
        out[name] = (cold_ms, warm_ms, opens)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export, db = Path(tmp) / "deals.csv", Path(tmp) / "connections.duckdb"
        write_export(export, args.deals)
        con = connect(db)
        import_files(con, [export], now=datetime(2026, 1, 1))
        con.close()
        raw = bare(db, args.runs)  # first: nothing of this process has the file open yet
        new = pages(db, args.runs, keep_open=False)
        old = pages(db, args.runs, keep_open=True)  # patches SharedFile: runs last
    print(f"| page run, {args.deals:,} deals (median of {args.runs}) | process-wide connection (before) "
          "| connection per engine call (now) | difference | file opens per run (now) |")
    print("|---|---:|---:|---:|---:|")
    for name in PAGES:
        for i, kind in enumerate(("cold caches", "cached rerun")):
            before, now = old[name][i], new[name][i]
            opens = f"{new[name][2]:.0f}" if i == 0 else "1"
            print(f"| {name}, {kind} | {before:.0f} ms | {now:.0f} ms | {now - before:+.0f} ms | {opens} |")
    print()
    print("| bare call | median |")
    print("|---|---:|")
    for name, ms in raw.items():
        print(f"| {name} | {ms:.2f} ms |")


if __name__ == "__main__":
    main()
