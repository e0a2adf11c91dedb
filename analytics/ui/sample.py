"""The sample data beside the user's own: the banner every page shows while both are loaded, and
the one-click removal (the undo of the sample imports) with its way back.

The writes check the session's role first (:func:`analytics.ui.auth.require_admin`).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics.errors import DebriefError
from analytics.ingest import samples
from analytics.ui.auth import require_admin
from analytics.ui.session import clear_caches, flash, load, now, writing

#: Session key: the sample was removed in this session (offers "Load the sample again").
REMOVED = "_sample_removed"


def sample_beside_own() -> bool:
    """True while sample rows remain beside imports of the user's own files (cached)."""
    try:
        return bool(load(samples.sample_beside_own))
    except (DebriefError, duckdb.Error):
        return False


def remove_sample() -> None:
    """Undo every sample import (a button's ``on_click``); the result is flashed."""
    try:
        require_admin("remove the sample data")
        with writing() as con:
            done = samples.remove_sample(con, now=now())
    except DebriefError as err:
        flash("error", f"The sample data was not removed: {err}")
        return
    finally:
        clear_caches()
    removed = sum(result.removed for result in done)
    st.session_state[REMOVED] = True
    flash("success", f"Removed the sample data: {removed:,} fictitious deals from {len(done)} "
                     "imports. Every number is now yours alone. (The Import page can load the "
                     "sample again.)")


def restore_sample() -> None:
    """Import the sample files again (a button's ``on_click``)."""
    try:
        require_admin("load the sample data")
        with writing() as con:
            samples.restore_sample(con, now=now())
    except DebriefError as err:
        flash("error", f"The sample data was not loaded: {err}")
        return
    finally:
        clear_caches()
    st.session_state.pop(REMOVED, None)
    flash("info", "Loaded the sample data again beside your own.")


def mixed_banner(can_write: bool) -> None:
    """Say so while sample rows remain beside the user's own, with the one-click removal."""
    if not sample_beside_own():
        return
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown(":material/science: **Sample data is mixed into these numbers.** The "
                      "fictitious Northwind Analytics deals are still loaded beside your own "
                      "imports and count in every figure on this page.")
        if can_write:
            right.button("Remove the sample data", on_click=remove_sample, key="remove_sample",
                         icon=":material/delete_sweep:", type="primary", width="stretch")
        else:
            right.caption("An admin can remove it on any page.")


def restore_offer(can_write: bool) -> None:
    """After a removal in this session, offer the way back (for the Import page)."""
    if st.session_state.get(REMOVED) and can_write:
        st.button("Load the sample data again", on_click=restore_sample, key="restore_sample",
                  icon=":material/undo:")
