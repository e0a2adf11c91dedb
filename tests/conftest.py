"""Shared fixtures: a sample database built once per test session, an empty one, and AppTest helpers.

The sample database is built the way a user builds it — by importing the three sample
exports through :mod:`analytics.importer` — into a temporary directory, never into
``data/``. Tests that write (imports, undo, category overrides) work on a copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from analytics import store
from analytics.ingest import importer
from tests.postgres import extension_dir, postgres, store_target  # noqa: F401 (fixtures: DuckLake tests)

ROOT = Path(__file__).resolve().parent.parent
#: The public data sets laid out beside the checkout (``../shared/datasets``); a user's clone has none.
DATASETS = ROOT.parent / "shared" / "datasets"
SAMPLE_NAMES = ("salesforce_opportunities.csv", "hubspot_deals.csv", "pipedrive_deals.csv")
#: Fixed import time, so nothing in a test depends on the clock.
IMPORTED_AT = datetime(2026, 1, 5, 9, 30)


@pytest.fixture(scope="session")
def sample_csvs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample exports: the committed ones, else freshly generated (same seed, same bytes)."""
    committed = [ROOT / "sample_data" / name for name in SAMPLE_NAMES]
    if all(path.exists() for path in committed):
        return committed
    out = tmp_path_factory.mktemp("sample_data")
    subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "--out", str(out)],
                   check=True, capture_output=True)
    return [out / name for name in SAMPLE_NAMES]


@pytest.fixture(scope="session")
def maven_csv() -> Path:
    """The public Maven "CRM Sales Opportunities" pipeline, or a skip where it is not beside the clone."""
    path = DATASETS / "maven_crm" / "sales_pipeline.csv"
    if not path.is_file():
        pytest.skip(f"public data set not found at {path} (only present beside the project's own workspace)")
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_csvs: list[Path]) -> Path:
    """A database file holding the three sample exports (built once; do not write to it)."""
    path = tmp_path_factory.mktemp("sample_db") / "sample.duckdb"
    con = store.connect(path)
    try:
        importer.import_files(con, sample_csvs, now=IMPORTED_AT)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture
def sample_db_copy(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database, for tests that write."""
    target = tmp_path / "sample-copy.duckdb"
    shutil.copyfile(sample_db, target)
    return target


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A database with the current schema and no deal."""
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    return path


@pytest.fixture
def newer_db(tmp_path: Path) -> Path:
    """A database written by a (pretend) newer Debrief: its schema version is ahead of ours."""
    path = tmp_path / "newer.duckdb"
    con = store.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(store.SCHEMA_VERSION + 1)])
    con.close()
    return path


@pytest.fixture
def open_db() -> Iterator[Callable[[Path], object]]:
    """Open a database file in this process the way the app does (same configuration), to read
    the engine's own numbers next to the page's."""
    opened = []

    def _open(path: Path):
        con = store.connect(path)
        opened.append(con)
        return con.cursor()

    yield _open
    for con in opened:
        con.close()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """``app(db, page=None, **query)`` → an :class:`AppTest` of a page, run once.

    ``page`` is a path like ``"pages/5_Deals.py"`` (None: the Overview). Query parameters
    are set the way a pasted link sets them. ``sample=True`` sets ``DEBRIEF_SAMPLE=1``.
    """
    from streamlit.testing.v1 import AppTest

    def _app(db: Path, page: str | None = None, *, sample: bool = False, run: bool = True,
             **query: str | list[str]) -> AppTest:
        monkeypatch.setenv("DEBRIEF_DB", str(db))
        if sample:
            monkeypatch.setenv("DEBRIEF_SAMPLE", "1")
        else:
            monkeypatch.delenv("DEBRIEF_SAMPLE", raising=False)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        if page is not None:
            at.switch_page(page)
        for key, value in query.items():
            at.query_params[key] = value
        if run:
            at.run()
        return at

    return _app
