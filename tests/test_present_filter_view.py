"""analytics.present.filter_view: the filters as URL parameters and as a sentence, and the quick
periods offered from the data's close-date range (expected dates worked out on a calendar)."""

from __future__ import annotations

from datetime import date

from analytics.filters import BLANK_LABEL, Filters
from analytics.present.filter_view import date_range_bounds, describe_filters, filter_params, period_presets


def test_filter_params_round_trip() -> None:
    filters = Filters(start=date(2025, 1, 1), segment=("SMB", "Enterprise"))
    assert filter_params(filters) == {"from": "2025-01-01", "segment": ["SMB", "Enterprise"]}
    assert filter_params(Filters()) == {}
    both = Filters(start=date(2024, 4, 1), end=date(2024, 6, 30), competitor=("Tableau",))
    assert filter_params(both) == {"from": "2024-04-01", "to": "2024-06-30", "competitor": ["Tableau"]}


def test_describe_filters() -> None:
    assert describe_filters(Filters()) == "All deals — no filter applied"
    assert describe_filters(Filters(start=date(2025, 1, 1))) == "Closed 2025-01-01 → today"
    quarter = Filters(start=date(2025, 1, 1), end=date(2025, 3, 31), owner=(BLANK_LABEL, "Ana"))
    assert (describe_filters(quarter)
            == "Closed 2025-01-01 → 2025-03-31 · Owner: (not recorded), Ana")


def test_period_presets_from_the_latest_close_date() -> None:
    presets = period_presets(date(2023, 2, 1), date(2025, 5, 20))
    assert presets == {
        "All time": (None, None),
        "Latest quarter (Q2 2025)": (date(2025, 4, 1), date(2025, 6, 30)),
        "Latest 12 months": (date(2024, 6, 1), date(2025, 5, 31)),
        "2025": (date(2025, 1, 1), date(2025, 12, 31)),
        "2024": (date(2024, 1, 1), date(2024, 12, 31)),
        "2023": (date(2023, 1, 1), date(2023, 12, 31)),
    }


def test_period_presets_in_january_and_december() -> None:
    january = period_presets(date(2025, 1, 3), date(2025, 1, 15))
    assert january["Latest quarter (Q1 2025)"] == (date(2025, 1, 1), date(2025, 3, 31))
    assert january["Latest 12 months"] == (date(2024, 2, 1), date(2025, 1, 31))
    december = period_presets(date(2024, 12, 1), date(2024, 12, 31))
    assert december["Latest quarter (Q4 2024)"] == (date(2024, 10, 1), date(2024, 12, 31))
    assert december["Latest 12 months"] == (date(2024, 1, 1), date(2024, 12, 31))
    assert list(december) == ["All time", "Latest quarter (Q4 2024)", "Latest 12 months", "2024"]


def test_period_presets_without_data() -> None:
    assert period_presets(None, None) == {"All time": (None, None)}


def test_date_range_bounds_cover_whole_years() -> None:
    assert date_range_bounds(date(2023, 2, 1), date(2025, 5, 20)) == (date(2023, 1, 1), date(2025, 12, 31))
    assert date_range_bounds(None, None) == (None, None)
