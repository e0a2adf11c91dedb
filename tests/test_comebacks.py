"""Comebacks (METRICS.md §8): hand-worked fixtures, lifelines and a naive cross-check."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.metrics.comebacks import (
    BREAKDOWNS,
    ComebackSettings,
    anchor_cte,
    as_of_date,
    breakdown,
    cohorts,
    curve,
    returned_accounts,
    summary,
)
from analytics.metrics.stats import rate
from tests import naive_price_comebacks as naive
from tests.factories import deal, insert_deals, new_store, random_deals

D = date


def lost(oid: str, name: str | None, day: date, **fields: object) -> dict[str, object]:
    return deal(opportunity_id=oid, account_name=name, outcome="lost", close_date=day, **fields)


def won(oid: str, name: str | None, day: date, **fields: object) -> dict[str, object]:
    return deal(opportunity_id=oid, account_name=name, outcome="won", close_date=day, **fields)


# The story (as_of = 2024-12-31, the latest close of a closed deal: C2; H = 365 days,
# so eligible means loss_date <= 2024-12-31 - 365 days = 2024-01-01, 2024 being a leap year):
#
# A  "ACME, Inc." lost 2023-01-10 (import 1); "Acme Inc" won 2023-04-20 (import 2)
#    -> one account 'acme'; 21 + 28 + 31 + 20 = 100 days -> eligible, came back
# B  lost 2023-03-01 and won the same day -> no comeback; eligible
# C  lost 2024-01-01, exactly H days before as_of -> eligible; won 2024-12-31, 365 days
#    later (exactly H) -> came back
# D  lost 2024-01-02 (364 days before as_of) -> not eligible; won 2024-02-01, 30 days
# E  lost 2022-01-01, won 2023-06-01: 365 + 151 = 516 days -> eligible, not within H, ever
# F  rows without an account (a loss and a later win) -> not in comebacks at all
# G  lost 2022-06-10 and 2022-09-01, won 2022-08-01: the anchor is the first loss;
#    20 + 31 + 1 = 52 days -> eligible, came back
# H  two losses on 2023-05-05, ids H2 (Gamma) and H1 (Beta): anchor H1 (lowest id);
#    a win on 2023-01-01, before the loss, is no comeback; eligible
# Z  an open deal with a later (expected) close date does not move as_of
STORY = [
    lost("A1", "ACME, Inc.", D(2023, 1, 10), import_id=1, competitor="Alpha", segment="SMB",
         loss_reason_raw="Price too high", amount=1000.0),
    won("A2", "Acme Inc", D(2023, 4, 20), import_id=2, segment="Enterprise", amount=1200.0),
    lost("B1", "Bolt", D(2023, 3, 1), segment="SMB", loss_reason_raw="went dark"),
    won("B2", "Bolt", D(2023, 3, 1), segment="SMB"),
    lost("C1", "Cask", D(2024, 1, 1), competitor="Alpha", segment="Enterprise",
         loss_reason_raw="Too expensive"),
    won("C2", "Cask", D(2024, 12, 31)),
    lost("D1", "Dune", D(2024, 1, 2), competitor="Beta", segment="SMB",
         loss_reason_raw="Missing features"),
    won("D2", "Dune", D(2024, 2, 1)),
    lost("E1", "Echo", D(2022, 1, 1), segment="Enterprise", loss_reason_raw="budget cut"),
    won("E2", "Echo", D(2023, 6, 1)),
    lost("F1", None, D(2022, 5, 5), segment="SMB", loss_reason_raw="Price too high"),
    won("F2", None, D(2022, 6, 1), segment="SMB"),
    lost("G1", "Gale", D(2022, 6, 10), competitor="Beta", segment="SMB",
         loss_reason_raw="timing - next year"),
    lost("G2", "Gale", D(2022, 9, 1), segment="Enterprise", loss_reason_raw="Price too high"),
    won("G3", "Gale", D(2022, 8, 1)),
    lost("H2", "Hull", D(2023, 5, 5), competitor="Gamma", segment="SMB", loss_reason_raw="price"),
    lost("H1", "Hull", D(2023, 5, 5), competitor="Beta", segment="SMB",
         loss_reason_raw="poor support"),
    won("H3", "Hull", D(2023, 1, 1)),
    deal(opportunity_id="Z1", account_name="Zed", outcome="open", close_date=D(2025, 6, 1)),
]


@pytest.fixture()
def story():
    con = new_store()
    insert_deals(con, STORY)
    yield con.cursor()
    con.close()


def test_story_summary(story):
    got = summary(story, Filters(), ComebackSettings())
    # lost accounts A B C D E G H = 7; eligible all but D = 6; came back A C G = 3;
    # ever A C D E G = 5; median of 30, 52, 100, 365, 516 = 100
    assert got == {
        "as_of": "2024-12-31", "horizon_days": 365, "lost_accounts": 7, "eligible": 6,
        "came_back": 3, "comeback_rate": 3 / 6, "ever_rate": 5 / 7,
        "median_days_to_comeback": 100.0,
    }
    assert list(got) == ["as_of", "horizon_days", "lost_accounts", "eligible", "came_back",
                         "comeback_rate", "ever_rate", "median_days_to_comeback"]
    assert got == naive.comeback_summary(naive.load(story), Filters(), 365)


def test_story_horizon_90(story):
    # eligible: observed >= 90 days -> all 7 (D: 364); within 90 days: D (30), G (52) -> 2
    got = summary(story, Filters(), ComebackSettings(horizon_days=90))
    assert (got["eligible"], got["came_back"], got["comeback_rate"]) == (7, 2, 2 / 7)
    assert got["ever_rate"] == 5 / 7 and got["median_days_to_comeback"] == 100.0


def test_horizon_boundaries(story):
    # C: observed exactly 365 days and came back after exactly 365 -> counts at H = 365
    # At H = 366 C is no longer eligible (365 < 366); A B E G H stay eligible (A: 721 days);
    # came back within 366: A (100), G (52) -> 2
    got = summary(story, Filters(), ComebackSettings(horizon_days=366))
    assert (got["eligible"], got["came_back"]) == (5, 2)
    # At H = 364: D (364 days observed) becomes eligible; C's 365 days > 364 -> not came back;
    # came back within 364: A, G, D (30) -> 3 of 7
    got = summary(story, Filters(), ComebackSettings(horizon_days=364))
    assert (got["eligible"], got["came_back"]) == (7, 3)


def test_anchor_rows(story):
    cte, params = anchor_cte(Filters(), D(2024, 12, 31))
    rows = story.execute(
        cte + "SELECT account_key, lost_opportunity_id, comeback_opportunity_id, "
        "days_to_comeback, days_observed FROM anchor ORDER BY account_key", params).fetchall()
    assert rows == [
        ("acme", "A1", "A2", 100, 721),   # 2023-01-10 -> 2024-12-31 = 356 + 365 = 721
        ("bolt", "B1", None, None, 671),  # same-day win B2 is not a comeback
        ("cask", "C1", "C2", 365, 365),
        ("dune", "D1", "D2", 30, 364),
        ("echo", "E1", "E2", 516, 1095),
        ("gale", "G1", "G3", 52, 935),
        ("hull", "H1", None, None, 606),  # tie on 2023-05-05 -> lowest id H1; H3 was before
    ]
    # (rows without an account, F1 / F2, are absent)


def test_ties_on_the_loss_day_and_on_the_comeback_day_take_the_lowest_id():
    # Two losses and two wins on one day each: the whole anchor row is the lowest id's (K1, W1),
    # whatever order they were inserted in; the other dimensions come only when asked for.
    con = new_store()
    insert_deals(con, [
        lost("K2", "Kite", D(2023, 1, 1), competitor="Beta", segment="SMB", amount=20.0),
        lost("K1", "Kite Ltd", D(2023, 1, 1), competitor="Alpha", segment="Enterprise", amount=10.0),
        won("W2", "KITE", D(2023, 3, 1), amount=200.0),
        won("W1", "Kite, Inc.", D(2023, 3, 1), amount=100.0),
    ])
    cte, params = anchor_cte(Filters(), D(2023, 12, 31), "segment")
    rows = con.execute(
        cte + "SELECT account_name, lost_opportunity_id, competitor, segment, lost_amount, "
        "comeback_opportunity_id, comeback_account_name, comeback_amount, days_to_comeback "
        "FROM anchor", params).fetchall()
    assert rows == [("Kite Ltd", "K1", "Alpha", "Enterprise", 10.0, "W1", "Kite, Inc.", 100.0, 59)]
    cte, params = anchor_cte(Filters(), D(2023, 12, 31))
    columns = [c[0] for c in con.execute(cte + "SELECT * FROM anchor", params).description]
    assert "competitor" in columns and "category" in columns and "segment" not in columns
    with pytest.raises(InvalidSettingError):
        anchor_cte(Filters(), D(2023, 12, 31), "amount")


def test_as_of_comes_from_closed_deals_only(story):
    assert as_of_date(story, ComebackSettings()) == D(2024, 12, 31)  # not Z1's 2025-06-01
    assert as_of_date(story, ComebackSettings(as_of=D(2023, 6, 1))) == D(2023, 6, 1)
    # the filters do not move it
    got = summary(story, Filters(segment=("Enterprise",), end=D(2023, 1, 1)), ComebackSettings())
    assert got["as_of"] == "2024-12-31"


def test_filters_apply_to_the_anchor_loss_not_to_the_comeback(story):
    smb = summary(story, Filters(segment=("SMB",)), ComebackSettings())
    # SMB losses: A1 B1 D1 G1 H1/H2 (F1 has no account) -> 5 accounts; eligible A B G H;
    # came back A (its win A2 is Enterprise: filters do not apply to it) and G -> 2 of 4;
    # ever A D G -> 3 / 5
    assert (smb["lost_accounts"], smb["eligible"], smb["came_back"]) == (5, 4, 2)
    assert smb["ever_rate"] == 3 / 5
    ent = summary(story, Filters(segment=("Enterprise",)), ComebackSettings())
    # Enterprise losses: C1, E1, G2 -> G's anchor is G2 (2022-09-01) and G3 (2022-08-01) came
    # before it -> no comeback. came back: C -> 1 of 3; ever C, E -> 2 / 3
    assert (ent["lost_accounts"], ent["eligible"], ent["came_back"]) == (3, 3, 1)
    assert ent["ever_rate"] == 2 / 3
    window = summary(story, Filters(end=D(2023, 1, 31)), ComebackSettings())
    # losses up to 2023-01-31: A1, E1, G1, G2 -> A E G; A's win on 2023-04-20 lies outside the
    # date window and still counts -> came back A, G: 2 of 3
    assert (window["lost_accounts"], window["eligible"], window["came_back"]) == (3, 3, 2)


def test_accounts_spelled_differently_are_one_account(story):
    df = returned_accounts(story, Filters(), ComebackSettings())
    acme = df.set_index("account_key").loc["acme"]
    assert acme["account_name"] == "ACME, Inc."
    assert acme["comeback_account_name"] == "Acme Inc"
    assert (acme["lost_opportunity_id"], acme["comeback_opportunity_id"]) == ("A1", "A2")
    assert (acme["loss_reason"], acme["lost_to"]) == ("price", "Alpha")
    assert (acme["lost_amount"], acme["comeback_amount"], acme["days_to_comeback"]) == (
        1000.0, 1200.0, 100)
    assert acme["loss_date"] == pd.Timestamp("2023-01-10")
    assert acme["comeback_date"] == pd.Timestamp("2023-04-20")


def test_returned_accounts_order_columns_limit(story):
    df = returned_accounts(story, Filters(), ComebackSettings())
    assert list(df.columns) == [
        "account_key", "account_name", "lost_opportunity_id", "loss_date", "loss_reason",
        "lost_to", "lost_amount", "comeback_opportunity_id", "comeback_date", "comeback_amount",
        "comeback_account_name", "days_to_comeback"]
    # latest comeback first: C (2024-12-31), D, E, A, G
    assert list(df["account_key"]) == ["cask", "dune", "echo", "acme", "gale"]
    assert list(returned_accounts(story, Filters(), ComebackSettings(), limit=2)["account_key"]) == [
        "cask", "dune"]
    with pytest.raises(InvalidSettingError):
        returned_accounts(story, Filters(), ComebackSettings(), limit=-1)


def test_as_of_earlier_than_the_data(story):
    s = ComebackSettings(horizon_days=90, as_of=D(2023, 6, 1))
    got = summary(story, Filters(), s)
    # as_of only decides eligibility: every lost account counts (A B C D E G H), and so does
    # every comeback, even after as_of (A 100, C 365, D 30, E 516, G 52 days).
    # eligible (>= 90 days observed on 2023-06-01): A 142, B 92, E, G; not H (27), C, D -> 4
    # came back within 90 days: G -> 1; ever 5/7; median 30, 52, 100, 365, 516 -> 100
    assert got == {
        "as_of": "2023-06-01", "horizon_days": 90, "lost_accounts": 7, "eligible": 4,
        "came_back": 1, "comeback_rate": 1 / 4, "ever_rate": 5 / 7,
        "median_days_to_comeback": 100.0,
    }
    # eligibility moves with as_of: one day earlier B (91 days) is still eligible
    day_before = summary(story, Filters(), ComebackSettings(horizon_days=90, as_of=D(2023, 5, 31)))
    assert (day_before["eligible"], day_before["came_back"]) == (4, 1)
    assert day_before["ever_rate"] == 5 / 7
    # on the curve observation stops at as_of: E's win (2023-06-01) is an event on 2023-06-01
    # but censored at 515 days the day before
    km = curve(story, Filters(), ComebackSettings(as_of=D(2023, 5, 31)))
    assert 515 in set(km["time"]) and 516 not in set(km["time"])


def test_even_count_median():
    con = new_store()
    insert_deals(con, [
        lost("p1", "P", D(2023, 1, 1)), won("p2", "P", D(2023, 1, 11)),   # 10 days
        lost("q1", "Q", D(2023, 1, 1)), won("q2", "Q", D(2023, 1, 21)),   # 20 days
        lost("r1", "R", D(2023, 1, 1)), won("r2", "R", D(2023, 2, 10)),   # 40 days
        lost("s1", "S", D(2023, 1, 1)), won("s2", "S", D(2023, 4, 1)),    # 31 + 28 + 31 = 90 days
        lost("t1", "T", D(2023, 1, 1)),                                   # none
    ])
    got = summary(con.cursor(), Filters(), ComebackSettings())
    # median of 10, 20, 40, 90 = (20 + 40) / 2 = 30; as_of 2023-04-01 -> nobody eligible for 365
    assert got["median_days_to_comeback"] == 30.0
    assert (got["lost_accounts"], got["eligible"], got["came_back"]) == (5, 0, 0)
    assert got["comeback_rate"] is None and got["ever_rate"] == 4 / 5


def test_empty_store():
    cur = new_store().cursor()
    s = ComebackSettings()
    assert summary(cur, Filters(), s) == {
        "as_of": None, "horizon_days": 365, "lost_accounts": 0, "eligible": 0, "came_back": 0,
        "comeback_rate": None, "ever_rate": None, "median_days_to_comeback": None}
    assert len(curve(cur, Filters(), s)) == 1
    assert cohorts(cur, Filters(), s).empty
    assert breakdown(cur, Filters(), s, "category").empty
    assert returned_accounts(cur, Filters(), s).empty


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True, "365", None])
def test_bad_horizon(horizon):
    with pytest.raises(InvalidSettingError):
        ComebackSettings(horizon_days=horizon)


def test_settings_as_of_and_numpy_horizon():
    h = ComebackSettings(horizon_days=np.int64(90)).horizon_days
    assert h == 90 and type(h) is int  # stays JSON-serialisable
    assert ComebackSettings(as_of=datetime(2024, 5, 1, 13, 0)).as_of == D(2024, 5, 1)
    with pytest.raises(InvalidSettingError):
        ComebackSettings(as_of="2024-05-01")


def test_breakdown_by_competitor(story):
    df = breakdown(story, Filters(), ComebackSettings(), "competitor")
    assert list(df.columns) == ["value", "lost_accounts", "eligible", "came_back", "comeback_rate",
                                "low", "high", "small_sample", "ever_rate"]
    # anchors: A Alpha, B -, C Alpha, D Beta, E -, G Beta, H Beta (H1, not H2's Gamma)
    # Beta: D G H, eligible G H, came back G, ever D G; Alpha: A C, both eligible, both back;
    # (none): B E, eligible both, none back, ever E. Largest first, then by value.
    assert list(df["value"]) == ["Beta", "(none)", "Alpha"]
    rows = df.set_index("value")
    assert tuple(rows.loc["Beta", ["lost_accounts", "eligible", "came_back"]]) == (3, 2, 1)
    assert rows.loc["Beta", "comeback_rate"] == 1 / 2 and rows.loc["Beta", "ever_rate"] == 2 / 3
    assert tuple(rows.loc["Alpha", ["lost_accounts", "eligible", "came_back"]]) == (2, 2, 2)
    assert tuple(rows.loc["(none)", ["lost_accounts", "eligible", "came_back"]]) == (2, 2, 0)
    r = rate(1, 2)
    assert (rows.loc["Beta", "low"], rows.loc["Beta", "high"]) == (r.low, r.high)
    assert rows["small_sample"].all()


def test_breakdown_by_category_and_segment(story):
    df = breakdown(story, Filters(), ComebackSettings(), "category").set_index("value")
    # price anchors: A1 (Price too high), C1 (Too expensive), E1 (budget cut); back A, C
    assert tuple(df.loc["price", ["lost_accounts", "eligible", "came_back"]]) == (3, 3, 2)
    assert df.loc["price", "comeback_rate"] == 2 / 3 and df.loc["price", "ever_rate"] == 1.0
    # G's anchor G1 is timing (G2 was price), H's anchor H1 is relationship (H2 was price)
    assert df.loc["timing", "came_back"] == 1 and df.loc["relationship", "came_back"] == 0
    assert df["lost_accounts"].sum() == 7
    seg = breakdown(story, Filters(), ComebackSettings(), "segment").set_index("value")
    assert dict(seg["lost_accounts"]) == {"SMB": 5, "Enterprise": 2}  # A B D G H / C E


def test_breakdown_allow_list(story):
    assert "category" in BREAKDOWNS and "competitor" in BREAKDOWNS and "segment" in BREAKDOWNS
    for by in ("loss_reason; DROP TABLE opportunities", "amount", "account_key"):
        with pytest.raises(InvalidSettingError):
            breakdown(story, Filters(), ComebackSettings(), by)


def test_curve_by_hand(story):
    km = curve(story, Filters(), ComebackSettings())
    # per account (days, comeback?): D 30 y, G 52 y, A 100 y, C 365 y, E 516 y, H 606 n, B 671 n
    assert list(km["time"]) == [0, 30, 52, 100, 365, 516, 606, 671]
    assert list(km["at_risk"]) == [7, 7, 6, 5, 4, 3, 2, 1]
    # S: 6/7, 5/7, 4/7, 3/7, then 3/7 * 2/3 = 2/7 -> cumulative comeback 5/7 at the end
    np.testing.assert_allclose(
        km["comeback_prob"], [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 5 / 7, 5 / 7], atol=1e-12)
    np.testing.assert_allclose(km["comeback_low"], 1 - km["high"])
    np.testing.assert_allclose(km["comeback_high"], 1 - km["low"])
    kmf = KaplanMeierFitter().fit([30, 52, 100, 365, 516, 606, 671], [1, 1, 1, 1, 1, 0, 0])
    np.testing.assert_allclose(km["survival"], kmf.survival_function_.iloc[:, 0], atol=1e-12)
    np.testing.assert_allclose(km["low"], kmf.confidence_interval_.iloc[:, 0], atol=1e-10)
    np.testing.assert_allclose(km["high"], kmf.confidence_interval_.iloc[:, 1], atol=1e-10)


def test_cohorts_by_hand():
    con = new_store()
    insert_deals(con, [
        # 2023-Q1: P lost 01-31, back 02-28 = 01-31 + 1 calendar month (clamped) -> within 1;
        #          Q lost 03-15, back 05-16: not within 2 months (05-15), within 3 (06-15);
        #          R lost 02-01, never back.
        lost("p1", "P", D(2023, 1, 31)), won("p2", "P", D(2023, 2, 28)),
        lost("q1", "Q", D(2023, 3, 15)), won("q2", "Q", D(2023, 5, 16)),
        lost("r1", "R", D(2023, 2, 1)),
        # 2023-Q4: S lost 10-01, back 10-20
        lost("s1", "S", D(2023, 10, 1)), won("s2", "S", D(2023, 10, 20)),
    ])
    df = cohorts(con.cursor(), Filters(), ComebackSettings(as_of=D(2023, 12, 31)), max_months=12)
    assert list(df.columns) == ["cohort", "accounts", "months_since_loss", "came_back_cum", "share"]
    assert len(df) == 2 * 12
    q1 = df[df["cohort"] == pd.Timestamp("2023-01-01")].set_index("months_since_loss")
    assert (q1["accounts"] == 3).all()
    # observable while 2023-03-15 (latest loss) + m months <= 2023-12-31 -> m <= 9
    assert list(q1.loc[1:9, "came_back_cum"]) == [1, 1, 2, 2, 2, 2, 2, 2, 2]
    assert q1.loc[10:, "came_back_cum"].isna().all() and q1.loc[10:, "share"].isna().all()
    assert q1.loc[1, "share"] == 1 / 3 and q1.loc[3, "share"] == 2 / 3
    q4 = df[df["cohort"] == pd.Timestamp("2023-10-01")].set_index("months_since_loss")
    # 2023-10-01 + 2 months = 2023-12-01 <= as_of; + 3 months = 2024-01-01 > as_of
    assert list(q4.loc[1:2, "came_back_cum"]) == [1, 1]
    assert q4.loc[3:, "came_back_cum"].isna().all()
    with pytest.raises(InvalidSettingError):
        cohorts(con.cursor(), Filters(), ComebackSettings(), max_months=0)


# --------------------------------------------------------------------------- naive cross-check

SETTINGS = [
    ComebackSettings(),
    ComebackSettings(horizon_days=90),
    ComebackSettings(horizon_days=365, as_of=D(2023, 6, 30)),
    ComebackSettings(horizon_days=90, as_of=D(2024, 2, 29)),
    ComebackSettings(horizon_days=1, as_of=D(2026, 1, 1)),
]
FILTERS = [
    Filters(),
    Filters(segment=("SMB",)),
    Filters(start=D(2022, 9, 1), end=D(2023, 9, 30)),
    Filters(competitor=("Alpha", "Gamma"), region=("EMEA",)),
]


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 11])
def test_against_naive(seed):
    con = new_store()
    insert_deals(con, random_deals(seed))
    rows = naive.load(con)
    cur = con.cursor()
    for settings in SETTINGS:
        h, given = settings.horizon_days, settings.as_of
        for filters in FILTERS:
            want = naive.comeback_summary(rows, filters, h, given)
            assert summary(cur, filters, settings) == want

            for by in ("category", "competitor", "segment"):
                got = breakdown(cur, filters, settings, by)
                expected = naive.breakdown(rows, filters, h, by, given)
                assert {r["value"]: {"lost": r["lost_accounts"], "eligible": r["eligible"],
                                     "came_back": r["came_back"]}
                        for r in got.to_dict("records")} == {
                    v: {"lost": c["lost"], "eligible": c["eligible"], "came_back": c["came_back"]}
                    for v, c in expected.items()}
                for r in got.to_dict("records"):
                    c = expected[r["value"]]
                    assert r["ever_rate"] == c["returned"] / c["lost"]

            times, events = naive.durations(rows, filters, given)
            km = curve(cur, filters, settings)
            if times:
                kmf = KaplanMeierFitter().fit(times, events)
                assert list(km["time"]) == list(kmf.timeline)
                np.testing.assert_allclose(km["survival"], kmf.survival_function_.iloc[:, 0],
                                           atol=1e-12)
                ci = kmf.confidence_interval_
                np.testing.assert_allclose(km["low"], ci.iloc[:, 0], atol=1e-10)
                np.testing.assert_allclose(km["high"], ci.iloc[:, 1], atol=1e-10)

            grid = cohorts(cur, filters, settings, max_months=18)
            expected_cells = naive.cohorts(rows, filters, 18, given)
            assert len(grid) == len(expected_cells)
            for r in grid.to_dict("records"):
                accounts, n = expected_cells[(r["cohort"].date(), r["months_since_loss"])]
                assert r["accounts"] == accounts
                if n is None:
                    assert pd.isna(r["came_back_cum"]) and math.isnan(r["share"])
                else:
                    assert r["came_back_cum"] == n and r["share"] == n / accounts

            back = returned_accounts(cur, filters, settings, limit=10_000)
            day = naive.as_of(rows, given)
            anchors = naive.anchors(rows, filters, day)
            assert {(r["account_key"], r["lost_opportunity_id"], r["comeback_opportunity_id"],
                     r["days_to_comeback"]) for r in back.to_dict("records")} == {
                (k, a["anchor"]["opportunity_id"], a["comeback"]["opportunity_id"],
                 a["days_to_comeback"]) for k, a in anchors.items() if a["comeback"]}
