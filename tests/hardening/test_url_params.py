"""Hostile addresses (issue 16): every parameter each page reads — the sidebar filters and the
page's own controls — set to SQL, HTML, markdown and a 100 kB value. The design is that a value a
filter or control cannot take is dropped (the widget keeps its default and the address is written
again without it), so the page shows every deal; the Import page reads no parameter (it shows no
filter) and leaves them unread in its address; the Deals search is free text, so it searches for
the value and says no deal matches. Never an exception, never a change to the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import store
from analytics.present.share import CONTROLS
from tests.hardening.helpers import checksum
from tests.hardening.injection import PAGES, active_markdown, hostile_db

FILTERS = ("from", "to", "segment", "region", "owner", "product", "competitor", "currency")
LISTS = ("segment", "region", "owner", "product", "competitor")
PAYLOADS = {
    "sql": "' OR 1=1 --",
    "sql-drop": "'); DROP TABLE opportunities; --",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "markdown": "**bold** ![x](http://127.0.0.1:1/b) [a](javascript:alert(1)) :red[x]",
    "100kB": "A" * 100_000,
}
#: Every (page, parameter) the pages read.
CASES = [(page, key) for page in PAGES for key in FILTERS]
CASES += [(page, key) for page, controls in CONTROLS.items() for key in controls]
#: Runs made by this module (for the report's figures).
TRIED: list[tuple[str, str, str]] = []


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = hostile_db(tmp_path_factory.mktemp("urls") / "urls.duckdb")
    con = store.connect(path)
    try:
        return path, checksum(con)
    finally:
        con.close()


def _filter_line(at) -> str:
    return next((c.value for c in at.caption if ":material/filter_alt:" in c.value), "")


@pytest.mark.parametrize(("page", "key"), CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_a_hostile_parameter_changes_nothing(app, db, page: str, key: str) -> None:
    path, before = db
    runs = {"all": list(PAYLOADS.values())} if key in LISTS else PAYLOADS
    for name, value in runs.items():
        TRIED.append((page, key, name))
        at = app(path, PAGES[page], run=False, **{key: value})
        at.run(timeout=60)  # the time limit of one page run
        where = f"{page} ?{key}= {name}"
        assert not at.exception, (where, [e.value for e in at.exception][:1])
        assert active_markdown(at) == [], where
        if key == "deals_search":  # free text: a search for it, which matches no deal
            assert any(s.value == "No deals match these filters" for s in at.subheader), where
            continue
        if page == "Import":  # reads no filter from its address (it shows none): left there, unread
            continue
        kept = at.query_params.get(key)  # mixed currencies: the default one replaces a bad one
        assert kept is None or (key == "currency" and kept != value), (where, "the address keeps the value")
        assert _filter_line(at).endswith("All deals — no filter applied"), (where, _filter_line(at)[:200])
    con = store.connect(path)
    try:
        assert checksum(con) == before, f"{page} ?{key}= changed the database"
    finally:
        con.close()
