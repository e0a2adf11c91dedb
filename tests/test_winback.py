"""The win-back list (issue 14): lost accounts not yet back, lost long enough ago that their cohort
usually returns (and within the horizon), ranked by lost amount × the comeback rate of their loss
reason. Numbers worked out by hand below."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.filters import Filters
from analytics.metrics import comebacks
from analytics.metrics.comebacks import BREAKDOWNS, ComebackSettings
from analytics.metrics.winback import comeback_view, winback_list
from tests.factories import deal, insert_deals, new_store, random_deals
from tests.test_pages import PAGES


def _account(key: str, lost: date, reason: str, amount: float, won: date | None = None,
             currency: str | None = None) -> list[dict]:
    rows = [deal(account_name=key, outcome="lost", close_date=lost, loss_reason=reason, amount=amount,
                 currency=currency)]
    if won is not None:
        rows.append(deal(account_name=key, outcome="won", close_date=won, amount=1))
    return rows


AS_OF = date(2024, 12, 31)
ROWS = [
    *_account("Pb1", date(2022, 1, 1), "price", 5, won=date(2022, 1, 31)),    # back after 30 days
    *_account("Pb2", date(2022, 2, 1), "price", 5, won=date(2022, 3, 13)),    # back after 40 days
    *_account("Px", date(2023, 1, 1), "price", 5000),    # 730 days ago: past the 365-day horizon
    *_account("Pa", date(2024, 11, 1), "price", 300),    # 60 days ≥ price's usual 35: due
    *_account("Pr", date(2024, 12, 10), "price", 1000),  # 21 days < 35: too soon
    *_account("Pl", date(2024, 10, 1), "price", 30, won=date(2025, 2, 1)),  # back only after as_of
    *_account("Tb", date(2022, 5, 1), "timing", 5, won=date(2022, 12, 27)),  # back after 240 days
    *_account("T1", date(2024, 6, 1), "timing", 900),    # 213 days; timing has 1 comeback < 2: the
]                                                        # overall median of 30, 40, 240 = 40 decides


@pytest.fixture
def cur():
    con = new_store()
    insert_deals(con, ROWS)
    return con.cursor()


def test_due_accounts_ranked_by_amount_times_reason_rate(cur) -> None:
    got = winback_list(cur, Filters(), ComebackSettings(365, AS_OF), min_returned=2)
    # price: 3 eligible (Pb1, Pb2, Px), 2 came back → 2/3; timing: Tb eligible and back → 1/1.
    assert got["account_name"].tolist() == ["T1", "Pa", "Pl"]
    assert got["score"].tolist() == pytest.approx([900 * 1.0, 300 * 2 / 3, 30 * 2 / 3])
    assert got["usual_days"].tolist() == [40, 35, 35]
    assert got["days_since_loss"].tolist() == [213, 60, 91]


def test_a_reason_with_enough_comebacks_uses_its_own_median(cur) -> None:
    # With min_returned=1 timing's own median (240 days) decides: T1 (213 days) is not due yet.
    got = winback_list(cur, Filters(), ComebackSettings(365, AS_OF), min_returned=1)
    assert "T1" not in got["account_name"].tolist()


def test_the_win_back_list_on_the_comebacks_page(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, PAGES["Comebacks"])
    assert not at.exception
    expected = winback_list(open_db(sample_db), Filters(currency="USD"), ComebackSettings())
    assert any(m.value.startswith(f"**{len(expected):,} accounts to call**") for m in at.markdown)
    download = next(b for b in at.get("download_button") if b.proto.label.startswith("Download the win-back"))
    assert download is not None


class _Counting:
    """A cursor that records the SQL it runs."""

    def __init__(self, cur) -> None:
        self.cur, self.sql = cur, []

    def execute(self, sql, params=None):
        self.sql.append(sql)
        return self.cur.execute(sql, params)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_comebacks_page_view_is_each_function_called_alone(seed) -> None:
    con = new_store()
    insert_deals(con, random_deals(seed))
    cur = con.cursor()
    for filters in (Filters(), Filters(segment=("SMB", "Enterprise"), region=("NA",)),
                    Filters(currency="EUR"), Filters(end=date(2023, 6, 30))):
        for settings in (ComebackSettings(), ComebackSettings(90, date(2023, 3, 1))):
            view = comeback_view(cur, filters, settings)
            assert view.summary == comebacks.summary(cur, filters, settings)
            for got, want in (
                (view.curve, comebacks.curve(cur, filters, settings)),
                (view.cohorts, comebacks.cohorts(cur, filters, settings)),
                (view.by_category, comebacks.breakdown(cur, filters, settings, "category")),
                (view.by_competitor, comebacks.breakdown(cur, filters, settings, "competitor")),
                (view.winback, winback_list(cur, filters, settings)),
                (view.returned, comebacks.returned_accounts(cur, filters, settings)),
            ):
                pd.testing.assert_frame_equal(got, want, check_exact=True)
            # Inside the shared anchor, a breakdown by a dimension the shared table does not hold
            # (segment, region, …) computes its own anchor: the same numbers.
            alone = {by: comebacks.breakdown(cur, filters, settings, by) for by in BREAKDOWNS}
            with comebacks.shared_anchor(cur, filters, settings):
                for by in BREAKDOWNS:
                    pd.testing.assert_frame_equal(comebacks.breakdown(cur, filters, settings, by),
                                                  alone[by], check_exact=True)


def test_the_comebacks_page_view_reads_as_of_and_builds_the_anchor_once(cur) -> None:
    counting = _Counting(cur)
    comeback_view(counting, Filters(), ComebackSettings())
    assert sum("max(close_date)" in sql for sql in counting.sql) == 1
    assert sum("loss_day AS" in sql for sql in counting.sql) == 1
