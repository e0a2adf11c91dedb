"""Filters compose into bound SQL and select exactly the deals a user picked."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters, dimension
from tests.factories import deal, insert_deals, new_store


def ids(con, filters: Filters) -> list[str]:
    sql, params = filters.where("o")
    return [r[0] for r in con.execute(
        f"SELECT opportunity_id FROM opportunities o WHERE {sql} ORDER BY 1", params).fetchall()]


@pytest.fixture
def con():
    con = new_store()
    insert_deals(con, [
        deal(opportunity_id="a", outcome="won", close_date=date(2024, 1, 1), region="EMEA", segment="SMB"),
        deal(opportunity_id="b", outcome="lost", close_date=date(2024, 1, 31), region="NA", segment="SMB"),
        deal(opportunity_id="c", outcome="lost", close_date=date(2024, 2, 1), region=None, segment="Ent"),
        deal(opportunity_id="d", outcome="open", region=" ", segment="SMB"),
    ])
    return con


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), ["a", "b", "c", "d"]),
    (Filters(start=date(2024, 1, 1), end=date(2024, 1, 31)), ["a", "b"]),  # both ends inclusive
    (Filters(start=date(2024, 1, 31)), ["b", "c"]),  # open deals have no close date
    (Filters(region=("EMEA", "NA")), ["a", "b"]),
    (Filters(region=(BLANK_LABEL,)), ["c", "d"]),  # NULL and whitespace-only
    (Filters(region=("NA", BLANK_LABEL), segment="SMB"), ["b", "d"]),
    (Filters(segment="Nope"), []),
    (Filters(region=("x'; DROP TABLE opportunities; --",)), []),  # values are bound, never spliced
])
def test_filters_select(con, filters: Filters, expected: list[str]) -> None:
    assert ids(con, filters) == expected


def test_bad_filters_are_refused() -> None:
    with pytest.raises(InvalidSettingError, match="swap them"):
        Filters(start=date(2024, 2, 1), end=date(2024, 1, 1))
    with pytest.raises(InvalidSettingError, match="Unknown dimension"):
        dimension("close_date; DROP TABLE x")
