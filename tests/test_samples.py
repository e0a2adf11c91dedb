"""The sample loader used by hosted deployments and the sample-data banner rule."""

from __future__ import annotations

from datetime import datetime

from analytics.ingest import samples
from analytics.ingest.importer import import_bytes
from tests.factories import new_store

NOW = datetime(2026, 1, 1)


def test_loads_once_and_banner_rule() -> None:
    con = new_store()
    assert samples.showing_sample_only(con.cursor()) is False  # empty store: no banner
    results = samples.load_if_empty(con, now=NOW)
    assert [r.file_name for r in results] == list(samples.SAMPLE_FILES)
    assert all(r.rejected == 0 and r.loaded == r.rows_read for r in results)
    assert samples.load_if_empty(con, now=NOW) == []  # never twice
    assert samples.showing_sample_only(con.cursor()) is True
    import_bytes(con, b"Deal Name,Deal Stage\nMine,Proposal\n", "my_export.csv", now=NOW)
    assert samples.showing_sample_only(con.cursor()) is False
