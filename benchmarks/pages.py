"""Benchmark: how long each dashboard page takes to run on a database of N deals.

    .venv/bin/python benchmarks/pages.py [--sizes 10000 100000]

Builds a database from a generated export (see run.py), then runs every page
with Streamlit's AppTest: the first run (cold caches) and a second run (the
engine results cached by ``analytics.ui.load``). Prints a Markdown table.
AppTest runs the script in-process, so this is the server-side time of a page,
without the browser's drawing.
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
    "Deals": "pages/5_Deals.py",
    "Import": "pages/6_Import.py",
}


def time_pages(db: Path) -> dict[str, tuple[float, float]]:
    from streamlit.testing.v1 import AppTest

    os.environ["DEBRIEF_DB"] = str(db)
    out = {}
    for name, page in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
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
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            export, db = Path(tmp) / f"deals_{n}.csv", Path(tmp) / f"pages_{n}.duckdb"
            write_export(export, n)
            con = connect(db)
            import_files(con, [export], now=datetime(2026, 1, 1))
            con.close()
            results[n] = time_pages(db)
    print("| page (first run / cached rerun) | " + " | ".join(f"{n:,} deals" for n in args.sizes) + " |")
    print("|---|" + "---:|" * len(args.sizes))
    for name in PAGES:
        cells = [f"{results[n][name][0]:.2f} s / {results[n][name][1]:.2f} s" for n in args.sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
