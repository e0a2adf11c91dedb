"""The report to mail, opened in headless Chromium with EVERY network request blocked:
each chart draws, no page error, and a full-page screenshot for a human look."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from analytics import store
from analytics.filters import Filters
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.price_fit import PriceFitSettings
from analytics.present.report import render_report, write_report

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[1] / "screenshots" / "report.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def report_file(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("report_db") / "sample.duckdb"
    shutil.copyfile(sample_db, copy)  # another test of this process may hold the original open
    con = store.connect(copy)
    try:
        html = render_report(con.cursor(), Filters(), PriceFitSettings(), ComebackSettings(),
                             generated_at=datetime(2026, 1, 5, 9, 30))
    finally:
        con.close()
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, html)
    return path


def test_the_report_renders_offline_with_every_chart(report_file: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url = report_file.as_uri()
    aborted: list[str] = []
    errors: list[str] = []

    def route(r) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            aborted.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", route)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg'))", timeout=30_000)
            charts = page.eval_on_selector_all(
                ".plotly-graph-div", "ds => ds.map(d => [d.id, !!d.querySelector('svg.main-svg'),"
                                     " d.getBoundingClientRect().height])")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert aborted == []
    assert errors == []
    assert [name for name, _, _ in charts] == [
        "chart-reasons", "chart-price-fit-matrix", "chart-notes-matrix", "chart-comeback-curve",
        "chart-comeback-cohorts", "chart-competitors"]
    assert all(drawn and height >= 240 for _, drawn, height in charts), charts
