"""The injection payloads in a real browser (issue 16, fix 8): every page opened by a link that
selects hostile values, on a database whose every text field holds them. Nothing is fetched from
anywhere but the app, no dialog opens, no injected image exists in the page."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.hardening.injection import HTML, LINK_FILTERS, PAYLOADS, hostile_db
from tests.test_browser import CHROMIUM, browser, open_url, running_app, shoot  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]

PAGE_PATHS = ("", "Loss_reasons", "Price_vs_fit", "Comebacks", "Competitors", "What_buyers_said", "Deals",
              "Import")
QUERY = urlencode({**{key: list(PAYLOADS) for key in LINK_FILTERS if key != "currency"},
                   "currency": PAYLOADS[0]}, doseq=True)


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on the hostile database; yields its base URL."""
    db = hostile_db(tmp_path / "hostile.duckdb")
    env = os.environ | {"DEBRIEF_DB": str(db), "PYTHONUNBUFFERED": "1"}
    env.pop("DEBRIEF_SAMPLE", None)
    with running_app(env, tmp_path / "streamlit.log") as base:
        yield base


def test_hostile_values_selected_by_a_link_stay_text_on_every_page(browser, hostile_server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    requests: list[str] = []
    dialogs: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for path in PAGE_PATHS:
            open_url(tab, f"{hostile_server}/{path}?{QUERY}")
            if path in ("", "Competitors"):
                tab.locator("[data-testid=stPlotlyChart]").first.hover()  # a hover label with the values
                time.sleep(0.5)
            outside = [u for u in requests if not u.startswith((hostile_server, "data:", "blob:"))]
            assert outside == [], (path, outside[:5])
            assert dialogs == [], (path, dialogs)
            assert tab.locator('img[src="x"]').count() == 0, path
            assert tab.locator('a[href^="javascript:"]').count() == 0, path
            # the filter line (the Import page: its history's file name) shows the values as text
            where = f"[data-testid={'stMarkdownContainer' if path == 'Import' else 'stCaptionContainer'}]"
            shown = tab.locator(where).all_inner_texts()
            assert any(HTML in text for text in shown), (path, shown[:3])
            if path in ("", "Competitors"):
                shoot(tab, f"hostile-{path or 'overview'}")
    finally:
        context.close()
