"""analytics.connection: waiting for a locked file (with an injected clock, no real waiting), the
one-line message naming the holder, and the process's leases on one file."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from analytics import connection, store
from analytics.connection import DatabaseBusyError, SharedFile, lock_holder, retry_locked

#: DuckDB 1.5.5's own wording (seen in tests/test_shared_file.py with a real second process).
LOCKED = ('IO Error: Could not set lock on file "/data/debrief.duckdb": Conflicting lock is held in '
          '/usr/local/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency')


class FakeClock:
    """time.monotonic / time.sleep stand-ins: sleeping moves the clock, nothing really waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(times: int, error: Exception, result: object = "connection"):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= times:
            raise error
        return result

    return attempt, calls


def test_a_lock_that_goes_away_is_waited_for_with_growing_pauses() -> None:
    fake = FakeClock()
    attempt, calls = failing(3, duckdb.IOException(LOCKED))
    got = retry_locked(attempt, path="db", wait=30, todo="", clock=fake.clock, sleep=fake.sleep)
    assert got == "connection" and len(calls) == 4
    assert fake.sleeps == [0.05, 0.1, 0.2]  # 50 ms doubling


def test_pauses_stop_growing_at_half_a_second_and_the_wait_is_bounded() -> None:
    fake = FakeClock()
    attempt, calls = failing(10**6, duckdb.IOException(LOCKED))
    with pytest.raises(DatabaseBusyError) as caught:
        retry_locked(attempt, path="/data/debrief.duckdb", wait=30, todo="Try again later.",
                     clock=fake.clock, sleep=fake.sleep)
    assert max(fake.sleeps) == 0.5
    # 0.05+0.1+0.2+0.4 = 0.75 s, then 0.5 s pauses: 59 of them reach 30.25 > 30, the last cut short.
    assert sum(fake.sleeps) == pytest.approx(30.0)
    assert len(calls) == len(fake.sleeps) + 1
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("The database /data/debrief.duckdb is in use by process 4242 (")
    assert "waited 30 s" in message and message.endswith("Try again later.")


def test_the_message_names_the_holders_command_line_where_known() -> None:
    holder = lock_holder(duckdb.IOException(LOCKED), describe_pid=lambda pid: f"streamlit run app.py #{pid}")
    assert holder is not None and holder.pid == 4242
    assert holder.describe() == "process 4242 (streamlit run app.py #4242)"
    unknown = lock_holder(duckdb.IOException(LOCKED), describe_pid=lambda pid: None)
    assert unknown is not None and unknown.describe() == "process 4242 (python3.11)"
    assert lock_holder(duckdb.IOException("IO Error: Could not set lock on file")) is None


def test_the_command_line_of_this_process_is_read_from_proc() -> None:
    import os

    if not Path(f"/proc/{os.getpid()}/cmdline").exists():
        pytest.skip("no /proc on this system")
    text = connection.command_line(os.getpid())
    assert text is not None and text.startswith("python")
    assert connection.command_line(2**22 + 7) is None  # above Linux's pid_max: no such process


@pytest.mark.parametrize("error", [duckdb.IOException("IO Error: No such file or directory"),
                                   duckdb.CatalogException("Table with name x does not exist")])
def test_other_errors_are_not_waited_for(error: Exception) -> None:
    fake = FakeClock()
    attempt, calls = failing(1, error)
    with pytest.raises(type(error)):
        retry_locked(attempt, path="db", wait=30, todo="", clock=fake.clock, sleep=fake.sleep)
    assert len(calls) == 1 and fake.sleeps == []


def test_a_zero_wait_tries_once() -> None:
    fake = FakeClock()
    attempt, calls = failing(1, duckdb.IOException(LOCKED))
    with pytest.raises(DatabaseBusyError, match="waited 0 s"):
        retry_locked(attempt, path="db", wait=0, todo="", clock=fake.clock, sleep=fake.sleep)
    assert len(calls) == 1


# --------------------------------------------------------------------------- leases


class RecordingOpener:
    """Opens a real file and records each open's mode; ``gate`` can hold an open back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.modes: list[str] = []

    def __call__(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        self.modes.append("read" if read_only else "write")
        return store.connect(self.path, read_only=read_only)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lease.duckdb"
    store.connect(path).close()
    return path


def test_a_lease_opens_read_only_and_closes_when_it_ends(db: Path) -> None:
    opener = RecordingOpener(db)
    shared = SharedFile(opener)
    with shared.reading() as cur:
        assert cur.execute("SELECT count(*) FROM opportunities").fetchone() == (0,)
        assert shared.is_open
    assert not shared.is_open
    with shared.writing() as con, store.transaction(con.cursor()) as cur:
        cur.execute("INSERT INTO meta VALUES ('probe', 'x')")
    assert opener.modes == ["read", "write"] and not shared.is_open
    # Closed means closed: this process can now open the file with another configuration.
    duckdb.connect(str(db), read_only=True).close()


def test_concurrent_readers_share_one_open(db: Path) -> None:
    opener = RecordingOpener(db)
    shared = SharedFile(opener)
    inside, leave = threading.Barrier(3), threading.Event()

    def reader() -> None:
        with shared.reading() as cur:
            cur.execute("SELECT 1").fetchall()
            inside.wait(5)
            leave.wait(5)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait(5)  # both readers hold a lease at once
    assert shared.opens == 1
    leave.set()
    for t in threads:
        t.join(5)
    assert opener.modes == ["read"] and not shared.is_open


def test_a_writer_waits_for_the_readers_and_later_readers_queue_behind_it(db: Path) -> None:
    opener = RecordingOpener(db)
    shared = SharedFile(opener)
    order: list[str] = []
    reading, release_reader = threading.Event(), threading.Event()

    def first_reader() -> None:
        with shared.reading():
            order.append("read 1 starts")
            reading.set()
            release_reader.wait(5)
            order.append("read 1 ends")

    def writer() -> None:
        with shared.writing() as con, store.transaction(con.cursor()):
            order.append("write")

    def second_reader() -> None:
        with shared.reading():
            order.append("read 2")

    first = threading.Thread(target=first_reader)
    first.start()
    reading.wait(5)
    w = threading.Thread(target=writer)
    w.start()
    while not shared._writers_waiting:  # the writer is queued behind the reader
        threading.Event().wait(0.01)
    second = threading.Thread(target=second_reader)
    second.start()
    threading.Event().wait(0.1)
    assert order == ["read 1 starts"]  # neither the writer nor the later reader got in
    release_reader.set()
    for t in (first, w, second):
        t.join(5)
    # The writer reopened the file read-write; the later reader shared that connection.
    assert order[:2] == ["read 1 starts", "read 1 ends"] and sorted(order[2:]) == ["read 2", "write"]
    assert opener.modes == ["read", "write"]


def test_a_write_inside_a_read_of_the_same_thread_is_refused(db: Path) -> None:
    shared = SharedFile(RecordingOpener(db))
    with shared.reading(), pytest.raises(RuntimeError, match="inside a read lease"), shared.writing():
        pass
    assert not shared.is_open


def test_a_failed_open_leaves_the_door_usable(db: Path) -> None:
    calls = []

    def opener(read_only: bool) -> duckdb.DuckDBPyConnection:
        calls.append(read_only)
        if len(calls) == 1:
            raise DatabaseBusyError("busy")
        return store.connect(db, read_only=read_only)

    shared = SharedFile(opener)
    with pytest.raises(DatabaseBusyError), shared.reading():
        pass
    with shared.reading() as cur:
        assert cur.execute("SELECT 1").fetchone() == (1,)
    assert calls == [True, True]


def test_every_write_changes_the_data_version() -> None:
    con = store.connect(":memory:")
    cur = con.cursor()
    seen = {store.data_version(cur)}
    for _ in range(3):
        with store.transaction(cur):
            cur.execute("INSERT INTO meta VALUES ('probe', 'x')")
        seen.add(store.data_version(cur))
    assert len(seen) == 4
    with pytest.raises(RuntimeError), store.transaction(cur):
        raise RuntimeError("rolled back")
    assert store.data_version(cur) in seen and len(seen) == 4  # a rollback changes nothing
