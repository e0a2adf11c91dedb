"""Who may do what: the role rules of ``[debrief]`` in ``.streamlit/secrets.toml`` (no Streamlit).

```toml
[debrief]
admins  = ["ana@acme.com", "*@ops.acme.com"]   # import, undo, re-map reasons, remove the sample
viewers = ["*@acme.com"]                       # every analysis page, downloads, share links, reports
roles_claim   = "groups"                        # optional: a claim of the ID token listing groups
admin_groups  = ["debrief-admins"]
viewer_groups = ["sales"]
public_url    = "https://debrief.acme.com"      # optional: the address colleagues use
```

An entry is an exact e-mail or ``*@domain`` (case-insensitive); an admin is also a viewer.

>>> rules = AccessRules.from_settings({"admins": ["Ana@Acme.com"], "viewers": ["*@acme.com"]})
>>> role_of(rules, {"email": "ana@acme.COM"}), role_of(rules, {"email": "bo@acme.com"})
('admin', 'viewer')
>>> role_of(rules, {"email": "eve@evil.com"}) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from analytics.errors import DebriefError

ADMIN = "admin"
VIEWER = "viewer"


class NotAllowedError(DebriefError):
    """A signed-in user asked for something their role does not allow (nothing was written)."""


def _entries(value: Any) -> tuple[str, ...]:
    """A list of entries from the secrets (a single string is one entry), trimmed and lower-cased."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(item).strip().lower() for item in items if str(item).strip())


@dataclass(frozen=True)
class AccessRules:
    """The ``[debrief]`` settings that decide roles (entries kept lower-case)."""

    admins: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    roles_claim: str | None = None
    admin_groups: tuple[str, ...] = ()
    viewer_groups: tuple[str, ...] = ()
    public_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> AccessRules:
        """The rules of a ``[debrief]`` table (missing keys: nobody, no groups)."""
        settings = settings or {}
        claim = str(settings.get("roles_claim") or "").strip() or None
        url = str(settings.get("public_url") or "").strip() or None
        return cls(admins=_entries(settings.get("admins")), viewers=_entries(settings.get("viewers")),
                   roles_claim=claim, admin_groups=_entries(settings.get("admin_groups")),
                   viewer_groups=_entries(settings.get("viewer_groups")), public_url=url)


def entry_matches(email: str | None, entry: str) -> bool:
    """Whether ``email`` is ``entry``: the same address, or any address of a ``*@domain`` entry.

    >>> entry_matches("Bo@Ops.Acme.com", "*@ops.acme.com"), entry_matches("bo@acme.com", "*@ops.acme.com")
    (True, False)
    >>> entry_matches("bo@notacme.com", "*@acme.com")
    False
    """
    address = (email or "").strip().lower()
    if address.count("@") != 1 or address.startswith("@") or address.endswith("@"):
        return False
    wanted = entry.strip().lower()
    if wanted.startswith("*@"):
        return address.split("@", 1)[1] == wanted[2:]
    return address == wanted


def _any_entry(email: str | None, entries: Iterable[str]) -> bool:
    return any(entry_matches(email, entry) for entry in entries)


def _groups(claims: Mapping[str, Any], claim: str | None) -> set[str]:
    """The groups a user's ``claim`` lists (a list, or one comma-separated string), lower-cased."""
    if not claim:
        return set()
    value = claims.get(claim)
    if value is None:
        return set()
    items = value.split(",") if isinstance(value, str) else value
    return {str(item).strip().lower() for item in items if str(item).strip()}


def role_of(rules: AccessRules, claims: Mapping[str, Any]) -> str | None:
    """:data:`ADMIN`, :data:`VIEWER` or None (no access) for a signed-in user's ID-token ``claims``.

    The e-mail counts only when the provider says it is verified (or says nothing about it).
    """
    email = claims.get("email") if claims.get("email_verified", True) not in (False, "false") else None
    groups = _groups(claims, rules.roles_claim)
    if _any_entry(email, rules.admins) or groups & set(rules.admin_groups):
        return ADMIN
    if _any_entry(email, rules.viewers) or groups & set(rules.viewer_groups):
        return VIEWER
    return None


@dataclass(frozen=True)
class Access:
    """What the person behind a session may do.

    ``signed_in`` is None in local mode (no ``[auth]``: everyone may do everything).
    """

    signed_in: bool | None
    role: str | None
    email: str | None = None
    name: str | None = None

    @property
    def local(self) -> bool:
        return self.signed_in is None

    @property
    def can_view(self) -> bool:
        return self.role in (ADMIN, VIEWER)

    @property
    def can_write(self) -> bool:
        return self.role == ADMIN

    @property
    def who(self) -> str:
        """How the user is named on the page: e-mail, else name, else "an unknown account"."""
        return self.email or self.name or "an account without an e-mail"


LOCAL = Access(signed_in=None, role=ADMIN)


def access_of(auth_configured: bool, rules: AccessRules, user: Mapping[str, Any]) -> Access:
    """The :class:`Access` of a session: local mode without ``[auth]``, else from the user's claims.

    >>> access_of(False, AccessRules(), {}).can_write
    True
    >>> access_of(True, AccessRules(viewers=("*@acme.com",)), {"is_logged_in": False}).can_view
    False
    """
    if not auth_configured:
        return LOCAL
    if not user.get("is_logged_in"):
        return Access(signed_in=False, role=None)
    email = user.get("email")
    name = user.get("name")
    return Access(signed_in=True, role=role_of(rules, user), email=str(email) if email else None,
                  name=str(name) if name else None)


def require(access: Access, action: str) -> None:
    """Raise :class:`NotAllowedError` unless ``access`` may write; ``action`` says what was asked.

    >>> try:
    ...     require(Access(signed_in=True, role=VIEWER, email="bo@acme.com"), "undo an import")
    ... except NotAllowedError as err:
    ...     print(str(err).split(". ")[0])
    Only an admin can undo an import; bo@acme.com is a viewer
    """
    if access.can_write:
        return
    if access.signed_in is False:
        raise NotAllowedError(f"Sign in as an admin to {action}.")
    held = "a viewer" if access.role == VIEWER else "not on the access list"
    raise NotAllowedError(f"Only an admin can {action}; {access.who} is {held}. Ask an admin "
                          "(listed under [debrief] admins) to do it or to give you the admin role.")
