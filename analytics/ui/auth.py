"""Sign-in and roles: Streamlit's OpenID Connect (``st.login`` / ``st.user``) and the ``[debrief]``
role lists of ``.streamlit/secrets.toml`` (rules in :mod:`analytics.present.access`).

Without an ``[auth]`` section Debrief runs in local mode: no sign-in, everyone may do everything.
With it, :func:`gate` (called by ``setup_page``) lets only admins and viewers past, and every write
calls :func:`require_admin` on the server, whatever the page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from analytics.present import access as rules_
from analytics.present.access import Access, AccessRules
from analytics.present.text import md_escape

#: Local mode (no ``[auth]``): everyone may do everything.
LOCAL_ACCESS = rules_.LOCAL


def _secret(name: str) -> Mapping[str, Any] | None:
    """A table of the secrets, or None (no such table, or no secrets file at all)."""
    try:
        value = st.secrets.get(name)
    except FileNotFoundError:  # StreamlitSecretNotFoundError: no secrets.toml anywhere
        return None
    return value if isinstance(value, Mapping) else None


def auth_configured() -> bool:
    """True when ``[auth]`` is in the secrets: sign-in is required."""
    return _secret("auth") is not None


def access_rules() -> AccessRules:
    """The ``[debrief]`` rules (empty when the table is missing)."""
    return AccessRules.from_settings(_secret("debrief"))


def current() -> Access:
    """What the person behind this session may do."""
    configured = auth_configured()
    user = dict(st.user.to_dict()) if configured else {}
    return rules_.access_of(configured, access_rules(), user)


def require_admin(action: str) -> None:
    """Raise :class:`~analytics.present.access.NotAllowedError` unless this session is an admin
    (or in local mode). Every write path calls it before writing."""
    rules_.require(current(), action)


def providers() -> list[str]:
    """The named providers of ``[auth]`` (``[auth.google]`` …); empty for the single default one."""
    section = _secret("auth") or {}
    return [name for name, value in section.items() if isinstance(value, Mapping)]


def _sign_in_buttons() -> None:
    named = providers()
    if not named:
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login, key="sign_in")
        return
    for name in named:
        st.button(f"Sign in with {name.capitalize()}", type="primary", icon=":material/login:",
                  on_click=st.login, args=(name,), key=f"sign_in_{name}")


def sign_out_button(key: str = "sign_out") -> None:
    st.button("Sign out", on_click=st.logout, icon=":material/logout:", key=key)


def user_panel(who: Access) -> None:
    """The sidebar's line about the signed-in user, with a sign-out button (nothing in local mode)."""
    if not who.signed_in:
        return
    role = {rules_.ADMIN: "admin", rules_.VIEWER: "viewer"}.get(who.role or "", "no access")
    st.caption(f":material/account_circle: Signed in as **{md_escape(who.who)}** · {role}")
    sign_out_button("sign_out_sidebar")


#: The sign-in comes back to the app's root: the address a signed-out visitor opened (a shared link)
#: is kept in the tab's sessionStorage and reopened once signed in (same origin only).
_KEEP_ADDRESS = """<script>
sessionStorage.setItem("debrief-return", window.location.href);
</script>"""
_RETURN_TO_ADDRESS = """<script>
const wanted = sessionStorage.getItem("debrief-return");
sessionStorage.removeItem("debrief-return");
if (wanted && wanted.startsWith(window.location.origin + "/") && wanted !== window.location.href) {
  window.location.replace(wanted);
}
</script>"""


def _script(body: str) -> None:
    st.html(body, unsafe_allow_javascript=True, width="content")


def gate(app_name: str) -> Access:
    """Stop the run unless this session may see the analysis pages.

    Signed out (with ``[auth]``): a sign-in button and nothing else. Signed in but on neither
    list: who they are signed in as, "ask an admin for access" and a sign-out button.
    """
    who = current()
    if who.local:
        return who
    if who.can_view:
        _script(_RETURN_TO_ADDRESS)
        return who
    st.title(f":material/insights: {app_name}")
    if not who.signed_in:
        st.write("Sign in to see your team's win/loss numbers.")
        _sign_in_buttons()
        _script(_KEEP_ADDRESS)
    else:
        st.warning(f"You are signed in as **{md_escape(who.who)}**, which has no access to {app_name}. "
                   "Ask an admin for access.", icon=":material/lock:")
        sign_out_button()
    st.stop()


def admin_page(who: Access, what: str) -> None:
    """At the top of a page that writes: stop with a clear message for anyone but an admin; in local
    mode, say that no sign-in is configured."""
    if who.local:
        st.info("No sign-in is configured: everyone who can open this address may import and undo. "
                "See *Share with your team* in the README to add sign-in and roles.",
                icon=":material/lock_open:")
        return
    if not who.can_write:
        st.warning(f"Only an admin can {what}. You are signed in as **{md_escape(who.who)}** (viewer): every "
                   "analysis page, download and share link is yours. Ask an admin if you need to "
                   "import.", icon=":material/lock:")
        st.stop()
