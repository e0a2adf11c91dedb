"""Contract review (METRICS.md §8, §9): departures found by reading the spec word by word.

Each test is a tiny hand-made fixture with its arithmetic in a comment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date as D
from pathlib import Path

import numpy as np
import pytest

from analytics.cli import run
from analytics.filters import Filters
from analytics.metrics.comebacks import ComebackSettings, breakdown, curve, returned_accounts
from analytics.metrics.summary import summary
from tests.factories import deal, insert_deals, new_store

ROOT = Path(__file__).resolve().parents[1]


def lost(oid: str, name: str, day: D, **fields: object) -> dict[str, object]:
    return deal(opportunity_id=oid, account_name=name, outcome="lost", close_date=day, **fields)


def won(oid: str, name: str, day: D, **fields: object) -> dict[str, object]:
    return deal(opportunity_id=oid, account_name=name, outcome="won", close_date=day, **fields)


# --------------------------------------------------------------------------- §8 / §9 as_of given

# as_of given = 2023-06-30, H = 90 (eligible: loss_date <= 2023-04-01, i.e. >= 90 days observed).
# A lost 2023-01-01, won 2023-03-02: 31 + 28 + 1 = 60 days  -> eligible (180 days), came back
# B lost 2023-01-01, won 2024-01-01: 365 days (after as_of)  -> eligible, not within 90; ever
# C lost 2023-09-01 (after as_of), won 2023-10-01: 30 days    -> not eligible; ever
# §9: lost_accounts counts the account_keys with at least one lost deal -> 3 (A, B, C);
# §8: comeback_date is the first win after the loss (no other condition), ever_rate = 3 / 3,
#     median of 30, 60, 365 = 60; eligible 2 (A, B), came back 1 (A) -> comeback_rate 1 / 2.
AS_OF_STORY = [
    lost("A1", "Acme", D(2023, 1, 1), competitor="Alpha"), won("A2", "Acme", D(2023, 3, 2)),
    lost("B1", "Bolt", D(2023, 1, 1), competitor="Alpha"), won("B2", "Bolt", D(2024, 1, 1)),
    lost("C1", "Cask", D(2023, 9, 1), competitor="Alpha"), won("C2", "Cask", D(2023, 10, 1)),
]
AS_OF = ComebackSettings(horizon_days=90, as_of=D(2023, 6, 30))


@pytest.fixture()
def as_of_story():
    con = new_store()
    insert_deals(con, AS_OF_STORY)
    yield con.cursor()
    con.close()


def test_given_as_of_only_moves_eligibility_not_the_lost_accounts(as_of_story):
    got = summary(as_of_story, comeback_settings=AS_OF)["comebacks"]
    assert got == {
        "as_of": "2023-06-30", "horizon_days": 90, "lost_accounts": 3, "eligible": 2,
        "came_back": 1, "comeback_rate": 1 / 2, "ever_rate": 3 / 3,
        "median_days_to_comeback": 60.0,
    }
    # the breakdown and the list of returned accounts agree with the summary
    by = breakdown(as_of_story, Filters(), AS_OF, "competitor").iloc[0]
    assert (by["lost_accounts"], by["eligible"], by["came_back"], by["ever_rate"]) == (3, 2, 1, 1.0)
    assert sorted(returned_accounts(as_of_story, Filters(), AS_OF)["account_key"]) == [
        "acme", "bolt", "cask"]


def test_given_as_of_censors_the_curve(as_of_story):
    # KM over all 3 lost accounts, censored at as_of: A event at 60; B's win comes after
    # as_of, so B is censored at as_of - loss = 180 days; C, lost after as_of, is censored
    # at 0 (it is at risk at time 0 only). At 60: 2 at risk, 1 event -> S = 1/2.
    km = curve(as_of_story, Filters(), AS_OF)
    assert list(km["time"]) == [0, 60, 180]
    assert list(km["at_risk"]) == [3, 2, 1]
    assert list(km["events"]) == [0, 1, 0]
    np.testing.assert_allclose(km["survival"], [1.0, 0.5, 0.5])


# --------------------------------------------------------------------------- §9 command line


@pytest.mark.parametrize(("flags", "needle"), [
    (["--as-of", "not-a-date"], "--as-of"),
    (["--as-of", "2024-02-30"], "--as-of"),
    (["--horizon-days", "abc"], "--horizon-days"),
    (["--fit-threshold", "high"], "--fit-threshold"),
    (["--horizon-days", "-5"], "horizon"),
    (["--fit-threshold", "150"], "fit threshold"),
    (["--tolerance", "-0.1"], "tolerance"),
    (["--bracket-factor", "0"], "bracket factor"),
])
def test_bad_summary_flags_give_one_line_and_a_non_zero_exit(tmp_path: Path, flags, needle) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "summary", "--json", "--db",
         str(tmp_path / "x.duckdb"), *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_text_summary_of_an_empty_database_says_n_a(tmp_path: Path, capsys) -> None:
    assert run(["summary", "--db", str(tmp_path / "x.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    assert run(["summary", "--json", "--db", str(tmp_path / "x.duckdb")]) == 0
    cb = json.loads(capsys.readouterr().out)["comebacks"]
    assert cb["as_of"] is None and cb["median_days_to_comeback"] is None


# --------------------------------------------------------------------------- §3 overrides, end to end


def test_override_applies_to_rows_imported_later_and_drives_price_fit(tmp_path: Path, capsys) -> None:
    # "Went with Zeta" is competitor by the rules (no price keyword); the user maps it to
    # price BEFORE the file is imported. The import must apply the stored override, so the
    # loss is a price loss: fit 80 >= 50, gap (105 - 100) / 100 = 0.05 <= 0.10 -> easy_reason.
    # "Too expensive" is price by the rules but mapped to timing -> no price-fit class.
    db = str(tmp_path / "x.duckdb")
    assert run(["reasons", "set", "went with zeta", "price", "--db", db]) == 0
    assert run(["reasons", "set", "TOO EXPENSIVE", "timing", "--db", db]) == 0
    path = tmp_path / "later.csv"
    path.write_text("Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason,"
                    "Competitor Price,Fit Score,Competitor\n"
                    "L1,Acme,Closed Lost,105,2024-01-01,Went with Zeta,100,80,Zeta\n"
                    "L2,Bolt,Closed Lost,300,2024-01-02,Too expensive,100,80,\n"
                    "W1,Cask,Closed Won,50,2024-01-03,Went with Zeta,,, Zeta \n")
    assert run(["import", str(path), "--db", db]) == 0
    capsys.readouterr()
    assert run(["summary", "--json", "--db", db]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["loss_reasons"] == {"no_decision": 0, "price": 1, "product_fit": 0, "timing": 1,
                                   "relationship": 0, "competitor": 0, "other": 0,
                                   "unspecified": 0}
    assert sum(got["loss_reasons"].values()) == got["deals"]["lost"] == 2
    assert got["price_fit"] == {"wrong_customer": 0, "easy_reason": 1, "genuine_price": 0,
                                "unknown": 0, "mismatch_rate": 1.0}
    # competitor trimmed on import, case kept; one key over the closed deals naming it
    assert got["competitors"] == {"Zeta": {"won": 1, "lost": 1, "win_rate": 0.5}}
