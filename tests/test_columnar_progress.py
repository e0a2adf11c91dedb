"""An import tells its stages as they start (read, parse, write): what the Import page
shows while a large upload is read, parsed and written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analytics.errors import UnusableFileError
from analytics.ingest import importer, normalise
from analytics.store import connect
from tests.messy_export import messy_export


def test_prepare_then_commit_tell_read_parse_write_in_order(tmp_path: Path) -> None:
    stages: list[str] = []
    prepared = normalise.prepare_bytes(messy_export(200, 2), "m.csv", progress=stages.append)
    assert stages == ["read", "parse"]
    con = connect(tmp_path / "p.duckdb")
    result = importer.commit(con, prepared, now=datetime(2026, 1, 1), progress=stages.append)
    assert stages == ["read", "parse", "write"]
    assert result.loaded == len(prepared.rows) > 150


def test_a_refused_file_stops_at_the_stage_that_refused_it() -> None:
    stages: list[str] = []
    with pytest.raises(UnusableFileError):
        normalise.prepare_bytes(b"\x00\x01\x02" * 100, "noise.csv", progress=stages.append)
    assert stages == ["read"]
