"""Every page through Streamlit's AppTest: real numbers from the engine, empty and broken
databases, shareable filters in the query string, uploads, mappings, overrides and undo."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics import store
from analytics.filters import Filters
from analytics.ingest import history, importer
from analytics.metrics import comebacks, competitors, deals, loss_reasons, price_fit, winrates
from analytics.present import formatting as fmt
from analytics.present import tables
from analytics.ui import widgets
from tests.conftest import IMPORTED_AT

OVERVIEW = None
LOSS = "pages/1_Loss_reasons.py"
PRICE = "pages/2_Price_vs_fit.py"
COMEBACKS = "pages/3_Comebacks.py"
COMPETITORS = "pages/4_Competitors.py"
DEALS = "pages/5_Deals.py"
IMPORT = "pages/6_Import.py"
PAGES = {"Overview": OVERVIEW, "Loss reasons": LOSS, "Price vs fit": PRICE, "Comebacks": COMEBACKS,
         "Competitors": COMPETITORS, "Deals": DEALS, "Import": IMPORT}

#: A small HubSpot export: 4 good rows (2 won, 2 lost), one with an unreadable amount, and an
#: amount column the header table does not know ("Value in USD").
HUBSPOT_CSV = """Record ID,Deal Name,Associated Company,Deal owner,Deal Stage,Value in USD,Close Date,\
Create Date,Closed Lost Reason,Competitor,Company Size,Country
9000001,Zeta Robotics - Cloud,Zeta Robotics,Ana Lima,closedwon,12000,2025-11-03,2025-09-01,,Tableau,SMB,Brazil
9000002,Orbit Foods - Cloud,Orbit Foods,Ana Lima,closedlost,8000,2025-11-10,2025-08-15,Too expensive,\
Power BI,SMB,Brazil
9000003,Kite Labs - Cloud,Kite Labs,Ana Lima,closedwon,15000,2025-12-01,2025-10-01,,,SMB,Chile
9000004,Nimbus Co - Cloud,Nimbus Co,Ana Lima,closedlost,5000,2025-12-05,2025-10-11,Went dark,,SMB,Chile
9000005,Bad Row - Cloud,Bad Row,Ana Lima,closedwon,abc,2025-12-05,2025-10-11,,,SMB,Chile
"""


def metric(at, label: str):
    found = [m for m in at.metric if m.label == label or m.label.startswith(label)]
    assert found, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def all_text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success",
                                   "subheader", "title") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def deal_total(at) -> str:
    """The "**N deals**" count shown on the Deals page."""
    return next(m.value for m in at.markdown if m.value.startswith("**") and " deals**" in m.value)


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("title", list(PAGES))
def test_every_page_renders_the_sample_data(app, sample_db: Path, title: str) -> None:
    at = app(sample_db, PAGES[title], sample=True)
    assert not at.exception
    assert at.title[0].value.endswith(title)
    assert "You are looking at sample data" in all_text(at)
    assert not at.error


@pytest.mark.parametrize("title", [t for t in PAGES if t != "Import"])
def test_an_empty_database_asks_for_an_import(app, empty_db: Path, title: str) -> None:
    at = app(empty_db, PAGES[title])
    assert not at.exception
    assert any(s.value == "No deals yet — import an export" for s in at.subheader)
    assert "You are looking at sample data" not in all_text(at)  # nothing imported: no banner
    assert not at.metric


def test_a_hosted_instance_with_an_empty_disk_opens_on_the_sample(app, empty_db: Path, open_db) -> None:
    # DEBRIEF_SAMPLE=1 on a database that never had an import (Community Cloud after a restart).
    at = app(empty_db, sample=True)
    assert not at.exception
    assert "You are looking at sample data" in all_text(at)
    expected = winrates.headline(open_db(empty_db), Filters()).won
    assert expected > 0 and metric(at, "Won deals").value == fmt.fmt_count(expected)


def test_the_import_page_works_on_an_empty_database(app, empty_db: Path) -> None:
    at = app(empty_db, IMPORT)
    assert not at.exception
    assert at.file_uploader[0].accept_multiple_files
    assert "No import yet." in all_text(at)


@pytest.mark.parametrize("title", ["Overview", "Deals", "Import"])
def test_a_database_from_a_newer_debrief_is_explained(app, newer_db: Path, title: str) -> None:
    at = app(newer_db, PAGES[title])
    assert not at.exception
    assert "newer Debrief" in at.error[0].value
    assert "did not change the file" in all_text(at)


def test_the_banner_is_only_shown_for_sample_data(app, sample_db: Path) -> None:
    assert "You are looking at sample data" not in all_text(app(sample_db, sample=False))


# --------------------------------------------------------------------------- overview


def test_overview_kpis_are_the_engines_headline(app, sample_db: Path, open_db) -> None:
    at = app(sample_db)
    # The sample mixes USD, EUR and amounts with no currency: amounts are in USD, the most common.
    head = winrates.headline(open_db(sample_db), Filters(currency="USD"))
    sym = "$"
    assert "Amounts are USD only" in all_text(at)
    assert metric(at, "Win rate").value == fmt.fmt_pct(head.win_rate.value)
    assert metric(at, "Won deals").value == fmt.fmt_count(head.won)
    assert metric(at, "Lost deals").value == fmt.fmt_count(head.lost)
    assert metric(at, "Average deal size").value == fmt.fmt_money(head.avg_won_amount, sym)
    assert metric(at, "Won amount").value == fmt.fmt_money(head.won_amount, sym)
    assert metric(at, "Lost amount").value == fmt.fmt_money(head.lost_amount, sym)
    assert metric(at, "Sales cycle (won)").value == fmt.fmt_days(head.cycle_won_median_days)
    assert metric(at, "Win rate").delta == ""  # no date window: nothing to compare with
    assert f"**{head.total:,} deals** from 3 imports" in all_text(at)
    assert len(at.get("plotly_chart")) == 3


def test_overview_amounts_in_the_chosen_currency_counts_over_every_deal(app, sample_db: Path,
                                                                          open_db) -> None:
    at = app(sample_db, currency="EUR")
    eur = winrates.headline(open_db(sample_db), Filters(currency="EUR"))
    every = winrates.headline(open_db(sample_db), Filters())
    assert metric(at, "Won amount").value == fmt.fmt_money(eur.won_amount, "€")
    assert metric(at, "Won deals").value == fmt.fmt_count(every.won)
    assert eur.won_amount < every.won_amount  # EUR deals only, never EUR + USD
    assert at.sidebar.selectbox(key="currency").value == "EUR"


def test_overview_compares_with_the_previous_period(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, **{"from": "2025-04-01", "to": "2025-06-30"})
    cur = open_db(sample_db)
    quarter = Filters(start=date(2025, 4, 1), end=date(2025, 6, 30))
    now, before = winrates.headline(cur, quarter), winrates.headline(cur, winrates.previous_period(quarter))
    assert metric(at, "Win rate").value == fmt.fmt_pct(now.win_rate.value)
    assert metric(at, "Win rate").delta == fmt.fmt_pp_delta(now.win_rate.value, before.win_rate.value)
    assert metric(at, "Won deals").delta == fmt.count_delta(now.won, before.won)
    assert "2025-01-01 → 2025-03-31" in all_text(at)
    assert at.query_params["from"] == "2025-04-01"


# --------------------------------------------------------------------------- filters in the URL


def test_a_segment_in_the_link_filters_every_number(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, segment="Enterprise")
    cur = open_db(sample_db)
    enterprise = winrates.headline(cur, Filters(segment=("Enterprise",)))
    assert at.multiselect(key="segment").value == ["Enterprise"]
    assert metric(at, "Won deals").value == fmt.fmt_count(enterprise.won)
    assert enterprise.won != winrates.headline(cur, Filters()).won
    assert "Segment: Enterprise" in all_text(at)
    assert at.query_params["segment"] == "Enterprise"


def test_several_values_and_dates_in_the_link(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, DEALS, segment=["SMB", "Mid-Market"], **{"from": "2024-01-01", "to": "2024-12-31"})
    chosen = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31), segment=("SMB", "Mid-Market"))
    assert sorted(at.multiselect(key="segment").value) == ["Mid-Market", "SMB"]
    assert deal_total(at).startswith(f"**{deals.count_deals(open_db(sample_db), chosen):,} deals**")


def test_filters_follow_the_user_to_another_page(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, segment="Enterprise")
    at.switch_page(DEALS).run()
    assert not at.exception
    expected = deals.count_deals(open_db(sample_db), Filters(segment=("Enterprise",)))
    assert deal_total(at).startswith(f"**{expected:,} deals**")
    assert at.query_params["segment"] == "Enterprise"  # and the new page's address carries them


def test_reset_filters_clears_the_view_and_the_address(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, segment="Enterprise", owner="Nobody-Such")  # an unknown owner is dropped
    assert at.multiselect(key="owner").value == []
    at.button(key="reset_filters").click().run()
    assert at.multiselect(key="segment").value == []
    assert "segment" not in at.query_params
    expected = winrates.headline(open_db(sample_db), Filters()).won
    assert metric(at, "Won deals").value == fmt.fmt_count(expected)


def test_a_quick_period_sets_the_dates(app, sample_db: Path, open_db) -> None:
    at = app(sample_db)
    at.selectbox(key="_period_preset").set_value("2024").run()
    assert at.date_input(key="from").value == date(2024, 1, 1)
    assert at.date_input(key="to").value == date(2024, 12, 31)
    year = winrates.headline(open_db(sample_db), Filters(start=date(2024, 1, 1), end=date(2024, 12, 31)))
    assert metric(at, "Win rate").value == fmt.fmt_pct(year.win_rate.value)
    assert metric(at, "Win rate").delta  # a whole year has a previous year to compare with
    assert at.selectbox(key="_period_preset").value == "2024"  # the box remembers the choice
    at.switch_page(PAGES["Loss reasons"]).run()
    assert at.selectbox(key="_period_preset").value == "2024"


def test_filters_that_match_nothing_say_so(app, sample_db: Path, open_db) -> None:
    cur = open_db(sample_db)
    day = date(2023, 1, 1)
    while winrates.headline(cur, Filters(start=day, end=day)).total:  # a day nobody closed a deal
        day += timedelta(days=1)
    for page, what in ((OVERVIEW, "closed deals"), (LOSS, "lost deals"), (DEALS, "deals")):
        at = app(sample_db, page, **{"from": day.isoformat(), "to": day.isoformat()})
        assert not at.exception
        assert any(s.value == f"No {what} match these filters" for s in at.subheader), page


# --------------------------------------------------------------------------- loss reasons


def test_loss_reasons_lists_raw_reasons_and_drills_down(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, LOSS)
    cur = open_db(sample_db)
    editor = at.data_editor(key="reasons_editor")
    assert len(editor.value) == len(loss_reasons.raw_reasons(cur, Filters()))
    assert set(editor.value["category"]) <= set(tables.CATEGORY_CHOICES)  # labels, never snake_case
    at.selectbox(key="reasons_drill").set_value("price").run()
    total = deals.count_deals(cur, Filters(), category="price")
    assert any(m.value == f"**Lost to Price** — {total:,} deals" for m in at.markdown)
    at.segmented_control(key="reasons_measure").set_value("amount").run()
    at.segmented_control(key="reasons_by").set_value("owner").run()
    assert not at.exception


def test_a_category_override_is_saved_and_shown_everywhere(app, sample_db_copy: Path, open_db) -> None:
    at = app(sample_db_copy, LOSS)
    table = at.data_editor(key="reasons_editor").value
    row = next(i for i, (raw, cat) in enumerate(zip(table["raw"], table["category"], strict=True))
               if cat == "Price" and raw != "(blank)")
    raw, moved = table["raw"][row], int(table["deals"][row])
    at.session_state["reasons_editor"] = {"edited_rows": {row: {"category": "Timing"}},
                                          "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == "Save categories").click().run()
    assert not at.exception
    assert at.success[0].value.endswith(f"{moved} lost deals changed category.")
    cur = open_db(sample_db_copy)
    after = loss_reasons.raw_reasons(cur, Filters())
    assert after.loc[after["raw"] == raw, "category"].item() == "timing"
    assert bool(after.loc[after["raw"] == raw, "overridden"].item())
    # the pages read fresh numbers (caches cleared)
    assert at.data_editor(key="reasons_editor").value.loc[row, "category"] == "Timing"


# --------------------------------------------------------------------------- price vs fit


def test_price_classes_follow_the_thresholds(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, PRICE)
    cur = open_db(sample_db)
    counts = price_fit.class_counts(cur, Filters(), price_fit.PriceFitSettings())
    for klass, label in fmt.PRICE_CLASS_LABELS.items():
        assert metric(at, label).value == fmt.fmt_count(counts[klass])
    assert metric(at, "Mismatch rate").value == fmt.fmt_pct(counts["mismatch_rate"])
    at.slider(key="pf_fit").set_value(70).run()
    at.slider(key="pf_tolerance").set_value(20).run()
    stricter = price_fit.class_counts(cur, Filters(),
                                      price_fit.PriceFitSettings(fit_threshold=70, tolerance=0.2))
    assert stricter != counts
    for klass, label in fmt.PRICE_CLASS_LABELS.items():
        assert metric(at, label).value == fmt.fmt_count(stricter[klass])
    tabs = [stricter[k] for k in price_fit.PRICE_CLASSES if stricter[k]]
    assert [len(t.value) for t in at.dataframe] == tabs
    assert not at.warning  # the sample exports carry fit, competitor price and budget


def test_price_vs_fit_names_the_columns_that_would_unlock_it(app, empty_db: Path) -> None:
    con = store.connect(empty_db)
    csv = ("Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason\n"
           "1,Acme,Closed Lost,100,2025-01-10,Too expensive\n"
           "2,Bolt,Closed Won,120,2025-01-11,\n")
    importer.import_bytes(con, csv.encode(), "bare.csv", now=IMPORTED_AT)
    con.close()
    at = app(empty_db, PRICE)
    assert not at.exception
    warning = at.warning[0].value
    assert "fit score" in warning and "competitor's price" in warning and "budget" in warning


# --------------------------------------------------------------------------- comebacks


def test_comebacks_match_the_engine_for_the_chosen_horizon(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, COMEBACKS)
    cur = open_db(sample_db)
    year = comebacks.summary(cur, Filters(), comebacks.ComebackSettings())
    assert metric(at, "Came back within 12 months").value == fmt.fmt_pct(year["comeback_rate"])
    assert metric(at, "Ever came back").value == fmt.fmt_pct(year["ever_rate"])
    assert metric(at, "Median time to come back").value == fmt.fmt_days(year["median_days_to_comeback"])
    assert metric(at, "Lost accounts").value == fmt.fmt_count(year["lost_accounts"])
    returned = next(d.value for d in at.dataframe if "comeback_date" in d.value.columns)
    assert len(returned) == len(comebacks.returned_accounts(cur, Filters(), comebacks.ComebackSettings()))
    at.select_slider(key="cb_horizon").set_value(180).run()
    half = comebacks.summary(cur, Filters(), comebacks.ComebackSettings(horizon_days=180))
    assert metric(at, "Came back within 6 months").value == fmt.fmt_pct(half["comeback_rate"])
    assert not at.exception


# --------------------------------------------------------------------------- competitors


def test_competitors_head_to_head_and_drill_down(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, COMPETITORS)
    cur = open_db(sample_db)
    h2h = competitors.head_to_head(cur, Filters())
    table = at.dataframe[0].value
    assert list(table["competitor"]) == list(h2h["competitor"])
    assert list(table["won"]) == list(h2h["won"])
    name = h2h["competitor"][0]
    at.selectbox(key="comp_drill").set_value(name).run()
    total = deals.count_deals(cur, Filters(), competitor=name, outcome="closed")  # as the chart: closed
    assert any(m.value == f"**Closed deals against {name}** — {total:,} closed deals" for m in at.markdown)
    assert not at.exception


# --------------------------------------------------------------------------- deals


def test_deals_are_searchable_sortable_and_paginated(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, DEALS)
    cur = open_db(sample_db)
    total = deals.count_deals(cur, Filters())
    assert deal_total(at) == f"**{total:,} deals** · showing 1–50 of {total:,}"
    assert len(at.dataframe[0].value) == 50
    assert at.get("download_button")
    at.get("pagination")[0].set_value(2).run()
    second = deals.list_deals(cur, Filters(), limit=50, offset=50)
    assert list(at.dataframe[0].value["opportunity_id"]) == list(second["opportunity_id"])
    at.text_input(key="deals_search").input("Sisense").run()
    found = deals.count_deals(cur, Filters(), search="Sisense")
    assert 0 < found < total
    assert deal_total(at).startswith(f"**{found:,} deals**")
    at.segmented_control(key="deals_outcome").set_value("lost").run()
    at.selectbox(key="deals_sort").set_value("amount").run()
    biggest = deals.list_deals(cur, Filters(), search="Sisense", outcome="lost", order_by="amount", limit=1)
    assert at.dataframe[0].value["opportunity_id"][0] == biggest["opportunity_id"][0]
    assert not at.exception


# --------------------------------------------------------------------------- import


def test_upload_map_check_import_and_undo(app, sample_db_copy: Path, open_db) -> None:
    at = app(sample_db_copy, IMPORT)
    at.file_uploader[0].set_value(("hubspot_small.csv", HUBSPOT_CSV.encode(), "text/csv")).run()
    assert not at.exception
    assert "Detected: **HubSpot** export" in all_text(at)
    assert len(at.dataframe[0].value) == 5  # the preview
    assert metric(at, "Will load").value == "5"  # no amount column yet: every row loads

    editor = next(d for d in at.data_editor if d.key.startswith("mapping_"))
    mapping = editor.value
    row = list(mapping["column"]).index("Value in USD")
    assert mapping["maps_to"][row] == fmt.IGNORE_LABEL
    at.session_state[editor.key] = {"edited_rows": {row: {"maps_to": "Amount"}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert metric(at, "Will load").value == "4"
    assert metric(at, "Will be rejected").value == "1"  # "abc" is not an amount
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(rejects["line"]) == [6] and "amount" in rejects["reason"][0]

    cur = open_db(sample_db_copy)
    before = deals.count_deals(cur, Filters())
    at.button(key="import_button").click().run()
    assert not at.exception
    assert metric(at, "Loaded").value == "4"
    assert metric(at, "Rejected").value == "1"
    assert deals.count_deals(cur, Filters()) == before + 4
    zeta = deals.list_deals(cur, Filters(), search="Zeta Robotics")
    assert zeta["amount"].tolist() == [12000.0]  # the mapping was applied
    newest = int(history.list_imports(cur)["import_id"].max())

    at.switch_page("app.py").run()  # the Overview counts the new deals straight away
    assert f"**{before + 4:,} deals** from 4 imports" in all_text(at)

    at.switch_page(IMPORT).run()
    at.button(key=f"undo_{newest}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Import #{newest} undone: 4 rows removed")
    assert deals.count_deals(cur, Filters()) == before
    assert not [b for b in at.button if b.key == f"undo_{newest}"]  # the row now says "Undone"
    assert "Undone" in all_text(at)


def test_an_xlsx_export_is_read_too(app, empty_db: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in HUBSPOT_CSV.splitlines():
        sheet.append(line.split(","))
    book.save(tmp_path / "deals.xlsx")
    at = app(empty_db, IMPORT)
    at.file_uploader[0].set_value(("deals.xlsx", (tmp_path / "deals.xlsx").read_bytes(),
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception
    assert metric(at, "Will load").value == "5"
    at.button(key="import_button").click().run()
    assert metric(at, "Loaded").value == "5"


def test_a_mapping_without_a_stage_is_refused_with_its_reason(app, empty_db: Path) -> None:
    at = app(empty_db, IMPORT)
    at.file_uploader[0].set_value(("deals.csv", HUBSPOT_CSV.encode(), "text/csv")).run()
    editor = next(d for d in at.data_editor if d.key.startswith("mapping_"))
    row = list(editor.value["column"]).index("Deal Stage")
    at.session_state[editor.key] = {"edited_rows": {row: {"maps_to": fmt.IGNORE_LABEL}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "no column is mapped to stage" in at.error[0].value
    assert "import_button" not in [b.key for b in at.button]  # no disabled "Import 0 files"
    assert any("Nothing to import yet" in i.value for i in at.info)


def test_an_unusable_file_is_explained(app, empty_db: Path) -> None:
    at = app(empty_db, IMPORT)
    at.file_uploader[0].set_value(("notes.csv", b"", "text/csv")).run()
    assert not at.exception
    assert at.error and "notes.csv" in at.error[0].value


def test_undo_refuses_an_import_that_a_later_one_updated(app, empty_db: Path) -> None:
    con = store.connect(empty_db)
    first = importer.import_bytes(con, HUBSPOT_CSV.encode(), "v1.csv", now=IMPORTED_AT)
    importer.import_bytes(con, HUBSPOT_CSV.replace("12000", "13000").encode(), "v2.csv", now=IMPORTED_AT)
    con.close()
    at = app(empty_db, IMPORT)
    at.button(key=f"undo_{first.import_id}").click().run()
    assert not at.exception
    assert f"undo import #{first.import_id + 1} first" in at.error[0].value


# --------------------------------------------------------------------------- helpers


def test_chart_selection_helpers() -> None:
    state = {"selection": {"points": [{"customdata": ["price", 3]}, {"customdata": "Tableau"}]}}
    assert [p["customdata"] for p in widgets.selected_points(state)] == [["price", 3], "Tableau"]
    assert widgets.selected_points(None) == [] and widgets.selected_points({"selection": {}}) == []



def test_reimporting_an_identical_file_says_nothing_changed_and_adds_no_history(
        app, sample_db_copy: Path, open_db) -> None:
    cur = open_db(sample_db_copy)
    imports_before = len(history.list_imports(cur))
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "pipedrive_deals.csv"
    at = app(sample_db_copy, IMPORT)
    at.file_uploader[0].set_value(("pipedrive_deals.csv", sample.read_bytes(), "text/csv")).run()
    at.button(key="import_button").click().run()
    assert not at.exception
    assert "nothing changed — same as import #" in all_text(at)
    assert metric(at, "Loaded").value == "0" and metric(at, "Updated").value == "0"
    assert len(history.list_imports(cur)) == imports_before
