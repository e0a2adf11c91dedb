"""A generated CRM export with every quirk of METRICS.md §6, and a share of bad records.

Used by tests/test_columnar.py (the columnar importer against the reference one) and by
benchmarks/run.py (the 1M-row import). The same seed gives the same bytes.

Quirks: UTF-8 BOM; ``$`` / ``€`` / ``£`` amounts written many ways (``$12,000.00``,
``12.000,50 €``, ``(1,200.00)``, ``USD 5,000``, NBSP groups); a decimal-comma budget
column; a day-first created-date column; close dates as month-first slashes, ISO with a
time and zone, dotted and two-digit years; a 1–5 or 0–1 fit column with ``%``; stages
written several ways; accented and punctuated account names; quoted newlines, quotes and
tabs in notes; a currency column; repeated ``Tag`` headers; report footers; exact repeat
lines, reused ids, short and long rows, and cells that break a rule.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

HEADER = ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage",
          "Amount", "Currency", "Close Date", "Created Date", "Loss Reason", "Primary Competitor",
          "Competitor Price", "Customer Budget", "Fit Score", "Segment", "Region", "Notes", "Tag",
          "Tag"]
_NAMES = ["Acme Inc.", "Müller & Söhne GmbH", "Café Zürich AG", "Globex, LLC", "Initech Ltd",
          "O'Brien & Co", "Ünïcødé Corp", "Company", "Smith_Jones Pty", "北京科技有限公司",
          "  Spaced   Out  Inc  ", "İstanbul Yazılım A.Ş."]
_STAGES = ["Closed Won", "Closed Lost", "closed_lost", "ClosedWon", "Negotiation", "LOST",
           " Won ", "Qualification", "closed-won"]
_REASONS = ["Price too high", "Went dark", "No decision", "Chose incumbent", "", "Budget cut"]
_NOTES = ["", "", "Said \"too pricey\"", "line one\nline two", "tab\there", "comma, inside",
          "über teuer", "ends with backslash \\"]
_BAD = ["amount", "close", "stage", "fit", "created", "won_no_close", "long_row", "short_row",
        "reused_id", "huge"]


def _amount(rng: random.Random, value: int) -> str:
    cents = rng.randrange(100)
    # The common forms most of the time; parentheses, a code and NBSP groups now and then.
    form = rng.choices(range(14), [20, 10, 10, 10, 8, 5, 3, 1, 1, 1, 10, 3, 10, 8])[0]
    return [f"${value:,}.{cents:02d}", f"{value:,}.{cents:02d}", f"{value}",
            f"{value:,}".replace(",", ".") + f",{cents:02d} €", f"€{value:,}".replace(",", "."),
            f"£{value:,}", f"-${value:,}", f"({value:,}.00)", f"USD {value:,}",
            f"{value:,}".replace(",", "\u00a0") + ",50", f"{value}.{cents:02d}",
            f"{value} $", f"{value:,}", ""][form]


def _date(rng: random.Random, day: date, form: int) -> str:
    return [f"{day.month}/{day.day}/{day.year}", f"{day:%Y-%m-%d}T10:22:11Z",
            f"{day:%Y-%m-%d}", f"{day.month:02d}/{day.day:02d}/{day:%y}",
            f"{day:%Y-%m-%d} 09:30:00", f"{day:%b} {day.day}, {day.year}"][form]


def _budget(rng: random.Random, value: int) -> str:
    """A decimal-comma column: '12.345,50', '1.200' (thousands there), '12,5', blank."""
    form = rng.randrange(5)
    return [f"{value:,}".replace(",", ".") + f",{rng.randrange(100):02d}",
            f"{value:,}".replace(",", "."), f"{value % 100},{rng.randrange(10)}", "", str(value)][form]


def _fit(rng: random.Random, scale: str) -> str:
    if rng.random() < 0.2:
        return ""
    if scale == "1-5":
        return str(rng.randrange(1, 6))
    if scale == "0-1":
        return f"{rng.random():.2f}".replace(".", "," if rng.random() < 0.3 else ".")
    return f"{rng.randrange(0, 101)}{rng.choice(['', '%', ' %'])}"


def _record(rng: random.Random, i: int, scale: str) -> list[str]:
    created = date(2021, 1, 1) + timedelta(days=rng.randrange(1400))
    close = created + timedelta(days=rng.randrange(10, 200))
    stage = rng.choice(_STAGES)
    value = rng.randrange(1_000, 2_000_000)
    opp_id = "" if rng.random() < 0.05 else f"006{i:09d}"
    return [
        opp_id, f"Deal {i}" + ("\nsecond line" if rng.random() < 0.02 else ""),
        rng.choice(_NAMES) if rng.random() < 0.3 else f"Account {rng.randrange(5000)} Inc.",
        f"Rep {rng.randrange(60)}", stage, _amount(rng, value),
        rng.choice(["", "", "", "eur", "USD"]),
        "" if "Neg" in stage or "Qual" in stage
        else _date(rng, close, rng.choices(range(6), [40, 20, 20, 5, 10, 1])[0]),
        f"{created.day}/{created.month}/{created.year}",
        rng.choice(_REASONS) if "ost" in stage.lower() else "", rng.choice(["Alpha", "Beta", ""]),
        f"{value * rng.uniform(0.7, 1.3):.2f}" if rng.random() < 0.5 else "",
        _budget(rng, value), _fit(rng, scale), rng.choice(["SMB", "Mid-Market", "Enterprise"]),
        rng.choice(["NA", "EMEA", "APAC"]), rng.choice(_NOTES), rng.choice(["", "x", "y"]),
        rng.choice(["", "z"]),
    ]


def _break(rng: random.Random, cells: list[str], kind: str, i: int) -> list[str]:
    """A record that breaks one rule (most become rejects)."""
    cells = list(cells)
    if kind == "amount":
        cells[5] = rng.choice(["12 apples", "n/a", "1,2,3", "$5$€"])
    elif kind == "close":
        cells[4], cells[7] = "Closed Won", rng.choice(["13/13/2024", "31/02/2024", "tbd", "1/1/1850"])
    elif kind == "stage":
        cells[4] = " "
    elif kind == "fit":
        cells[13] = rng.choice(["-3", "high", "250"])
    elif kind == "created":
        cells[8] = "32/1/2024"
    elif kind == "won_no_close":
        cells[4], cells[7] = "Closed Won", ""
    elif kind == "long_row":
        cells.append("surprise")
    elif kind == "short_row":
        cells = cells[:10]
    elif kind == "reused_id":
        cells[0] = f"006{max(i - 3, 0):09d}"
    elif kind == "huge":
        cells[16] = "x" * 100_001
    return cells


def messy_export(n: int, seed: int = 1, bad_share: float = 0.01) -> bytes:
    """``n`` records (before repeats) as CSV bytes with every quirk; see the module docstring."""
    import csv
    import io

    rng = random.Random(seed)
    scale = ["1-5", "0-1", "pct"][seed % 3]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if seed % 2 else "\n")
    writer.writerow(HEADER)
    previous: list[str] | None = None
    for i in range(n):
        cells = _record(rng, i, scale)
        # Not in the first lines: one long row there wins the delimiter sniff for tab
        # (reading._sniff_delimiter scores the widest row's count).
        if i >= 60 and rng.random() < bad_share:
            cells = _break(rng, cells, rng.choice(_BAD), i)
        if previous is not None and rng.random() < bad_share / 2:
            writer.writerow(previous)  # an exact repeat of the line before
        writer.writerow(cells)
        previous = cells
    writer.writerow([])
    writer.writerow([f"Grand Totals ({n} records)", "", "", "", "", "123456"])
    writer.writerow(["Confidential Information - Do Not Distribute"])
    writer.writerow(["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
