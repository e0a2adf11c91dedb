"""kill -9 during a large import (issue 16): ``python -m analytics import`` of a generated
200,000-row export into a store of three deals, killed with SIGKILL at several moments — while it
reads and parses, with every row written but not committed, once committed — then the file is
opened (DuckDB replays its write-ahead log): it holds exactly the state before the import or the
complete state after it, never anything between."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.run import write_export
from tests.hardening.helpers import seeded_store

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000
#: Seconds after the start at which a run is killed (reading and parsing take several seconds).
TIMED = (0.2, 0.5, 1.0, 2.0, 4.0)
#: Where the importer's test hook holds the run for the kill (analytics.ingest.importer._test_pause).
PAUSED = {"written": "before", "committed": "after"}
#: What each crash point left: (point, "before" / "after").
SURVIVED: list[tuple[str, str]] = []


def state(path: Path) -> dict[str, str]:
    """Every table → an md5 of its sorted rows, timestamps left out (the CLI stamps the clock)."""
    con = duckdb.connect(str(path))  # read-write, as the app opens it: the log is replayed
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall():
            cols = [c for c, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall() if not kind.startswith("TIMESTAMP")]
            row = " || '|' || ".join(f"coalesce(CAST({c} AS VARCHAR), '∅')" for c in cols)
            out[table] = con.execute(f"SELECT count(*) || ':' || md5(coalesce(string_agg({row}, '¶' "
                                     f"ORDER BY {row}), '')) FROM {table}").fetchone()[0]
        return out
    finally:
        con.close()


def start(db: Path, export: Path, pause: str | None = None) -> subprocess.Popen:
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    env.pop("DEBRIEF_TEST_PAUSE", None)
    if pause:
        env["DEBRIEF_TEST_PAUSE"] = pause
    return subprocess.Popen([sys.executable, "-m", "analytics", "import", str(export), "--db", str(db)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The export, the store before, and the states before and after a complete import."""
    tmp = tmp_path_factory.mktemp("crash")
    export = tmp / "export.csv"
    write_export(export, ROWS)
    before = tmp / "before.duckdb"
    seeded_store(tmp).close()
    shutil.move(tmp / "hardening.duckdb", before)
    complete = tmp / "complete.duckdb"
    shutil.copyfile(before, complete)
    assert start(complete, export).wait(timeout=120) == 0
    return {"tmp": tmp, "export": export, "before": before,
            "states": {"before": state(before), "after": state(complete)}}


def crashed(setup: dict[str, object], name: str, pause: str | None, delay: float) -> str:
    """Run the import on a copy of the store, kill it, and name the state the file then holds."""
    db = setup["tmp"] / f"{name}.duckdb"
    shutil.copyfile(setup["before"], db)
    proc = start(db, setup["export"], pause)
    if pause:
        line = proc.stderr.readline()
        assert line.strip() == f"DEBRIEF_TEST_PAUSE: {pause}", line
    else:
        time.sleep(delay)
    finished = proc.poll() is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not finished, f"{name}: the import ended before the kill"
    found = state(db)
    matches = [label for label, expected in setup["states"].items() if found == expected]
    assert matches, f"{name}: the file holds neither the state before nor after the import"
    SURVIVED.append((name, matches[0]))
    return matches[0]


def test_kill_9_at_any_moment_leaves_before_or_after(setup: dict[str, object]) -> None:
    assert setup["states"]["before"] != setup["states"]["after"]
    for delay in TIMED:
        crashed(setup, f"after-{delay}s", None, delay)
    for pause, expected in PAUSED.items():
        assert crashed(setup, pause, pause, 0) == expected
    print(f"\ncrash points survived: {len(SURVIVED)} of {len(TIMED) + len(PAUSED)}: {SURVIVED}")
