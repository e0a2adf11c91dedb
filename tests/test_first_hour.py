"""Issue 14, "your data, not the sample's": own exports imported on top of the sample. While sample
rows remain beside real ones every page says so; one click removes the sample (the undo of its
imports), and it can be loaded again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analytics import store
from analytics.filters import Filters
from analytics.ingest import importer, samples
from analytics.metrics import deals
from tests.test_pages import PAGES, all_text

OWN_CSV = ("Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason,Competitor\n"
           "OWN-1,Acme,Closed Won,100,2024-01-10,,Beta\n"
           "OWN-2,Acme,Closed Lost,300,2024-01-05,Price too high,Beta\n"
           "OWN-3,Bolt,Closed Lost,50,2024-02-05,No decision,\n")
LATER = datetime(2026, 1, 2, 9, 0)


@pytest.fixture
def mixed_db(sample_db_copy: Path, tmp_path: Path) -> Path:
    """The sample database plus one small export of the user's own (3 deals)."""
    own = tmp_path / "our_crm_export.csv"
    own.write_text(OWN_CSV)
    con = store.connect(sample_db_copy)
    try:
        importer.import_files(con, [own], now=LATER)
    finally:
        con.close()
    return sample_db_copy


def test_remove_sample_undoes_only_the_sample_imports(mixed_db: Path) -> None:
    con = store.connect(mixed_db)
    try:
        cur = con.cursor()
        before = deals.count_deals(cur, Filters())
        assert samples.sample_beside_own(cur)
        done = samples.remove_sample(con, now=LATER)
        assert [r.import_id for r in done] == [3, 2, 1]  # newest first
        assert before - sum(r.removed for r in done) == 3
        assert deals.count_deals(con.cursor(), Filters()) == 3  # only the user's own deals
        assert not samples.sample_beside_own(con.cursor())
        samples.restore_sample(con, now=LATER)  # the way back
        assert deals.count_deals(con.cursor(), Filters()) == before
    finally:
        con.close()


@pytest.mark.parametrize("title", list(PAGES))
def test_every_page_says_sample_rows_are_mixed_in(app, mixed_db: Path, title: str) -> None:
    at = app(mixed_db, PAGES[title], sample=True)
    assert not at.exception
    assert "Sample data is mixed into these numbers" in all_text(at)
    assert "You are looking at sample data" not in all_text(at)  # not "sample only" any more


def test_one_click_removes_the_sample(app, mixed_db: Path) -> None:
    at = app(mixed_db, sample=True)
    at.button(key="remove_sample").click().run()
    assert not at.exception
    text = all_text(at)
    assert "Removed the sample data" in text
    assert "Sample data is mixed" not in text
    assert "**3 deals** from 1 import" in text
    at.button(key="restore_sample").click().run()
    assert "Sample data is mixed" in all_text(at)


def test_no_mixed_banner_on_the_sample_alone(app, sample_db: Path) -> None:
    assert "Sample data is mixed" not in all_text(app(sample_db, sample=True))
