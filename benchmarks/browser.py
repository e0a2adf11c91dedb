"""Benchmark: how long a move between pages takes to settle in a real browser.

    .venv/bin/python benchmarks/browser.py [--deals 100000] [--db FILE] [--rounds 2]

Starts ``streamlit run app.py`` on a database of generated deals (``--db``: a copy of that file;
default: a generated export of ``--deals`` deals, imported), opens the Overview in headless
Chromium (``/usr/bin/chromium``, never ``playwright install``) and clicks every page of the sidebar
in turn, ``--rounds`` times. A move is settled when the new page's title is shown, the script run
is over (``data-test-script-state=notRunning``) and no placeholder or element of the previous run
is left (``stSkeleton``, ``data-stale=true``); the time is from the click to that frame. The first
round visits every page with cold caches (the server's first run of it); later rounds revisit.
Prints a Markdown table and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ("Loss reasons", "Price vs fit", "Comebacks", "Competitors", "What buyers said", "Deals",
         "Import", "Overview")
SETTLED = """label => {
  const h1 = document.querySelector('h1');
  const app = document.querySelector('[data-testid=stApp]');
  return h1 && h1.innerText.includes(label) && app
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid=stSkeleton], [data-testid=stAppSkeleton], [data-stale=true]');
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database(folder: Path, deals: int, given: Path | None) -> Path:
    db = folder / "browser.duckdb"
    if given:
        shutil.copyfile(given, db)
        return db
    from run import write_export

    from analytics.ingest.importer import import_files
    from analytics.store import connect

    export = folder / "deals.csv"
    write_export(export, deals)
    con = connect(db)
    import_files(con, [export], now=datetime(2026, 1, 1))
    con.close()
    return db


def _serve(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = os.environ | {"DEBRIEF_DB": str(db), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("streamlit did not start:\n" + log.read_text())


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _move(tab, label: str) -> float:
    """Click ``label`` in the sidebar; seconds until the page has settled."""
    link = tab.locator("[data-testid=stSidebar] [data-testid=stPageLink]").get_by_text(label, exact=True)
    t0 = time.perf_counter()
    link.click()
    tab.wait_for_function(SETTLED, arg=label, polling="raf", timeout=120_000)
    seconds = time.perf_counter() - t0
    if tab.locator("[data-testid=stException]").count():
        raise RuntimeError(f"{label}: the page shows an exception")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="a database file to copy instead of generating one")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = _database(Path(tmp), args.deals, args.db)
        proc, base = _serve(db, Path(tmp) / "streamlit.log")
        times: dict[str, list[float]] = {label: [] for label in PAGES}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                tab = browser.new_page(viewport={"width": 1440, "height": 1000})
                t0 = time.perf_counter()
                tab.goto(base)
                tab.wait_for_function(SETTLED, arg="Overview", polling="raf", timeout=120_000)
                first_load = time.perf_counter() - t0
                for _ in range(args.rounds):
                    for label in PAGES:
                        times[label].append(_move(tab, label))
                browser.close()
            rss = _peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    rounds = " | ".join(f"round {i + 1}" for i in range(args.rounds))
    print(f"| move from the sidebar to ({db.name}) | {rounds} |")
    print("|---|" + "---:|" * args.rounds)
    for label in PAGES:
        print(f"| {label} | " + " | ".join(f"{t:.2f} s" for t in times[label]) + " |")
    print(f"first load of the Overview (new session, cold caches): {first_load:.2f} s; "
          f"server peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
