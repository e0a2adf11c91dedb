"""Benchmark: import and page queries on generated exports of growing size.

    .venv/bin/python benchmarks/run.py [--sizes 10000 100000 1000000] [--out benchmarks/out]
                                       [--before] [--skip-pages]

First the importer on a messy export (tests/messy_export.py: every quirk of METRICS.md §6,
1% bad records, repeats, footers) of each size, each step in its own process so its peak
RSS is its own: a raw DuckDB ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` of the same
file (with ``null_padding`` and a larger line limit, without which DuckDB refuses the file),
the import, the re-import of the unchanged file, and their ratios to the raw read.
``--before`` also runs the record-by-record reference importer (tests/reference_importer.py).

Then Salesforce-style exports: imported into a fresh database file, then every engine
call a page makes is timed. Prints Markdown tables; copy them into benchmarks/RESULTS.md
with the machine they ran on. Nothing large is committed: exports are made on the fly.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.filters import Filters
from analytics.ingest.importer import import_files
from analytics.metrics import comebacks, competitors, cycle, deals, loss_reasons, price_fit, winrates
from analytics.metrics.summary import summary
from analytics.store import connect
from tests.messy_export import messy_export

HEADER = ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage",
          "Amount", "Close Date", "Created Date", "Loss Reason", "Primary Competitor",
          "Competitor Price", "Customer Budget", "Fit Score", "Segment", "Region", "Product",
          "Lead Source"]
REASONS = ["Price too high", "Too expensive", "Went dark", "No decision", "Missing SSO integration",
           "Chose incumbent", "Timing - next year", "Poor support experience", "", "Budget cut"]


def write_export(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = date(2021, 1, 1)
    accounts = [f"Account {i} Inc." for i in range(max(10, n // 8))]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(n):
            created = start + timedelta(days=rng.randrange(1400))
            stage = rng.choices(["Closed Won", "Closed Lost", "Negotiation"], [3, 5, 2])[0]
            close = created + timedelta(days=rng.randrange(10, 200))
            amount = rng.randrange(1_000, 200_000)
            lost = stage == "Closed Lost"
            out.writerow([
                f"006{i:09d}", f"Deal {i}", rng.choice(accounts), f"Rep {rng.randrange(60)}", stage,
                f"${amount:,}.00",
                "" if stage == "Negotiation" else f"{close.month}/{close.day}/{close.year}",
                f"{created.month}/{created.day}/{created.year}",
                rng.choice(REASONS) if lost else "", rng.choice(["Alpha", "Beta", "Gamma", "Delta", ""]),
                f"{amount * rng.uniform(0.7, 1.3):.2f}" if rng.random() < 0.5 else "",
                f"{amount * rng.uniform(0.5, 1.5):.2f}" if rng.random() < 0.4 else "",
                rng.randrange(0, 101) if rng.random() < 0.7 else "",
                rng.choice(["SMB", "Mid-Market", "Enterprise"]), rng.choice(["NA", "EMEA", "APAC"]),
                rng.choice(["Core", "Plus", "Suite"]), rng.choice(["Web", "Partner", "Outbound"]),
            ])


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(sizes: list[int], workdir: Path) -> list[tuple[int, str, float]]:
    results: list[tuple[int, str, float]] = []
    for n in sizes:
        export = workdir / f"deals_{n}.csv"
        write_export(export, n)
        db = workdir / f"bench_{n}.duckdb"
        con = connect(db)
        t0 = time.perf_counter()
        import_files(con, [export], now=datetime(2026, 1, 1))
        results.append((n, "import (parse + commit)", time.perf_counter() - t0))
        gc.collect()
        results.append((n, "peak RSS after import, MB", peak_rss_mb()))
        t0 = time.perf_counter()
        import_files(con, [export], now=datetime(2026, 1, 2))
        results.append((n, "re-import, all unchanged", time.perf_counter() - t0))
        for name, call in page_calls(con.cursor()).items():
            results.append((n, name, timed(call)))
        results.append((n, "peak RSS at end, MB", peak_rss_mb()))
        con.close()
        export.unlink()
    return results


def page_calls(cur) -> dict[str, Callable[[], object]]:
    """Every engine call a page makes, by name, bound to one cursor."""
    f = Filters()
    f_seg = Filters(start=date(2022, 1, 1), end=date(2023, 12, 31), segment=("Enterprise",))
    pf, cb = price_fit.PriceFitSettings(), comebacks.ComebackSettings()
    return {
        "Overview: headline x2 + trend": lambda: (
            winrates.headline(cur, f_seg), winrates.headline(cur, f),
            winrates.by_period(cur, f, "month")),
        "winrates.by_dimension(owner)": lambda: winrates.by_dimension(cur, f, "owner"),
        "loss_reasons.pareto + over_time": lambda: (
            loss_reasons.pareto(cur, f), loss_reasons.over_time(cur, f, "quarter")),
        "loss_reasons.by_dimension(competitor)": lambda: loss_reasons.by_dimension(cur, f, "competitor"),
        "competitors.head_to_head + trend": lambda: (
            competitors.head_to_head(cur, f), competitors.trend(cur, f, "quarter")),
        "price_fit.matrix + class_counts": lambda: (
            price_fit.matrix(cur, f, pf), price_fit.class_counts(cur, f, pf)),
        "price_fit.price_losses (1000)": lambda: price_fit.price_losses(cur, f, pf),
        "comebacks.summary": lambda: comebacks.summary(cur, f, cb),
        "comebacks.curve": lambda: comebacks.curve(cur, f, cb),
        "comebacks.cohorts": lambda: comebacks.cohorts(cur, f, cb),
        "cycle.cycle_summary": lambda: cycle.cycle_summary(cur, f),
        "deals.list_deals (page of 500, search)": lambda: deals.list_deals(cur, f, search="deal 12"),
        "summary (all of §9)": lambda: summary(cur, f),
    }


# --------------------------------------------------------------------------- importer


def child_step(step: str, export: Path, db: Path) -> dict[str, float]:
    """One step in this (child) process: its time and this process's peak RSS."""
    t0 = time.perf_counter()
    if step == "raw":
        import duckdb

        con = duckdb.connect(str(db))
        # Plain read_csv cannot sniff a file with footers and short / long rows;
        # null_padding and a larger line limit are what it needs to read it at all.
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, null_padding = true, "
                    "max_line_size = 20000000)", [str(export)])
        con.close()
    else:
        con = connect(db)
        if step == "before":
            from analytics.ingest.importer import commit
            from tests.reference_importer import reference_prepare_bytes

            commit(con, reference_prepare_bytes(export.read_bytes(), export.name), now=datetime(2026, 1, 1))
        else:
            import_files(con, [export], now=datetime(2026, 1, 1))
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        if step == "reimport":  # the second import of the same file: every row unchanged
            import_files(con, [export], now=datetime(2026, 1, 2))
        con.close()
        if step == "reimport":
            seconds = time.perf_counter() - t0
        return {"seconds": seconds, "rss_mb": peak_rss_mb()}
    return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def run_import(sizes: list[int], workdir: Path, before: bool) -> list[tuple[int, str, float]]:
    """The importer steps, each in a fresh process on a fresh database."""
    results: list[tuple[int, str, float]] = []
    steps = ["raw", "import", "reimport"] + (["before"] if before else [])
    for n in sizes:
        export = workdir / f"messy_{n}.csv"
        export.write_bytes(messy_export(n, seed=1, bad_share=0.01))
        measured: dict[str, dict[str, float]] = {}
        for step in steps:
            db = workdir / f"import_{n}_{step}.duckdb"
            out = subprocess.run([sys.executable, __file__, "--child", step, str(export), str(db)],
                                 check=True, capture_output=True, text=True).stdout
            measured[step] = json.loads(out.strip().splitlines()[-1])
            db.unlink(missing_ok=True)
        raw = measured["raw"]["seconds"]
        results += [(n, "raw DuckDB read_csv of the file", raw),
                    (n, "import (read, parse, write)", measured["import"]["seconds"]),
                    (n, "import ÷ raw read (×)", measured["import"]["seconds"] / raw),
                    (n, "re-import, all unchanged", measured["reimport"]["seconds"]),
                    (n, "re-import ÷ raw read (×)", measured["reimport"]["seconds"] / raw),
                    (n, "import process peak RSS, MB", measured["import"]["rss_mb"])]
        if before:
            results += [(n, "before: row-by-row import", measured["before"]["seconds"]),
                        (n, "before ÷ raw read (×)", measured["before"]["seconds"] / raw),
                        (n, "before: process peak RSS, MB", measured["before"]["rss_mb"])]
        export.unlink()
    return results


def print_table(sizes: list[int], results: list[tuple[int, str, float]]) -> None:
    names = list(dict.fromkeys(name for _, name, _ in results))
    print("| step | " + " | ".join(f"{n:,} deals" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name in names:
        cells = []
        for n in sizes:
            value = next(v for m, k, v in results if m == n and k == name)
            cells.append(f"{value:,.0f}" if "MB" in name else f"{value:.1f}×" if "(×)" in name
                         else f"{value:.3f} s")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child_step(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=None, help="keep the databases here")
    parser.add_argument("--before", action="store_true", help="also run the row-by-row reference")
    parser.add_argument("--skip-pages", action="store_true", help="only the importer table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.out or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print_table(args.sizes, run_import(args.sizes, workdir, args.before))
        if not args.skip_pages:
            print()
            print_table(args.sizes, run(args.sizes, workdir))


if __name__ == "__main__":
    main()
