"""A throwaway PostgreSQL cluster for the DuckLake tests, and one store fixture for both backends.

``postgres`` (session) runs ``initdb`` into a temporary folder (as the ``postgres`` user when the
tests run as root: initdb refuses root), starts the server on a unix socket in that folder only
(no TCP, ``fsync=off``), and stops it and removes the folder at the end. Where PostgreSQL's
server binaries are absent (a laptop without it) every test using it SKIPS with one line.

``store_target`` is parametrized ``file`` / ``lake``: a fresh, empty store — a DuckDB file, or a
DuckLake catalog (a new PostgreSQL database + a data folder) — given as what ``DEBRIEF_DB`` /
``store.connect`` take. ``tests/conftest.py`` imports the fixtures, so every test module can use them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from analytics import lake

PORT = 5432  # the socket lives in a private folder, so the usual port never clashes
_names = itertools.count(1)


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout, else PATH)."""
    def version(initdb: str) -> int:
        name = Path(initdb).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(owner: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


@dataclass
class Cluster:
    bin: Path
    home: Path  # data folder, socket and log
    owner: str | None  # the user the server runs as (None: the current user)

    def run(self, *argv: str) -> None:
        subprocess.run(_as_owner(self.owner, [str(self.bin / argv[0]), *argv[1:]]),
                       check=True, capture_output=True, timeout=60)

    def create_database(self) -> str:
        """A new, empty database; returns its libpq connection string."""
        name = f"debrief_{os.getpid()}_{next(_names)}"
        self.run("createdb", "-h", str(self.home), "-p", str(PORT), "-U", "postgres", name)
        return f"dbname={name} host={self.home} port={PORT} user=postgres"


def cluster_unavailable() -> str | None:
    """Why no cluster can be started here (one line), or None."""
    if server_bin() is None:
        return "PostgreSQL server not installed (apt-get install postgresql): DuckLake tests skipped"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run initdb: DuckLake tests skipped"
    return None


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Start a throwaway cluster (see :func:`cluster_unavailable` first); stop and remove it after."""
    bin_dir = server_bin()
    assert bin_dir is not None
    owner = "postgres" if os.geteuid() == 0 else None
    home = Path(tempfile.mkdtemp(prefix="debrief-pg-"))
    if owner:
        shutil.chown(home, owner)
    cluster = Cluster(bin_dir, home, owner)
    data = home / "data"
    try:
        cluster.run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        cluster.run("pg_ctl", "-D", str(data), "-l", str(home / "log"), "-w", "-o",
                    f"-p {PORT} -k {home} -c listen_addresses='' -c fsync=off", "start")
        yield cluster
    finally:
        lake.close_all()
        subprocess.run(_as_owner(owner, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                         "-w", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster for this test session (skips where PostgreSQL is not installed)."""
    reason = cluster_unavailable()
    if reason:
        pytest.skip(reason)
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def extension_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own DuckDB extension folder (nothing written to the user's ~/.cache)."""
    return tmp_path_factory.mktemp("duckdb-extensions")


def new_lake(cluster: Cluster, data_root: Path, monkeypatch: pytest.MonkeyPatch,
             extensions: Path) -> str:
    """A fresh DuckLake catalog: returns its ``DEBRIEF_DB`` value; sets ``DEBRIEF_DATA_PATH``."""
    monkeypatch.setenv("DEBRIEF_EXTENSION_DIR", str(extensions))
    monkeypatch.setenv("DEBRIEF_DATA_PATH", str(data_root))
    return lake.CATALOG + cluster.create_database()


@pytest.fixture(params=["file", "lake"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty store: a DuckDB file or a DuckLake catalog (``DEBRIEF_DB`` form)."""
    if request.param == "file":
        yield str(tmp_path / "store.duckdb")
        return
    cluster = request.getfixturevalue("postgres")
    yield new_lake(cluster, tmp_path / "lake-data", monkeypatch, request.getfixturevalue("extension_dir"))
    lake.close_all()
