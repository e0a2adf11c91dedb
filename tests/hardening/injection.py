"""Hostile text for the injection tests: a database whose every free-text field holds one of three
payloads, and the checks that a rendered page shows them as text — never as a markdown image or
link, HTML, or plotly markup."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from analytics import store
from analytics.ingest import importer
from analytics.present.text import md_escape
from tests.factories import deal, insert_deals
from tests.hardening.helpers import NOW

#: A markdown image the browser would fetch, an HTML image whose error handler runs script, and
#: a markdown link to script.
IMAGE = "![x](http://127.0.0.1:1/x)"
HTML = "<img src=x onerror=alert(1)>"
SCRIPT_LINK = "[a](javascript:alert(1))"
PAYLOADS = (IMAGE, HTML, SCRIPT_LINK)
#: Every page: its label → its script (None: the Overview, app.py).
PAGES = {"Overview": None, "Loss reasons": "pages/1_Loss_reasons.py",
         "Price vs fit": "pages/2_Price_vs_fit.py", "Comebacks": "pages/3_Comebacks.py",
         "Competitors": "pages/4_Competitors.py", "What buyers said": "pages/7_What_buyers_said.py",
         "Deals": "pages/5_Deals.py", "Import": "pages/6_Import.py"}
#: The fields a page may show, filter on or draw, each holding a payload in the hostile database.
FIELDS = ("segment", "region", "owner", "product", "competitor", "currency", "account_name",
          "opportunity_name", "loss_reason_raw", "loss_notes", "industry", "lead_source")
#: The sidebar filters a link can set to a payload.
LINK_FILTERS = ("segment", "region", "owner", "product", "competitor", "currency")
#: The file name of the hostile import (shown on the Import page's history).
FILE_NAME = f"{IMAGE} {HTML} {SCRIPT_LINK}.csv"

#: Markup that would act if rendered: an unescaped image/link target, an HTML tag.
_ACTIVE_MARKDOWN = re.compile(r"(?<!\\)\]\((?:http://127\.0\.0\.1:1|javascript:)|(?<!\\)<img|(?<!\\)!\[x",
                              re.IGNORECASE)


def hostile_deals() -> list[dict[str, Any]]:
    """90 deals over two years: each payload in every free-text field of a third of them; won,
    lost and open deals; accounts lost, then won again; price evidence on the price losses."""
    rows = []
    start = date(2024, 1, 10)
    for i in range(90):
        payload = PAYLOADS[i % 3]
        outcome = ("won", "lost", "lost", "open")[i % 4] if i < 60 else ("lost", "won")[i % 2]
        closed = start + timedelta(days=8 * i)
        rows.append(deal(
            outcome=outcome, amount=1000.0 + 10 * i, close_date=closed,
            created_date=closed - timedelta(days=40), fit_score=float(20 + i % 70),
            competitor_price=900.0 + 5 * i, budget=950.0,
            loss_reason_raw=f"price {payload}" if i % 2 else f"{payload} went with a rival",
            loss_notes=f"too expensive for them {payload} budget cut",
            **{f: payload for f in FIELDS if f not in ("loss_reason_raw", "loss_notes")}))
    return rows


def hostile_csv() -> bytes:
    """A Salesforce-like export holding the payloads in every column (imported under :data:`FILE_NAME`)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Opportunity ID", "Account Name", "Opportunity Name", "Stage", "Amount", "Currency",
                "Close Date", "Created Date", "Loss Reason", "Loss Notes", "Competitor", "Segment",
                "Region", "Product", "Opportunity Owner"])
    for i, payload in enumerate(PAYLOADS * 4):
        stage = "Closed Won" if i % 2 else "Closed Lost"
        w.writerow([f"H-{i}", payload, payload, stage, 500 + i, payload, f"2025-0{1 + i % 9}-15",
                    "2024-12-01", payload, payload, payload, payload, payload, payload, payload])
    return out.getvalue().encode()


def hostile_db(path: Path) -> Path:
    """A database file holding :func:`hostile_deals` and one import of :func:`hostile_csv`."""
    con = store.connect(path)
    try:
        importer.import_bytes(con, hostile_csv(), FILE_NAME, now=NOW)
        insert_deals(con, hostile_deals())
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def markdown_texts(at: Any) -> list[tuple[str, str]]:
    """(what, text) of everything on a run page that Streamlit renders as markdown."""
    out: list[tuple[str, str]] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "title"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    for m in at.metric:
        out += [("metric label", str(m.label)), ("metric value", str(m.value)),
                ("metric help", str(m.help or ""))]
    for kind in ("tabs", "expander"):
        out += [(f"{kind} label", str(e.label)) for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "text_input", "checkbox", "toggle", "radio",
                 "date_input", "slider", "select_slider", "number_input"):
        for e in getattr(at, kind, []):
            out += [(f"{kind} label", str(e.label)), (f"{kind} help", str(getattr(e, "help", "") or ""))]
    return out


def active_markdown(at: Any) -> list[tuple[str, str]]:
    """The rendered texts in which a payload would act (empty when every one reads as text)."""
    return [(kind, text[:200]) for kind, text in markdown_texts(at) if _ACTIVE_MARKDOWN.search(text)]


def escaped_payloads_shown(at: Any) -> set[str]:
    """The payloads the page shows escaped in its markdown (proof the hostile text got there)."""
    joined = "\n".join(text for _, text in markdown_texts(at))
    return {p for p in PAYLOADS if md_escape(p) in joined}


def figure_strings(at: Any) -> list[str]:
    """Every string in the page's plotly figures (decoded from their JSON)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for element in at.get("plotly_chart"):
        walk(json.loads(element.proto.spec))
    return found
