"""Outcome (§2), account identity (§5) and loss-reason categories with overrides (§3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics.categories import categorise, list_reasons, set_override
from analytics.errors import InvalidSettingError
from analytics.ingest.identity import account_key
from analytics.ingest.outcome import outcome_of
from tests.factories import deal, insert_deals, new_store


@pytest.mark.parametrize(("stage", "outcome"), [
    ("Closed Won", "won"), ("closed_won", "won"), ("CLOSED-WON", "won"), ("ClosedWon", "won"),
    ("won", "won"), (" Won ", "won"), ("Closed Lost", "lost"), ("closedlost", "lost"),
    ("Lost", "lost"), ("loss", "lost"), ("closed  lost", "lost"), ("Negotiation", "open"),
    ("Won-back", "open"), ("", "open"), (None, "open"), ("Closed", "open"),
])
def test_outcome(stage, outcome) -> None:
    assert outcome_of(stage) == outcome


@pytest.mark.parametrize(("account_id", "name", "key"), [
    (None, "ACME, Inc.", "acme"), (None, "Acme Inc", "acme"), (None, "Acme Corp.", "acme"),
    (None, "Acme Corporation", "acme"), (None, "Globex Co. Ltd", "globex"),
    (None, "Müller Logistik GmbH", "muller logistik"), (None, "Muller Logistik", "muller logistik"),
    (None, "Société Générale Énergie SA", "societe generale energie"),
    (None, "Smith & Sons Pty Ltd", "smith and sons"), (None, "  Initech   LLC ", "initech"),
    (None, "Company", "company"), (None, "", None), (None, None, None),
    ("001ABC", "Acme Inc", "001ABC"),
])
def test_account_key(account_id, name, key) -> None:
    assert account_key(account_id, name) == key


@pytest.mark.parametrize(("raw", "category"), [
    ("No decision - status quo", "no_decision"), ("Prospect ghosted us", "no_decision"),
    ("Price too high", "price"), ("Budget stalled", "no_decision"),  # rule 1 before rule 2
    ("Went with cheaper competitor", "price"), ("Missing features", "product_fit"),
    ("Requirements not met", "product_fit"), ("Not now, revisit next year", "timing"),
    ("Poor support experience", "relationship"), ("Chose incumbent", "competitor"),
    ("Went with Tableau", "competitor"), ("Benefit unclear", "product_fit"),  # "benefit" has "fit"
    ("Acquired", "other"), ("", "unspecified"), ("   ", "unspecified"), (None, "unspecified"),
])
def test_category_rules_in_order(raw, category) -> None:
    assert categorise(raw) == category


def test_override_wins_is_stored_and_can_be_dropped() -> None:
    con = new_store()
    insert_deals(con, [deal(outcome="lost", loss_reason_raw="Acquired"),
                       deal(outcome="lost", loss_reason_raw=" acquired "),
                       deal(outcome="lost", loss_reason_raw="Price"),
                       deal(outcome="won", loss_reason_raw="Acquired")])
    now = datetime(2026, 1, 1)
    assert set_override(con.cursor(), "ACQUIRED", "no_decision", now=now) == 2
    assert con.execute("SELECT loss_reason, count(*) FROM opportunities GROUP BY 1 ORDER BY 1"
                       ).fetchall() == [("no_decision", 2), ("price", 1), (None, 1)]
    listed = {raw: (cat, n, over) for raw, cat, n, over in list_reasons(con.cursor())}
    assert listed["Price"] == ("price", 1, False)
    assert sum(n for cat, n, over in listed.values() if cat == "no_decision" and over) == 2
    assert set_override(con.cursor(), "acquired", None, now=now) == 2
    assert con.execute("SELECT count(*) FROM opportunities WHERE loss_reason = 'other'").fetchone() == (2,)
    with pytest.raises(InvalidSettingError, match="Unknown category"):
        set_override(con.cursor(), "x", "vibes", now=now)
