"""The headline numbers of METRICS.md §9, as one JSON-ready dict.

Every key the contract lists is present; rates are unrounded fractions, or
None when their denominator is 0.
"""

from __future__ import annotations

from typing import Any

import duckdb

from analytics.filters import Filters
from analytics.metrics import comebacks, competitors, loss_reasons, notes, price_fit, winrates


def summary(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, *,
            price_settings: price_fit.PriceFitSettings | None = None,
            comeback_settings: comebacks.ComebackSettings | None = None) -> dict[str, Any]:
    """The §9 summary object over the deals passing ``filters`` (default: all)."""
    filters = filters or Filters()
    return {
        **winrates.headline(cur, filters).as_summary(),
        "loss_reasons": loss_reasons.counts(cur, filters),
        "competitors": competitors.as_dict(cur, filters),
        "price_fit": price_fit.class_counts(cur, filters, price_settings or price_fit.PriceFitSettings()),
        "comebacks": comebacks.summary(cur, filters,
                                       comeback_settings or comebacks.ComebackSettings()),
        "notes": notes.counts(cur, filters),
    }
