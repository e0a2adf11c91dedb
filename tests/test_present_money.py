"""analytics.present.money: the symbol amounts are shown with, and the mixed-currency note."""

from __future__ import annotations

from analytics.present import money


def test_one_currency_gets_its_symbol() -> None:
    assert money.money_symbol(()) == "$"  # no export says: dollars
    assert money.money_symbol(("GBP",)) == "£"
    assert money.money_symbol(("SEK",)) == "SEK "  # an unknown code is written out


def test_mixed_currencies_get_no_symbol_and_a_note() -> None:
    assert money.money_symbol(("EUR", "USD")) == ""
    assert money.currency_note(("EUR", "USD")) == (
        "Amounts mix currencies (EUR, USD) and are added up as exported, without conversion.")
    assert money.currency_note(("EUR",)) is None


def test_the_column_format() -> None:
    assert money.money_format("$") == "$%,.0f"
    assert money.money_format("") == "%,.0f"


def test_mixed_currencies_with_a_choice_say_which_and_use_its_symbol() -> None:
    note = money.currency_note(("EUR", "USD", "(none)"), "EUR")
    assert note is not None and note.startswith("Amounts are EUR only")
    assert "no currency stated" in note
    assert money.chosen_symbol(("EUR", "USD"), "EUR") == "€"
    assert money.chosen_symbol(("EUR", "USD"), "(none)") == ""
    assert money.chosen_symbol(("USD",), None) == "$"
