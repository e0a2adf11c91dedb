"""analytics.present.tables: table heights, CSV neutralising, import freshness, deal labels and the
category editor's changes. Expected values are worked out by hand in each test."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analytics.present import tables


@pytest.mark.parametrize(("rows", "most", "expected"), [
    (0, 420, 38),      # the header alone
    (1, 420, 73),      # 38 + 35
    (10, 420, 388),    # 38 + 350: still fits
    (11, 420, 420),    # 38 + 385 = 423: capped
    (50, 720, 720),
    (3, 250, 143),     # 38 + 105
])
def test_table_height_fits_the_rows_up_to_a_cap(rows: int, most: int, expected: int) -> None:
    assert tables.table_height(rows, most) == expected


def test_safe_csv_neutralises_what_a_spreadsheet_would_run() -> None:
    df = pd.DataFrame({"name": ["=SUM(A1)", "+1", "-2", "@cmd", "plain", "a=b"], "n": [1, -5, 2, 3, 4, 5]})
    text = tables.safe_csv(df).decode("utf-8")
    assert text.splitlines() == ["name,n", "'=SUM(A1),1", "'+1,-5", "'-2,2", "'@cmd,3", "plain,4", "a=b,5"]


def test_safe_csv_leaves_numbers_and_blanks_alone() -> None:
    df = pd.DataFrame({"amount": [-100.0, None], "text": [None, "ok"]})
    assert tables.safe_csv(df).decode("utf-8").splitlines() == ["amount,text", "-100.0,", ",ok"]


NOW = datetime(2026, 1, 10, 12, 0)


@pytest.mark.parametrize(("latest", "expected"), [
    (datetime(2026, 1, 10, 11, 59), "Last import just now (2026-01-10 11:59)"),
    (datetime(2026, 1, 10, 11, 58), "Last import 2 minutes ago (2026-01-10 11:58)"),
    (datetime(2026, 1, 10, 10, 30), "Last import 90 minutes ago (2026-01-10 10:30)"),
    (datetime(2026, 1, 10, 10, 0), "Last import 2 hours ago (2026-01-10 10:00)"),
    (datetime(2026, 1, 8, 13, 0), "Last import 47 hours ago (2026-01-08 13:00)"),
    (datetime(2026, 1, 7, 9, 0), "Last import 3 days ago (2026-01-07 09:00)"),
])
def test_freshness_says_how_old_the_newest_import_is(latest: datetime, expected: str) -> None:
    imports = pd.DataFrame({"imported_at": [datetime(2025, 6, 1, 8, 0), latest]})
    assert tables.freshness(imports, NOW) == expected


def test_freshness_without_imports() -> None:
    assert tables.freshness(pd.DataFrame({"imported_at": []}), NOW) == "No import yet"


def test_prettify_deals_shows_labels_not_codes() -> None:
    df = pd.DataFrame({"outcome": ["won", "lost", "open"], "loss_reason": [None, "price", "no_decision"],
                       "price_class": [None, "easy_reason", None],
                       "gap_basis": [None, "competitor_price", "budget"]})
    out = tables.prettify_deals(df)
    assert list(out["outcome"]) == ["Won", "Lost", "Open"]
    assert list(out["loss_reason"])[1:] == ["Price", "No decision"] and pd.isna(out["loss_reason"][0])
    assert list(out["price_class"])[1] == "Easy excuse"
    assert list(out["gap_basis"])[1:] == ["Competitor price", "Budget"]
    assert list(df["outcome"]) == ["won", "lost", "open"]  # the input is not changed


def test_outcome_style_colours_won_and_lost_only() -> None:
    assert tables.outcome_style("Won") == "color: #009E73; font-weight: 600"
    assert tables.outcome_style("Lost") == "color: #D55E00; font-weight: 600"
    assert tables.outcome_style("Open") == ""


def test_category_changes_keep_only_what_the_user_changed() -> None:
    raws = ["too expensive", "went dark", "bad timing", ""]
    before = ["Price", "No decision", "Timing", "Unspecified"]
    after = ["Price", "Timing", tables.RULES_LABEL, "Other"]
    assert tables.category_changes(raws, before, after) == {
        "went dark": "timing", "bad timing": None, "": "other"}
    assert tables.category_changes(raws, before, before) == {}


def test_the_reasons_editor_frame_reads_labels() -> None:
    raw = pd.DataFrame({"raw": ["", "Too pricey"], "category": ["unspecified", "price"], "deals": [2, 5]})
    out = tables.reasons_editor_frame(raw)
    assert list(out["raw"]) == ["(blank)", "Too pricey"]
    assert list(out["category"]) == ["Unspecified", "Price"]
    assert list(out["deals"]) == [2, 5]


def test_history_frame_labels_sources_and_status() -> None:
    df = pd.DataFrame({"import_id": [2, 1], "file_name": ["b.csv", "a.csv"], "dialect": ["hubspot", "odd"],
                       "imported_at": [NOW, NOW], "rows_read": [3, 4], "loaded": [3, 4], "updated": [0, 0],
                       "unchanged": [0, 0], "duplicates": [0, 0], "rejected": [0, 0],
                       "undone_at": [None, NOW]})
    out = tables.history_frame(df)
    assert list(out["dialect"]) == ["HubSpot", "odd"]
    assert list(out["status"]) == ["Active", "Undone"]
