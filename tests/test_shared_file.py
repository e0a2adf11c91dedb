"""One DuckDB file shared by the dashboard and ``python -m analytics import`` in other processes:
the CLI waits for a holder and then imports, or names the holder after its bound; a page shows
another process's import at its next run; a page run while a writer holds the file shows no error."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analytics.present import formatting as fmt

ROOT = Path(__file__).resolve().parents[1]
#: 4 good rows (2 won, 2 lost) and one with an unreadable amount: hand-counted.
HUBSPOT_CSV = """Record ID,Deal Name,Associated Company,Deal owner,Deal Stage,Amount,Close Date,\
Create Date,Closed Lost Reason
9000001,Zeta Robotics - Cloud,Zeta Robotics,Ana Lima,closedwon,12000,2025-11-03,2025-09-01,
9000002,Orbit Foods - Cloud,Orbit Foods,Ana Lima,closedlost,8000,2025-11-10,2025-08-15,Too expensive
9000003,Kite Labs - Cloud,Kite Labs,Ana Lima,closedwon,15000,2025-12-01,2025-10-01,
9000004,Nimbus Co - Cloud,Nimbus Co,Ana Lima,closedlost,5000,2025-12-05,2025-10-11,Went dark
9000005,Bad Row - Cloud,Bad Row,Ana Lima,closedwon,abc,2025-12-05,2025-10-11,
"""
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "hubspot_nightly.csv"
    path.write_text(HUBSPOT_CSV)
    return path


@pytest.fixture
def hold() -> Iterator:
    """``hold(db, mode, seconds)`` → a process that holds ``db`` (``read``: as a dashboard run
    does; ``write``: as an importer does) for ``seconds``, started and holding when it returns."""
    started: list[subprocess.Popen] = []

    def _hold(db: Path, mode: str, seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode, str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout.readline().strip() == "holding"
        return proc

    yield _hold
    for proc in started:
        proc.kill()
        proc.wait()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def deals_in(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM opportunities").fetchone()[0]


@pytest.mark.parametrize("mode", ["read", "write"])
def test_the_cli_import_waits_for_a_holder_then_imports(sample_db_copy: Path, export: Path, hold,
                                                        mode: str) -> None:
    before = deals_in(sample_db_copy)
    holder = hold(sample_db_copy, mode, 1.5)
    done = cli("import", "--db", str(sample_db_copy), str(export))
    assert holder.poll() is not None  # the holder had finished: the import waited for it
    assert done.returncode == 0, done.stderr
    assert "4 loaded" in done.stdout and "1 rejected" in done.stdout
    assert deals_in(sample_db_copy) == before + 4


def test_after_its_bound_the_cli_names_the_holder_in_one_line(sample_db_copy: Path, export: Path,
                                                              hold) -> None:
    before = deals_in(sample_db_copy)
    holder = hold(sample_db_copy, "write", 60)
    started = time.monotonic()
    done = cli("import", "--db", str(sample_db_copy), "--wait", "1", str(export))
    assert time.monotonic() - started < 30  # the bound, not the holder, ended the wait
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert f"process {holder.pid} (python -c" in lines[0]
    assert "waited 1 s" in lines[0] and "--wait SECONDS" in lines[0]
    holder.kill()
    holder.wait()
    assert deals_in(sample_db_copy) == before


@pytest.mark.parametrize("command", [["undo", "1"], ["reasons", "set", "went dark", "other"]])
def test_every_writer_waits_the_same_way(sample_db_copy: Path, hold, command: list[str]) -> None:
    holder = hold(sample_db_copy, "write", 60)
    done = cli(*command[:2], "--db", str(sample_db_copy), "--wait", "0.5", *command[2:]) \
        if command[0] == "undo" else cli(*command, "--db", str(sample_db_copy), "--wait", "0.5")
    assert done.returncode == 1
    assert f"process {holder.pid}" in done.stderr and len(done.stderr.splitlines()) == 1


def won_lost(at) -> tuple[str, str]:
    values = {m.label: m.value for m in at.metric}
    return values["Won deals"], values["Lost deals"]


def test_the_dashboard_keeps_no_lock_and_shows_a_cli_import_at_its_next_run(app, sample_db_copy: Path,
                                                                            export: Path) -> None:
    at = app(sample_db_copy)
    assert not at.exception and not at.error
    won, lost = (int(v.replace(",", "")) for v in won_lost(at))
    # Between runs the dashboard holds nothing: the import gets the file without waiting.
    done = cli("import", "--db", str(sample_db_copy), "--wait", "0", str(export))
    assert done.returncode == 0, done.stderr
    at.run()  # the next rerun, no cache cleared by anyone
    assert not at.exception and not at.error
    assert won_lost(at) == (fmt.fmt_count(won + 2), fmt.fmt_count(lost + 2))


def test_an_undo_from_the_cli_shows_too(app, sample_db_copy: Path, export: Path) -> None:
    assert cli("import", "--db", str(sample_db_copy), str(export)).returncode == 0
    at = app(sample_db_copy, "pages/5_Deals.py")
    shown = next(m.value for m in at.markdown if " deals**" in m.value)
    assert cli("undo", "4", "--db", str(sample_db_copy), "--wait", "0").returncode == 0
    at.run()
    after = next(m.value for m in at.markdown if " deals**" in m.value)
    count = int(shown.strip("*").split()[0].replace(",", ""))
    assert after.startswith(f"**{count - 4:,} deals**")


def test_a_page_run_while_a_writer_holds_the_file_waits_quietly(app, sample_db_copy: Path, hold,
                                                               monkeypatch) -> None:
    first = app(sample_db_copy)
    expected = won_lost(first)
    holder = hold(sample_db_copy, "write", 1.5)
    at = app(sample_db_copy)
    assert holder.poll() is not None  # the run outlasted the writer: it waited
    assert not at.exception and not at.error
    assert won_lost(at) == expected


def test_a_writer_holding_past_the_bound_is_named_on_the_page(app, sample_db_copy: Path, hold,
                                                             monkeypatch) -> None:
    app(sample_db_copy)  # the process has checked the schema already
    monkeypatch.setenv("DEBRIEF_DB_WAIT", "0.5")
    holder = hold(sample_db_copy, "write", 60)
    at = app(sample_db_copy, "pages/5_Deals.py", search="no such deal anywhere")
    assert not at.exception
    assert f"process {holder.pid}" in at.error[0].value
    assert "reload this page" in at.error[0].value
