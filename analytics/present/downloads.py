"""Downloads a person opens in a spreadsheet: the headers and values the page shows (labels, not
internal codes), every text cell formula-safe (:func:`analytics.safecsv.formula_safe`).

>>> frame = pd.DataFrame({"account_name": ["=Acme"], "category": ["product_fit"], "score": [1.5]})
>>> labelled_csv(frame, {"account_name": "Account", "category": "Loss reason", "score": "Score"},
...              categories=("category",)).decode().splitlines()
['Account,Loss reason,Score', "'=Acme,Product fit,1.5"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analytics.present.formatting import category_label, field_label
from analytics.present.tables import prettify_deals, safe_csv

#: The win-back list's columns as the Comebacks page labels them, in its order.
WINBACK_LABELS: dict[str, str] = {
    "account_name": "Account", "loss_date": "Lost on", "category": "Loss reason",
    "competitor": "Lost to", "lost_amount": "Lost amount", "days_since_loss": "Days since loss",
    "usual_days": "Usual days to come back", "reason_comeback_rate": "Reason's comeback rate",
    "score": "Score (amount × rate)", "lost_opportunity_id": "Lost deal ID",
}


def labelled_csv(df: pd.DataFrame, labels: Mapping[str, str], *,
                 categories: Sequence[str] = ()) -> bytes:
    """``df``'s ``labels`` columns, in that order, headed by their labels; the ``categories``
    columns' codes written as their labels; formula-safe."""
    out = df[list(labels)].copy()
    for column in categories:
        out[column] = out[column].map(category_label)
    return safe_csv(out.rename(columns=dict(labels)))


def deals_csv(df: pd.DataFrame) -> bytes:
    """A deal list (:data:`analytics.metrics.deals.DEAL_COLUMNS`) as the Deals page shows it:
    ``Deal ID``, ``Loss reason`` … as headers; outcomes, loss categories and price classes as
    their labels (``Product fit``, not ``product_fit``); formula-safe."""
    shown = prettify_deals(df)
    return safe_csv(shown.rename(columns={name: field_label(name) for name in shown.columns}))


def winback_csv(df: pd.DataFrame) -> bytes:
    """The win-back list as the page shows it."""
    return labelled_csv(df, WINBACK_LABELS, categories=("category",))
