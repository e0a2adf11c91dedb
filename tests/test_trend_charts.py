"""Issue 14: on trend charts small samples must not draw the eye — no line through periods with
fewer than 10 deals, shown apart and marked with their n, on every trend chart."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.metrics.stats import rate
from analytics.present import charts

PERIODS = [pd.Timestamp(date(2024, m, 1)) for m in (1, 4, 7, 10)]
WON_CLOSED = [(10, 20), (3, 3), (12, 30), (1, 4)]  # Q2 (3 of 3) and Q4 (1 of 4) are small


def _trend(extra: dict | None = None) -> pd.DataFrame:
    rows = []
    for period, (won, closed) in zip(PERIODS, WON_CLOSED, strict=True):
        r = rate(won, closed)
        rows.append({"period": period, "won": won, "lost": closed - won, "closed": closed,
                     "win_rate": r.value, "low": r.low, "high": r.high,
                     "small_sample": closed < 10, **(extra or {})})
    return pd.DataFrame(rows)


def _line_and_points(fig, line_name: str):
    line = next(t for t in fig.data if t.name == line_name)
    apart = [t for t in fig.data if t.mode == "markers+text"]
    return line, apart


def test_win_rate_line_skips_small_periods_shown_apart_with_n() -> None:
    fig = charts.winrate_trend_figure(_trend(), "quarter")
    line, apart = _line_and_points(fig, "Win rate")
    assert list(line.y) == [0.5, None, 0.4, None]  # 10/20 and 12/30 only
    assert line.connectgaps is False
    assert len(apart) == 1
    assert list(apart[0].y) == [None, 1.0, None, 0.25]  # 3/3 and 1/4, hollow, not joined
    assert apart[0].marker.symbol == "circle-open"
    assert list(apart[0].text) == ["", "n=3", "", "n=4"]


def test_competitor_trend_skips_small_periods_too() -> None:
    fig = charts.competitor_trend(_trend({"competitor": "Qlik"}), "quarter", ["Qlik"])
    line, apart = _line_and_points(fig, "Qlik")
    assert list(line.y) == [0.5, None, 0.4, None]
    assert list(apart[0].text) == ["", "n=3", "", "n=4"]


def test_share_of_losses_marks_bars_from_few_lost_deals() -> None:
    # Q1: 8 price + 4 timing = 12 lost; Q2: 2 price = 2 lost (a "100%" bar from 2 deals).
    df = pd.DataFrame({"period": [PERIODS[0], PERIODS[0], PERIODS[1]],
                       "category": ["price", "timing", "price"], "deals": [8, 4, 2],
                       "share": [8 / 12, 4 / 12, 1.0]})
    fig = charts.share_over_time(df, "quarter")
    price = next(t for t in fig.data if t.name.lower().startswith("price"))
    assert list(price.marker.opacity) == [1, 0.35]
    assert list(price.marker.pattern.shape) == ["", "/"]
    assert [a.text for a in fig.layout.annotations] == ["n=2"]


def test_toolbar_runs_down_the_right_edge_not_over_the_title() -> None:
    fig = charts.winrate_trend_figure(_trend(), "quarter")
    assert fig.layout.modebar.orientation == "v"
    assert fig.layout.title.x == 0
