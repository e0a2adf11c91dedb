"""Tables reshaped for display: deal lists, CSV downloads, import history (no Streamlit).

>>> table_height(0, 420), table_height(3, 420), table_height(100, 420)
(38, 143, 420)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from analytics.categories import CATEGORIES, CATEGORY_LABELS
from analytics.present.formatting import (
    DIALECT_LABELS,
    LOST_COLOR,
    OUTCOME_LABELS,
    PRICE_CLASS_LABELS,
    WON_COLOR,
    category_label,
    field_label,
    is_missing,
)
from analytics.safecsv import formula_safe

#: Pixels of a table's header and of each of its rows (Streamlit's default row height).
HEADER_PX = 38
ROW_PX = 35


def table_height(rows: int, most: int) -> int:
    """The height in pixels that shows ``rows`` rows without a scrollbar, capped at ``most``."""
    return min(HEADER_PX + ROW_PX * rows, most)


# --------------------------------------------------------------------------- deals


def labelled_categories(df: pd.DataFrame, column: str = "category") -> pd.DataFrame:
    """``df`` with category codes in ``column`` replaced by their labels."""
    if column not in df.columns:
        return df
    return df.assign(**{column: df[column].map(category_label)})


_GAP_BASIS_LABELS = {name: field_label(name) for name in ("competitor_price", "budget")}


def prettify_deals(df: pd.DataFrame) -> pd.DataFrame:
    """Codes → labels (outcome, loss category, price class, gap basis) for display."""
    out = df.copy()
    if "outcome" in out:
        out["outcome"] = out["outcome"].map(lambda v: OUTCOME_LABELS.get(v, v))
    if "loss_reason" in out:
        out["loss_reason"] = out["loss_reason"].map(lambda v: None if is_missing(v) else category_label(v))
    if "price_class" in out:
        out["price_class"] = out["price_class"].map(lambda v: PRICE_CLASS_LABELS.get(v, v))
    if "gap_basis" in out:
        out["gap_basis"] = out["gap_basis"].map(lambda v: _GAP_BASIS_LABELS.get(v, v))
    return out


def outcome_style(value: object) -> str:
    """The CSS of an outcome cell: won and lost in the colours of every chart."""
    color = {"Won": WON_COLOR, "Lost": LOST_COLOR}.get(str(value))
    return f"color: {color}; font-weight: 600" if color else ""


def safe_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV, text cells that a spreadsheet would run as formulas prefixed with ``'``."""
    return df.map(formula_safe).to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- loss categories

#: The editor's choice that drops a user's category and goes back to the keyword rules.
RULES_LABEL = "Automatic (keyword rules)"
CATEGORY_CHOICES: tuple[str, ...] = (*(CATEGORY_LABELS[c] for c in CATEGORIES), RULES_LABEL)


def reasons_editor_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The raw reasons (:func:`analytics.metrics.loss_reasons.raw_reasons`) for the category editor:
    a blank reason reads ``(blank)``, categories read as their labels."""
    return raw.assign(raw=raw["raw"].where(raw["raw"] != "", "(blank)"),
                      category=[category_label(c) for c in raw["category"]])


def category_changes(raws: Sequence[str], before: Sequence[str],
                     after: Sequence[str]) -> dict[str, str | None]:
    """The raw reasons whose category label the user changed → the new category code
    (``None`` for :data:`RULES_LABEL`), ready for :func:`analytics.categories.set_overrides`."""
    by_label = {CATEGORY_LABELS[c]: c for c in CATEGORIES}
    return {raw: None if new == RULES_LABEL else by_label[new]
            for raw, old, new in zip(raws, before, after, strict=True) if old != new}


# --------------------------------------------------------------------------- import history


def history_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Import history for display."""
    out = df[["import_id", "file_name", "dialect", "imported_at", "rows_read", "loaded", "updated",
              "unchanged", "duplicates", "rejected", "undone_at"]].copy()
    out["dialect"] = out["dialect"].map(lambda v: DIALECT_LABELS.get(v, v))
    out["status"] = ["Undone" if not is_missing(u) else "Active" for u in out["undone_at"]]
    return out


def freshness(df: pd.DataFrame, now: datetime) -> str:
    """``Last import 2 days ago (…)`` style text from the active imports, seen at ``now``."""
    if df.empty:
        return "No import yet"
    latest = pd.Timestamp(df["imported_at"].max()).to_pydatetime()
    age = now - latest
    if age < timedelta(minutes=2):
        when = "just now"
    elif age < timedelta(hours=2):
        when = f"{int(age.total_seconds() // 60)} minutes ago"
    elif age < timedelta(days=2):
        when = f"{int(age.total_seconds() // 3600)} hours ago"
    else:
        when = f"{age.days} days ago"
    return f"Last import {when} ({latest:%Y-%m-%d %H:%M})"
