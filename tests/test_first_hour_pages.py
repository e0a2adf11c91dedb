"""Issue 14, the pages: drill-downs land on the Deals page filtered to exactly the deals of the
bar clicked (a loss-category filter, a search that knows category names, closed deals for the
Competitors page), the Deals page's default order, and its pagination without a warning."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from analytics.filters import Filters
from analytics.metrics import deals
from tests.factories import deal, insert_deals, new_store
from tests.test_pages import PAGES, deal_total

# --------------------------------------------------------------------------- engine


@pytest.fixture
def cur():
    con = new_store()
    insert_deals(con, [
        deal(opportunity_id="L1", outcome="lost", loss_reason_raw="Too expensive",
             close_date=date(2024, 3, 1)),
        deal(opportunity_id="L2", outcome="lost", loss_reason_raw="went dark", close_date=date(2024, 2, 1)),
        deal(opportunity_id="W1", outcome="won", close_date=date(2024, 1, 1), account_name="Pricely"),
        deal(opportunity_id="O1", outcome="open", close_date=date(2025, 6, 1)),  # expected close
        deal(opportunity_id="O2", outcome="open"),
    ])
    return con.cursor()


def _ids(cur, **criteria) -> list[str]:
    return deals.list_deals(cur, Filters(), **criteria)["opportunity_id"].tolist()


def test_search_finds_a_loss_by_its_category_name(cur) -> None:
    # "Too expensive" is categorised price; "Pricely" matches the text itself.
    assert sorted(_ids(cur, search="price")) == ["L1", "W1"]
    assert _ids(cur, search="no decision") == ["L2"]  # "went dark" is a no-decision loss


def test_closed_outcome_is_won_and_lost(cur) -> None:
    assert sorted(_ids(cur, outcome="closed")) == ["L1", "L2", "W1"]
    assert deals.count_deals(cur, Filters(), outcome="closed") == 3


def test_by_close_date_closed_deals_come_first_then_open(cur) -> None:
    # The open deal's expected close (2025) is the latest date, yet it comes after every closed deal.
    assert _ids(cur, order_by="close_date", descending=True) == ["L1", "L2", "W1", "O1", "O2"]


# --------------------------------------------------------------------------- pages


def _link(at, label_start: str) -> dict[str, list[str]]:
    link = next(e for e in at.get("page_link") if e.proto.label.startswith(label_start))
    params = parse_qs(link.proto.query_string)
    assert params.pop("currency", None) in (None, ["USD"])  # the amounts' currency travels along
    return link.proto.page, params


def test_loss_reason_drill_lands_on_exactly_those_deals(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, PAGES["Loss reasons"])
    at.selectbox(key="reasons_drill").set_value("price").run()
    page, params = _link(at, "List and download")
    assert page in ("Deals", "pages/5_Deals.py") and params == {"deals_category": ["price"]}
    cur = open_db(sample_db)
    lost_to_price = cur.execute("SELECT count(*) FROM opportunities WHERE outcome = 'lost' "
                                "AND loss_reason = 'price'").fetchone()[0]
    deals_page = app(sample_db, PAGES["Deals"], deals_category="price")
    assert not deals_page.exception
    assert deal_total(deals_page).startswith(f"**{lost_to_price:,} deals**")


def test_competitor_drill_counts_closed_deals_like_the_chart(app, sample_db: Path, open_db) -> None:
    at = app(sample_db, PAGES["Competitors"])
    name = at.selectbox(key="comp_drill").options[0]
    at.selectbox(key="comp_drill").set_value(name).run()
    cur = open_db(sample_db)
    closed = cur.execute("SELECT count(*) FROM opportunities WHERE competitor = ? "
                         "AND outcome IN ('won', 'lost')", [name]).fetchone()[0]
    heading = next(m.value for m in at.markdown if m.value.startswith(f"**Closed deals against {name}**"))
    assert heading.endswith(f"{closed:,} closed deals")
    _, params = _link(at, "List and download")
    assert params == {"competitor": [name], "deals_outcome": ["closed"]}
    deals_page = app(sample_db, PAGES["Deals"], competitor=[name], deals_outcome="closed")
    assert deal_total(deals_page).startswith(f"**{closed:,} deals**")


def test_the_competitor_heatmap_has_no_blank_row(app, sample_db: Path) -> None:
    at = app(sample_db, PAGES["Competitors"])
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    heat = next(f for f in figs if f["data"][0]["type"] == "heatmap")
    assert not any(str(y).startswith("(no ") for y in heat["data"][0]["y"])


def test_deals_pagination_resets_without_the_session_state_warning(app, sample_db: Path, caplog) -> None:
    from streamlit.elements.lib import policies

    policies._shown_default_value_warning = False
    at = app(sample_db, PAGES["Deals"])
    pager = next(w for w in at.get("pagination"))
    pager.set_value(3).run()
    assert "showing 101–150" in deal_total(at) or "101" in deal_total(at)
    with caplog.at_level(logging.WARNING):
        at.text_input(key="deals_search").set_value("a").run()
    assert not at.exception
    assert "was created with a default value" not in caplog.text
    assert "showing 1–" in deal_total(at) or "showing 1 " in deal_total(at)


def test_deal_download_uses_the_labels_the_page_shows() -> None:
    import csv
    import io

    from analytics.present import downloads

    con = new_store()
    insert_deals(con, [deal(opportunity_id="X1", account_name="=HYPERLINK(1)", outcome="lost",
                            loss_reason_raw="Missing features", close_date=date(2024, 1, 2))])
    df = deals.list_deals(con.cursor(), Filters(), limit=None)
    rows = list(csv.DictReader(io.StringIO(downloads.deals_csv(df).decode())))
    assert rows[0]["Deal ID"] == "X1" and rows[0]["Outcome"] == "Lost"
    assert rows[0]["Loss category"] == "Product fit"  # not product_fit
    assert rows[0]["Loss reason (as written)"] == "Missing features"
    assert rows[0]["Account"] == "'=HYPERLINK(1)"  # formula-safe
    assert "opportunity_id" not in rows[0] and "loss_reason" not in rows[0]


def test_price_class_tables_show_the_evidence_first_and_why_it_is_missing(app, sample_db: Path) -> None:
    from analytics.present.price_fit_text import CLASS_TABLE_COLUMNS

    at = app(sample_db, PAGES["Price vs fit"])
    assert not at.exception
    tables_ = [d for d in at.dataframe if "missing_evidence" in d.value.columns]
    assert tables_, "no per-class table"
    assert CLASS_TABLE_COLUMNS[:3] == ["fit_score", "price_gap", "gap_basis"]
    unknown = next(t.value for t in tables_ if t.value["fit_score"].isna().any())
    blank_fit = unknown[unknown["fit_score"].isna()]
    assert blank_fit["missing_evidence"].str.contains("no fit score").all()


def test_import_page_wording_sizes_and_no_filters(app, sample_db: Path) -> None:
    from analytics.present import formatting as fmt
    from analytics.present.import_tables import readable_note

    at = app(sample_db, PAGES["Import"], sample=True)
    assert not at.exception
    assert not at.sidebar.multiselect  # no filter where filters do nothing
    assert not at.sidebar.date_input
    text = "\n".join(m.value for m in at.markdown)
    assert "sample data — import your own exports below" in text
    assert "Go to Import" not in [b.proto.label for b in at.get("page_link")]
    assert readable_note("Read as utf-8-sig text.") == "Read as UTF-8 with BOM text."
    assert readable_note("Read as cp1252 text.") == "Read as Windows-1252 (Western European) text."
    assert (fmt.fmt_size(255_800), fmt.fmt_size(0)) == ("255.8 KB", "0 B")  # as the uploader says
    assert fmt.counted(1, "duplicate") == "1 duplicate" and fmt.page_span(1, 50, 1) == "1 of 1"


def test_a_single_deal_reads_as_one(app, sample_db: Path, open_db) -> None:
    one = open_db(sample_db).execute("SELECT account_name FROM opportunities GROUP BY 1 "
                                     "HAVING count(*) = 1 ORDER BY 1 LIMIT 1").fetchone()[0]
    at = app(sample_db, PAGES["Deals"], deals_search=one)
    heading = next(m.value for m in at.markdown if m.value.startswith("**1 deal**"))
    assert heading == "**1 deal** · showing 1 of 1"


def test_the_from_help_agrees_with_open_deals_having_expected_close_dates(app, sample_db: Path,
                                                                          open_db) -> None:
    dated_open = open_db(sample_db).execute("SELECT count(*) FROM opportunities WHERE outcome = 'open' "
                                            "AND close_date IS NOT NULL").fetchone()[0]
    assert dated_open > 0  # the exports give open deals an expected close date …
    at = app(sample_db, PAGES["Deals"])
    help_text = at.sidebar.date_input(key="from").help
    assert "expected close date" in help_text and "Open deals have none" not in help_text  # … the help too
    outcomes = at.dataframe[0].value["outcome"].tolist()
    assert outcomes[0] in ("Won", "Lost")  # the default order starts with what actually happened
