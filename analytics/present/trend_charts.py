"""Trend figures (a rate or a share per close-date period). Small samples never draw the eye:
a line joins only the periods with 10 or more deals, the others are hollow markers apart with
their ``n=``, and a 100% bar from fewer than 10 lost deals is faded and hatched."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.categories import CATEGORIES
from analytics.metrics.stats import SMALL_SAMPLE
from analytics.present.chart_style import period_ticks, style
from analytics.present.formatting import (
    ACCENT,
    BAND_FILL,
    CATEGORY_COLORS,
    MUTED,
    category_label,
    period_label,
)
from analytics.present.text import plot_escape

#: The caption of :func:`share_over_time`.
SHARE_SMALL_NOTE = ("Faded, hatched bars with \"n=\" above: fewer than 10 lost deals in the period, "
                    "so one or two deals make up the whole bar — read with care.")


def _split_small(values: pd.Series, small: pd.Series) -> tuple[list[object], list[object]]:
    """``values`` split in two aligned lists: the adequate points (None where small) — the line
    is drawn through these only — and the small ones (None where adequate), drawn apart."""
    flags = small.fillna(True).tolist()
    adequate = [None if s else v for v, s in zip(values.tolist(), flags, strict=True)]
    few = [v if s else None for v, s in zip(values.tolist(), flags, strict=True)]
    return adequate, few


def _small_points(x: pd.Series, y: list[object], n: pd.Series, color: str, *, name: str,
                  group: str | None = None, legend: bool = True, custom: object = None,
                  hover: str | None = None) -> go.Scatter:
    """The small-sample points of a trend: hollow markers labelled ``n=3``, joined by no line."""
    return go.Scatter(
        x=x, y=y, mode="markers+text", name=name, legendgroup=group, showlegend=legend,
        marker={"size": 9, "symbol": "circle-open", "color": color, "line": {"width": 2, "color": color}},
        text=[f"n={int(k)}" if v is not None else "" for k, v in zip(n, y, strict=True)],
        textposition="top center", textfont={"size": 10, "color": MUTED},
        customdata=custom, hovertemplate=hover, connectgaps=False)


def winrate_trend_figure(df: pd.DataFrame, grain: str, title: str = "Win rate over time") -> go.Figure:
    """Win rate per period with its 95% Wilson band; small samples drawn hollow."""
    labels = [period_label(p, grain) for p in df["period"]]
    custom = list(zip(labels, df["won"], df["closed"], df["low"].fillna(0), df["high"].fillna(0),
                      strict=True))
    hover = ("<b>%{customdata[0]}</b><br>Win rate %{y:.1%}"
             "<br>95% interval %{customdata[3]:.0%}–%{customdata[4]:.0%}"
             "<br>%{customdata[1]} won of %{customdata[2]} closed<extra></extra>")
    rate, few = _split_small(df["win_rate"], df["small_sample"])
    high, _ = _split_small(df["high"], df["small_sample"])
    low, _ = _split_small(df["low"], df["small_sample"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=df["period"], y=high, mode="lines", line={"width": 0},
                             hoverinfo="skip", showlegend=False, connectgaps=False))
    fig.add_trace(go.Scatter(x=df["period"], y=low, mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=BAND_FILL, name="95% interval",
                             hoverinfo="skip", connectgaps=False))
    fig.add_trace(go.Scatter(
        x=df["period"], y=rate, mode="lines+markers", name="Win rate", connectgaps=False,
        line={"color": ACCENT, "width": 2.5},
        marker={"size": 9, "symbol": "circle", "color": ACCENT, "line": {"width": 2, "color": ACCENT}},
        customdata=custom, hovertemplate=hover,
    ))
    if any(v is not None for v in few):
        fig.add_trace(_small_points(df["period"], few, df["closed"], ACCENT,
                                    name="Fewer than 10 closed (not joined)", custom=custom,
                                    hover=hover))
    style(fig, title, x="Close date", y="Win rate (%)")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    period_ticks(fig, df["period"], labels)
    return fig


def share_over_time(df: pd.DataFrame, grain: str) -> go.Figure:
    """Stacked 100% bars: each period's lost deals split by category. A period with fewer than
    10 lost deals is faded and hatched, with its ``n=`` above the bar."""
    fig = go.Figure()
    totals = df.groupby("period")["deals"].sum()
    for category in CATEGORIES:
        part = df[df["category"] == category]
        if part.empty:
            continue
        small = [totals[p] < SMALL_SAMPLE for p in part["period"]]
        fig.add_trace(go.Bar(
            x=[period_label(p, grain) for p in part["period"]], y=part["share"],
            name=category_label(category),
            marker={"color": CATEGORY_COLORS[category], "opacity": [0.35 if s else 1 for s in small],
                    "pattern": {"shape": ["/" if s else "" for s in small]}},
            customdata=part["deals"],
            hovertemplate=(f"<b>{category_label(category)}</b> · %{{x}}<br>%{{y:.0%}} of the period's "
                           "losses<br>%{customdata} lost deals<extra></extra>"),
        ))
    order = list(dict.fromkeys(period_label(p, grain) for p in df["period"]))
    style(fig, "Share of losses by reason over time", x="Close date", y="Share of lost deals (%)",
          height=420)
    fig.update_layout(barmode="stack", bargap=0.15, legend={"traceorder": "normal"})
    for period, n in totals.items():
        if n < SMALL_SAMPLE:
            fig.add_annotation(x=period_label(period, grain), y=1, text=f"n={int(n)}", showarrow=False,
                               yanchor="bottom", font={"size": 10, "color": MUTED})
    fig.update_yaxes(tickformat=".0%", range=[0, 1.08], tickvals=[0, 0.25, 0.5, 0.75, 1])
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    return fig


def competitor_trend(df: pd.DataFrame, grain: str, names: Sequence[str]) -> go.Figure:
    """Head-to-head win rate per period, one line per competitor; small samples hollow."""
    palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#F0E442"]
    fig = go.Figure()
    for i, name in enumerate(names):
        part = df[df["competitor"] == name]
        if part.empty:
            continue
        color = palette[i % len(palette)]
        custom = list(zip([period_label(p, grain) for p in part["period"]], part["won"],
                          part["closed"], strict=True))
        hover = (f"<b>vs {plot_escape(name)}</b> · %{{customdata[0]}}<br>Win rate %{{y:.1%}}"
                 "<br>%{customdata[1]} won of %{customdata[2]} closed<extra></extra>")
        rate, few = _split_small(part["win_rate"], part["small_sample"])
        fig.add_trace(go.Scatter(
            x=part["period"], y=rate, mode="lines+markers", name=str(name), legendgroup=str(name),
            line={"color": color, "width": 2}, connectgaps=False,
            marker={"size": 8, "symbol": "circle", "color": color, "line": {"width": 2, "color": color}},
            customdata=custom, hovertemplate=hover,
        ))
        if any(v is not None for v in few):
            fig.add_trace(_small_points(part["period"], few, part["closed"], color,
                                        name=f"{name}: n<10", group=str(name), legend=False,
                                        custom=custom, hover=hover))
    style(fig, "Head-to-head win rate over time", x="Close date", y="Win rate (%)", height=400)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    periods = sorted(set(df["period"]))
    period_ticks(fig, pd.Series(periods), [period_label(p, grain) for p in periods])
    return fig
