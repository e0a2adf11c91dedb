"""analytics.ui.sidebar.FilterState on plain dictionaries: reset, quick periods, the carry-over of
filters to the next page, and the filters remembered from the last run."""

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


def test_a_quick_period_sets_the_dates_and_empties_the_box() -> None:
    presets = {"2024": (date(2024, 1, 1), date(2024, 12, 31))}
    session = {FilterState.PRESET: "2024"}
    FilterState(session, {}).apply_preset(presets)
    assert session == {FilterState.PRESET: None, "from": date(2024, 1, 1), "to": date(2024, 12, 31)}


def test_the_first_page_of_a_session_keeps_the_address() -> None:
    session: dict = {}
    params: dict = {}
    FilterState(session, params).carry_over("Overview")
    assert session == {FilterState.PAGE: "Overview"} and params == {}


def test_the_next_page_gets_the_last_values_back_in_its_widgets_and_address() -> None:
    session: dict = {}
    params: dict = {}
    state = FilterState(session, params)
    state.carry_over("Overview")
    state.remember(WIDGETS)
    state.carry_over("Deals")
    assert session[FilterState.PAGE] == "Deals"
    assert {key: session[key] for key in WIDGETS} == WIDGETS
    assert params == {"from": "2025-01-01", "segment": ["SMB"], "competitor": ["Tableau"]}


def test_a_rerun_of_the_same_page_changes_nothing() -> None:
    session = {FilterState.PAGE: "Deals", FilterState.MEMORY: {"segment": ["SMB"]}, "segment": []}
    FilterState(session, {}).carry_over("Deals")
    assert session["segment"] == []  # the user's change on this page stands


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
