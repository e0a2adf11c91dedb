"""The "Share this view" control: the absolute link of the page as it is now — its filters and its own
controls (the page address, see :class:`~analytics.ui.sidebar.FilterState`) — ready to copy."""

from __future__ import annotations

import streamlit as st

from analytics.present import share
from analytics.ui.auth import access_rules
from analytics.ui.sidebar import FilterState


def view_url(script: str) -> str | None:
    """The absolute link of this view: ``[debrief] public_url`` (behind a proxy) or the address the
    browser used, with the page path and the current address's parameters. None when neither is
    known (a test run without a browser)."""
    path = share.page_path(script)
    base = share.base_url(access_rules().public_url, st.context.url, path)
    if base is None:
        return None
    address = FilterState().address()
    return share.share_url(base, None, {key: list(values) for key, values in address.items()})


def share_view(script: str, *, container: object = None) -> None:
    """A "Share this view" popover holding the link of this view (with a copy button)."""
    url = view_url(script)
    box = (container or st).popover("Share this view", icon=":material/share:")
    with box:
        if url is None:
            st.caption("The link appears when the page is opened in a browser.")
            return
        st.code(url, language=None, wrap_lines=True)
        st.caption("Copy the link: a colleague who signs in sees these numbers — the same filters, "
                   "thresholds and settings.")
