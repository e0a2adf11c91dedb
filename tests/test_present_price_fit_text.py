"""analytics.present.price_fit_text: which evidence the Price vs fit page asks for, and its texts."""

from __future__ import annotations

import pytest

from analytics.errors import InvalidSettingError
from analytics.present import price_fit_text


def evidence(fit: int, competitor: int, budget: int) -> dict[str, int]:
    return {"price_losses": 10, "fit_score": fit, "competitor_price": competitor, "budget": budget,
            "price_gap": min(competitor + budget, 10)}


@pytest.mark.parametrize(("fit", "competitor", "budget", "missing"), [
    (4, 3, 0, []),                        # a competitor price is enough to measure the gap
    (4, 0, 2, []),                        # and so is a budget
    (0, 3, 2, ["fit_score"]),
    (4, 0, 0, ["price"]),
    (0, 0, 0, ["fit_score", "price"]),
])
def test_missing_evidence(fit: int, competitor: int, budget: int, missing: list[str]) -> None:
    assert price_fit_text.missing_evidence(evidence(fit, competitor, budget)) == missing


def test_the_warning_names_the_columns_to_add() -> None:
    assert price_fit_text.evidence_warning(evidence(1, 1, 0)) is None
    both = price_fit_text.evidence_warning(evidence(0, 0, 0))
    assert both.startswith("This view needs more evidence. Add to your CRM export a **fit score**")
    assert "; and the **competitor's price**" in both and both.endswith(", then import it again.")
    only_price = price_fit_text.evidence_warning(evidence(3, 0, 0))
    assert "fit score" not in only_price and "*Customer Budget*" in only_price


def test_the_summary_counts_each_piece_of_evidence() -> None:
    assert price_fit_text.evidence_summary({"price_losses": 1200, "fit_score": 900, "competitor_price": 30,
                                            "budget": 0, "price_gap": 30}) == (
        "Of 1,200 price losses: 900 have a fit score, 30 a competitor price, 0 a budget; "
        "a price gap could be measured for 30.")


def test_settings_from_the_page_controls() -> None:
    settings = price_fit_text.settings_from_controls(60, 15, 2.0)
    assert (settings.fit_threshold, settings.tolerance, settings.bracket_factor) == (60.0, 0.15, 2.0)
    with pytest.raises(InvalidSettingError):
        price_fit_text.settings_from_controls(150, 10, 1.5)


def test_the_explanations_quote_the_thresholds() -> None:
    texts = price_fit_text.explain(70, 20, 1.5)
    assert list(texts) == ["wrong_customer", "easy_reason", "genuine_price", "unknown"]
    assert texts["wrong_customer"][0].startswith("Fit below 70, or we asked more than 1.5× their")
    assert "at most 20% above" in texts["easy_reason"][0]
    assert "more than 20% above" in texts["genuine_price"][0]
