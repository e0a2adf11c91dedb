"""The one formula-safe rule for every CSV Debrief writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and a leading tab or carriage return can shift one into place), so a text cell
that starts with one of them is written with a leading ``'``. Numbers are left alone.
The deal export applies the same rule in SQL (:mod:`analytics.metrics.deals`); the
reject download and the dashboard's tables apply it here.

>>> formula_safe("=cmd|' /C calc'!A0"), formula_safe("-5"), formula_safe("Acme"), formula_safe(3)
("'=cmd|' /C calc'!A0", "'-5", 'Acme', 3)
"""

from __future__ import annotations

#: First characters that make a spreadsheet run a cell as a formula (or shift it).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """``value``, with ``'`` in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
