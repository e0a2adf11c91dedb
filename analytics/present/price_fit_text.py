"""The Price vs fit page's words: which evidence is missing, what each class means and what to
do about it (no Streamlit).

>>> missing_evidence({"price_losses": 4, "fit_score": 0, "competitor_price": 2, "budget": 0})
['fit_score']
>>> missing_evidence({"price_losses": 4, "fit_score": 3, "competitor_price": 0, "budget": 0})
['price']
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analytics.metrics.price_fit import PriceFitSettings

#: What each missing piece of evidence is for, and the export columns that would give it.
_UNLOCKS = {
    "fit_score": "a **fit score** (a column such as *Fit Score*, *ICP Score* or *Requirements Met %*) "
                 "to tell the wrong customer from a real price problem",
    "price": "the **competitor's price** (*Competitor Price*, *Competitor Quote*) or the "
             "customer's **budget** (*Budget*, *Customer Budget*) to measure the price gap",
}


def settings_from_controls(fit_threshold: float, tolerance_pct: float,
                           bracket_factor: float) -> PriceFitSettings:
    """The page's controls (tolerance in percent) as :class:`PriceFitSettings` (raises
    :class:`~analytics.errors.InvalidSettingError` for a value out of range)."""
    return PriceFitSettings(fit_threshold=float(fit_threshold), tolerance=float(tolerance_pct) / 100,
                            bracket_factor=float(bracket_factor))


def missing_evidence(evidence: Mapping[str, int]) -> list[str]:
    """The evidence no price loss carries (``evidence`` as :func:`analytics.metrics.price_fit.evidence`):
    ``fit_score`` when none has a fit score, ``price`` when none has a competitor price nor a budget."""
    missing = []
    if evidence["fit_score"] == 0:
        missing.append("fit_score")
    if evidence["competitor_price"] == 0 and evidence["budget"] == 0:
        missing.append("price")
    return missing


def evidence_warning(evidence: Mapping[str, int]) -> str | None:
    """The columns to add to the CRM export to unlock the view, or None when nothing is missing."""
    missing = missing_evidence(evidence)
    if not missing:
        return None
    return ("This view needs more evidence. Add to your CRM export "
            + "; and ".join(_UNLOCKS[m] for m in missing) + ", then import it again.")


def evidence_summary(evidence: Mapping[str, int]) -> str:
    """How many of the price losses carry each piece of evidence."""
    return (f"Of {evidence['price_losses']:,} price losses: {evidence['fit_score']:,} have a fit score, "
            f"{evidence['competitor_price']:,} a competitor price, {evidence['budget']:,} a budget; "
            f"a price gap could be measured for {evidence['price_gap']:,}.")


def explain(fit_threshold: float, tolerance_pct: float, bracket_factor: float) -> dict[str, tuple[str, str]]:
    """Price class → (what it means with these thresholds, what to do about it)."""
    return {
        "wrong_customer": (
            f"Fit below {fit_threshold}, or we asked more than {bracket_factor:g}× their stated budget. "
            "They named price, but they were never a customer for our price bracket.",
            "Qualify out earlier: tighten the ideal-customer criteria and ask for budget at discovery."),
        "easy_reason": (
            f"A good fit, and we were at most {tolerance_pct}% above the alternative (or cheaper). Price "
            "was the polite reason; the real one is elsewhere.",
            "Dig deeper: run loss interviews on these deals — value story, champion, timing or "
            "relationship."),
        "genuine_price": (
            f"A good fit, but we were more than {tolerance_pct}% above the competitor's price or the budget.",
            "A pricing and packaging question: an entry tier, discount guidance or multi-year terms."),
        "unknown": (
            "The fit score, or a price to compare with, is missing, so the evidence cannot decide.",
            "Record fit and the competitor's price or budget in the CRM to classify these."),
    }


#: The per-class deal table: the evidence that decides the class first, then who.
CLASS_TABLE_COLUMNS = ["fit_score", "price_gap", "gap_basis", "amount", "competitor_price", "budget",
                       "missing_evidence", "account_name", "competitor", "close_date", "owner",
                       "opportunity_name"]


def _missing(fit_score: object, amount: object, competitor_price: object, budget: object) -> str | None:
    """Why a price loss lacks evidence: ``no fit score``, ``no competitor price or budget``, ``no amount``."""
    def known(value: object) -> bool:
        return value is not None and not pd.isna(value)

    reasons = []
    if not known(fit_score):
        reasons.append("no fit score")
    if not any(known(v) and float(v) > 0 for v in (competitor_price, budget)):
        reasons.append("no competitor price or budget")
    if not known(amount):
        reasons.append("no amount")
    return ", ".join(reasons) or None


def with_missing_evidence(rows: pd.DataFrame) -> pd.DataFrame:
    """Price losses with a ``missing_evidence`` column saying why a blank is blank.

    >>> df = pd.DataFrame({"fit_score": [None, 80.0], "amount": [100.0, 90.0],
    ...                    "competitor_price": [None, 100.0], "budget": [None, None]})
    >>> with_missing_evidence(df)["missing_evidence"].tolist()
    ['no fit score, no competitor price or budget', None]
    """
    reasons = [_missing(*values) for values in
               rows[["fit_score", "amount", "competitor_price", "budget"]].itertuples(index=False)]
    return rows.assign(missing_evidence=pd.Series(reasons, index=rows.index, dtype=object))
