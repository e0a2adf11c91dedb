"""Everything the Price vs fit page shows, in one engine call.

The page shows the class counts, the scatter of price losses and a list per class: six reads of
the same classified price losses (:func:`analytics.metrics.price_fit.price_losses`), each a scan
of every deal. Here the price losses are classified once
(:func:`~analytics.metrics.price_fit.shared_losses`) and every result read from them; the
numbers are those of the functions named in :class:`PriceFitView`.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id outcome loss_reason amount budget fit_score", [
...     ("a", "lost", "price", 100, 50, 80), ("b", "lost", "price", 100, 95, 80),
...     ("c", "won", None, 100, 100, 90)])
>>> view = price_fit_view(cur, Filters(), PriceFitSettings())
>>> view.counts == class_counts(cur, Filters(), PriceFitSettings())
True
>>> {k: v["opportunity_id"].tolist() for k, v in view.by_class.items() if len(v)}
{'wrong_customer': ['a'], 'easy_reason': ['b']}
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.filters import Filters
from analytics.metrics.price_fit import (
    PRICE_CLASSES,
    PriceFitSettings,
    class_counts,
    evidence,
    matrix,
    price_losses,
    shared_losses,
)


@dataclass(frozen=True)
class PriceFitView:
    """:func:`~analytics.metrics.price_fit.evidence`, ``class_counts``, ``matrix``,
    ``price_losses`` (all classes) and ``price_losses`` of each class (``by_class``)."""

    evidence: dict[str, int]
    counts: dict[str, int | float | None]
    matrix: pd.DataFrame
    losses: pd.DataFrame
    by_class: dict[str, pd.DataFrame]


def price_fit_view(cur: duckdb.DuckDBPyConnection, filters: Filters, settings: PriceFitSettings,
                   ) -> PriceFitView:
    """Every price-vs-fit result of the page over ``filters``, the price losses classified once."""
    with shared_losses(cur, filters, settings):
        return PriceFitView(
            evidence=evidence(cur, filters),
            counts=class_counts(cur, filters, settings),
            matrix=matrix(cur, filters, settings),
            losses=price_losses(cur, filters, settings),
            by_class={k: price_losses(cur, filters, settings, price_class=k) for k in PRICE_CLASSES},
        )
