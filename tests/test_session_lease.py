"""One read lease over several engine calls of a page run (``session.held``): the calls inside share
it, a writer arriving meanwhile neither deadlocks them nor writes under them, and the file is
released when the block ends (a CLI import between runs finds it free)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from analytics.filters import Filters
from analytics.metrics import deals, winrates
from analytics.ui import session


def deals_in(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM opportunities").fetchone()[0]


@pytest.fixture
def db(sample_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEBRIEF_DB", str(sample_db_copy))
    session.clear_caches()
    return sample_db_copy


def test_calls_inside_share_one_open_and_the_file_is_free_after(db: Path) -> None:
    door = session.shared_file()
    before = door.opens
    with session.held():
        total = session.load(deals.count_deals, Filters())
        headline = session.load(winrates.headline, Filters())
        assert door.is_open
    assert door.opens == before + 1  # one open for both calls
    assert not door.is_open  # released: nothing held between runs
    assert total == deals_in(db) == headline.total


def test_a_writer_waiting_for_the_held_lease_does_not_block_the_calls_inside(db: Path) -> None:
    door = session.shared_file()
    expected = deals_in(db)
    wrote = threading.Event()
    counted: list[int] = []

    def write() -> None:
        with session.writing() as con:  # waits for the held lease to end
            con.execute("DELETE FROM opportunities WHERE opportunity_id = "
                        "(SELECT min(opportunity_id) FROM opportunities)")
        wrote.set()

    def page_run() -> None:  # a run holding the lease while a writer queues, then reading again
        writer = threading.Thread(target=write, daemon=True)
        with session.held():
            writer.start()
            deadline = time.monotonic() + 10
            while not door._writers_waiting and time.monotonic() < deadline:
                time.sleep(0.01)
            counted.append(door._writers_waiting)
            counted.append(session.load(deals.count_deals, Filters()))
            counted.append(wrote.is_set())
        writer.join(timeout=10)

    run = threading.Thread(target=page_run, daemon=True)
    run.start()
    run.join(timeout=20)
    assert not run.is_alive(), "the read inside the held lease waited for the writer: deadlock"
    assert counted == [1, expected, False]  # read under the lease, before the write
    assert wrote.is_set()
    assert deals_in(db) == expected - 1
