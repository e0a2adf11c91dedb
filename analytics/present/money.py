"""Money symbols and notes from the currencies of the amounts in the database (no Streamlit).

>>> money_symbol(()), money_symbol(("USD",)), money_symbol(("EUR",)), money_symbol(("CHF",))
('$', '$', '€', 'CHF ')
>>> money_symbol(("EUR", "USD")), money_format("€")
('', '€%,.0f')
"""

from __future__ import annotations

from collections.abc import Sequence

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def money_symbol(codes: Sequence[str]) -> str:
    """``$`` when every amount with a known currency is in USD (or none says); ``€`` for EUR only;
    no symbol when the exports mix currencies (amounts are summed as exported)."""
    if not codes:
        return "$"
    if len(codes) == 1:
        return _SYMBOLS.get(codes[0], f"{codes[0]} ")
    return ""


def currency_note(codes: Sequence[str]) -> str | None:
    """A warning when the amounts mix currencies, else None."""
    if len(codes) > 1:
        return (f"Amounts mix currencies ({', '.join(codes)}) and are added up as exported, "
                "without conversion.")
    return None


def money_format(symbol: str) -> str:
    """A ``column_config.NumberColumn`` format for amounts: whole units, thousands separated."""
    return f"{symbol}%,.0f"
