"""The main journeys in a real browser: a headless Chromium against ``streamlit run app.py``.

Each test starts the app on its own copy of the sample database, waits for the health
endpoint, and saves a screenshot of every page it visits to ``screenshots/`` (git-ignored).
Skipped only when ``/usr/bin/chromium`` is missing (CI installs it; never run
``playwright install``).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from analytics.filters import Filters
from analytics.metrics import deals, winrates
from analytics.present import formatting as fmt

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "screenshots"
WIDTH = 1440

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"),
]

#: A HubSpot "All deals" export: 3 won and 3 lost deals of accounts the sample has never seen.
HUBSPOT_EXPORT = """Record ID,Deal Name,Associated Company,Deal owner,Deal Stage,Amount,Close Date,\
Create Date,Closed Lost Reason,Competitor,Company Size,Country
7100001,Aurora,Aurora Dairy,Rita Okafor,Closed Won,21000,2025-10-02 10:00,2025-07-01 09:00,,Qlik,SMB,Ireland
7100002,Beacon,Beacon Tiles,Rita Okafor,Closed Won,9000,2025-10-09 10:00,2025-08-11 09:00,,,SMB,Ireland
7100003,Cobalt,Cobalt Ferries,Rita Okafor,Closed Won,30500,2025-11-20 10:00,2025-09-03 09:00,,,SMB,Ireland
7100004,Delta,Delta Looms,Rita Okafor,Closed Lost,12000,2025-10-15 10:00,2025-06-30 09:00,\
Too expensive,Power BI,SMB,Ireland
7100005,Ember,Ember Kilns,Rita Okafor,Closed Lost,7000,2025-11-02 10:00,2025-08-19 09:00,\
Went dark,,SMB,Ireland
7100006,Fjord,Fjord Optics,Rita Okafor,Closed Lost,15500,2025-12-12 10:00,2025-09-09 09:00,\
Missing integration,Looker,SMB,Ireland
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Poll ``url`` until it answers 200; fail with ``log`` if ``proc`` ends or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer:\n{log.read_text()}")
        time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    """End a server started by a test (terminate, then kill after 15 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_app(env: dict[str, str], log: Path, *, cwd: Path = ROOT,
                port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` with ``env`` (the whole environment), from ``cwd`` (where Streamlit
    looks for ``.streamlit/``), its output in ``log``; yields its base URL once it is healthy."""
    port = port or _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/_stcore/health", proc, log)
            yield base
        finally:
            stop(proc)


@pytest.fixture
def server(sample_db: Path, tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a private copy of the sample database; yields its base URL."""
    db = tmp_path / "app.duckdb"
    shutil.copyfile(sample_db, db)
    env = os.environ | {"DEBRIEF_DB": str(db), "DEBRIEF_SAMPLE": "1", "PYTHONUNBUFFERED": "1"}
    with running_app(env, tmp_path / "streamlit.log") as base:
        yield base


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        yield tab
    finally:
        context.close()


def settle(tab) -> None:
    """Wait until the script run is over and every chart has replaced its placeholder."""
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    deadline = time.monotonic() + 30
    while tab.locator("[data-testid=stSkeleton], [data-testid=stAppSkeleton]").count():
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(0.6)
    assert tab.locator("[data-testid=stException]").count() == 0, "the page shows an exception"


def open_url(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state]")
    time.sleep(0.5)  # let the first run start before waiting for it to end
    settle(tab)


def go_to(tab, label: str) -> None:
    """Click a page in the sidebar navigation."""
    tab.locator("[data-testid=stSidebar] [data-testid=stPageLink]").get_by_text(label, exact=True).click()
    tab.wait_for_selector(f"h1:has-text('{label}')")
    settle(tab)


def shoot(tab, name: str) -> Path:
    """A screenshot of the whole page (the viewport grown to the content) in ``screenshots/``."""
    SHOTS.mkdir(exist_ok=True)
    height = tab.evaluate("() => Math.max(...Array.from(document.querySelectorAll("
                          "'[data-testid=stMain], section, [data-testid=stAppViewContainer]'))"
                          ".map(e => e.scrollHeight))")
    tab.set_viewport_size({"width": WIDTH, "height": max(900, min(int(height), 6000))})
    time.sleep(1.0)
    path = SHOTS / f"{name}.png"
    tab.screenshot(path=str(path))
    tab.set_viewport_size({"width": WIDTH, "height": 1000})
    return path


def metric_value(tab, label: str) -> str:
    card = tab.locator("[data-testid=stMetric]").filter(
        has=tab.locator("[data-testid=stMetricLabel]", has_text=label)).first
    return card.locator("[data-testid=stMetricValue]").inner_text().strip()


def test_every_page_opens_and_keeps_the_filters(page, server: str, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    year = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
    expected = winrates.headline(cur, year)
    open_url(page, f"{server}/?from=2025-01-01&to=2025-12-31")
    assert page.locator("h1").first.inner_text().strip().endswith("Overview")
    assert metric_value(page, "Win rate") == fmt.fmt_pct(expected.win_rate.value)
    assert page.get_by_text("You are looking at sample data").count() == 1
    shoot(page, "overview")
    for label, name in (("Loss reasons", "loss-reasons"), ("Price vs fit", "price-vs-fit"),
                        ("Comebacks", "comebacks"), ("Competitors", "competitors"), ("Deals", "deals"),
                        ("Import", "import")):
        go_to(page, label)
        assert "from=2025-01-01" in page.url and "to=2025-12-31" in page.url, page.url
        shoot(page, name)
        if label == "Deals":
            total = deals.count_deals(cur, year)
            assert page.get_by_text(f"{total:,} deals", exact=False).count() >= 1
    go_to(page, "Overview")
    assert metric_value(page, "Win rate") == fmt.fmt_pct(expected.win_rate.value)


def test_click_a_loss_reason_to_list_its_deals(page, server: str, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    open_url(page, f"{server}/Loss_reasons")
    bar = page.locator("[data-testid=stPlotlyChart]").first.locator(".bars .point path").first
    box = bar.bounding_box()
    assert box is not None
    # plotly listens on its drag layer, which sits over the bars: click where the bar is
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.1)
    page.wait_for_selector("text=Lost to Price", timeout=30_000)
    settle(page)
    top = fmt.category_label("price")  # the sample loses most deals on price: the first bar
    total = deals.count_deals(cur, Filters(), category="price")
    assert page.get_by_text(f"Lost to {top}").count() >= 1
    assert page.get_by_text(f"{total:,} deals").count() >= 1
    shoot(page, "loss-reasons-drill-down")


def test_upload_a_hubspot_export_and_see_the_counts_change(page, server: str, sample_db: Path, open_db,
                                                           tmp_path: Path) -> None:
    before = winrates.headline(open_db(sample_db), Filters())
    export = tmp_path / "hubspot-deals-export.csv"
    export.write_text(HUBSPOT_EXPORT, encoding="utf-8")
    open_url(page, f"{server}/Import")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(export))
    page.wait_for_selector("text=Check before importing")
    settle(page)
    assert metric_value(page, "Will load") == "6"
    assert page.get_by_text("HubSpot").count() >= 1
    shoot(page, "import-check")
    page.get_by_role("button", name="Import 1 file").click()
    page.wait_for_selector("text=import #4")
    settle(page)
    assert metric_value(page, "Loaded") == "6"
    shoot(page, "import-done")
    go_to(page, "Overview")
    assert metric_value(page, "Won deals") == fmt.fmt_count(before.won + 3)
    assert metric_value(page, "Lost deals") == fmt.fmt_count(before.lost + 3)
    assert page.get_by_text(f"{before.total + 6:,} deals").count() >= 1
    # a user file is loaded now: the sample banner is gone
    assert page.get_by_text("You are looking at sample data").count() == 0
    shoot(page, "overview-after-import")
    go_to(page, "Import")
    page.get_by_role("button", name="Undo").first.click()
    page.wait_for_selector("text=Import #4 undone")
    settle(page)
    go_to(page, "Overview")
    assert metric_value(page, "Won deals") == fmt.fmt_count(before.won)


def test_a_link_with_filters_opens_the_same_view(page, server: str, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    chosen = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31), segment=("Enterprise",))
    open_url(page, f"{server}/Deals?segment=Enterprise&from=2024-01-01&to=2024-12-31")
    total = deals.count_deals(cur, chosen)
    assert page.get_by_text(f"{total:,} deals · showing").count() == 1
    assert page.locator("[data-testid=stSidebar]").get_by_text("Enterprise").count() >= 1
    shoot(page, "deals-filtered-by-link")
    go_to(page, "Overview")
    assert "segment=Enterprise" in page.url
    won = fmt.fmt_count(winrates.headline(cur, chosen).won)
    assert metric_value(page, "Won deals") == won
    page.reload()
    settle(page)
    assert metric_value(page, "Won deals") == won
    shoot(page, "overview-filtered-by-link")


def test_download_the_deals_as_csv(page, server: str, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    open_url(page, f"{server}/Deals?segment=SMB")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "debrief-deals.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == deals.count_deals(cur, Filters(segment=("SMB",)))
    assert {row["Segment"] for row in rows} == {"SMB"}  # the headers the page shows (issue 14)
    assert "Deal ID" in rows[0] and "Amount" in rows[0] and "opportunity_id" not in rows[0]


def _history(tab) -> int:
    return tab.evaluate("history.length")


def _filter_caption(tab) -> str:
    """The line under the title saying which filters the numbers are for."""
    return tab.locator("[data-testid=stCaptionContainer]").filter(has_text="filter_alt").first.inner_text()


def test_one_move_one_history_entry_and_back_shows_what_its_address_says(page, server: str, sample_db: Path,
                                                                         open_db) -> None:
    cur = open_db(sample_db)
    both = Filters(segment=("Enterprise",), region=("EMEA",))
    open_url(page, f"{server}/?segment=Enterprise&region=EMEA")
    start = _history(page)
    for step, label in enumerate(("Loss reasons", "Competitors", "Deals"), start=1):
        go_to(page, label)
        time.sleep(1.0)  # any late address write would land now
        assert _history(page) == start + step, f"{label}: {_history(page) - start} entries for {step} moves"
        assert "segment=Enterprise" in page.url and "region=EMEA" in page.url
    assert page.get_by_text(f"{deals.count_deals(cur, both):,} deals · showing").count() == 1
    page.get_by_role("button", name="Reset filters").click()  # a new view: one more entry
    settle(page)
    assert "segment=" not in page.url and "All deals — no filter applied" in _filter_caption(page)
    page.go_back()  # the Deals view before the reset: its address and its numbers
    settle(page)
    assert page.url.endswith("/Deals?segment=Enterprise&region=EMEA") or (
        "/Deals?" in page.url and "segment=Enterprise" in page.url and "region=EMEA" in page.url), page.url
    assert "Segment: Enterprise · Region: EMEA" in _filter_caption(page)
    assert page.get_by_text(f"{deals.count_deals(cur, both):,} deals · showing").count() == 1
    page.go_back()
    settle(page)
    assert "/Competitors?" in page.url and "region=EMEA" in page.url, page.url
    assert "Segment: Enterprise · Region: EMEA" in _filter_caption(page)
    shoot(page, "back-button-competitors")
