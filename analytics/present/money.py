"""Money symbols and notes from the currencies of the amounts in the database (no Streamlit).

>>> money_symbol(()), money_symbol(("USD",)), money_symbol(("EUR",)), money_symbol(("CHF",))
('$', '$', '€', 'CHF ')
>>> money_symbol(("EUR", "USD")), money_format("€")
('', '€%,.0f')
>>> money_symbol(("![x](http://h/x)",)), money_symbol(("%d",))  # not a code: no symbol
('', '')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics.filters import BLANK_LABEL

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}
#: A currency code shown as the prefix of amounts (metric values and chart ticks render markup,
#: number formats read ``%``): letters only, as ISO 4217 codes are.
_CODE = re.compile(r"[A-Za-z]{2,5}")


def money_symbol(codes: Sequence[str]) -> str:
    """``$`` when every amount with a known currency is in USD (or none says); ``€`` for EUR only;
    no symbol when the exports mix currencies (amounts are summed as exported), or for a code
    that is not letters (it comes from the data)."""
    if not codes:
        return "$"
    if len(codes) == 1:
        code = codes[0]
        return _SYMBOLS.get(code) or (f"{code} " if _CODE.fullmatch(code) else "")
    return ""


def currency_note(codes: Sequence[str], chosen: str | None = None) -> str | None:
    """What amount figures cover when the deals mix currencies (``chosen``: the one shown), else None."""
    if len(codes) <= 1:
        return None
    if chosen is None:
        return (f"Amounts mix currencies ({', '.join(codes)}) and are added up as exported, "
                "without conversion.")
    return (f"Amounts are {currency_label(chosen)} only: the deals mix currencies "
            f"({', '.join(currency_label(c) for c in codes)}) and amounts are never added across them. "
            "Counts and win rates cover every deal.")


def currency_label(code: str) -> str:
    """A currency choice as the sidebar shows it (``(none)``: deals whose export named no currency).

    >>> currency_label("EUR"), currency_label("(none)")
    ('EUR', 'no currency stated')
    """
    return "no currency stated" if code == BLANK_LABEL else code


def chosen_symbol(codes: Sequence[str], chosen: str | None) -> str:
    """The symbol of amount figures: the chosen currency's on mixed data, else :func:`money_symbol`."""
    if chosen is None:
        return money_symbol(codes)
    return "" if chosen == BLANK_LABEL else money_symbol((chosen,))


def money_format(symbol: str) -> str:
    """A ``column_config.NumberColumn`` format for amounts: whole units, thousands separated."""
    return f"{symbol}%,.0f"
