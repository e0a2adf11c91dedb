"""Amounts in different currencies are never added up (issue 14): one currency per amount figure,
counts and count-based rates over every deal; the CLI's --currency."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from analytics.cli import run
from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics import loss_reasons, winrates
from analytics.metrics.currency import amount_currencies, choose_currency, stated_currencies
from analytics.store import connect
from tests.factories import deal, insert_deals, new_store

# USD: won 100, won 300, lost 200 (price) · EUR: won 1000, lost 3000 (price) · none: lost 50
ROWS = [
    deal(outcome="won", amount=100, currency="USD", close_date=date(2024, 1, 5), competitor="Beta"),
    deal(outcome="won", amount=300, currency="USD", close_date=date(2024, 1, 9), competitor="Beta"),
    deal(outcome="lost", amount=200, currency="USD", close_date=date(2024, 2, 1),
         loss_reason_raw="Too expensive", competitor="Beta"),
    deal(outcome="won", amount=1000, currency="EUR", close_date=date(2024, 1, 20), competitor="Beta"),
    deal(outcome="lost", amount=3000, currency="EUR", close_date=date(2024, 2, 2),
         loss_reason_raw="Price too high", competitor="Beta"),
    deal(outcome="lost", amount=50, currency=None, close_date=date(2024, 2, 3),
         loss_reason_raw="Price too high"),
    deal(outcome="open", amount=70, currency="USD"),
]


@pytest.fixture
def cur():
    con = new_store()
    insert_deals(con, ROWS)
    return con.cursor()


def test_choices_most_common_first_and_default(cur) -> None:
    assert amount_currencies(cur) == ["USD", "EUR", BLANK_LABEL]  # 4 USD deals, 2 EUR, 1 none
    assert choose_currency(cur, None) == "USD"
    assert choose_currency(cur, "eur") == "EUR"
    with pytest.raises(InvalidSettingError, match="GBP"):
        choose_currency(cur, "GBP")


def test_headline_amounts_per_currency_counts_unchanged(cur) -> None:
    every = winrates.headline(cur, Filters())
    usd = winrates.headline(cur, Filters(currency="USD"))
    eur = winrates.headline(cur, Filters(currency="EUR"))
    assert (usd.total, usd.won, usd.lost, usd.open) == (every.total, every.won, every.lost, every.open)
    assert usd.win_rate == every.win_rate == eur.win_rate  # 3 / 6 over every deal
    assert (usd.won_amount, usd.lost_amount) == (400, 200)
    assert usd.amount_win_rate == pytest.approx(400 / 600)
    assert usd.avg_won_amount == pytest.approx(200)  # (100 + 300) / 2
    assert (eur.won_amount, eur.lost_amount, eur.amount_win_rate) == (1000, 3000, 0.25)
    none = winrates.headline(cur, Filters(currency=BLANK_LABEL))
    assert (none.won_amount, none.lost_amount) == (0, 50)


def test_grouped_and_loss_amounts_per_currency(cur) -> None:
    month = winrates.by_period(cur, Filters(currency="EUR"), "month")
    assert month["won_amount"].tolist() == [1000, 0] and month["lost_amount"].tolist() == [0, 3000]
    assert month["won"].tolist() == [3, 0] and month["lost"].tolist() == [0, 3]  # all deals counted
    pareto = loss_reasons.pareto(cur, Filters(currency="USD"), "amount")
    price = pareto.set_index("category").loc["price"]
    assert price["deals"] == 3 and price["amount"] == 200  # 3 lost to price; only the USD one's amount


def test_cli_summary_currency_flag(tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.duckdb"
    con = connect(db)
    insert_deals(con, ROWS)
    con.close()
    assert run(["summary", "--json", "--db", str(db)]) == 0
    default = json.loads(capsys.readouterr().out)
    assert default["amount_win_rate"] == pytest.approx(400 / 600)  # USD, the most common
    assert default["win_rate"] == pytest.approx(3 / 6)
    assert run(["summary", "--json", "--db", str(db), "--currency", "EUR"]) == 0
    assert json.loads(capsys.readouterr().out)["amount_win_rate"] == pytest.approx(0.25)
    assert run(["summary", "--db", str(db)]) == 0
    assert "USD deals only" in capsys.readouterr().out
    assert run(["summary", "--db", str(db), "--currency", "GBP"]) == 1
    assert "GBP" in capsys.readouterr().err


def test_single_currency_data_is_summed_as_stored(tmp_path: Path) -> None:
    con = new_store()
    insert_deals(con, [deal(outcome="won", amount=10, currency="USD"),
                       deal(outcome="lost", amount=30, currency=None)])
    cur = con.cursor()
    assert amount_currencies(cur) == [] and choose_currency(cur, None) is None
    assert choose_currency(cur, "usd") is None  # the only currency: amounts as stored
    assert winrates.headline(cur, Filters()).amount_win_rate == 0.25


def test_cli_report_says_which_currency(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    con = connect(db)
    insert_deals(con, ROWS)
    con.close()
    out = tmp_path / "r.html"
    assert run(["report", "--db", str(db), "--out", str(out), "--currency", "EUR"]) == 0
    assert "Amounts are EUR only" in out.read_text()


def test_stated_currencies_are_the_distinct_non_blank_codes_sorted() -> None:
    con = new_store()
    insert_deals(con, [deal(currency="USD"), deal(currency="EUR"), deal(currency="USD"), deal(currency=" ")])
    assert stated_currencies(con.cursor()) == ["EUR", "USD"]
    assert stated_currencies(new_store().cursor()) == []
