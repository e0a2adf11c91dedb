"""Sharing one DuckDB file between the dashboard and the command line.

DuckDB lets one *process* write a file, or several processes read it; a writer takes
an exclusive lock on the file, a read-only opener a shared one. Facts checked with
DuckDB 1.5.5 (``benchmarks/connections.py`` measures the costs):

- A second process's open fails at once with ``IOException: Could not set lock on file
  "…": Conflicting lock is held in /usr/bin/python3 (PID 4242)``; read-only opens of
  several processes coexist; a writer's open fails while any reader has the file.
- Inside one process every connection to a file shares one database instance and one
  configuration: opening it read-only while it is open read-write (or the reverse)
  fails with ``ConnectionException: Can't open a connection to same database file with
  a different configuration than existing connections``. The lock goes only when every
  ``duckdb.connect`` of the process to the file is closed (closing a connection also
  closes its cursors).
- A read-only open (+ close) of a 100k-deal file costs ~12 ms, a read-write one ~17 ms;
  a cursor of an open connection ~0.3 ms. A read-only open replays a writer's WAL.

The design, used by the dashboard (``analytics.ui.session``) and the CLI:

- **Nobody keeps the file between uses.** :class:`SharedFile` is the process's door to
  one file: a *lease* (``reading()`` / ``writing()``) opens the connection when the
  first lease starts and closes it when the last one ends, so an idle dashboard holds
  no lock and a ``python -m analytics import`` from cron gets the file. Streamlit runs
  sessions in threads: concurrent leases share the one open connection (a cursor each);
  reads open it read-only (several dashboard processes can read at once); a write waits
  for the process's readers to finish, then opens it read-write; readers arriving while a
  writer waits queue behind it.
- **Bounded waiting.** :func:`open_store` retries a locked file with a growing pause
  (50 ms doubling to 0.5 s) until ``wait`` seconds have passed, then raises
  :class:`DatabaseBusyError`, whose one-line message names the process that holds the
  file (DuckDB's message gives its PID; ``/proc`` its command line) and what to do.
  Injected ``clock`` / ``sleep`` keep its tests instant.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics import store
from analytics.errors import DebriefError

#: How long the CLI waits for a busy file by default (``--wait``), in seconds.
CLI_WAIT = 30.0
#: How long a dashboard run waits for a busy file before saying so, in seconds.
DASHBOARD_WAIT = 20.0
FIRST_PAUSE, MAX_PAUSE = 0.05, 0.5

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_MIXED_CONFIG = "different configuration than existing connections"


class DatabaseBusyError(DebriefError):
    """The database file stayed locked by another process for longer than we wait."""


@dataclass(frozen=True)
class LockHolder:
    """The process DuckDB names as holding a file's lock."""

    pid: int
    program: str
    command: str | None = None  # its command line, where /proc tells

    def describe(self) -> str:
        """``process 4242 (streamlit run app.py)``: what a person recognises."""
        what = self.command or Path(self.program).name or "unknown program"
        return f"process {self.pid} ({what})"


def is_lock_conflict(err: BaseException) -> bool:
    """True for DuckDB's "Could not set lock on file" error (another process has the file)."""
    return isinstance(err, duckdb.IOException) and "Could not set lock on file" in str(err)


def command_line(pid: int, limit: int = 80) -> str | None:
    """The command line of process ``pid`` from ``/proc`` (None where unknown), cut to ``limit``."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w for w in raw.decode("utf-8", "replace").split("\0") if w]
    if words and Path(words[0]).name.startswith("python"):
        words[0] = "python"
    text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lock_holder(err: BaseException, *, describe_pid: Callable[[int], str | None] = command_line,
                ) -> LockHolder | None:
    """The holder named by a lock-conflict message, or None when the message names none.

    >>> msg = ('IO Error: Could not set lock on file "x.duckdb": '
    ...        'Conflicting lock is held in /usr/bin/python3 (PID 42).')
    >>> lock_holder(duckdb.IOException(msg), describe_pid=lambda pid: None)
    LockHolder(pid=42, program='/usr/bin/python3', command=None)
    """
    found = _HOLDER.search(str(err))
    if not found:
        return None
    pid = int(found["pid"])
    return LockHolder(pid, found["program"], describe_pid(pid))


def busy_message(path: object, holder: LockHolder | None, waited: float, todo: str) -> str:
    """One line: which file, who holds it, how long we waited, and ``todo`` (what to do)."""
    who = holder.describe() if holder else "another program"
    return f"The database {path} is in use by {who}; waited {waited:.0f} s for it. {todo}"


def retry_locked(attempt: Callable[[], duckdb.DuckDBPyConnection], *, path: object, wait: float,
                 todo: str, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> duckdb.DuckDBPyConnection:
    """``attempt()`` until it stops failing with a lock conflict, for at most ``wait`` seconds.

    Other errors pass through at once. After the bound: :class:`DatabaseBusyError`.
    """
    start = clock()
    pause = FIRST_PAUSE
    while True:
        try:
            return attempt()
        except duckdb.IOException as err:
            if not is_lock_conflict(err):
                raise
            waited = clock() - start
            if waited >= wait:
                raise DatabaseBusyError(busy_message(path, lock_holder(err), waited, todo)) from err
            sleep(min(pause, max(wait - waited, 0.0)))
            pause = min(pause * 2, MAX_PAUSE)


def _open_once(path: str | os.PathLike[str] | None, read_only: bool) -> duckdb.DuckDBPyConnection:
    """One open; read-only falls back to the process's read-write instance when one is open
    (same instance, no new lock: DuckDB refuses two configurations in one process)."""
    if not read_only:
        return store.connect(path)
    try:
        return store.connect(path, read_only=True)
    except duckdb.ConnectionException as err:
        if _MIXED_CONFIG not in str(err):
            raise
        return store.connect(path)


def open_store(path: str | os.PathLike[str] | None, *, read_only: bool = False, wait: float = CLI_WAIT,
               todo: str = "Try again when it has finished.", clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep) -> duckdb.DuckDBPyConnection:
    """:func:`analytics.store.connect`, waiting up to ``wait`` seconds while another process holds
    the file (then :class:`DatabaseBusyError`, whose message ends with ``todo``)."""
    shown = store.default_db_path() if path is None else path
    return retry_locked(lambda: _open_once(path, read_only), path=shown, wait=wait, todo=todo,
                        clock=clock, sleep=sleep)


class SharedFile:
    """The process's leases on one database file: open while in use, closed when idle.

    ``opener(read_only)`` opens the file (waiting for other processes itself, e.g.
    :func:`open_store`). Leases from many threads share one connection; each gets its
    own cursor. A thread must not ask for a write lease while it holds a read lease.
    """

    def __init__(self, opener: Callable[[bool], duckdb.DuckDBPyConnection]) -> None:
        self._opener = opener
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._writable = False
        self._opening = False
        self._users = 0
        self._writers_waiting = 0
        self._reading = threading.local()
        self.opens = 0  # connections opened so far (for the benchmark and tests)

    @property
    def is_open(self) -> bool:
        with self._cond:
            return self._con is not None

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reading; the file is open (read-only unless a writer has it) meanwhile."""
        con = self._acquire(write=False)
        depth = getattr(self._reading, "depth", 0)
        self._reading.depth = depth + 1
        try:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._reading.depth = depth
            self._release()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The read-write connection, for one write (``store.transaction`` inside)."""
        if getattr(self._reading, "depth", 0):
            raise RuntimeError("a write lease was asked for inside a read lease of the same thread")
        con = self._acquire(write=True)
        try:
            yield con
        finally:
            self._release()

    def _usable(self, write: bool) -> bool:
        if self._con is None:
            return False
        return self._writable or (not write and not self._writers_waiting)

    def _acquire(self, write: bool) -> duckdb.DuckDBPyConnection:
        with self._cond:
            self._writers_waiting += write
            try:
                while not self._usable(write):
                    if self._con is None and not self._opening and (write or not self._writers_waiting):
                        self._opening = True
                        break
                    self._cond.wait()
                else:
                    self._users += 1
                    return self._con  # type: ignore[return-value]
            finally:
                self._writers_waiting -= write
        return self._open(write)

    def _open(self, write: bool) -> duckdb.DuckDBPyConnection:
        try:
            con = self._opener(not write)
        except BaseException:
            with self._cond:
                self._opening = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._con, self._writable, self._opening = con, write, False
            self._users += 1
            self.opens += 1
            self._cond.notify_all()
        return con

    def _release(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None
                self._cond.notify_all()
