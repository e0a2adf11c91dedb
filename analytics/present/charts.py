"""Plotly figures for the dashboard: titled, units on the axes, counts in the hover,
small samples drawn hollow. Pure functions of small engine frames (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.categories import CATEGORIES
from analytics.filters import BLANK_LABEL
from analytics.present.chart_style import PLOT_CONFIG as PLOT_CONFIG
from analytics.present.chart_style import SMALL_SAMPLE_NOTE as SMALL_SAMPLE_NOTE
from analytics.present.chart_style import error_arrays as _error_arrays
from analytics.present.chart_style import period_ticks as period_ticks
from analytics.present.chart_style import style as style
from analytics.present.chart_style import symbols as _symbols
from analytics.present.formatting import (
    ACCENT,
    CATEGORY_COLORS,
    MUTED,
    PRICE_CLASS_COLORS,
    PRICE_CLASS_LABELS,
    RATE_SCALE,
    WINRATE_SCALE,
    WON_COLOR,
    blank_as_text,
    category_label,
    fmt_pct,
    horizon_label,
    is_missing,
    period_label,
)
from analytics.present.trend_charts import SHARE_SMALL_NOTE as SHARE_SMALL_NOTE
from analytics.present.trend_charts import competitor_trend as competitor_trend
from analytics.present.trend_charts import share_over_time as share_over_time
from analytics.present.trend_charts import winrate_trend_figure as winrate_trend_figure


def category_bars(df: pd.DataFrame, title: str, *, value: str = "deals",
                  value_title: str = "Lost deals", money: str | None = None,
                  height: int | None = None) -> go.Figure:
    """Horizontal bars per loss category (largest on top), category colours, share in the hover."""
    df = df.iloc[::-1]
    labels = [category_label(c) for c in df["category"]]
    colors = [CATEGORY_COLORS.get(c, MUTED) for c in df["category"]]
    hover_value = f"{money}%{{x:,.0f}}" if money is not None else "%{x:,}"
    fig = go.Figure(go.Bar(
        x=df[value], y=labels, orientation="h", marker={"color": colors},
        customdata=list(zip(df["category"], df["share"], df["deals"], strict=True)),
        text=[fmt_pct(s, 0) for s in df["share"]], textposition="auto",
        hovertemplate=(f"<b>%{{y}}</b><br>{value_title}: {hover_value}<br>Share %{{customdata[1]:.1%}}"
                       "<br>%{customdata[2]} lost deals<extra></extra>"),
    ))
    style(fig, title, x=value_title, legend=False, height=height or max(240, 60 + 36 * len(df)))
    if money is not None:
        fig.update_xaxes(tickprefix=money, tickformat="~s")
    return fig


def pareto_figure(df: pd.DataFrame, measure: str, symbol: str) -> go.Figure:
    """Loss categories ranked (bars) with the cumulative share (line, right axis). Click a bar."""
    labels = [category_label(c) for c in df["category"]]
    is_amount = measure == "amount"
    value_title = f"Lost amount ({symbol or 'as exported'})" if is_amount else "Lost deals"
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=df["value"], name=value_title,
        marker={"color": [CATEGORY_COLORS.get(c, MUTED) for c in df["category"]]},
        customdata=list(zip(df["category"], df["deals"], df["amount"], df["share"], strict=True)),
        hovertemplate=("<b>%{x}</b><br>%{customdata[1]:,} lost deals<br>"
                       f"Lost amount {symbol}%{{customdata[2]:,.0f}}<br>"
                       "Share %{customdata[3]:.1%}<extra>Click to list the deals</extra>"),
    ))
    fig.add_trace(go.Scatter(
        x=labels, y=df["cumulative_share"], name="Cumulative share", yaxis="y2",
        mode="lines+markers", line={"color": "#1F2933", "width": 2}, marker={"size": 7},
        customdata=list(zip(df["category"], strict=True)),  # a click here drills down too
        hovertemplate="Cumulative %{y:.0%}<extra></extra>",
    ))
    style(fig, f"Why we lose — ranked by {'amount' if is_amount else 'deal count'}",
          x="Loss category", y=value_title, height=420)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "dtick": 0.2,
                              "tickformat": ".0%", "title": {"text": "Cumulative share (%)"},
                              "showgrid": False})
    if is_amount:
        fig.update_yaxes(tickprefix=symbol, tickformat="~s", selector={"title": {"text": value_title}})
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


def rate_dots(df: pd.DataFrame, label: str, title: str, *, value: str = "win_rate",
              value_title: str = "Win rate (%)", count: str = "closed", count_label: str = "closed",
              reference: float | None = None, reference_label: str = "Overall",
              successes: str = "won", success_label: str = "won") -> go.Figure:
    """One dot per group with its 95% interval as error bars; small samples hollow.

    ``df`` has ``label``, ``value``, ``low``, ``high``, ``small_sample`` and the count columns.
    Best rate on top. Click a dot: its label is the point's customdata.
    """
    df = df.sort_values(value, ascending=True, na_position="first")
    plus, minus = _error_arrays(df, value)
    small = df["small_sample"].fillna(True)
    names = [f"{blank_as_text(v)} (n<10)" if s else blank_as_text(v)
             for v, s in zip(df[label], small, strict=True)]
    fig = go.Figure(go.Scatter(
        x=df[value], y=names, mode="markers",
        marker={"size": 12, "color": ACCENT, "symbol": _symbols(small),
                "line": {"width": 2, "color": ACCENT}},
        error_x={"type": "data", "array": plus, "arrayminus": minus, "color": "#9DB4C7", "thickness": 2},
        customdata=list(zip(df[label], df[successes], df[count], df["low"].fillna(0),
                            df["high"].fillna(0), strict=True)),
        hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{value_title.replace(' (%)', '')} %{{x:.1%}}"
                       "<br>95% interval %{customdata[3]:.0%}–%{customdata[4]:.0%}"
                       f"<br>%{{customdata[1]}} {success_label} of %{{customdata[2]}} {count_label}"
                       "<extra></extra>"),
        name=value_title,
    ))
    if reference is not None:
        fig.add_vline(x=reference, line={"dash": "dash", "color": MUTED},
                      annotation_text=f"{reference_label} {fmt_pct(reference)}",
                      annotation_position="top")
    style(fig, title, x=value_title, legend=False, height=max(260, 90 + 34 * len(df)))
    fig.update_xaxes(tickformat=".0%", range=[0, 1], showgrid=True, gridcolor="#E3E7ED")
    fig.update_yaxes(showgrid=False)
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


def heatmap(pivot: pd.DataFrame, text: pd.DataFrame, title: str, *, x: str, y: str,
            colorbar: str, scale: Any = RATE_SCALE, hover_value: str = "%{z:.0%}",
            zmin: float = 0.0, zmax: float | None = 1.0, height: int | None = None) -> go.Figure:
    """A labelled heatmap: colour from ``pivot``, cell text from ``text`` (same shape)."""
    fig = go.Figure(go.Heatmap(
        z=pivot.values, x=[str(c) for c in pivot.columns], y=[str(i) for i in pivot.index],
        text=text.values, texttemplate="%{text}", textfont={"size": 11},
        colorscale=scale, zmin=zmin, zmax=zmax, xgap=2, ygap=2,
        colorbar={"title": {"text": colorbar}, "tickformat": ".0%"},
        hovertemplate=f"<b>%{{y}}</b> · %{{x}}<br>{hover_value}<br>%{{text}}<extra></extra>",
        hoverongaps=False,
    ))
    style(fig, title, x=x, y=y, legend=False, height=height or max(340, 150 + 34 * len(pivot)))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def reasons_heatmap(df: pd.DataFrame, dim_label: str, top: int = 12, *,
                    blank_row: bool = True) -> go.Figure:
    """Share of each loss category within each value of a dimension (rows: the top values);
    ``blank_row=False`` leaves out the deals with no value (e.g. no competitor named)."""
    values = [v for v in dict.fromkeys(df["value"]) if blank_row or v != BLANK_LABEL][:top]
    df = df[df["value"].isin(values)]
    cats = [c for c in CATEGORIES if c in set(df["category"])]
    share = df.pivot(index="value", columns="category", values="share_of_value").reindex(
        index=values, columns=cats)
    count = df.pivot(index="value", columns="category", values="deals").reindex(index=values, columns=cats)
    text = count.map(lambda n: "" if is_missing(n) else f"{int(n)}")
    share.columns = [category_label(c) for c in share.columns]
    text.columns = share.columns
    share.index = text.index = [f"(no {dim_label.lower()})" if v == BLANK_LABEL else v for v in values]
    fig = heatmap(share.fillna(0), text, f"Loss reasons by {dim_label.lower()} (share of each row's losses)",
                  x="Loss category", y=dim_label, colorbar="Share of row",
                  hover_value="%{z:.0%} of this row's lost deals")
    fig.update_traces(hovertemplate="<b>%{y}</b> · %{x}<br>%{z:.0%} of the row's lost deals"
                                    "<br>%{text} lost deals<extra></extra>", showscale=False)
    return fig


def price_fit_matrix(df: pd.DataFrame, fit_order: Sequence[str], gap_order: Sequence[str]) -> go.Figure:
    """Win rate of closed deals by fit band (rows, best fit on top, unknown last) × price-gap band."""
    known = [band for band in fit_order if band != "unknown"]
    rows = known[::-1] + [band for band in fit_order if band == "unknown"]
    rate = df.pivot(index="fit_band", columns="gap_band", values="win_rate").reindex(
        index=rows, columns=list(gap_order))
    closed = df.pivot(index="fit_band", columns="gap_band", values="closed").reindex(
        index=rows, columns=list(gap_order))
    small = df.pivot(index="fit_band", columns="gap_band", values="small_sample").reindex(
        index=rows, columns=list(gap_order))
    text = pd.DataFrame(
        [[("" if is_missing(r) else f"{fmt_pct(r, 0)}") + f"<br>{int(n)} deals"
          + (" · n<10" if (s and n) else "") if n else "no deals"
          for r, n, s in zip(rate.loc[i], closed.loc[i], small.loc[i], strict=True)]
         for i in rate.index],
        index=rate.index, columns=rate.columns)
    fig = heatmap(rate, text, "Win rate by fit and price gap", x="Price gap vs competitor / budget",
                  y="Fit score", colorbar="Win rate", scale=WINRATE_SCALE, height=380,
                  hover_value="Win rate %{z:.0%}")
    fig.update_traces(hovertemplate="<b>Fit %{y}</b> · gap %{x}<br>Win rate %{z:.1%}<br>%{text}"
                                    "<extra></extra>")
    return fig


def price_scatter(df: pd.DataFrame, fit_threshold: float, tolerance: float) -> go.Figure:
    """Price losses: price gap (x) vs fit score (y), coloured by class, thresholds drawn."""
    fig = go.Figure()
    for klass, label in PRICE_CLASS_LABELS.items():
        part = df[df["price_class"] == klass]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["price_gap"], y=part["fit_score"], mode="markers", name=label,
            marker={"size": 9, "color": PRICE_CLASS_COLORS[klass], "opacity": 0.8,
                    "line": {"width": 0.5, "color": "white"}},
            customdata=list(zip(part["account_name"].fillna("—"), part["amount"].fillna(0),
                                part["competitor"].fillna("—"), strict=True)),
            hovertemplate=("<b>%{customdata[0]}</b><br>Gap %{x:+.0%} · fit %{y:.0f}"
                           "<br>Amount %{customdata[1]:,.0f} · vs %{customdata[2]}"
                           f"<extra>{label}</extra>"),
        ))
    fig.add_hline(y=fit_threshold, line={"dash": "dash", "color": "#1F2933"},
                  annotation_text=f"Fit threshold {fit_threshold:g}", annotation_position="bottom right")
    fig.add_vline(x=tolerance, line={"dash": "dash", "color": "#1F2933"},
                  annotation_text=f"Tolerance {tolerance:.0%}", annotation_position="bottom right")
    fig.add_vline(x=0, line={"color": "#C9CED6", "width": 1})
    style(fig, "Price-cited losses: how far apart were we, and did they fit?",
          x="Price gap (% above competitor price or budget)", y="Fit score (0–100)", height=460)
    fig.update_xaxes(tickformat=".0%", zeroline=False, showgrid=True, gridcolor="#E3E7ED")
    fig.update_yaxes(range=[-2, 102])
    return fig


def plottable(losses: pd.DataFrame) -> pd.DataFrame:
    """The price losses that have both a price gap and a fit score (the scatter's points)."""
    return losses.dropna(subset=["price_gap", "fit_score"])


def km_figure(df: pd.DataFrame, horizon_days: int) -> go.Figure:
    """Kaplan–Meier: cumulative share of lost accounts that came back vs months since the loss."""
    months = df["time"] / 30.4375
    custom = list(zip(df["time"], df["at_risk"], df["comeback_low"], df["comeback_high"], strict=True))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=months, y=df["comeback_high"], mode="lines", line={"width": 0, "shape": "hv"},
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=months, y=df["comeback_low"], mode="lines", line={"width": 0, "shape": "hv"},
                             fill="tonexty", fillcolor="rgba(0, 158, 115, 0.18)", name="95% band",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=months, y=df["comeback_prob"], mode="lines", name="Came back (Kaplan–Meier)",
        line={"color": WON_COLOR, "width": 2.5, "shape": "hv"}, customdata=custom,
        hovertemplate=("%{x:.1f} months (%{customdata[0]:.0f} days) after the loss<br>"
                       "<b>%{y:.1%}</b> came back (95% band %{customdata[2]:.0%}–%{customdata[3]:.0%})"
                       "<br>%{customdata[1]} accounts still watched<extra></extra>"),
    ))
    fig.add_vline(x=horizon_days / 30.4375, line={"dash": "dash", "color": MUTED},
                  annotation_text=f"horizon: {horizon_label(horizon_days)}",
                  annotation_position="bottom right")
    style(fig, "How soon lost accounts come back", x="Months since the loss",
          y="Cumulative share that came back (%)", height=400)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(dtick=3, rangemode="tozero")
    return fig


def cohort_figure(df: pd.DataFrame) -> go.Figure:
    """Loss-quarter cohorts × months since loss: share that came back (blank = not yet known)."""
    labels = {c: f"{period_label(c, 'quarter')} ({int(n)})" for c, n in zip(df["cohort"], df["accounts"],
                                                                             strict=True)}
    share = df.pivot(index="cohort", columns="months_since_loss", values="share")
    came = df.pivot(index="cohort", columns="months_since_loss", values="came_back_cum")
    text = came.map(lambda v: "" if is_missing(v) else f"{int(v)}")
    share.index = [labels[c] for c in share.index]
    text.index = share.index
    fig = heatmap(share.astype(float), text,
                  "Comeback cohorts by quarter of the loss",
                  x="Months since the loss", y="Quarter of the loss (accounts)", colorbar="Came back",
                  zmax=None, height=max(320, 110 + 26 * len(share)))
    fig.update_traces(hovertemplate="<b>%{y}</b> · within %{x} months<br>%{z:.0%} came back"
                                    "<br>%{text} accounts<extra></extra>", texttemplate="")
    return fig


