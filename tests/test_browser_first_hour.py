"""Issue 14 in a real browser (headless Chromium against ``streamlit run``): nothing fetched from
the web, a phone's first screen, the chart toolbar clear of titles, the Deals pagination without a
Session State warning, and the README screenshot taken at 1440 px."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, ROOT, WIDTH, browser, open_url, server, settle  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"),
]

README_SHOT = ROOT / "docs" / "screenshot-overview.png"


def _tab(browser, width: int, height: int, outside: list[str]) -> tuple[object, object]:  # noqa: F811
    """A tab whose every request to anything but the local server is recorded and refused."""
    context = browser.new_context(viewport={"width": width, "height": height})

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    return context, tab


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_desktop_offline_toolbar_and_readme_screenshot(browser, server: str) -> None:  # noqa: F811
    outside: list[str] = []
    context, tab = _tab(browser, WIDTH, 1000, outside)
    try:
        open_url(tab, server)
        # The chart toolbar runs down the right edge: it never covers a chart's title.
        chart = tab.locator("[data-testid=stPlotlyChart]").first
        chart.hover()
        time.sleep(0.5)
        title, toolbar = _box(chart.locator(".gtitle").first), _box(chart.locator(".modebar").first)
        overlap_x = min(title["x"] + title["width"], toolbar["x"] + toolbar["width"]) - max(title["x"],
                                                                                             toolbar["x"])
        overlap_y = min(title["y"] + title["height"], toolbar["y"] + toolbar["height"]) - max(title["y"],
                                                                                              toolbar["y"])
        assert overlap_x <= 0 or overlap_y <= 0
        assert toolbar["height"] > toolbar["width"]  # vertical
        tab.mouse.move(0, 0)
        height = tab.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        tab.set_viewport_size({"width": WIDTH, "height": max(900, min(int(height), 4000))})
        time.sleep(1.0)
        tab.screenshot(path=str(README_SHOT))
        assert outside == []  # the icon font and the tab's icon are shipped, nothing from the web
    finally:
        context.close()


def test_phone_first_screen(browser, server: str) -> None:  # noqa: F811
    outside: list[str] = []
    context, tab = _tab(browser, 390, 844, outside)
    try:
        open_url(tab, server)
        sidebar = tab.locator("[data-testid=stSidebar]")
        assert sidebar.get_attribute("data-collapsed") == "true"  # collapsed: the page is visible
        assert not sidebar.is_visible()
        cards = tab.locator("[data-testid=stMetric]")
        first, second, third = (_box(cards.nth(i)) for i in range(3))
        assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]  # two cards a row
        assert third["y"] > first["y"] + first["height"] - 2  # the third starts the next row
        assert second["x"] + second["width"] <= 390
        assert outside == []
    finally:
        context.close()


def test_deals_paging_logs_no_session_state_warning(browser, server: str, tmp_path: Path) -> None:  # noqa: F811
    outside: list[str] = []
    context, tab = _tab(browser, WIDTH, 1000, outside)
    try:
        open_url(tab, f"{server}/Deals")
        tab.locator("[data-testid=stPaginationPage]", has_text="2").first.click()
        settle(tab)
        search = tab.locator("[data-testid=stTextInput] input").first
        search.fill("a")
        search.press("Enter")
        settle(tab)
        assert "showing 1–" in tab.locator("[data-testid=stMarkdown]", has_text="showing").first.inner_text()
        log = (tmp_path / "streamlit.log").read_text()
        assert "created with a default value" not in log
    finally:
        context.close()


def test_competitor_trend_chips_show_whole_names(browser, server: str) -> None:  # noqa: F811
    """The "Competitors on the trend" chips are not cut off ("Qli…"): every chip's text fits."""
    outside: list[str] = []
    context, tab = _tab(browser, WIDTH, 1000, outside)
    try:
        open_url(tab, f"{server}/Competitors")
        box = tab.locator("[data-testid=stMultiSelect]").filter(has_text="Competitors on the trend")
        chips = box.locator("[data-tag] > span[title]")
        chips.first.wait_for()
        names = chips.all_inner_texts()
        cut = [chip.get_attribute("title") for chip in chips.all()
               if chip.evaluate("s => s.scrollWidth > s.clientWidth + 1")]
        assert len(names) >= 2 and all(names)
        assert cut == []
    finally:
        context.close()
