"""What the buyer said, made readable: the stated-reason × notes matrix, the distinctive phrases,
the notes tables and the words around them (plotly figures and plain text; no Streamlit).

>>> said_label("unclear"), said_label("product_fit")
('Unclear (no keyword)', 'Product fit')
>>> cell_key("price", "timing"), split_cell_key("price|timing")
('price|timing', ('price', 'timing'))
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.categories import CATEGORIES
from analytics.metrics.notes import SAID, UNCLEAR, NotesHeadline
from analytics.present.charts import style
from analytics.present.formatting import ACCENT, MUTED, RATE_SCALE, category_label, fmt_count, fmt_pct

#: Where each CRM keeps the notes Debrief reads as ``loss_notes`` (METRICS.md §1).
NOTES_FIELDS: tuple[tuple[str, str], ...] = (
    ("Salesforce", "\"Close Notes\", \"Closed Lost Notes\" or \"Loss Notes\" on the opportunity report"),
    ("HubSpot", "\"Closed Lost Notes\" (or your own notes property) in the deals export"),
    ("Pipedrive", "\"Lost reason notes\" (Deal - Lost reason notes) in the deals export"),
)


def said_label(said: str) -> str:
    """A matrix column's label: a category's label, or the unclear column's."""
    return "Unclear (no keyword)" if said == UNCLEAR else category_label(said)


def cell_key(stated: str, said: str) -> str:
    """The value a matrix cell carries when clicked (category codes hold no ``|``)."""
    return f"{stated}|{said}"


def split_cell_key(key: str) -> tuple[str, str]:
    stated, _, said = key.partition("|")
    return stated, said


def cell_title(key: str) -> str:
    """``Stated Price · the notes say Timing``: the heading of a cell's drill-down."""
    stated, said = split_cell_key(key)
    if said == UNCLEAR:
        return f"Stated {category_label(stated)} · the notes name no reason"
    return f"Stated {category_label(stated)} · the notes say {said_label(said)}"


def agreement_caption(head: NotesHeadline) -> str:
    """The words under the agreement rate: its interval and the counts it is over."""
    r = head.agreement
    interval = (f"95% interval {fmt_pct(r.low, 0)}–{fmt_pct(r.high, 0)} · " if r.value is not None else "")
    small = " · small sample, read with care" if r.small_sample and r.trials else ""
    return (f"{interval}{fmt_count(head.agree)} of {fmt_count(head.with_notes)} lost deals with notes "
            f"name the stated reason{small}. {fmt_count(head.with_notes)} of {fmt_count(head.lost)} "
            "lost deals have notes.")


def matrix_figure(df: pd.DataFrame) -> go.Figure:
    """Stated reason (rows) × what the notes say (columns): each tile's number is the deals, its
    colour the share of the row's deals with notes. Click a tile to list its deals."""
    rows = [c for c in CATEGORIES if c in set(df["stated"])]
    cells = df[df["deals"] > 0]
    fig = go.Figure(go.Scatter(
        x=[said_label(s) for s in cells["said"]], y=[category_label(s) for s in cells["stated"]],
        mode="markers+text", text=[fmt_count(n) for n in cells["deals"]],
        textfont={"size": 13, "color": [("white" if s >= 0.5 else "#1F2933") for s in cells["share"]]},
        marker={"symbol": "square", "size": 46, "color": cells["share"], "colorscale": RATE_SCALE,
                "cmin": 0, "cmax": 1, "line": {"width": 1, "color": "#C9D3DF"},
                "colorbar": {"title": {"text": "Share of row"}, "tickformat": ".0%"}},
        customdata=list(zip([cell_key(a, b) for a, b in zip(cells["stated"], cells["said"], strict=True)],
                            cells["row_deals"], cells["share"], strict=True)),
        hovertemplate=("<b>Stated: %{y}</b><br>The notes say: %{x}<br>%{text} of %{customdata[1]} "
                       "deals (%{customdata[2]:.0%})<extra>Click to list the deals</extra>"),
    ))
    if rows:  # every column shown, even one no note names (an invisible point holds its place)
        fig.add_trace(go.Scatter(x=[said_label(s) for s in SAID], y=[category_label(rows[0])] * len(SAID),
                                 mode="markers", marker={"opacity": 0}, hoverinfo="skip",
                                 showlegend=False))
    style(fig, "What the seller picked × what the notes say", x="What the notes say",
          y="Reason the seller picked", legend=False, height=max(300, 130 + 56 * len(rows)))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[said_label(s) for s in SAID],
                     side="top", title_standoff=4)
    fig.update_yaxes(type="category", categoryorder="array",
                     categoryarray=[category_label(s) for s in reversed(rows)], showgrid=False)
    fig.update_layout(clickmode="event+select", dragmode=False, margin={"t": 110})
    return fig


def phrases_figure(df: pd.DataFrame, stated: str) -> go.Figure:
    """One stated reason's distinctive phrases: the share of its notes using each (bars) next to
    the share of the other reasons' notes (thin bars). Click a phrase to list its deals."""
    df = df.iloc[::-1]  # best on top
    custom = list(zip(df["phrase"], df["deals"], df["reason_deals"], df["other_deals"], strict=True))
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=df["phrase"], x=df["share"], orientation="h", name=f"{category_label(stated)} losses",
        marker={"color": ACCENT}, customdata=custom, text=[fmt_pct(s, 0) for s in df["share"]],
        textposition="auto",
        hovertemplate=("<b>%{y}</b><br>In %{customdata[1]} of %{customdata[2]} notes of this reason "
                       "(%{x:.0%})<extra>Click to list the deals</extra>"),
    ))
    fig.add_trace(go.Bar(
        y=df["phrase"], x=df["other_share"].fillna(0), orientation="h", name="Other reasons",
        marker={"color": MUTED}, customdata=custom, width=0.25,
        hovertemplate="<b>%{y}</b><br>In %{customdata[3]} notes of other reasons (%{x:.0%})<extra></extra>",
    ))
    style(fig, f"Words that set apart the \"{category_label(stated)}\" notes",
          x="Share of the notes that use it (%)", height=max(260, 110 + 34 * len(df)))
    fig.update_layout(barmode="group", bargap=0.25, clickmode="event+select", dragmode=False)
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(type="category", showgrid=False)
    return fig


def notes_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Per-deal notes (:func:`analytics.metrics.notes.per_deal`) for a table: the stated reason and
    what the notes say as labels; the notes and raw reason kept as written (shown as text)."""
    return df.assign(
        stated=[category_label(s) for s in df["stated"]],
        notes_say=[", ".join(said_label(c) for c in cats) or said_label(UNCLEAR)
                   for cats in df["notes_categories"]],
    )


def cell_options(df: pd.DataFrame) -> list[str]:
    """The keys of the matrix tiles that hold deals, row by row (the drill-down's choices)."""
    cells = df[df["deals"] > 0]
    return [cell_key(a, b) for a, b in zip(cells["stated"], cells["said"], strict=True)]


def phrase_reasons(df: pd.DataFrame) -> list[str]:
    """The stated reasons that have distinctive phrases, in the engine's order."""
    return list(dict.fromkeys(df["stated"]))


def phrases_of(df: pd.DataFrame, stated: str) -> pd.DataFrame:
    return df[df["stated"] == stated]
