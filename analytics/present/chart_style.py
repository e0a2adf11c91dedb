"""The look every chart shares (title, margins, grid, toolbar) and the small helpers of the
figures in :mod:`analytics.present.charts` and :mod:`analytics.present.trend_charts`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def style(fig: go.Figure, title: str, *, x: str | None = None, y: str | None = None,
          height: int = 380, legend: bool = True) -> go.Figure:
    """Shared look: title, axis titles with units, quiet grid, compact margins."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        margin={"l": 10, "r": 10, "t": 56, "b": 10},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        modebar={"orientation": "v"},  # down the right edge: never over the title or the legend
        hoverlabel={"align": "left"},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#E3E7ED", zeroline=False)
    return fig


SMALL_SAMPLE_NOTE = ("Hollow markers and \"n<10\": fewer than 10 closed deals, so the rate can swing "
                     "a lot — read with care. Lines join only the periods with 10 or more.")


def error_arrays(df: pd.DataFrame, value: str = "win_rate") -> tuple[list[float], list[float]]:
    """Distances from the value to the top / bottom of its 95% interval, for error bars."""
    plus = (df["high"] - df[value]).clip(lower=0).fillna(0).tolist()
    minus = (df[value] - df["low"]).clip(lower=0).fillna(0).tolist()
    return plus, minus


def symbols(small: pd.Series) -> list[str]:
    return ["circle-open" if s else "circle" for s in small.fillna(True)]


def period_ticks(fig: go.Figure, periods: pd.Series, labels: Sequence[str], most: int = 14) -> None:
    """Label a date axis with the periods' own names (``Q2 2024``), thinned to at most ``most``."""
    if len(periods) == 0:
        return
    step = max(1, math.ceil(len(periods) / most))
    fig.update_xaxes(tickvals=list(periods)[::step], ticktext=list(labels)[::step])
