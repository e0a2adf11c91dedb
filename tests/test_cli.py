"""``python -m analytics``: output, exit codes, one-line errors, summary JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import run

ROOT = Path(__file__).resolve().parents[1]
MAVEN_MAP = ["--map", "sales_agent=owner", "--map", "engage_date=created_date",
             "--map", "close_value=amount"]
CSV = ("Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason,Competitor\n"
       "A,Acme,Closed Won,100,2024-01-10,,Beta\n"
       "B,Acme,Closed Lost,300,2024-01-05,Price too high,Beta\n"
       "C,Globex,Closed Lost,50,2024-02-01,went dark,\n"
       "D,Globex,Proposal,10,,,\n"
       "E,,,10,,,\n")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def test_import_prints_counts_and_where_rejects_are(tmp_path: Path, db: Path, capsys) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(CSV)
    assert run(["import", str(path), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "deals.csv: import #1 (salesforce): 5 rows read, 4 loaded, 0 updated" in out
    assert "1 rejected" in out and "python -m analytics rejects 1" in out
    assert run(["rejects", "1", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines() == ["line,reason,raw", "6,stage is blank,\"E,,,10,,,\""]


def test_summary_json_on_a_hand_worked_fixture(tmp_path: Path, db: Path, capsys) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(CSV)
    run(["import", str(path), "--db", str(db)])
    capsys.readouterr()
    assert run(["summary", "--json", "--db", str(db)]) == 0
    got = json.loads(capsys.readouterr().out)
    # 4 deals: A won, B and C lost, D open. win rate 1/3; excluding C (no decision) 1/2;
    # amount 100 / (100 + 300 + 50) = 100/450.
    assert got["deals"] == {"total": 4, "won": 1, "lost": 2, "open": 1}
    assert got["win_rate"] == pytest.approx(1 / 3)
    assert got["win_rate_excl_no_decision"] == pytest.approx(1 / 2)
    assert got["amount_win_rate"] == pytest.approx(100 / 450)
    assert got["loss_reasons"]["price"] == 1 and got["loss_reasons"]["no_decision"] == 1
    assert sum(got["loss_reasons"].values()) == 2
    assert got["competitors"] == {"Beta": {"won": 1, "lost": 1, "win_rate": 0.5}}
    # Acme lost 2024-01-05 and won 2024-01-10: a comeback after 5 days; Globex never came back.
    cb = got["comebacks"]
    assert (cb["as_of"], cb["lost_accounts"], cb["median_days_to_comeback"]) == ("2024-02-01", 2, 5)
    assert cb["ever_rate"] == pytest.approx(0.5)
    assert cb["eligible"] == 0 and cb["comeback_rate"] is None  # nobody lost 365+ days before as_of
    assert set(got["price_fit"]) == {"wrong_customer", "easy_reason", "genuine_price", "unknown",
                                     "mismatch_rate"}


def test_maven_summary_deals_and_win_rate(db: Path, maven_csv: Path, capsys) -> None:
    assert run(["import", str(maven_csv), "--db", str(db), *MAVEN_MAP]) == 0
    capsys.readouterr()
    assert run(["summary", "--json", "--db", str(db)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["deals"] == {"total": 8800, "won": 4238, "lost": 2473, "open": 2089}
    assert got["win_rate"] == pytest.approx(4238 / (4238 + 2473))
    assert got["loss_reasons"]["unspecified"] == 2473  # Maven has no loss reasons


def test_unusable_file_exits_non_zero_with_one_line_and_no_traceback(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("Quarterly review\nWe lost three deals to price.\n")
    proc = subprocess.run([sys.executable, "-m", "analytics", "import", str(bad), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: notes.csv: ")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["undo", "7"], "no import #7"),
    (["import", "missing.csv"], "missing.csv: no such file"),
    (["import", "x.csv", "--map", "nope"], "HEADER=field"),
    (["summary", "--filter", "colour=red"], "DIMENSION=VALUE"),
    (["reasons", "set", "Too pricey", "vibes"], "Unknown category"),
])
def test_errors_are_one_line(db: Path, capsys, argv, message) -> None:
    assert run([*argv, "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_imports_undo_and_reasons(tmp_path: Path, db: Path, capsys) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(CSV)
    run(["import", str(path), "--db", str(db)])
    assert run(["reasons", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Price too high" in out and "no_decision" in out
    assert run(["reasons", "set", "went dark", "timing", "--db", str(db)]) == 0
    assert "1 lost deal(s) changed category" in capsys.readouterr().out
    run(["summary", "--json", "--db", str(db)])
    assert json.loads(capsys.readouterr().out)["loss_reasons"]["timing"] == 1
    assert run(["undo", "1", "--db", str(db)]) == 0
    assert "4 rows removed" in capsys.readouterr().out
    assert run(["imports", "--db", str(db)]) == 0
    assert "undone" in capsys.readouterr().out


PRICE_CSV = ("Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason,Competitor Price,"
             "Fit Score\n"
             "P,Acme,Closed Lost,105,2024-01-01,Price,100,60\n"
             "W,Acme,Closed Won,10,2024-03-01,,,\n"
             "Z,Zeta,Closed Lost,10,2024-06-30,Timing,,\n")


@pytest.mark.parametrize(("flags", "expected_class"), [
    ([], "easy_reason"),  # fit 60 >= 50, gap (105-100)/100 = 5% <= 10%
    (["--tolerance", "0.01"], "genuine_price"),  # 5% > 1%
    (["--fit-threshold", "70"], "wrong_customer"),  # 60 < 70
])
def test_summary_threshold_flags(tmp_path: Path, db: Path, capsys, flags, expected_class) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PRICE_CSV)
    run(["import", str(path), "--db", str(db)])
    capsys.readouterr()
    assert run(["summary", "--json", "--db", str(db), *flags]) == 0
    price_fit = json.loads(capsys.readouterr().out)["price_fit"]
    assert price_fit[expected_class] == 1
    assert sum(price_fit[k] for k in ("wrong_customer", "easy_reason", "genuine_price", "unknown")) == 1


@pytest.mark.parametrize(("flags", "eligible", "came_back"), [
    # as_of = 2024-06-30 (latest close). Acme lost 2024-01-01, won 2024-03-01 (60 days later);
    # Zeta lost 2024-06-30. With H=365 nobody is eligible (Acme's loss is 181 days before as_of).
    ([], 0, 0),
    (["--horizon-days", "90"], 1, 1),  # Acme: 181 >= 90 eligible, 60 <= 90 came back
    (["--horizon-days", "30"], 1, 0),  # eligible, but 60 > 30
    (["--horizon-days", "90", "--as-of", "2024-02-15"], 0, 0),  # 45 days: not yet eligible
])
def test_summary_comeback_flags(tmp_path: Path, db: Path, capsys, flags, eligible, came_back) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PRICE_CSV)
    run(["import", str(path), "--db", str(db)])
    capsys.readouterr()
    assert run(["summary", "--json", "--db", str(db), *flags]) == 0
    cb = json.loads(capsys.readouterr().out)["comebacks"]
    assert (cb["eligible"], cb["came_back"]) == (eligible, came_back)


def test_rejects_csv_never_hands_a_spreadsheet_a_formula(tmp_path: Path, db: Path, capsys) -> None:
    path = tmp_path / "evil.csv"
    path.write_text("Opportunity ID,Account Name,Stage,Amount,Close Date\n"
                    "=cmd|' /C calc'!A0,Acme,,10,2024-01-01\n"
                    "+SUM(1),Acme,,10,2024-01-01\n"
                    "@SUM(1),Acme,,10,2024-01-01\n"
                    "-2+3,Acme,,10,2024-01-01\n"
                    "OK,Acme,Closed Won,10,2024-01-01\n")
    assert run(["import", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert run(["rejects", "1", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "line,reason,raw"
    raws = [line.split(",", 2)[2] for line in lines[1:]]
    # each raw line starts with the formula-looking id, and each is quoted with a leading '
    assert [r.lstrip('"')[:2] for r in raws] == ["'=", "'+", "'@", "'-"]


def test_text_summary_says_what_the_notes_say(tmp_path: Path, db: Path, capsys) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("Opportunity ID,Account Name,Stage,Close Date,Loss Reason,Loss Notes\n"
                    "A,Acme,Closed Lost,2024-01-05,Price too high,Too expensive for them\n"  # agrees
                    "B,Beta,Closed Lost,2024-01-06,Price,Champion left; went dark\n"  # easy price
                    "C,Gamma,Closed Lost,2024-01-07,Timing,Nice people\n"  # unclear
                    "D,Delta,Closed Lost,2024-01-08,Timing,\n")  # no notes
    assert run(["import", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert run(["summary", "--db", str(db)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Loss notes:"))
    # 3 deals with notes; only A agrees (1/3); B is an easy-price loss; C says nothing we know
    assert line == ("Loss notes: 3 lost deals with notes; the notes agree with the stated reason in "
                    "1 (33.3%); 1 easy-price losses; 1 unclear")
