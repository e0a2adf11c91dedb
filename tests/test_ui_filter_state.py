"""analytics.ui.sidebar.FilterState on plain dictionaries: reset, quick periods, the address deciding
the filters (and the page's controls) when it changed from outside, and the filters remembered from
the last run."""

from __future__ import annotations

from datetime import date

from analytics.filters import Filters
from analytics.ui.sidebar import FilterState, as_filters

WIDGETS = {"from": date(2025, 1, 1), "to": None, "segment": ["SMB"], "region": [], "owner": [],
           "product": [], "competitor": ["Tableau"]}


def test_reset_clears_every_filter_key() -> None:
    session = dict(WIDGETS)
    FilterState(session, {}).reset()
    assert session == {"from": None, "to": None, "segment": [], "region": [], "owner": [], "product": [],
                       "competitor": []}


def test_a_quick_period_sets_the_dates_and_is_remembered_until_the_dates_change() -> None:
    presets = {"2024": (date(2024, 1, 1), date(2024, 12, 31))}
    session = {FilterState.PRESET: "2024"}
    state = FilterState(session, {})
    state.apply_preset(presets)
    assert (session["from"], session["to"]) == (date(2024, 1, 1), date(2024, 12, 31))
    session.pop(FilterState.PRESET)  # another page: its box starts empty …
    state.match_preset(presets)
    assert session[FilterState.PRESET] == "2024"  # … and shows the chosen period again
    session["from"] = date(2024, 2, 1)  # the user moves a date: no longer "2024"
    state.match_preset(presets)
    assert session[FilterState.PRESET] is None


OPTIONS = {"segment": ["SMB", "Enterprise"], "region": ["EMEA"], "owner": [], "product": [],
           "competitor": ["Tableau"]}
BOUNDS = (date(2023, 1, 1), date(2025, 12, 31))


def test_a_new_address_decides_the_filters_and_the_pages_controls() -> None:
    session: dict = {"segment": ["SMB"], "pf_fit": 80}
    params = {"segment": ["Enterprise", "Nobody"], "from": "2024-01-01", "to": "2031-01-01",
              "pf_tolerance": "20"}
    assert FilterState(session, params).follow_address("Price vs fit", OPTIONS, BOUNDS)
    assert session["segment"] == ["Enterprise"]  # an unknown value is dropped
    assert session["from"] == date(2024, 1, 1) and session["to"] is None  # outside the data's years
    assert session["pf_tolerance"] == 20 and "pf_fit" not in session  # absent: back to its default


def test_the_address_this_session_wrote_leaves_the_widgets_alone() -> None:
    session: dict = {}
    params: dict = {}
    state = FilterState(session, params)
    state.write_address("Deals", {"segment": ["SMB"], "from": "2025-01-01"})
    assert params == {"segment": ["SMB"], "from": "2025-01-01"}
    session["segment"] = ["SMB", "Enterprise"]  # the user adds a value on the same page
    assert not state.follow_address("Deals", OPTIONS, BOUNDS)
    assert session["segment"] == ["SMB", "Enterprise"]
    assert state.follow_address("Overview", OPTIONS, BOUNDS)  # the same address on another page
    assert session["segment"] == ["SMB"]


def test_remembered_filters() -> None:
    session: dict = {}
    state = FilterState(session, {})
    assert state.remembered() == Filters()
    state.remember(WIDGETS)
    assert state.remembered() == Filters(start=date(2025, 1, 1), segment=("SMB",), competitor=("Tableau",))


def test_a_reversed_date_range_drops_the_dates_and_says_why() -> None:
    filters, problem = as_filters({"from": date(2025, 2, 1), "to": date(2025, 1, 1), "owner": ["Ana"]})
    assert filters == Filters(owner=("Ana",))
    assert problem is not None and "swap them" in problem
