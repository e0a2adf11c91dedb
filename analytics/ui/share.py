"""Sharing a view: the "Share this view" control — the absolute link of the page as it is now, its
filters and its own controls (the page address, see :class:`~analytics.ui.sidebar.FilterState`),
ready to copy — and the "Download report" button (the HTML report of the view, to mail)."""

from __future__ import annotations

import streamlit as st

from analytics.filters import Filters
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.price_fit import PriceFitSettings
from analytics.present import report, share
from analytics.ui import session
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


def report_button(filters: Filters, price: PriceFitSettings | None = None,
                  comebacks: ComebackSettings | None = None, *, key: str = "report_download") -> None:
    """A "Download report" button: the self-contained HTML report (``python -m analytics report``) of
    this view — its filters and thresholds (defaults unless given), stamped with this run's time.

    The report (about 5 MB with its inline plotly.js) is built only when the button is pressed.
    """
    generated_at = session.now()

    def build() -> str:
        with session.reading() as cur:
            return report.render_report(cur, filters, price or PriceFitSettings(),
                                        comebacks or ComebackSettings(), generated_at=generated_at)

    st.download_button("Download report", build, file_name="debrief-report.html", mime="text/html",
                       icon=":material/description:", key=key,
                       help="One HTML file with every section of this view; it opens without a "
                            "network, ready to mail.")
