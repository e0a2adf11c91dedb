"""The sample CRM exports in sample_data/: deterministic, realistic, and carrying
the patterns the dashboard pages are meant to reveal.

The pattern checks re-read the files with the standard ``csv`` module and re-state
the METRICS.md rules here (§3 categories, §5 account key, §7 price classes, §8
comebacks) instead of importing them from the generator or from ``analytics``,
so a drift in either shows up.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SF_FILE, HS_FILE, PD_FILE = (
    "salesforce_opportunities.csv", "hubspot_deals.csv", "pipedrive_deals.csv")
FIRST_CLOSE, LAST_CLOSE = date(2023, 1, 1), date(2025, 12, 31)


def _generator():
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------
# METRICS.md rules, written out independently
# --------------------------------------------------------------------------

SUFFIXES = {"inc", "incorporated", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co",
            "company", "plc", "sa", "ag", "bv", "pty", "srl", "oy", "ab"}
RULES = [
    ("no_decision", ["no decision", "status quo", "went dark", "ghost", "unresponsive",
                     "no response", "do nothing", "stalled"]),
    ("price", ["price", "pricing", "cost", "expensive", "budget", "cheaper", "discount"]),
    ("product_fit", ["feature", "functionality", "fit", "requirement", "integration",
                     "capabilit", "technical", "product"]),
    ("timing", ["timing", "postpone", "delay", "next year", "not now", "later"]),
    ("relationship", ["relationship", "trust", "support", "service", "experience",
                      "reference"]),
    ("competitor", ["competitor", "incumbent", "chose", "went with"]),
]


def key(name: str) -> str:
    """§5 account key from a name."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    text = text.lower().replace("&", " and ")
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


def category(raw: str) -> str:
    text = raw.strip().lower()
    if not text:
        return "unspecified"
    for name, keywords in RULES:
        if any(k in text for k in keywords):
            return name
    return "other"


def price_class(amount, competitor_price, budget, fit) -> str:
    if competitor_price:
        gap = (amount - competitor_price) / competitor_price
    elif budget:
        gap = (amount - budget) / budget
    else:
        gap = None
    if (fit is not None and fit < 50) or (budget and amount > 1.5 * budget):
        return "wrong_customer"
    if fit is not None and fit >= 50 and gap is not None:
        return "easy_reason" if gap <= 0.10 else "genuine_price"
    return "unknown"


# --------------------------------------------------------------------------
# Reading the three exports back
# --------------------------------------------------------------------------

@dataclass
class Row:
    source: str
    deal_id: str
    account: str
    outcome: str
    close: date | None
    created: date
    amount: float
    competitor: str
    competitor_price: float | None
    budget: float | None
    fit: float | None
    reason: str


def _num(text: str, decimal_comma: bool = False) -> float | None:
    text = text.strip().replace("$", "")
    if not text:
        return None
    text = text.replace(",", ".") if decimal_comma else text.replace(",", "")
    return float(text)


def _read(name: str, **kwargs) -> list[list[str]]:
    encoding = kwargs.pop("encoding", "utf-8")
    with open(SAMPLE / name, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, **kwargs))


def _salesforce_rows() -> tuple[list[str], list[list[str]], list[list[str]]]:
    rows = _read(SF_FILE)
    end = rows.index([])
    return rows[0], rows[1:end], rows[end:]


def _records(name: str, rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def load_rows() -> list[Row]:
    out: list[Row] = []
    header, data, _ = _salesforce_rows()
    for rec in (dict(zip(header, row, strict=True)) for row in data):
        stage = rec["Stage"]
        out.append(Row(
            "salesforce", rec["Opportunity ID"], rec["Account Name"],
            {"Closed Won": "won", "Closed Lost": "lost"}.get(stage, "open"),
            datetime.strptime(rec["Close Date"], "%m/%d/%Y").date(),
            datetime.strptime(rec["Created Date"], "%m/%d/%Y").date(),
            _num(rec["Amount"]), rec["Primary Competitor"].strip(),
            _num(rec["Competitor Price"]), _num(rec["Customer Budget"]),
            _num(rec["Fit Score"]), rec["Loss Reason"]))
    for rec in _records(HS_FILE, _read(HS_FILE, encoding="utf-8-sig")):
        icp = _num(rec["ICP Score"])
        out.append(Row(
            "hubspot", rec["Record ID"], rec["Associated Company"],
            {"Closed Won": "won", "Closed Lost": "lost"}.get(rec["Deal Stage"], "open"),
            datetime.strptime(rec["Close Date"], "%Y-%m-%d %H:%M").date(),
            datetime.strptime(rec["Create Date"], "%Y-%m-%d %H:%M").date(),
            _num(rec["Amount"]), rec["Competitor"].strip(), _num(rec["Competitor Quote"]),
            _num(rec["Budget"]), None if icp is None else icp * 20,
            rec["Closed Lost Reason"]))
    for rec in _records(PD_FILE, _read(PD_FILE, delimiter=";")):
        closed = rec["Deal - Won time"] or rec["Deal - Lost time"]
        fit = _num(rec["Deal - Fit"])
        out.append(Row(
            "pipedrive", rec["Deal - ID"], rec["Deal - Organization"], rec["Deal - Status"],
            datetime.strptime(closed, "%Y-%m-%d %H:%M:%S").date() if closed else None,
            datetime.strptime(rec["Deal - Deal created"], "%Y-%m-%d %H:%M:%S").date(),
            _num(rec["Deal - Value"], decimal_comma=True), rec["Deal - Competitor"].strip(),
            None, None, None if fit is None else fit * 100, rec["Deal - Lost reason"]))
    return out


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return load_rows()


# --------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------

def test_same_seed_same_bytes_and_equal_to_committed_files(tmp_path):
    gen = _generator()
    first = gen.generate(tmp_path / "a", seed=7)
    second = gen.generate(tmp_path / "b", seed=7)
    assert [p.name for p in first] == [SF_FILE, HS_FILE, PD_FILE]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        committed = SAMPLE / a.name
        assert committed.read_bytes() == a.read_bytes(), (
            f"{committed} drifted from the generator: run python sample_data/generate.py")
        assert committed.stat().st_size < 1_000_000


def test_another_seed_gives_other_data(tmp_path):
    gen = _generator()
    (sf7,) = gen.generate(tmp_path / "a", seed=7)[:1]
    (sf8,) = gen.generate(tmp_path / "b", seed=8)[:1]
    assert sf7.read_bytes() != sf8.read_bytes()


# --------------------------------------------------------------------------
# Structure: each file carries its CRM's quirks
# --------------------------------------------------------------------------

def test_salesforce_export_shape():
    raw = (SAMPLE / SF_FILE).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header, data, footer = _salesforce_rows()
    assert header[:3] == ["Opportunity ID", "Opportunity Name", "Account Name"]
    assert "Account ID" not in header  # identity must fall back to the name
    assert all(len(row) == len(header) for row in data)
    # every field quoted, as Salesforce writes it
    first_line = raw.split(b"\r\n", 2)[1].decode()
    assert first_line.startswith('"') and first_line.count('","') == len(header) - 1
    assert [r for r in footer if r] == [
        [f"Grand Totals ({len(data):,} records)"],
        ["Confidential Information - Do Not Distribute"],
        ["Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."],
    ]
    count = int(re.search(r"\(([\d,]+) records\)", footer[1][0])[1].replace(",", ""))
    assert count == len(data)
    amounts = [row[header.index("Amount")] for row in data]
    assert all(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts)
    assert any(not a.endswith(".00") for a in amounts)
    closes = [row[header.index("Close Date")] for row in data]
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", d) for d in closes)
    assert any(int(d.split("/")[1]) > 12 for d in closes)  # month-first is decidable
    stages = {row[header.index("Stage")] for row in data}
    assert stages == {"Closed Won", "Closed Lost", "Prospecting", "Qualification",
                      "Proposal/Price Quote", "Negotiation/Review"}
    fits = [row[header.index("Fit Score")] for row in data if row[header.index("Fit Score")]]
    assert all(f.isdigit() and 0 <= int(f) <= 100 for f in fits) and max(map(int, fits)) > 10
    notes = [row[header.index("Closed Lost Notes")] for row in data]
    assert any("\n" in n for n in notes) and any('"' in n for n in notes)


def test_hubspot_export_shape():
    raw = (SAMPLE / HS_FILE).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _read(HS_FILE, encoding="utf-8-sig")
    header, data = rows[0], rows[1:]
    assert header[0] == "Record ID" and "ICP Score" in header and "Company Size" in header
    assert all(len(row) == len(header) for row in data)
    recs = _records(HS_FILE, rows)
    assert {r["ICP Score"] for r in recs} - {""} == {"1", "2", "3", "4", "5"}
    assert all(re.fullmatch(r"\d+(\.\d{1,2})?", r["Amount"]) for r in recs)
    assert any("." in r["Amount"] for r in recs)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["Create Date"]) for r in recs)
    assert any("," in r["Deal Name"] for r in recs)
    assert any("\n" in r["Closed Lost Reason"] for r in recs)
    assert {r["Deal Stage"] for r in recs} == {
        "Closed Won", "Closed Lost", "Appointment Scheduled", "Qualified To Buy",
        "Contract Sent"}


def test_pipedrive_export_shape():
    text = (SAMPLE / PD_FILE).read_text(encoding="utf-8")
    assert text.splitlines()[0].count(";") == 15 and "," not in text.splitlines()[0]
    rows = _read(PD_FILE, delimiter=";")
    assert all(h.startswith("Deal - ") for h in rows[0])
    recs = _records(PD_FILE, rows)
    assert {r["Deal - Status"] for r in recs} == {"open", "won", "lost"}
    assert {r["Deal - Currency"] for r in recs} == {"EUR"}
    assert all(re.fullmatch(r"\d+,\d\d", r["Deal - Value"]) for r in recs)
    fits = [float(r["Deal - Fit"]) for r in recs if r["Deal - Fit"]]
    assert fits and all(0 < f < 1 for f in fits)
    for r in recs:
        won, lost = r["Deal - Won time"], r["Deal - Lost time"]
        assert {"open": (False, False), "won": (True, False), "lost": (False, True)}[
            r["Deal - Status"]] == (bool(won), bool(lost))
    assert "Müller Logistik GmbH" in text and "Société Générale Énergie SA" in text


def test_ids_unique_and_dates_in_range(rows):
    for source in ("salesforce", "hubspot", "pipedrive"):
        ids = [r.deal_id for r in rows if r.source == source]
        assert len(ids) == len(set(ids)), source
    closed = [r for r in rows if r.outcome != "open"]
    assert all(FIRST_CLOSE <= r.close <= LAST_CLOSE for r in closed)
    assert all(20 <= (r.close - r.created).days <= 180 for r in closed)
    assert all(r.close is None for r in rows if r.source == "pipedrive" and r.outcome == "open")
    counts = {s: sum(r.source == s for r in rows) for s in ("salesforce", "hubspot", "pipedrive")}
    assert 1500 <= counts["salesforce"] <= 2100
    assert 600 <= counts["hubspot"] <= 1000
    assert 450 <= counts["pipedrive"] <= 800


# --------------------------------------------------------------------------
# Planted patterns
# --------------------------------------------------------------------------

def test_win_rates_competitors_fit_and_cycles(rows):
    closed = [r for r in rows if r.outcome != "open"]
    won = [r for r in closed if r.outcome == "won"]
    assert 0.30 <= len(won) / len(closed) <= 0.40
    assert 0.10 <= (len(rows) - len(closed)) / len(rows) <= 0.20
    rates = {}
    for name in {r.competitor for r in closed} - {""}:
        group = [r for r in closed if r.competitor == name]
        rates[name] = sum(r.outcome == "won" for r in group) / len(group)
    assert 4 <= len(rates) <= 5
    assert max(rates.values()) >= 0.50 and min(rates.values()) <= 0.25
    assert any(r.competitor == "" for r in closed)
    won_fit = statistics.mean(r.fit for r in won if r.fit is not None)
    lost_fit = statistics.mean(r.fit for r in closed if r.outcome == "lost" and r.fit is not None)
    assert won_fit > lost_fit + 8
    cycle = {o: statistics.median((r.close - r.created).days for r in closed if r.outcome == o)
             for o in ("won", "lost")}
    assert cycle["lost"] > cycle["won"]
    accounts = {key(r.account) for r in rows if r.account}
    assert 150 <= len(accounts) <= 320


def test_loss_reasons_cover_the_categories(rows):
    lost = [r for r in rows if r.outcome == "lost"]
    cats = defaultdict(int)
    for r in lost:
        cats[category(r.reason)] += 1
    assert set(cats) == {"price", "product_fit", "no_decision", "timing", "relationship",
                         "competitor", "other", "unspecified"}
    assert cats["no_decision"] / len(lost) >= 0.10
    assert all(not r.reason for r in rows if r.outcome != "lost")  # only losses have one
    # the rule order is what decides these
    reasons = {r.reason for r in lost}
    assert "Went with cheaper competitor" in reasons
    assert category("Went with cheaper competitor") == "price"
    assert "Went dark after pricing call" in reasons
    assert category("Went dark after pricing call") == "no_decision"


def test_price_losses_in_three_kinds(rows):
    classes = defaultdict(int)
    for r in rows:
        if r.outcome == "lost" and category(r.reason) == "price":
            classes[price_class(r.amount, r.competitor_price, r.budget, r.fit)] += 1
    for kind in ("wrong_customer", "easy_reason", "genuine_price", "unknown"):
        assert classes[kind] >= 20, (kind, dict(classes))
    planted = classes["wrong_customer"] + classes["easy_reason"] + classes["genuine_price"]
    assert max(classes[k] for k in ("wrong_customer", "easy_reason", "genuine_price")) < planted / 2


def test_spellings_of_one_account_share_a_key():
    assert key("Acme Corp") == key("ACME Corporation") == "acme"
    assert key("Globex, Inc.") == key("Globex Inc") == "globex"
    assert key("Müller Logistik GmbH") == key("Muller Logistik") == "muller logistik"
    assert key("Société Générale Énergie SA") == key("Societe Generale Energie")


def test_comebacks_including_across_crms(rows):
    by_key: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.account and r.outcome != "open":
            by_key[key(r.account)].append(r)
    lost_accounts = came_back = within = cross = 0
    cross_keys = set()
    for k, group in by_key.items():
        losses = [r for r in group if r.outcome == "lost"]
        if not losses:
            continue
        lost_accounts += 1
        anchor = min(losses, key=lambda r: r.close)
        wins = [r for r in group if r.outcome == "won" and r.close > anchor.close]
        if not wins:
            continue
        back = min(wins, key=lambda r: r.close)
        came_back += 1
        within += 90 <= (back.close - anchor.close).days <= 550
        if back.source != anchor.source and back.account != anchor.account:
            cross += 1
            cross_keys.add(k)
    assert came_back >= 30
    assert cross >= 10
    assert 0.15 <= within / lost_accounts <= 0.30
    assert {"acme", "globex", "muller logistik"} <= cross_keys
