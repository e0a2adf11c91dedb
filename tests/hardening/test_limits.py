"""The limits (issue 16): each stated in docs/metrics.md with the value the code enforces, and
each enforced — rows per file, the per-query time limit (columns, cell length and dates: see
test_fixes.py; the upload size is Streamlit's own check)."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import duckdb
import pytest

from analytics.errors import UnusableFileError
from analytics.ingest import importer, limits
from analytics.ingest.normalise import prepare_bytes
from analytics.ui import session
from tests.hardening.helpers import NOW, assert_one_line, checksum, seeded_store

ROOT = Path(__file__).resolve().parents[2]
#: A query that runs for minutes unless interrupted.
SLOW_SQL = "SELECT count(*) FROM range(100000000000::BIGINT) t(i) WHERE i % 7 = 3"


def _export(rows: int) -> bytes:
    lines = ["Opportunity ID,Account Name,Stage,Amount,Close Date"]
    lines += [f"R-{i},Acme {i},Closed Won,{100 + i},2024-05-{1 + i % 28:02d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _limits_section() -> str:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    start = text.index("## Limits")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _stated(section: str, number: float) -> bool:
    """``number`` written in the section, with or without thousands separators."""
    plain = f"{number:g}" if number < 1e6 else str(int(number))
    return any(form in section for form in {plain, f"{int(number):,}", f"{int(number):,}".replace(",", " ")})


def test_every_limit_is_stated_in_the_docs_with_its_enforced_value() -> None:
    section = _limits_section()
    upload = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert re.search(rf"\b{upload} MB\b", section), upload
    for name, value in (("rows", limits.MAX_ROWS), ("columns", limits.MAX_COLUMNS),
                        ("cell", limits.MAX_CELL_CHARS), ("query", session.QUERY_SECONDS),
                        ("first date", limits.FIRST_DATE.year), ("last date", limits.LAST_DATE.year)):
        assert _stated(section, value), (name, value)
    assert "Limits" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_file_over_the_row_limit_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    assert len(prepare_bytes(_export(5), "five.csv").rows) == 5  # at the limit: read
    con = seeded_store(tmp_path)
    before = checksum(con)
    with pytest.raises(UnusableFileError) as refused:
        importer.import_bytes(con, _export(6), "six.csv", now=NOW)
    assert_one_line(str(refused.value))
    assert "6 data rows" in str(refused.value) and "at most 5" in str(refused.value)
    assert checksum(con) == before


def test_a_slow_query_is_interrupted_at_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "QUERY_SECONDS", 0.3)
    cur = duckdb.connect().cursor()
    started = time.monotonic()
    with pytest.raises(session.SlowViewError) as slow:
        session.time_limited(cur, lambda c: c.execute(SLOW_SQL).fetchall())
    assert time.monotonic() - started < 30  # interrupted, not run to its end (minutes)
    assert "took longer than 0.3 s" in str(slow.value) and "Narrow the filters" in str(slow.value)
    assert session.time_limited(cur, lambda c: c.execute("SELECT 42").fetchall()) == [(42,)]
    time.sleep(0.5)  # a quick call's timer is cancelled: nothing interrupts the cursor later
    assert cur.execute("SELECT 43").fetchall() == [(43,)]


def test_a_page_whose_query_is_too_slow_says_so(app, sample_db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import deals

    def slow_list(cur, *args, **kwargs):  # the Deals page's list, made slow
        cur.execute(SLOW_SQL).fetchall()

    monkeypatch.setattr(session, "QUERY_SECONDS", 0.5)
    monkeypatch.setattr(deals, "list_deals", slow_list)
    at = app(sample_db, "pages/5_Deals.py")
    assert not at.exception, [e.value for e in at.exception][:1]
    assert any("took longer than 0.5 s" in e.value for e in at.error), [e.value for e in at.error]
