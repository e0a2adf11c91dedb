"""Sign-in and roles through AppTest (``at.user`` / ``at.secrets``): local mode, signed out, a stranger,
a viewer and an admin on the pages where it matters, and every write path refusing a viewer on the
server (the database is unchanged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.filters import Filters
from analytics.ingest import history
from analytics.metrics import deals, winrates
from analytics.present import formatting as fmt
from tests.test_pages import HUBSPOT_CSV, IMPORT, LOSS, PAGES, all_text, metric

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "debrief", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ROLES = {"admins": ["ana@acme.com", "*@ops.acme.com"], "viewers": ["*@acme.com"]}
ADMIN = {"is_logged_in": True, "email": "Ana@Acme.com", "name": "Ana"}
OPS_ADMIN = {"is_logged_in": True, "email": "zoe@ops.acme.com"}
VIEWER = {"is_logged_in": True, "email": "bo@acme.com", "name": "Bo"}
STRANGER = {"is_logged_in": True, "email": "eve@example.com"}
SIGNED_OUT = {"is_logged_in": False}


@pytest.fixture
def signed(app):
    """``signed(db, page, user)`` → an AppTest of the page with sign-in configured, run once."""

    def _signed(db: Path, page: str | None, user: dict, **query):
        at = app(db, page, run=False, **query)
        at.secrets["auth"] = AUTH
        at.secrets["debrief"] = ROLES
        at.user = user
        return at.run()

    return _signed


def nav_labels(at) -> list[str]:
    return [link.proto.label for link in at.sidebar.get("page_link")]


def uploaders(at) -> list:
    return at.get("file_uploader")


def test_local_mode_runs_as_before_and_the_import_page_says_so(app, sample_db: Path) -> None:
    at = app(sample_db, IMPORT)
    assert not at.exception
    assert "No sign-in is configured" in all_text(at)
    assert len(uploaders(at)) == 1
    assert any(b.label == "Undo" for b in at.button)
    assert "Import" in nav_labels(at)
    assert not [b for b in at.button if b.label == "Sign out"]


@pytest.mark.parametrize("title", list(PAGES))
def test_signed_out_sees_a_sign_in_button_and_nothing_else(signed, sample_db: Path, title: str) -> None:
    at = signed(sample_db, PAGES[title], SIGNED_OUT, segment="Enterprise")
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe and not uploaders(at)
    assert not at.sidebar.get("page_link") and not at.multiselect


def test_named_providers_each_get_a_button(app, sample_db: Path) -> None:
    at = app(sample_db, run=False)
    at.secrets["auth"] = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "x",
                          "google": {"client_id": "g"}, "microsoft": {"client_id": "m"}}
    at.user = SIGNED_OUT
    at.run()
    assert [b.label for b in at.button] == ["Sign in with Google", "Sign in with Microsoft"]


@pytest.mark.parametrize("title", ["Overview", "Deals", "Import"])
def test_a_stranger_is_told_who_they_are_and_to_ask_for_access(signed, sample_db: Path, title: str) -> None:
    at = signed(sample_db, PAGES[title], STRANGER)
    assert not at.exception
    assert "signed in as **eve@example.com**" in at.warning[0].value
    assert "Ask an admin for access" in at.warning[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe and not uploaders(at)


def test_a_viewer_sees_every_number_and_who_they_are(signed, sample_db: Path, open_db) -> None:
    at = signed(sample_db, None, VIEWER, segment="SMB")
    assert not at.exception
    smb = winrates.headline(open_db(sample_db), Filters(segment=("SMB",)))
    assert metric(at, "Won deals").value == fmt.fmt_count(smb.won)
    assert any("Signed in as **bo@acme.com** · viewer" in c.value for c in at.sidebar.caption)
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    assert "Import" not in nav_labels(at) and "Deals" in nav_labels(at)
    assert "Go to Import" not in [link.proto.label for link in at.get("page_link")]


def test_a_viewer_opening_the_import_address_gets_a_message_and_no_uploader(signed, sample_db: Path) -> None:
    at = signed(sample_db, IMPORT, VIEWER)
    assert not at.exception
    assert "Only an admin can import or undo exports" in all_text(at)
    assert "bo@acme.com" in all_text(at)
    assert not uploaders(at)
    assert not [b for b in at.button if b.label == "Undo"]


@pytest.mark.parametrize("user", [ADMIN, OPS_ADMIN], ids=["exact", "domain"])
def test_an_admin_gets_the_uploader_and_undo(signed, sample_db: Path, user: dict) -> None:
    at = signed(sample_db, IMPORT, user)
    assert not at.exception
    assert len(uploaders(at)) == 1
    assert [b.label for b in at.button].count("Undo") == 3  # the three sample imports
    assert "No sign-in is configured" not in all_text(at)
    assert any("· admin" in c.value for c in at.sidebar.caption)


def test_a_viewer_cannot_save_a_category_and_an_admin_can(signed, sample_db_copy: Path) -> None:
    viewer = signed(sample_db_copy, LOSS, VIEWER)
    assert not viewer.exception
    save = next(b for b in viewer.button if b.label == "Save categories")
    assert save.disabled
    admin = signed(sample_db_copy, LOSS, ADMIN)
    assert not next(b for b in admin.button if b.label == "Save categories").disabled


# --------------------------------------------------------------------------- the server-side checks

WRITE_SCRIPT = """
import streamlit as st
from analytics.errors import DebriefError
from analytics.ingest import normalise
from analytics.categories import CATEGORY_LABELS, list_reasons
from analytics.ui import importing, session

REASON = session.load(list_reasons)[0]
writes = {
    "undo": lambda: importing.undo_import(1),
    "override": lambda: importing.save_category_edits(  # the first raw reason moves to another category
        [REASON[0]], [CATEGORY_LABELS[REASON[1]]],
        [next(label for code, label in CATEGORY_LABELS.items() if code != REASON[1])]),
    "import": lambda: importing.commit_prepared(
        normalise.prepare_bytes(st.session_state["csv"].encode(), "hubspot.csv", normalise.ImportOptions())),
}
try:
    writes[st.session_state["write"]]()
except DebriefError as err:
    st.error(str(err))
else:
    st.success("written")
"""


def _state(db: Path, open_db) -> tuple[int, int, list[tuple[str, str, int, bool]]]:
    from analytics import categories

    cur = open_db(db)
    imports = history.list_imports(cur)
    active = int(imports["undone_at"].isna().sum())
    total = deals.count_deals(cur, Filters())
    return active, total, categories.list_reasons(cur)


def _write(db: Path, monkeypatch, write: str, user: dict):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DEBRIEF_DB", str(db))
    at = AppTest.from_string(WRITE_SCRIPT, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["debrief"] = ROLES
    at.user = user
    at.session_state["write"] = write
    at.session_state["csv"] = HUBSPOT_CSV
    return at.run()


@pytest.mark.parametrize("write", ["undo", "override", "import"])
@pytest.mark.parametrize("user", [VIEWER, STRANGER, SIGNED_OUT], ids=["viewer", "stranger", "signed-out"])
def test_every_write_path_refuses_a_non_admin_and_writes_nothing(write: str, user: dict, sample_db_copy: Path,
                                                                 open_db, monkeypatch) -> None:
    before = _state(sample_db_copy, open_db)
    at = _write(sample_db_copy, monkeypatch, write, user)
    assert not at.exception
    assert at.error
    assert "Only an admin can" in at.error[0].value or "Sign in as an admin" in at.error[0].value
    assert not at.success
    assert _state(sample_db_copy, open_db) == before


@pytest.mark.parametrize("write", ["undo", "override", "import"])
def test_every_write_path_works_for_an_admin(write: str, sample_db_copy: Path, open_db, monkeypatch) -> None:
    before = _state(sample_db_copy, open_db)
    at = _write(sample_db_copy, monkeypatch, write, ADMIN)
    assert not at.exception and not at.error
    assert at.success
    assert _state(sample_db_copy, open_db) != before
