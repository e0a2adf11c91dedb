"""The role rules of ``[debrief]`` (analytics.present.access), on plain dictionaries: exact e-mails,
``*@domain`` entries, case, the groups claim, admin implies viewer, local and signed-out sessions."""

from __future__ import annotations

import pytest

from analytics.errors import DebriefError
from analytics.present.access import (
    ADMIN,
    VIEWER,
    Access,
    AccessRules,
    NotAllowedError,
    access_of,
    entry_matches,
    require,
    role_of,
)

ISSUE_EXAMPLE = {"admins": ["ana@acme.com", "*@ops.acme.com"], "viewers": ["*@acme.com"]}


@pytest.mark.parametrize(("email", "entry", "expected"), [
    ("ana@acme.com", "ana@acme.com", True),
    ("ANA@Acme.COM", "ana@acme.com", True),          # case-insensitive
    ("ana@acme.com", "ANA@ACME.COM", True),
    ("ana@acme.com.evil.io", "ana@acme.com", False),
    ("bo@ops.acme.com", "*@ops.acme.com", True),
    ("bo@OPS.ACME.COM", "*@ops.acme.com", True),
    ("bo@acme.com", "*@ops.acme.com", False),        # a parent domain is another domain
    ("bo@x.ops.acme.com", "*@ops.acme.com", False),  # and so is a subdomain
    ("bo@notacme.com", "*@acme.com", False),         # a suffix is not a domain
    ("acme.com", "*@acme.com", False),
    ("a@b@acme.com", "*@acme.com", False),
    ("", "*@acme.com", False),
    (None, "ana@acme.com", False),
])
def test_an_entry_is_an_exact_email_or_a_whole_domain(email, entry, expected) -> None:
    assert entry_matches(email, entry) is expected


def test_the_roles_of_the_issue_example() -> None:
    rules = AccessRules.from_settings(ISSUE_EXAMPLE)
    assert role_of(rules, {"email": "ana@acme.com"}) == ADMIN
    assert role_of(rules, {"email": "zoe@ops.acme.com"}) == ADMIN   # *@ops.acme.com
    assert role_of(rules, {"email": "bo@acme.com"}) == VIEWER
    assert role_of(rules, {"email": "eve@example.com"}) is None
    assert role_of(rules, {}) is None                               # no e-mail claim at all


def test_an_admin_is_also_a_viewer_even_when_only_listed_as_admin() -> None:
    rules = AccessRules.from_settings({"admins": ["ana@other.org"], "viewers": ["*@acme.com"]})
    who = access_of(True, rules, {"is_logged_in": True, "email": "ana@other.org"})
    assert who.can_write and who.can_view


def test_an_unverified_email_gives_no_role() -> None:
    rules = AccessRules.from_settings(ISSUE_EXAMPLE)
    assert role_of(rules, {"email": "ana@acme.com", "email_verified": False}) is None
    assert role_of(rules, {"email": "ana@acme.com", "email_verified": True}) == ADMIN


def test_groups_from_the_roles_claim() -> None:
    rules = AccessRules.from_settings({"roles_claim": "groups", "admin_groups": ["Debrief-Admins"],
                                       "viewer_groups": ["sales"]})
    assert role_of(rules, {"email": "x@y.z", "groups": ["sales", "debrief-admins"]}) == ADMIN
    assert role_of(rules, {"email": "x@y.z", "groups": ["SALES"]}) == VIEWER
    assert role_of(rules, {"email": "x@y.z", "groups": "marketing, sales"}) == VIEWER  # one string
    assert role_of(rules, {"email": "x@y.z", "groups": ["marketing"]}) is None
    assert role_of(rules, {"email": "x@y.z", "roles": ["sales"]}) is None  # another claim is not read


def test_groups_count_only_with_a_roles_claim() -> None:
    rules = AccessRules.from_settings({"admin_groups": ["admins"]})
    assert role_of(rules, {"email": "x@y.z", "groups": ["admins"]}) is None


def test_settings_are_trimmed_and_a_single_string_is_one_entry() -> None:
    rules = AccessRules.from_settings({"admins": " Ana@Acme.com ", "viewers": ["", "  "],
                                       "public_url": " https://debrief.acme.com "})
    assert rules.admins == ("ana@acme.com",) and rules.viewers == ()
    assert rules.public_url == "https://debrief.acme.com"
    assert AccessRules.from_settings(None) == AccessRules()


def test_local_mode_lets_everyone_do_everything() -> None:
    who = access_of(False, AccessRules(), {})
    assert who.local and who.can_view and who.can_write
    require(who, "import files")  # no error


def test_signed_out_and_strangers_may_do_nothing() -> None:
    rules = AccessRules.from_settings(ISSUE_EXAMPLE)
    signed_out = access_of(True, rules, {"is_logged_in": False, "email": "ana@acme.com"})
    stranger = access_of(True, rules, {"is_logged_in": True, "email": "eve@example.com"})
    for who in (signed_out, stranger):
        assert not who.can_view and not who.can_write
    with pytest.raises(NotAllowedError, match="Sign in as an admin"):
        require(signed_out, "import files")
    with pytest.raises(NotAllowedError, match=r"eve@example\.com is not on the access list"):
        require(stranger, "import files")


def test_a_viewer_is_refused_a_write_with_who_may_do_it() -> None:
    viewer = access_of(True, AccessRules.from_settings(ISSUE_EXAMPLE),
                       {"is_logged_in": True, "email": "bo@acme.com", "name": "Bo"})
    assert viewer == Access(signed_in=True, role=VIEWER, email="bo@acme.com", name="Bo")
    with pytest.raises(NotAllowedError) as caught:
        require(viewer, "undo an import")
    assert isinstance(caught.value, DebriefError)  # pages show it like any other user error
    assert "Only an admin can undo an import" in str(caught.value)
    assert "bo@acme.com is a viewer" in str(caught.value)
