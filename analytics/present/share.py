"""A view as an address: the query parameters of a page's filters and own controls, read back from
an address, and the absolute link a colleague opens (no Streamlit).

Every analysis page keeps what decides its numbers in its address — the sidebar filters
(:func:`~analytics.present.filter_view.filter_params`) and the page's own controls listed in
:data:`CONTROLS` — so a shared link, a reload and the browser's Back button show the same view.
A control at its default stays out of the address.

>>> share_url("https://debrief.acme.com/", "Price_vs_fit", {"segment": ["SMB", "EMEA & co"], "pf_fit": "60"})
'https://debrief.acme.com/Price_vs_fit?segment=SMB&segment=EMEA+%26+co&pf_fit=60'
>>> control_params("Price vs fit", {"pf_fit": 60, "pf_tolerance": 10, "pf_bracket": 2.0})
{'pf_fit': '60', 'pf_bracket': '2.0'}
>>> decode_control("pf_fit", "500") is None  # outside the slider: dropped, the default applies
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from analytics.categories import CATEGORIES

Params = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Control:
    """A page control kept in the address: its type, default and allowed values."""

    kind: type  # int, float, str or date
    default: Any
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def decode(self, text: str) -> Any:
        """The control's value written as ``text``, or None when it is not one it can take."""
        try:
            value = date.fromisoformat(text) if self.kind is date else self.kind(text)
        except (TypeError, ValueError):
            return None
        if self.choices is not None and value not in self.choices:
            return None
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            return None
        return value

    def encode(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


_GRAINS = ("month", "quarter", "year")

#: Each analysis page's own controls (their widget keys = their address parameters). The
#: defaults are the widgets' own; tests/test_share_pages.py checks that they agree.
CONTROLS: dict[str, dict[str, Control]] = {
    "Overview": {"overview_grain": Control(str, "quarter", _GRAINS)},
    "Loss reasons": {
        "reasons_measure": Control(str, "count", ("count", "amount")),
        "reasons_by": Control(str, "competitor", ("competitor", "segment", "owner", "region", "product")),
        "reasons_grain": Control(str, "quarter", _GRAINS),
    },
    "Price vs fit": {
        "pf_fit": Control(int, 50, low=0, high=100),
        "pf_tolerance": Control(int, 10, low=0, high=50),
        "pf_bracket": Control(float, 1.5, low=1.0, high=5.0),
    },
    "Comebacks": {
        "cb_horizon": Control(int, 365, (90, 180, 270, 365, 540, 730)),
        "cb_as_of": Control(date, None),
    },
    "Competitors": {"comp_grain": Control(str, "quarter", ("quarter", "month", "year"))},
    "Deals": {
        "deals_search": Control(str, ""),
        "deals_outcome": Control(str, None, ("won", "lost", "closed", "open")),
        "deals_category": Control(str, None, CATEGORIES),  # a drill-down's loss category
        "deals_sort": Control(str, "close_date", ("close_date", "amount", "account_name", "owner",
                                                  "created_date", "cycle_days", "competitor")),
        "deals_order": Control(str, "desc", ("desc", "asc")),
        "deals_size": Control(int, 50, (25, 50, 100, 250)),
    },
}
_ALL = {key: control for controls in CONTROLS.values() for key, control in controls.items()}


def decode_control(key: str, text: str) -> Any:
    """The value of control ``key`` written as ``text`` in an address (None: not a valid one)."""
    return _ALL[key].decode(text)


def control_params(page: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The address parameters of ``page``'s controls that differ from their defaults."""
    out = {}
    for key, control in CONTROLS.get(page, {}).items():
        value = values.get(key, control.default)
        if value is not None and value != "" and value != control.default:
            out[key] = control.encode(value)
    return out


def normalised(params: Params) -> dict[str, tuple[str, ...]]:
    """``params`` with every value as a tuple of strings and no empty value, to compare two addresses."""
    out = {}
    for key, value in params.items():
        items = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        if items:
            out[key] = items
    return out


def page_path(script: str) -> str:
    """The address path of a page script: ``pages/1_Loss_reasons.py`` → ``Loss_reasons``; the main
    script (the Overview) is the root, ``""``.

    >>> page_path("pages/3_Comebacks.py"), page_path("app.py")
    ('Comebacks', '')
    """
    parts = PurePosixPath(script).parts
    if len(parts) < 2 or parts[-2] != "pages":
        return ""
    stem = PurePosixPath(script).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def base_url(public_url: str | None, request_url: str | None, path: str) -> str | None:
    """The absolute address of a page: ``public_url`` (the address colleagues use, behind a proxy)
    plus the page's ``path``, else the address the browser asked for (``request_url``, which holds
    the page path already), without its query. None when neither is known.

    >>> base_url("https://debrief.acme.com/team/", "http://10.0.0.3:8501/Deals", "Deals")
    'https://debrief.acme.com/team/Deals'
    >>> base_url(None, "http://localhost:8501/Deals?x=1", "Deals")
    'http://localhost:8501/Deals'
    """
    if public_url:
        return public_url.rstrip("/") + "/" + path
    if request_url:
        parts = urlsplit(request_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return None


def share_url(base: str, path: str | None, params: Params) -> str:
    """``base`` (already the page's address when ``path`` is None) with the query of ``params``."""
    url = base if path is None else base.rstrip("/") + "/" + path
    query = urlencode({key: value if isinstance(value, str) else list(value)
                       for key, value in params.items()}, doseq=True)
    return f"{url}?{query}" if query else url
