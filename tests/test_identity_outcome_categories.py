"""Outcome (§2), account identity (§5) and loss-reason categories with overrides (§3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics import categories
from analytics.categories import categorise, list_reasons, set_override, set_overrides
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


def _categories(con) -> list[tuple]:
    return con.execute("SELECT opportunity_id, loss_reason FROM opportunities ORDER BY 1").fetchall()


def test_a_batch_of_overrides_is_saved_at_once_and_counts_every_changed_deal() -> None:
    con = new_store()
    insert_deals(con, [deal(opportunity_id="1", outcome="lost", loss_reason_raw="Acquired"),
                       deal(opportunity_id="2", outcome="lost", loss_reason_raw="acquired "),
                       deal(opportunity_id="3", outcome="lost", loss_reason_raw="Too expensive"),
                       deal(opportunity_id="4", outcome="lost", loss_reason_raw="Went dark")])
    now = datetime(2026, 1, 1)
    # 1, 2: other -> no_decision; 3: price -> relationship; 4 stays no_decision (no change counted)
    changes = {"Acquired": "no_decision", "Too expensive": "relationship", "went dark": "no_decision"}
    assert set_overrides(con.cursor(), changes, now=now) == 3
    assert _categories(con) == [("1", "no_decision"), ("2", "no_decision"), ("3", "relationship"),
                                ("4", "no_decision")]
    # dropping two overrides in one batch brings back the keyword rules
    assert set_overrides(con.cursor(), {"acquired": None, "TOO EXPENSIVE": None}, now=now) == 3
    assert _categories(con) == [("1", "other"), ("2", "other"), ("3", "price"), ("4", "no_decision")]
    assert set_overrides(con.cursor(), {}, now=now) == 0


def test_a_batch_with_one_bad_change_saves_nothing(monkeypatch) -> None:
    con = new_store()
    insert_deals(con, [deal(opportunity_id="1", outcome="lost", loss_reason_raw="Acquired"),
                       deal(opportunity_id="2", outcome="lost", loss_reason_raw="Too expensive")])
    before = _categories(con)
    now = datetime(2026, 1, 1)
    with pytest.raises(InvalidSettingError, match="Unknown category 'vibes'"):
        set_overrides(con.cursor(), {"Acquired": "timing", "Too expensive": "vibes"}, now=now)
    assert _categories(con) == before
    # a failure inside the transaction (after the overrides were written) rolls all of it back
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(categories, "recategorise", broken)
    with pytest.raises(RuntimeError):
        set_overrides(con.cursor(), {"Acquired": "timing", "Too expensive": "timing"}, now=now)
    assert _categories(con) == before
    assert con.execute("SELECT count(*) FROM reason_overrides").fetchone() == (0,)
