"""What every page shares around its content: page setup, sidebar navigation, links that carry
the filters, the sample banner and the friendly empty states."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import streamlit as st

from analytics.errors import DebriefError, SchemaVersionError
from analytics.filters import Filters
from analytics.metrics import deals, winrates
from analytics.present.access import Access
from analytics.present.filter_view import describe_filters, filter_params
from analytics.present.notices import connection_problem
from analytics.present.text import md_escape
from analytics.ui import auth, sample, session, share
from analytics.ui.sidebar import FilterState, reset_filters, sidebar_filters

APP_NAME = "Debrief"
#: The browser tab's icon, shipped with the app: a ``:material/…:`` page icon is fetched from
#: fonts.gstatic.com by the browser, which fails offline.
PAGE_ICON_FILE = Path(__file__).resolve().parents[2] / "assets" / "debrief-icon.png"
TAGLINE = "Win/loss analytics for B2B sales teams"

#: (script, label, icon) of every page, in navigation order.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Overview", ":material/space_dashboard:"),
    ("pages/1_Loss_reasons.py", "Loss reasons", ":material/trending_down:"),
    ("pages/2_Price_vs_fit.py", "Price vs fit", ":material/sell:"),
    ("pages/3_Comebacks.py", "Comebacks", ":material/autorenew:"),
    ("pages/4_Competitors.py", "Competitors", ":material/sports_score:"),
    ("pages/7_What_buyers_said.py", "What buyers said", ":material/record_voice_over:"),
    ("pages/5_Deals.py", "Deals", ":material/table_rows:"),
    ("pages/6_Import.py", "Import", ":material/upload_file:"),
)
PAGE_SCRIPT = {label: script for script, label, _ in PAGES}
PAGE_ICON = {label: icon for _, label, icon in PAGES}
_SCRIPT_LABEL = {script: label for script, label, _ in PAGES}
#: Pages that write (admins only when sign-in is configured).
WRITE_PAGES = frozenset({"Import"})


@dataclass(frozen=True)
class PageContext:
    """What a page needs after :func:`setup_page`: the filters and the deal counts.

    No cursor: a page reads through ``session.load``, which opens the file only for the call."""

    filters: Filters
    total_deals: int  # in the whole database
    matching: winrates.Headline  # over the filters
    access: Access = auth.LOCAL_ACCESS  # who is looking, and what they may do

    @property
    def symbol(self) -> str:
        return session.money_symbol()


def page_link(page: str, filters: Filters, *, label: str | None = None, icon: str | None = None,
              disabled: bool = False, container: Any = None) -> None:
    """``st.page_link`` to one of :data:`PAGES` (its label or script) that carries ``filters`` along.

    Bound query parameters belong to the page that binds them, so a link has to pass
    them on for the next page to open with the same filters.
    """
    target = PAGE_SCRIPT.get(page, page)
    (container or st).page_link(target, label=label or _SCRIPT_LABEL.get(target),
                                icon=icon or PAGE_ICON.get(page), disabled=disabled,
                                query_params=filter_params(filters) or None)


def _sidebar_nav(container: Any, current: str, filters: Filters, who: Access = auth.LOCAL_ACCESS) -> None:
    with container:
        st.markdown(f"## :material/insights: {APP_NAME}")
        st.caption(TAGLINE)
        auth.user_panel(who)
        for _script, label, icon in PAGES:
            if label in WRITE_PAGES and not who.can_write:
                continue  # a viewer's menu has no Import (its address says so and stops)
            page_link(label, filters, icon=icon, disabled=label == current)
        st.divider()


def _unavailable(nav: Any, title: str, err: Exception, who: Access) -> NoReturn:
    """Explain a database that cannot be opened (or is from a newer Debrief) and stop the run."""
    _sidebar_nav(nav, title, FilterState().remembered(), who)
    st.title(title)
    st.error(md_escape(connection_problem(err, session.db_path())), icon=":material/database:")
    if isinstance(err, SchemaVersionError):
        st.caption("Your data is safe: Debrief did not change the file.")
    st.stop()


def _header(title: str, intro: str | None, filters: Filters | None) -> None:
    """The page title and its caption: the intro and, for a page about deals, the filters."""
    if filters is None:
        st.title(f"{PAGE_ICON.get(title, '')} {title}".strip())
    else:  # a page about deals: its view can be shared
        left, right = st.columns([5, 1], vertical_alignment="bottom")
        left.title(f"{PAGE_ICON.get(title, '')} {title}".strip())
        share.share_view(PAGE_SCRIPT.get(title, "app.py"), container=right)
    lines = [intro] if intro else []
    if filters is not None:
        lines.append(f":material/filter_alt: {md_escape(describe_filters(filters))}")
    if lines:
        st.caption("  \n".join(lines))


def setup_page(title: str, *, intro: str | None = None, needs_deals: bool = True,
               admin_only: str | None = None) -> PageContext:
    """Configure the page, check who is signed in, draw the sidebar (navigation + filters) and the header.

    Stops the run with a sign-in button (or "ask an admin for access") when sign-in is configured
    and this session may not see the data; with a clear message for a non-admin when
    ``admin_only`` (what the page does, e.g. "import or undo exports") is given; when the database
    cannot be opened; and — when ``needs_deals`` — when it holds no deal yet.
    """
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=str(PAGE_ICON_FILE),
                       layout="wide", initial_sidebar_state="auto")  # collapsed on a phone
    who = auth.gate(APP_NAME)
    nav = st.sidebar.container()
    try:
        session.start_run()
        total = session.load(deals.count_deals, Filters())
    except (DebriefError, duckdb.Error) as err:
        _unavailable(nav, title, err, who)
    # The Import page shows no filters (they change nothing there); its links carry the last ones.
    with session.held():  # the sidebar's dozen reads (and the headline) through one open file
        filters = FilterState().remembered() if title in WRITE_PAGES else sidebar_filters(title)
        matching = session.load(winrates.headline, filters)
    _sidebar_nav(nav, title, filters, who)
    _header(title, intro, filters if needs_deals else None)
    if admin_only:
        auth.admin_page(who, admin_only)
    sample_banner(filters, link=title not in WRITE_PAGES and who.can_write, here=title in WRITE_PAGES)
    sample.mixed_banner(who.can_write)  # sample rows beside the user's own: say so, offer removal
    sample.restore_offer(who.can_write)
    session.show_flash()
    if needs_deals and total == 0:
        empty_database(filters)
        st.stop()
    return PageContext(filters, total, matching, who)


def empty_database(filters: Filters) -> None:
    """The friendly state of a database without deals."""
    with st.container(border=True):
        st.subheader("No deals yet — import an export")
        st.write("Debrief reads the opportunity or deal exports of Salesforce, HubSpot and "
                 "Pipedrive (CSV or XLSX). Upload one and every page fills in.")
        page_link("Import", filters, label="Import your CRM export")


def no_matches(what: str = "deals") -> None:
    """The friendly state of filters that match nothing."""
    with st.container(border=True):
        st.subheader(f"No {what} match these filters")
        st.write("Widen the date range or remove a filter in the sidebar.")
        st.button("Reset filters", on_click=reset_filters, key=f"reset_empty_{what}",
                  icon=":material/filter_alt_off:")


def stop_without(what: str, count: int) -> None:
    """Show :func:`no_matches` and stop the run when ``count`` (of ``what``) is 0."""
    if count == 0:
        no_matches(what)
        st.stop()


def require_closed(ctx: PageContext) -> None:
    """Stop with a friendly message when no closed deal matches the filters."""
    stop_without("closed deals", ctx.matching.closed)


def sample_banner(filters: Filters, link: bool = True, here: bool = False) -> None:
    """Say so while the app shows the sample exports only, with a link to the Import page."""
    if not session.showing_sample():
        return
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        where = "below" if here else "on the Import page"  # never "go to the page you are on"
        left.markdown(f":material/science: **You are looking at sample data — import your own "
                      f"exports {where}.** The numbers come from a fictitious seller, "
                      "Northwind Analytics.")
        if link:
            page_link("Import", filters, label="Go to Import", container=right)
