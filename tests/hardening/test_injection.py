"""Markdown, HTML and script injection through the data and the address (issue 16, fix 8): every
page run on a database whose every text field, currency and file name is hostile, with and without
a link selecting the hostile values, shows them as text — in markdown, labels, charts and the
HTML report."""

from __future__ import annotations

from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs

from analytics import store
from analytics.filters import Filters
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.price_fit import PriceFitSettings
from analytics.present.report import render_report
from analytics.present.text import md_escape
from tests.hardening.helpers import NOW
from tests.hardening.injection import (
    FILE_NAME,
    HTML,
    LINK_FILTERS,
    PAGES,
    PAYLOADS,
    active_markdown,
    escaped_payloads_shown,
    figure_strings,
    hostile_db,
)

#: A link selecting every hostile value of every filter (the currency: one of them).
HOSTILE_LINK = {**{key: list(PAYLOADS) for key in LINK_FILTERS if key != "currency"}, "currency": PAYLOADS[0]}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_db(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


def assert_inert(at) -> None:
    assert not at.exception, [e.value for e in at.exception][:1]
    assert active_markdown(at) == []
    raw_html = [s[:120] for s in figure_strings(at) if "<img" in s.lower()]
    assert raw_html == [], raw_html


@pytest.mark.parametrize("page", PAGES)
def test_hostile_data_reads_as_text(app, hostile: Path, page: str) -> None:
    at = app(hostile, PAGES[page])
    assert_inert(at)
    if page in ("Overview", "Loss reasons"):  # the mixed-currency note names the hostile codes
        assert escaped_payloads_shown(at) or page == "Loss reasons"


@pytest.mark.parametrize("page", [p for p in PAGES if p != "Import"])
def test_a_link_selecting_hostile_values_reads_as_text(app, hostile: Path, page: str) -> None:
    at = app(hostile, PAGES[page], **HOSTILE_LINK)
    assert_inert(at)
    assert escaped_payloads_shown(at) == set(PAYLOADS)  # the filter line names them, escaped


def test_the_import_history_shows_the_hostile_file_name_as_text(app, hostile: Path) -> None:
    at = app(hostile, PAGES["Import"])
    assert_inert(at)
    assert any(md_escape(FILE_NAME) in m.value for m in at.markdown)


def test_drill_downs_name_hostile_values_as_text(app, hostile: Path) -> None:
    at = app(hostile, PAGES["Competitors"])
    for payload in PAYLOADS:
        pick = next(s for s in at.selectbox if s.label == "Deals against")
        pick.select(payload).run()
        assert_inert(at)
        assert any(f"against {md_escape(payload)}" in m.value for m in at.markdown)


def test_a_clicked_point_reads_back_the_value_as_stored() -> None:
    from analytics.present.text import plot_escape, plot_unescape
    for value in (*PAYLOADS, "A&B <i>x</i>", "&lt;", "R<br>D"):
        assert plot_unescape(plot_escape(value)) == value


def test_the_html_report_shows_hostile_text_as_text(hostile: Path) -> None:
    con = store.connect(hostile)
    try:
        html = render_report(con.cursor(), Filters(segment=PAYLOADS, currency=PAYLOADS[0]),
                             PriceFitSettings(), ComebackSettings(), generated_at=NOW)
    finally:
        con.close()
    page = html.replace(get_plotlyjs(), "")  # the bundled library, which holds no data
    assert HTML not in page and "<img" not in page.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # shown, as text
    decoded = page.replace("\\u003c", "<").replace("\\u003e", ">").lower()  # figure JSON, as plotly reads it
    assert "<img" not in decoded
