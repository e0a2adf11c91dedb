"""Outcome of a deal from its raw stage text (METRICS.md §2).

>>> [outcome_of(s) for s in ["Closed Won", "closed_lost", "ClosedWon", "Lost", "Negotiation"]]
['won', 'lost', 'won', 'lost', 'open']
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s_\-]+")
_WON = {"closed won", "closedwon", "won"}
_LOST = {"closed lost", "closedlost", "lost", "loss"}


def outcome_of(stage: str | None) -> str:
    """``won``, ``lost`` or ``open``: words may be separated by spaces, ``_`` or ``-``, any case."""
    text = _SEPARATORS.sub(" ", (stage or "").strip().lower())
    if text in _WON:
        return "won"
    if text in _LOST:
        return "lost"
    return "open"
