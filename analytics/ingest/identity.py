"""Account identity across deals, files and CRMs (METRICS.md §5).

>>> account_key(None, "ACME, Inc.") == account_key(None, "Acme Inc") == "acme"
True
>>> account_key(None, "Müller & Söhne GmbH")
'muller and sohne'
>>> account_key("001XYZ", "Acme")
'001XYZ'
>>> account_key(None, "  ") is None
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co",
    "company", "plc", "sa", "ag", "bv", "pty", "srl", "oy", "ab",
})

_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=200_000)
def normalise_name(name: str) -> str:
    """NFKD without accents, lower case, ``&`` → ``and``, punctuation → space,
    whitespace collapsed, trailing legal suffixes removed repeatedly (a name
    that is nothing but suffixes keeps its first word, so it is never blank)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ")
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    words = text.split(" ") if text else []
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    # A name made only of suffix words ("Company") keeps its last word rather than vanish.
    return " ".join(words)


def account_key(account_id: str | None, account_name: str | None) -> str | None:
    """The CRM account id when there is one, else the normalised name; None when neither."""
    if account_id and account_id.strip():
        return account_id.strip()
    if account_name and account_name.strip():
        return normalise_name(account_name.strip()) or None
    return None
