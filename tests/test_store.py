"""The store: created on open, versioned, upgraded in place, refuses newer files."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import store
from analytics.errors import SchemaVersionError
from tests.factories import deal, insert_deals


def test_new_file_gets_every_table(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "sub" / "d.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == {"meta", "opportunities", "replaced_rows", "imports", "rejected_rows",
                      "reason_overrides"}
    assert store.schema_version(con.cursor()) == store.SCHEMA_VERSION


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    con = store.connect(path)
    insert_deals(con, [deal(outcome="won", close_date=None)])
    con.close()
    assert store.connect(path).execute("SELECT count(*) FROM opportunities").fetchone() == (1,)


def test_older_file_is_upgraded_in_place(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    insert_deals(con, [deal(opportunity_id="X", outcome="lost", loss_reason_raw="price")])
    con.close()

    def add_column(cur) -> None:
        cur.execute("ALTER TABLE opportunities ADD COLUMN probability DOUBLE")

    monkeypatch.setattr(store, "MIGRATIONS", (*store.MIGRATIONS, add_column))
    monkeypatch.setattr(store, "SCHEMA_VERSION", store.SCHEMA_VERSION + 1)
    con = store.connect(path)
    assert store.schema_version(con.cursor()) == store.SCHEMA_VERSION
    assert con.execute("SELECT opportunity_id, probability FROM opportunities").fetchall() == [("X", None)]


def test_newer_file_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    con = store.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaVersionError, match=r"newer Debrief.*Upgrade Debrief"):
        store.connect(path)


def test_default_path_honours_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DEBRIEF_DB", raising=False)
    assert store.default_db_path() == Path("data") / "debrief.duckdb"
    monkeypatch.setenv("DEBRIEF_DB", str(tmp_path / "x.duckdb"))
    assert store.default_db_path() == tmp_path / "x.duckdb"
