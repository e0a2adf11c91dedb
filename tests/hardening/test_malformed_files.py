"""Posture suite: malformed files, generated here, imported into a store holding deals.

Each file either imports with its bad rows rejected and reported, or is refused with one
line of at most 300 characters and the database unchanged; none takes over a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.errors import DebriefError
from analytics.ingest import importer
from analytics.ingest.importer import ImportResult
from analytics.ingest.limits import FIRST_DATE, LAST_DATE
from tests.hardening.helpers import NOW, assert_one_line, checksum, run_with_timeout, seeded_store
from tests.hardening.malformed import CASES

TIME_LIMIT = 60
_CONTROLS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"


def _check_imported(con, result: ImportResult) -> None:
    """Every record accounted for, every reject stored with a reason, nothing absurd stored."""
    assert result.rows_read == (result.loaded + result.updated + result.unchanged
                                + result.duplicates + result.rejected)
    stored = con.execute("SELECT line, reason FROM rejected_rows WHERE import_id = ?",
                         [result.import_id]).fetchall()
    assert len(stored) == result.rejected and all(reason for _, reason in stored)
    bad = con.execute(
        "SELECT count(*) FROM opportunities WHERE close_date NOT BETWEEN ? AND ? "
        "OR created_date NOT BETWEEN ? AND ? OR NOT isfinite(amount) "
        f"OR regexp_matches(coalesce(account_name, '') || coalesce(extras, ''), '{_CONTROLS}')",
        [FIRST_DATE, LAST_DATE, FIRST_DATE, LAST_DATE]).fetchone()[0]
    assert bad == 0


@pytest.mark.parametrize("kind", list(CASES))
def test_malformed_file(kind: str, tmp_path: Path) -> None:
    name, data = CASES[kind]()
    con = seeded_store(tmp_path)
    before = checksum(con)
    outcome = run_with_timeout(lambda: importer.import_bytes(con, data, name, now=NOW), TIME_LIMIT)
    if isinstance(outcome, ImportResult):
        _check_imported(con, outcome)
        return
    assert isinstance(outcome, DebriefError), repr(outcome)[:500]
    assert_one_line(str(outcome))
    assert checksum(con) == before


def test_there_are_at_least_40_kinds() -> None:
    assert len(CASES) >= 40
