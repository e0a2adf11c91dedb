"""Benchmark: how long each dashboard page takes to run on a database of N deals.

    .venv/bin/python benchmarks/pages.py [--sizes 10000 100000] [--db FILE ...] [--rss]

Builds a database from a generated export (see run.py), or takes ``--db`` files already built,
then runs every page with Streamlit's AppTest: the first run (cold caches) and a second run (the
engine results cached by ``analytics.ui.load``). Prints a Markdown table. AppTest runs the script
in-process, so this is the server-side time of a page, without the browser's drawing.

A new ``AppTest`` scans every installed package for Streamlit components on its first run (~0.3–1 s
here, a harness cost that a real server pays once at start-up): the scan is done once up front and
shared, so the figures are the page's own. ``--rss`` adds the process's peak RSS after the pages.
"""

from __future__ import annotations

import argparse
import os
import resource
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

PAGES = {
    "Overview": None,
    "Loss reasons": "pages/1_Loss_reasons.py",
    "Price vs fit": "pages/2_Price_vs_fit.py",
    "Comebacks": "pages/3_Comebacks.py",
    "Competitors": "pages/4_Competitors.py",
    "What buyers said": "pages/7_What_buyers_said.py",
    "Deals": "pages/5_Deals.py",
    "Import": "pages/6_Import.py",
}


def _components() -> object:
    """Streamlit's registry of installed components, scanned once (what a server does at start)."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def time_pages(db: Path) -> dict[str, tuple[float, float]]:
    from streamlit.testing.v1 import AppTest

    os.environ["DEBRIEF_DB"] = str(db)
    components = _components()
    out = {}
    for name, page in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at._bidi_component_manager = components  # the harness's scan, done once (see above)
        if page:
            at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"{name}: {at.exception[0].value}")
        t0 = time.perf_counter()
        at.run()
        out[name] = (cold, time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db", nargs="+", type=Path, help="existing database files (one column each)")
    parser.add_argument("--rss", action="store_true", help="print the peak RSS after the pages")
    args = parser.parse_args()
    results = {}
    if args.db:
        args.sizes = [str(db.name) for db in args.db]
        results = {db.name: time_pages(db) for db in args.db}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes if not args.db else []:
            export, db = Path(tmp) / f"deals_{n}.csv", Path(tmp) / f"pages_{n}.duckdb"
            write_export(export, n)
            con = connect(db)
            import_files(con, [export], now=datetime(2026, 1, 1))
            con.close()
            results[n] = time_pages(db)
    heads = [n if isinstance(n, str) else f"{n:,} deals" for n in args.sizes]
    print("| page (first run / cached rerun) | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(args.sizes))
    for name in PAGES:
        cells = [f"{results[n][name][0]:.2f} s / {results[n][name][1]:.2f} s" for n in args.sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.rss:
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
