"""What the buyer said (METRICS.md §10): hand-worked fixtures for every rule, the matrix, the
distinctive phrases, the drill-down criteria, the CLI's ``notes`` key, and the engine held
against the naive implementation (tests/naive_notes.py) on seeded random data."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from analytics.categories import set_overrides
from analytics.cli import run
from analytics.filters import Filters
from analytics.metrics import deals, notes, phrases
from analytics.metrics.summary import summary
from tests import naive_notes
from tests.factories import deal, insert_deals, new_store, random_deals

NOW = datetime(2026, 1, 5, 9, 30)
FORMULA = '=HYPERLINK("http://evil.test","cheaper elsewhere")'
HTML = "<b>Needs</b> <script>alert(1)</script> integration"


def hand_store():
    """Ten deals, worked by hand (stated → what the notes name):

    d1 price ("Price too high") · "Went dark after the demo; also missing the SSO integration"
       → no_decision + product_fit: two causes, no price → easy price, disagrees
    d2 price ("Too expensive") · "Budget was cut" → price: agrees
    d3 timing · "See email thread." → nothing: unclear
    d4 "Lost to Contoso" (rules: other; the user's override: competitor) · "They chose the incumbent"
       → competitor: agrees once the override is saved
    d5 WON with notes "price was fine" → not counted
    d6, d7, d8 price with notes "", spaces/newline/tab, NULL → no notes
    d9 no_decision · a formula naming "cheaper" → price: disagrees, not easy price (stated is not price)
    d10 product_fit · HTML naming "integration" → product_fit: agrees
    """
    con = new_store()
    lost = dict(outcome="lost", close_date=date(2025, 3, 1), segment="SMB")
    insert_deals(con, [
        deal(opportunity_id="d1", loss_reason_raw="Price too high",
             loss_notes="Went dark after the demo; also missing the SSO integration", **lost),
        deal(opportunity_id="d2", loss_reason_raw="Too expensive", loss_notes="Budget was cut", **lost),
        deal(opportunity_id="d3", loss_reason_raw="Timing", loss_notes="See email thread.", **lost),
        deal(opportunity_id="d4", loss_reason_raw="Lost to Contoso", loss_notes="They chose the incumbent",
             **lost),
        deal(opportunity_id="d5", outcome="won", close_date=date(2025, 3, 1), loss_notes="price was fine"),
        deal(opportunity_id="d6", loss_reason_raw="Price", loss_notes="", **lost),
        deal(opportunity_id="d7", loss_reason_raw="Price", loss_notes="  \n\t ", **lost),
        deal(opportunity_id="d8", loss_reason_raw="Price", loss_notes=None, **lost),
        deal(opportunity_id="d9", loss_reason_raw="No decision", loss_notes=FORMULA,
             **{**lost, "segment": "Enterprise"}),
        deal(opportunity_id="d10", loss_reason_raw="Missing features", loss_notes=HTML,
             **{**lost, "close_date": date(2025, 6, 1)}),
    ])
    return con


@pytest.fixture
def con():
    c = hand_store()
    set_overrides(c.cursor(), {"Lost to Contoso": "competitor"}, now=NOW)
    return c


def test_each_lost_deal_with_notes_gets_every_category_its_notes_name(con) -> None:
    rows = notes.per_deal(con.cursor(), Filters()).set_index("opportunity_id")
    assert sorted(rows.index) == ["d1", "d10", "d2", "d3", "d4", "d9"]  # no won, blank or NULL notes
    assert rows.loc["d1", "notes_categories"] == ["no_decision", "product_fit"]
    assert rows.loc["d3", "notes_categories"] == []
    assert rows.loc["d9", "notes_categories"] == ["price"]
    assert rows.loc["d10", "loss_notes"] == HTML  # kept as written
    assert rows["agrees"].to_dict() == {"d1": False, "d2": True, "d3": False, "d4": True,
                                        "d9": False, "d10": True}
    assert rows.index[rows["easy_price"]].tolist() == ["d1"]


def test_the_numbers_of_section_10(con) -> None:
    # 6 with notes; d2, d4, d10 agree; d1 easy price; d3 unclear.
    assert notes.counts(con.cursor(), Filters()) == {
        "with_notes": 6, "agree": 3, "agreement_rate": 0.5, "easy_price": 1, "unclear": 1}
    head = notes.headline(con.cursor(), Filters())
    assert head.lost == 9  # d1–d4, d6–d10
    assert (head.agreement.successes, head.agreement.trials) == (3, 6)


def test_the_override_decides_the_stated_category() -> None:
    c = hand_store()  # no override yet: d4 is "other", its notes say competitor
    assert notes.counts(c.cursor(), Filters())["agree"] == 2
    set_overrides(c.cursor(), {"lost to contoso": "competitor"}, now=NOW)
    assert notes.counts(c.cursor(), Filters())["agree"] == 3
    set_overrides(c.cursor(), {"Too expensive": "timing"}, now=NOW)  # d2: timing, notes say price
    got = notes.per_deal(c.cursor(), Filters()).set_index("opportunity_id")
    assert got.loc["d2", "stated"] == "timing" and not got.loc["d2", "agrees"]


def test_filters_apply(con) -> None:
    assert notes.counts(con.cursor(), Filters(segment=("Enterprise",))) == {
        "with_notes": 1, "agree": 0, "agreement_rate": 0.0, "easy_price": 0, "unclear": 0}
    assert notes.counts(con.cursor(), Filters(start=date(2025, 5, 1)))["with_notes"] == 1  # d10
    assert notes.counts(con.cursor(), Filters(segment=("Nobody",))) == {
        "with_notes": 0, "agree": 0, "agreement_rate": None, "easy_price": 0, "unclear": 0}


def test_the_matrix_counts_a_deal_in_every_category_its_notes_name(con) -> None:
    m = notes.matrix(con.cursor(), Filters())
    cells = {(r.stated, r.said): (r.deals, r.row_deals) for r in m.itertuples() if r.deals}
    assert cells == {
        ("price", "no_decision"): (1, 2), ("price", "product_fit"): (1, 2), ("price", "price"): (1, 2),
        ("timing", "unclear"): (1, 1), ("competitor", "competitor"): (1, 1),
        ("no_decision", "price"): (1, 1), ("product_fit", "product_fit"): (1, 1),
    }
    price = m[m["stated"] == "price"]
    assert price["said"].tolist() == list(notes.SAID)  # every column, zeros too
    assert price.set_index("said").loc["no_decision", "share"] == 0.5
    assert list(dict.fromkeys(m["stated"])) == ["no_decision", "price", "product_fit", "timing",
                                                "competitor"]


def test_the_drill_down_criteria_list_the_same_deals(con) -> None:
    cur = con.cursor()
    ids = lambda **c: sorted(deals.list_deals(cur, Filters(), limit=None, **c)["opportunity_id"])  # noqa: E731
    assert ids(easy_price=True) == ["d1"]
    assert len(ids(easy_price=False)) == 9
    assert ids(category="price", notes_say="product_fit") == ["d1"]
    assert ids(notes_say="price") == ["d2", "d9"]  # the won d5 says "price" too, but is not lost
    assert ids(notes_say="unclear") == ["d3"]
    assert ids(notes_phrase="Went  DARK") == ["d1"]
    assert ids(notes_phrase="dark after") == ["d1"] and ids(notes_phrase="after dark") == []
    with pytest.raises(Exception, match="Unknown notes category"):
        ids(notes_say="vibes")


def test_formula_and_html_notes_export_as_text(con) -> None:
    data = deals.export_csv_bytes(con.cursor(), Filters(), notes_say="price").decode()
    rows = {r["opportunity_id"]: r for r in csv.DictReader(io.StringIO(data))}
    assert rows["d9"]["loss_notes"] == "'" + FORMULA  # a spreadsheet shows it, never runs it
    html = deals.export_csv_bytes(con.cursor(), Filters(), notes_say="product_fit").decode()
    assert HTML in html


def test_distinctive_phrases_hand_worked() -> None:
    c = new_store()
    lost = dict(outcome="lost", close_date=date(2025, 1, 1))
    insert_deals(c, [
        deal(loss_reason_raw="Price", loss_notes="Asked for a discount on the renewal", **lost),
        deal(loss_reason_raw="Price", loss_notes="discount too small", **lost),
        deal(loss_reason_raw="Price", loss_notes="Procurement wanted a DISCOUNT!", **lost),
        deal(loss_reason_raw="Timing", loss_notes="Renewal pushed to next year", **lost),
        deal(loss_reason_raw="Timing", loss_notes="next year, maybe", **lost),
    ])
    got = phrases.distinctive(c.cursor(), Filters(), min_deals=2)
    # price: "discount" in 3 of 3, in 0 of the 2 others: ln(3.5/0.5) - ln(0.5/2.5) = ln 35.
    # timing: "next year" in 2 of 2, 0 of 3: ln(2.5/0.5) - ln(0.5/3.5) = ln 35; "next" and
    # "year" alone are used by the same 2 deals, so the pair stands for them. "renewal" is in
    # one deal of each: below the minimum of 2.
    assert got[["stated", "phrase", "deals", "other_deals"]].values.tolist() == [
        ["price", "discount", 3, 0], ["timing", "next year", 2, 0]]
    assert got["score"].tolist() == pytest.approx([math.log(35), math.log(35)])
    assert got["share"].tolist() == [1.0, 1.0]
    assert phrases.distinctive(c.cursor(), Filters(), min_deals=2, top=1)["phrase"].tolist() == [
        "discount", "next year"]
    assert deals.count_deals(c.cursor(), Filters(), category="timing", notes_phrase="next year") == 2


def test_summary_json_has_the_notes_key(tmp_path: Path, capsys) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        "Opportunity ID,Account Name,Stage,Amount,Close Date,Loss Reason,Closed Lost Notes\n"
        "A,Acme,Closed Won,100,2024-01-10,,Price was fine\n"
        "B,Acme,Closed Lost,300,2024-01-05,Price too high,They went dark after legal review\n"
        "C,Globex,Closed Lost,50,2024-02-01,went dark,Stalled; no response\n"
        "D,Initech,Closed Lost,50,2024-02-01,Timing,   \n"
        "E,Hooli,Closed Lost,50,2024-02-01,Other,see notes\n")
    db = tmp_path / "cli.duckdb"
    assert run(["import", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert run(["summary", "--json", "--db", str(db)]) == 0
    got = json.loads(capsys.readouterr().out)["notes"]
    # B: price, notes say no_decision → easy price; C agrees; D blank; E unclear; A won.
    assert got == {"with_notes": 3, "agree": 1, "agreement_rate": 1 / 3, "easy_price": 1, "unclear": 1}


# --------------------------------------------------------------------------- against the naive one

NOTE_PIECES = ["Too expensive for them", "went dark", "missing SSO integration", "chose the incumbent",
               "next year maybe", "poor SUPPORT", "see email", "Budget frozen", "went with Rival",
               "ghosted after demo", "CFO wanted a discount", "no exec sponsor", "roadmap gap",
               "=SUM(A1)", "<i>reference</i> call", "Éclair café pricing", "2nd call; re-org", "x y z"]


def with_notes(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = random_deals(seed, 300)
    for row in rows:
        pick = rng.random()
        if pick < 0.1:
            row["loss_notes"] = rng.choice(["", "   ", "\n\t", "\u00a0 \r\n"])
        elif pick < 0.2:
            row["loss_notes"] = None
        else:
            row["loss_notes"] = ". ".join(rng.sample(NOTE_PIECES, rng.randint(1, 3)))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("filters", [Filters(), Filters(segment=("SMB", "Enterprise")),
                                     Filters(start=date(2022, 6, 1), end=date(2023, 6, 30), owner=("Ann",))],
                         ids=["all", "segments", "window"])
def test_engine_matches_the_naive_reading(seed: int, filters: Filters) -> None:
    con = new_store()
    insert_deals(con, with_notes(seed))
    set_overrides(con.cursor(), {"Too expensive": "timing", "???": "competitor"}, now=NOW)
    cur = con.cursor()
    expected = naive_notes.lost_with_notes(con, filters)
    got = notes.per_deal(cur, filters).set_index("opportunity_id")
    assert sorted(got.index) == sorted(r["opportunity_id"] for r in expected)
    for r in expected:
        row = got.loc[r["opportunity_id"]]
        assert (row["stated"], row["notes_categories"], row["agrees"], row["easy_price"]) == (
            r["stated"], r["notes_categories"], r["agrees"], r["easy_price"])
    assert notes.counts(cur, filters) == pytest.approx(naive_notes.counts(con, filters))
    assert summary(cur, filters)["notes"] == pytest.approx(naive_notes.counts(con, filters))
    m = notes.matrix(cur, filters)
    cells = {(r.stated, r.said): r.deals for r in m.itertuples() if r.deals}
    assert cells == naive_notes.matrix(con, filters)
    for said in notes.SAID:
        assert deals.count_deals(cur, filters, notes_say=said) == sum(
            1 for r in expected if said in (r["notes_categories"] or ["unclear"]))
    assert deals.count_deals(cur, filters, easy_price=True) == sum(r["easy_price"] for r in expected)


@pytest.mark.parametrize("seed", [4, 5])
def test_phrases_match_the_naive_reading(seed: int) -> None:
    con = new_store()
    insert_deals(con, with_notes(seed))
    got = phrases.distinctive(con.cursor(), Filters(), min_deals=3, top=1000)
    want = naive_notes.distinctive(con, Filters(), set(phrases.STOP_WORDS), min_deals=3, top=1000)
    assert sorted(set(got["stated"])) == sorted(want)
    for stated, items in want.items():
        part = got[got["stated"] == stated]
        assert part["phrase"].tolist() == [t for t, _, _ in items]
        assert part["deals"].tolist() == [a for _, a, _ in items]
        assert part["score"].tolist() == pytest.approx([s for _, _, s in items])
    for stated, items in want.items():  # every listed phrase drills to the deals that use it
        phrase, used, _ = items[0]
        assert deals.count_deals(con.cursor(), Filters(), category=stated, notes_phrase=phrase) == used


def test_the_matrix_chart_shows_every_column_even_one_no_note_names() -> None:
    from analytics.present import notes_charts

    con = new_store()
    insert_deals(con, [deal(outcome="lost", loss_reason_raw="Price", loss_notes="Too expensive"),
                       deal(outcome="lost", loss_reason_raw="Price", loss_notes="Nice people")])
    fig = notes_charts.matrix_figure(notes.matrix(con.cursor(), Filters()))
    shown = {x for trace in fig.data for x in trace.x}
    assert shown == {notes_charts.said_label(s) for s in notes.SAID}  # no decision, timing… too
    tiles = fig.data[0]
    assert sorted(tiles.text) == ["1", "1"]  # price × price and price × unclear: only non-empty tiles
