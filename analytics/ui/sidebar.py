"""The sidebar filters: their widgets, and :class:`FilterState`, the owner of every key they use.

A filter travels from its widget (bound to the page address with ``bind="query-params"``) to a
frozen :class:`~analytics.filters.Filters`, which the page hands to the engine (``Filters.where``
gives the SQL) and to :func:`analytics.ui.shell.page_link` (which puts it back into a link).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, MutableMapping
from datetime import date
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics import currency, deals, winrates
from analytics.present.filter_view import DATE_KEYS, Period, date_range_bounds, period_presets
from analytics.present.formatting import FILTER_DIMENSIONS, blank_as_text
from analytics.present.money import currency_label
from analytics.ui.session import AMOUNT_CURRENCY, load

#: The widget (and URL parameter) choosing the currency of amount figures on mixed data.
CURRENCY_KEY = "currency"

#: A filter's value as its widget holds it: a date (or None) for ``from`` / ``to``, a list of
#: values for a dimension.
WidgetValues = Mapping[str, Any]


def as_filters(values: WidgetValues) -> tuple[Filters, str | None]:
    """The :class:`Filters` of the widgets' ``values``, and the error that made it drop the dates
    (a range that ends before it starts), if any."""
    chosen: dict[str, Any] = {key: tuple(values.get(key) or ()) for key in FILTER_DIMENSIONS}
    chosen[CURRENCY_KEY] = values.get(CURRENCY_KEY) or None
    try:
        return Filters(start=values.get("from"), end=values.get("to"), **chosen), None
    except InvalidSettingError as err:
        return Filters(**chosen), str(err)


class FilterState:
    """Every session-state and address key of the sidebar filters, and their rules between runs.

    - ``from``, ``to`` and one key per dimension: the widgets (bound to the page address);
    - :attr:`PRESET`: the Quick period box, emptied once applied;
    - :attr:`MEMORY`: the values of the last run, carried over to the next page;
    - :attr:`PAGE`: the page those values were last drawn on.

    ``session`` and ``params`` default to Streamlit's session state and query parameters;
    tests pass dictionaries.
    """

    PRESET = "_period_preset"
    MEMORY = "_filters_memory"
    PAGE = "_filters_page"
    WIDGET_KEYS: tuple[str, ...] = (*DATE_KEYS, *FILTER_DIMENSIONS, CURRENCY_KEY)

    def __init__(self, session: MutableMapping[str, Any] | None = None,
                 params: MutableMapping[str, Any] | None = None) -> None:
        self.session = st.session_state if session is None else session
        self.params = st.query_params if params is None else params

    def reset(self) -> None:
        """Clear every filter (a callback: runs before the widgets are drawn)."""
        for key in DATE_KEYS:
            self.session[key] = None
        for key in FILTER_DIMENSIONS:
            self.session[key] = []

    def apply_preset(self, presets: Mapping[str, Period]) -> None:
        """Set the dates to the chosen quick period and empty the box (its ``on_change``)."""
        choice = self.session.get(self.PRESET)
        if choice in presets:
            self.session["from"], self.session["to"] = presets[choice]
        self.session[self.PRESET] = None

    def carry_over(self, page: str | None) -> None:
        """On the first run of a page in this session, restore the filters set on the previous page.

        A bound query parameter belongs to the page whose widget binds it, so Streamlit drops it
        from the address when the user moves to another page. The last values are remembered in
        the session and written back to the widgets' keys (the way to set a bound widget) and to
        the address, before this page's widgets bind them.
        """
        memory = self.session.get(self.MEMORY)
        if page is None or self.session.get(self.PAGE) == page:
            return
        self.session[self.PAGE] = page
        if memory is None:  # the first page of the session: the address decides
            return
        for key, value in memory.items():
            if key == CURRENCY_KEY and value is None:
                continue  # no choice made (data in one currency): the box keeps its default
            self.session[key] = value
            if value:  # and back into the address, so this page's link can be shared as well
                with contextlib.suppress(StreamlitAPIException):  # still bound here: the widget has it
                    self.params[key] = (value.isoformat() if isinstance(value, date) else
                                        value if isinstance(value, str) else list(value))

    def remember(self, values: WidgetValues) -> None:
        """Keep this run's widget values for the next page."""
        self.session[self.MEMORY] = {
            key: values.get(key) if key in DATE_KEYS or key == CURRENCY_KEY else list(values[key])
            for key in self.WIDGET_KEYS}

    def remembered(self) -> Filters:
        """The filters of the last run (no filter before the first one)."""
        return as_filters(self.session.get(self.MEMORY) or {})[0]


def _dimension_options(key: str) -> list[str]:
    """The values a dimension filter offers, with :data:`BLANK_LABEL` when some deal records none."""
    options = list(load(deals.dimension_values, key))
    if BLANK_LABEL in set(load(winrates.by_dimension, Filters(), key)["value"]):
        options.append(BLANK_LABEL)
    return options


def _widgets(state: FilterState, presets: Mapping[str, Period],
             bounds: tuple[date | None, date | None]) -> dict[str, Any]:
    """Draw the Quick period box, the two dates and the dimension boxes; returns their values."""
    st.selectbox("Quick period", list(presets), index=None, key=state.PRESET,
                 placeholder="Pick a period…", on_change=state.apply_preset, args=(presets,),
                 help="Sets the close-date range below.")
    min_day, max_day = bounds
    values: dict[str, Any] = {
        "from": st.date_input("From", value=None, min_value=min_day, max_value=max_day, key="from",
                              bind="query-params", format="YYYY-MM-DD",
                              help="First close date (inclusive). Open deals have none."),
        "to": st.date_input("To", value=None, min_value=min_day, max_value=max_day, key="to",
                            bind="query-params", format="YYYY-MM-DD", help="Last close date (inclusive)."),
    }
    for key, label in FILTER_DIMENSIONS.items():
        values[key] = st.multiselect(label, _dimension_options(key), key=key, bind="query-params",
                                     placeholder="All", format_func=blank_as_text)
    values[CURRENCY_KEY] = _currency_widget()
    return values


def _currency_widget() -> str | None:
    """The "Amounts in" box when the deals mix currencies (most common first, the default)."""
    choices = load(currency.amount_currencies)
    if not choices:
        return None
    if st.session_state.get(CURRENCY_KEY) not in (None, *choices):
        del st.session_state[CURRENCY_KEY]  # e.g. a currency whose deals were removed since
    return st.selectbox("Amounts in", choices, index=0, key=CURRENCY_KEY, bind="query-params",
                        format_func=currency_label,
                        help="The deals mix currencies, and amounts are never added across them: "
                             "every amount figure is for this currency only. Counts and win "
                             "rates cover every deal.")


def sidebar_filters(page: str | None = None) -> Filters:
    """The sidebar filters of every page, bound to the URL (``?from=…&segment=…``).

    Bound widgets keep their values in the query string, so a reload or a pasted link
    shows the same view; moving to another page (``page`` is its title) keeps them too.
    """
    state = FilterState()
    state.carry_over(page)
    low, high = load(deals.close_date_bounds)
    with st.sidebar:
        st.markdown("**Filters**")
        values = _widgets(state, period_presets(low, high), date_range_bounds(low, high))
        state.remember(values)
        st.button("Reset filters", on_click=state.reset,
                  disabled=not any(v for k, v in values.items() if k != CURRENCY_KEY),
                  icon=":material/filter_alt_off:", key="reset_filters", width="stretch")
        filters, problem = as_filters(values)
        st.session_state[AMOUNT_CURRENCY] = filters.currency
        if problem:
            st.error(problem)
        st.caption("Filters live in the page address: copy it to share this exact view.")
    return filters


def reset_filters() -> None:
    """Clear every sidebar filter (for a button's ``on_click``)."""
    FilterState().reset()
