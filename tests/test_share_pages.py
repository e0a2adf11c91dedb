"""A view as an address, through AppTest: each page's own controls are read from a link and written
back to the address, so a shared link shows the same numbers; the "Share this view" link; the
report button."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.filters import Filters
from analytics.metrics import comebacks, price_fit
from analytics.present import formatting as fmt
from analytics.present.share import CONTROLS
from tests.test_pages import COMEBACKS, DEALS, PAGES, PRICE, metric

#: How AppTest reads each kind of control by key.
READERS = {"overview_grain": "button_group", "reasons_measure": "button_group", "reasons_by": "button_group",
           "reasons_grain": "button_group", "pf_fit": "slider", "pf_tolerance": "slider",
           "pf_bracket": "number_input", "cb_horizon": "select_slider", "cb_as_of": "date_input",
           "comp_grain": "selectbox", "deals_search": "text_input", "deals_outcome": "button_group",
           "deals_sort": "selectbox", "deals_order": "button_group", "deals_size": "selectbox",
           "deals_category": "selectbox"}


def control(at, key: str):
    return at.get(READERS[key]) and next(w for w in at.get(READERS[key]) if w.key == key)


@pytest.mark.parametrize("page", list(CONTROLS))
def test_the_address_defaults_are_the_widgets_own(app, sample_db: Path, page: str) -> None:
    """A control at its default stays out of the address: the table must agree with the widgets."""
    at = app(sample_db, PAGES[page])
    assert not at.exception
    for key, spec in CONTROLS[page].items():
        assert control(at, key).value == spec.default, key
        assert key not in at.query_params


def test_a_link_with_thresholds_shows_the_same_price_classes(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, PRICE, segment="SMB", pf_fit="70", pf_tolerance="20", pf_bracket="2.5")
    assert not at.exception
    assert control(at, "pf_fit").value == 70 and control(at, "pf_bracket").value == 2.5
    cur = open_db(sample_db)
    smb = Filters(segment=("SMB",))
    chosen = price_fit.class_counts(cur, smb, price_fit.PriceFitSettings(70, 0.2, 2.5))
    assert chosen != price_fit.class_counts(cur, smb, price_fit.PriceFitSettings())
    for klass, label in fmt.PRICE_CLASS_LABELS.items():
        assert metric(at, label).value == fmt.fmt_count(chosen[klass])


def test_a_link_with_a_horizon_and_a_date_shows_the_same_comebacks(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, COMEBACKS, cb_horizon="180", cb_as_of="2025-06-30")
    assert not at.exception
    expected = comebacks.summary(open_db(sample_db), Filters(),
                                 comebacks.ComebackSettings(180, date(2025, 6, 30)))
    assert metric(at, "Came back within 6 months").value == fmt.fmt_pct(expected["comeback_rate"])
    assert metric(at, "Lost accounts").value == fmt.fmt_count(expected["lost_accounts"])


def test_moving_a_control_writes_it_to_the_address_and_back_to_default_drops_it(app, sample_db: Path) -> None:
    at = app(sample_db, PRICE, segment="SMB")
    at.slider(key="pf_fit").set_value(65).run()
    assert at.query_params["pf_fit"] == "65" and at.query_params["segment"] == "SMB"
    at.slider(key="pf_fit").set_value(50).run()
    assert "pf_fit" not in at.query_params


def test_values_a_control_cannot_take_are_dropped(app, sample_db: Path) -> None:
    at = app(sample_db, PRICE, pf_fit="500", pf_tolerance="abc", pf_bracket="2")
    assert not at.exception
    assert control(at, "pf_fit").value == 50 and control(at, "pf_tolerance").value == 10
    assert control(at, "pf_bracket").value == 2.0
    assert "pf_fit" not in at.query_params and at.query_params["pf_bracket"] == "2.0"


def test_deals_controls_travel_in_the_address(app, sample_db: Path) -> None:
    at = app(sample_db, DEALS, deals_outcome="lost", deals_sort="amount", deals_size="25")
    assert not at.exception
    assert control(at, "deals_outcome").value == "lost" and control(at, "deals_size").value == 25
    assert "showing 1–25" in next(m.value for m in at.markdown if " deals**" in m.value)


def test_another_page_starts_its_controls_at_their_defaults(app, sample_db: Path) -> None:
    at = app(sample_db, PRICE, segment="SMB", pf_fit="70")
    at.switch_page(COMEBACKS).run()  # the sidebar links carry the filters, not a page's controls
    assert not at.exception
    assert at.query_params["segment"] == "SMB"
    assert control(at, "cb_horizon").value == 365


def _share_link(at) -> str:
    codes = [c.value for c in at.get("code")]
    assert len(codes) == 1, codes
    return codes[0]


def test_the_share_link_is_the_absolute_address_of_this_view(app, sample_db: Path) -> None:
    at = app(sample_db, PRICE, run=False, segment="SMB", pf_fit="70")
    at.context["url"] = "http://10.1.2.3:8501/Price_vs_fit"
    at.run()
    link = _share_link(at)
    assert link.startswith("http://10.1.2.3:8501/Price_vs_fit?")
    assert "segment=SMB" in link and "pf_fit=70" in link


def test_the_share_link_uses_public_url_behind_a_proxy(app, sample_db: Path) -> None:
    at = app(sample_db, COMEBACKS, run=False, region="EMEA")
    at.context["url"] = "http://10.1.2.3:8501/Comebacks"
    at.secrets["debrief"] = {"public_url": "https://debrief.acme.com/team/"}
    at.run()
    link = _share_link(at)
    assert link.startswith("https://debrief.acme.com/team/Comebacks?") and "region=EMEA" in link


def test_the_overview_offers_the_report_of_this_view(app, sample_db: Path) -> None:
    at = app(sample_db)
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons if b.proto.label == "Download report"] == ["Download report"]
