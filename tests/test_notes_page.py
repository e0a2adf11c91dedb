"""The "What buyers said" page through Streamlit's AppTest: the engine's numbers on the sample
data, drill-downs from a tile and from a phrase, notes that hold markup or a formula shown as text,
the empty state of an export without notes, and filters that match nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics import store
from analytics.filters import Filters
from analytics.metrics import deals, notes, phrases
from analytics.present import formatting as fmt
from tests.factories import deal, insert_deals
from tests.test_browser import CHROMIUM, browser, metric_value, open_url, page, server, settle, shoot  # noqa: F401
from tests.test_pages import all_text, metric

PAGE = "pages/7_What_buyers_said.py"
HTML = "<b>Needs</b> <script>alert(1)</script> integration, **bold** [link](http://x.test)"
FORMULA = '=HYPERLINK("http://evil.test","went dark")'


def db_with(path: Path, rows: list[dict]) -> Path:
    con = store.connect(path)
    insert_deals(con, rows)
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture
def notes_db(tmp_path: Path) -> Path:
    lost = dict(outcome="lost", close_date=date(2025, 3, 1), account_name="Acme")
    return db_with(tmp_path / "notes.duckdb", [
        deal(opportunity_id="p1", loss_reason_raw="Price too high", loss_notes=FORMULA, **lost),
        deal(opportunity_id="p2", loss_reason_raw="Too expensive", loss_notes="Budget cut", **lost),
        deal(opportunity_id="f1", loss_reason_raw="Missing features", loss_notes=HTML, **lost),
        deal(opportunity_id="w1", outcome="won", close_date=date(2025, 6, 1), loss_notes="price ok"),
    ])


def test_the_sample_data_shows_the_engines_numbers(app, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    head = notes.headline(cur, Filters())
    assert head.with_notes > 0  # the Salesforce sample carries "Closed Lost Notes"
    at = app(sample_db, PAGE)
    assert not at.exception and not at.error
    assert at.title[0].value.endswith("What buyers said")
    assert metric(at, "Agreement rate").value == fmt.fmt_pct(head.agreement.value)
    assert metric(at, "Lost deals with notes").value == fmt.fmt_count(head.with_notes)
    assert metric(at, "Easy-price losses").value == fmt.fmt_count(head.easy_price)
    assert metric(at, "Notes that name no reason").value == fmt.fmt_count(head.unclear)
    low, high = fmt.fmt_pct(head.agreement.low, 0), fmt.fmt_pct(head.agreement.high, 0)
    assert f"95% interval {low}–{high}" in all_text(at)
    assert len(at.get("plotly_chart")) == 2  # the matrix and the phrases
    easy = [m.value for m in at.markdown if m.value.startswith("**Easy-price losses**")]
    assert easy == [f"**Easy-price losses** — {head.easy_price:,} deals"]


def test_a_tile_and_a_phrase_drill_down_to_their_deals(app, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    at = app(sample_db, PAGE)
    at.selectbox(key="notes_cell").set_value("price|competitor").run()
    total = deals.count_deals(cur, Filters(), category="price", notes_say="competitor")
    assert total > 0
    assert any(m.value == f"**Stated Price · the notes say Competitor** — {total:,} deals"
               for m in at.markdown)
    terms = phrases.distinctive(cur, Filters())
    first = terms.iloc[0]
    at.segmented_control(key="notes_reason").set_value(first["stated"]).run()
    at.selectbox(key="notes_phrase").set_value(first["phrase"]).run()
    assert not at.exception
    shown = [m.value for m in at.markdown if "losses whose notes say" in m.value]
    assert shown and shown[0].endswith(f"— {int(first['deals']):,} deals")


def test_notes_with_markup_or_a_formula_are_shown_as_text(app, notes_db: Path) -> None:
    at = app(notes_db, PAGE)
    assert not at.exception
    assert metric(at, "Lost deals with notes").value == "3"
    assert metric(at, "Easy-price losses").value == "1"  # p1: price picked, the notes say went dark
    table = at.dataframe[0].value
    assert table["loss_notes"].tolist() == [FORMULA]  # as written, in a table cell
    at.selectbox(key="notes_cell").set_value("product_fit|product_fit").run()
    tables = [d.value for d in at.dataframe]
    assert any(HTML in t["loss_notes"].tolist() for t in tables if "loss_notes" in t)
    assert "<script>" not in all_text(at)  # never in markdown: only inside the tables


def test_an_export_without_notes_says_which_fields_to_export(app, tmp_path: Path) -> None:
    db = db_with(tmp_path / "plain.duckdb", [
        deal(outcome="lost", close_date=date(2025, 1, 1), loss_reason_raw="Price", loss_notes="  "),
        deal(outcome="won", close_date=date(2025, 1, 1), loss_notes="won on price")])
    at = app(db, PAGE)
    assert not at.exception
    assert any(s.value == "No loss notes to read" for s in at.subheader)
    text = all_text(at)
    assert "Closed Lost Notes" in text and "Close Notes" in text and "Lost reason notes" in text
    assert not at.metric


def test_filters_that_match_nothing_say_so(app, notes_db: Path) -> None:
    at = app(notes_db, PAGE, **{"from": "2025-04-01", "to": "2025-04-30"})  # nothing closed then
    assert not at.exception
    assert any(s.value == "No lost deals match these filters" for s in at.subheader)


# --------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium")
def test_click_a_tile_and_a_phrase_in_the_browser(page, server: str, sample_db: Path, open_db) -> None:  # noqa: F811
    cur = open_db(sample_db)
    head = notes.headline(cur, Filters())
    open_url(page, f"{server}/What_buyers_said")
    assert metric_value(page, "Agreement rate") == fmt.fmt_pct(head.agreement.value)
    shoot(page, "what-buyers-said")
    matrix = notes.matrix(cur, Filters())
    first = matrix[matrix["deals"] > 0].iloc[0]  # the first tile drawn: top row, leftmost
    tile = page.locator("[data-testid=stPlotlyChart]").first.locator(".scatterlayer .point").first
    tile.scroll_into_view_if_needed()
    box = tile.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    total = deals.count_deals(cur, Filters(), category=first["stated"], notes_say=first["said"])
    page.wait_for_selector(f"text=— {total:,} deal", timeout=30_000)
    settle(page)
    bar = page.locator("[data-testid=stPlotlyChart]").nth(1).locator(".trace.bars").first.locator(
        ".point path").last  # the phrase used most in this reason's notes (its bar is the widest)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.wait_for_selector("text=losses whose notes say", timeout=30_000)
    settle(page)
    shoot(page, "what-buyers-said-drill")
