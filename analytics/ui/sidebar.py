"""The sidebar filters: their widgets, and :class:`FilterState`, the owner of every key they use.

A filter travels from its widget (bound to the page address with ``bind="query-params"``) to a
frozen :class:`~analytics.filters.Filters`, which the page hands to the engine (``Filters.where``
gives the SQL) and to :func:`analytics.ui.shell.page_link` (which puts it back into a link).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics import currency, deals, winrates
from analytics.present.filter_view import DATE_KEYS, Period, date_range_bounds, filter_params, period_presets
from analytics.present.formatting import FILTER_DIMENSIONS, blank_as_text
from analytics.present.money import currency_label
from analytics.present.share import CONTROLS, control_params, decode_control, normalised
from analytics.present.text import md_escape
from analytics.ui.session import AMOUNT_CURRENCY, load

#: The widget (and URL parameter) choosing the currency of amount figures on mixed data.
CURRENCY_KEY = "currency"

#: A filter's value as its widget holds it: a date (or None) for ``from`` / ``to``, a list of
#: values for a dimension.
WidgetValues = Mapping[str, Any]


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


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

    - ``from``, ``to`` and one key per dimension: the widgets (kept in the page address);
    - :attr:`PRESET`: the Quick period box, emptied once applied;
    - :attr:`MEMORY`: the values of the last run (what a page that cannot open shows in its links);
    - :attr:`LAST`: the page and address this session wrote last (see :meth:`follow_address`).

    The widgets are not bound to the address by Streamlit (``bind="query-params"``): a bound
    parameter belongs to the page that binds it and is dropped, then written back, on every move,
    which left three extra browser-history entries per move whose addresses did not match the
    numbers. Here the address is read when it changed from outside and written once per run.

    ``session`` and ``params`` default to Streamlit's session state and query parameters;
    tests pass dictionaries.
    """

    PRESET = "_period_preset"
    PRESET_MEMORY = "_period_preset_chosen"
    MEMORY = "_filters_memory"
    LAST = "_address_written"
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
        """Set the dates to the chosen quick period and remember the choice (its ``on_change``)."""
        choice = self.session.get(self.PRESET)
        if choice in presets:
            self.session["from"], self.session["to"] = presets[choice]
            self.session[self.PRESET_MEMORY] = choice

    def match_preset(self, presets: Mapping[str, Period]) -> None:
        """Before the box is drawn: it shows the chosen quick period (on every page) while the dates
        are still that period's, and empties once the user changed them."""
        chosen = self.session.get(self.PRESET) or self.session.get(self.PRESET_MEMORY)
        if chosen in presets and presets[chosen] == (self.session.get("from"), self.session.get("to")):
            self.session[self.PRESET] = self.session[self.PRESET_MEMORY] = chosen
        else:
            self.session[self.PRESET] = None
            self.session.pop(self.PRESET_MEMORY, None)

    def address(self) -> dict[str, tuple[str, ...]]:
        """The page address's query parameters, each as a tuple of strings."""
        getter = getattr(self.params, "get_all", None)
        return normalised({key: getter(key) if getter else self.params[key] for key in self.params})

    def follow_address(self, page: str, options: Mapping[str, Sequence[str]],
                       bounds: tuple[date | None, date | None]) -> bool:
        """When the address is not the one this session last wrote for ``page`` — a pasted link, the
        first run, a move to another page, the browser's Back or Forward — the address decides:
        its filters and ``page``'s controls go into the widgets' keys (a value a widget cannot take
        is dropped). Returns whether it did.

        Otherwise the widgets decide (the user just changed one) and :meth:`write_address` follows.
        """
        address = self.address()
        if self.session.get(self.LAST) == (page, address):
            return False
        for key in DATE_KEYS:
            day = _iso_day(address.get(key, ("",))[-1])
            low, high = bounds
            inside = day is not None and (low is None or day >= low) and (high is None or day <= high)
            self.session[key] = day if inside else None
        for key in FILTER_DIMENSIONS:
            allowed = set(options.get(key, ()))
            self.session[key] = [value for value in dict.fromkeys(address.get(key, ())) if value in allowed]
        if CURRENCY_KEY in address:  # the currency box drops one the data does not hold
            self.session[CURRENCY_KEY] = address[CURRENCY_KEY][-1]
        else:
            self.session.pop(CURRENCY_KEY, None)
        for key in CONTROLS.get(page, {}):
            value = decode_control(key, address[key][-1]) if key in address else None
            if value is None:
                self.session.pop(key, None)  # the widget starts at its default
            else:
                self.session[key] = value
        return True

    def write_address(self, page: str, params: Mapping[str, Any]) -> None:
        """Make the address ``params`` with one write (one browser-history entry), and only when it
        differs, so a move between pages, a reload or Back adds nothing."""
        wanted = normalised(params)
        if self.address() != wanted:
            setter = getattr(self.params, "from_dict", None)
            if setter is not None:
                setter(params)
            else:
                self.params.clear()
                self.params.update(params)
        self.session[self.LAST] = (page, wanted)

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
    if key in load(winrates.blank_dimensions):
        options.append(BLANK_LABEL)
    return options


def _widgets(state: FilterState, presets: Mapping[str, Period], bounds: tuple[date | None, date | None],
             options: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Draw the Quick period box, the two dates and the dimension boxes; returns their values."""
    state.match_preset(presets)
    st.selectbox("Quick period", list(presets), index=None, key=state.PRESET,
                 placeholder="Pick a period…", on_change=state.apply_preset, args=(presets,),
                 help="Sets the close-date range below.")
    min_day, max_day = bounds
    values: dict[str, Any] = {
        "from": st.date_input("From", value=None, min_value=min_day, max_value=max_day, key="from",
                              format="YYYY-MM-DD",
                              help="First close date (inclusive): when a won or lost deal closed; an "
                                   "open deal counts by its expected close date, if the export has one."),
        "to": st.date_input("To", value=None, min_value=min_day, max_value=max_day, key="to",
                            format="YYYY-MM-DD", help="Last close date (inclusive)."),
    }
    for key, label in FILTER_DIMENSIONS.items():
        values[key] = st.multiselect(label, options[key], key=key, placeholder="All",
                                     format_func=blank_as_text)
    values[CURRENCY_KEY] = _currency_widget()
    return values


def _currency_widget() -> str | None:
    """The "Amounts in" box when the deals mix currencies (most common first, the default)."""
    choices = load(currency.amount_currencies)
    if not choices:
        return None
    if st.session_state.get(CURRENCY_KEY) not in (None, *choices):
        del st.session_state[CURRENCY_KEY]  # e.g. a currency whose deals were removed since
    return st.selectbox("Amounts in", choices, index=0, key=CURRENCY_KEY, format_func=currency_label,
                        help="The deals mix currencies, and amounts are never added across them: "
                             "every amount figure is for this currency only. Counts and win "
                             "rates cover every deal.")


def sidebar_filters(page: str) -> Filters:
    """The sidebar filters of every page, kept in the URL (``?from=…&segment=…``) with ``page``'s
    own controls (:data:`~analytics.present.share.CONTROLS`).

    A reload, a pasted link or the browser's Back button shows the view of its address; a move
    to another page keeps the filters (the navigation links carry them).
    """
    state = FilterState()
    low, high = load(deals.close_date_bounds)
    bounds = date_range_bounds(low, high)
    options = {key: _dimension_options(key) for key in FILTER_DIMENSIONS}
    state.follow_address(page, options, bounds)
    with st.sidebar:
        st.markdown("**Filters**")
        values = _widgets(state, period_presets(low, high), bounds, options)
        state.remember(values)
        st.button("Reset filters", on_click=state.reset,
                  disabled=not any(v for k, v in values.items() if k != CURRENCY_KEY),
                  icon=":material/filter_alt_off:", key="reset_filters", width="stretch")
        filters, problem = as_filters(values)
        st.session_state[AMOUNT_CURRENCY] = filters.currency
        if problem:
            st.error(md_escape(problem))
    state.write_address(page, {**filter_params(filters), **control_params(page, st.session_state)})
    return filters


def reset_filters() -> None:
    """Clear every sidebar filter (for a button's ``on_click``)."""
    FilterState().reset()
