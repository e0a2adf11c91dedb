"""The deal drill-down: selection criteria, search escaping, sorting, paging and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics.errors import InvalidSettingError
from analytics.filters import BLANK_LABEL, Filters
from analytics.metrics import deals
from tests.factories import deal, insert_deals, new_store


def store(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = new_store()
    if rows:  # insert_deals' executemany refuses an empty list
        insert_deals(con, rows)
    return con.cursor()


def deal_rows() -> list[dict]:
    return [
        deal(opportunity_id="D1", account_name="100% Juice Co", opportunity_name="Renewal_2024",
             owner="Ann", competitor="Alpha", outcome="won", amount=100.0, segment="SMB",
             region="NA", created_date=date(2023, 12, 26), close_date=date(2024, 1, 5)),
        deal(opportunity_id="D2", account_name="1000 Juices", opportunity_name="Renewal 2024",
             owner="bo", competitor="Beta", outcome="lost", loss_reason_raw="Too expensive",
             amount=200.0, segment=None, region="NA",
             created_date=date(2024, 1, 1), close_date=date(2024, 2, 1)),
        deal(opportunity_id="D3", account_name="zeta corp", owner="Cy", outcome="open",
             amount=None, segment="SMB", region="EMEA", created_date=date(2024, 3, 1)),
        deal(opportunity_id="D4", account_name="back\\slash Ltd", outcome="lost",
             loss_reason_raw="went dark", amount=50.0, segment="", region="EMEA",
             created_date=None, close_date=date(2024, 3, 10)),
    ]


def ids(df: object) -> list[str]:
    return list(df["opportunity_id"])  # type: ignore[index]


def test_columns_and_cycle_days() -> None:
    df = deals.list_deals(store(deal_rows()), Filters(), order_by="opportunity_id", descending=False)
    assert list(df.columns) == list(deals.DEAL_COLUMNS)
    assert list(df.columns)[:11] == ["opportunity_id", "account_name", "opportunity_name", "owner",
                                     "stage", "outcome", "amount", "currency", "close_date",
                                     "created_date", "cycle_days"]
    cycle = dict(zip(df["opportunity_id"], df["cycle_days"], strict=True))
    # D1: Dec 26 → Jan 5 = 10 days; D2: Jan 1 → Feb 1 = 31; D3 open, D4 no created date
    assert (cycle["D1"], cycle["D2"]) == (10, 31)
    assert df.set_index("opportunity_id")["cycle_days"].isna().to_dict() == {
        "D1": False, "D2": False, "D3": True, "D4": True}
    assert df.set_index("opportunity_id").loc["D2", "loss_reason"] == "price"


@pytest.mark.parametrize(("search", "expected"), [
    ("100%", ["D1"]),              # % is a literal: "1000 Juices" does not match
    ("renewal_", ["D1"]),          # _ is a literal: "Renewal 2024" does not match
    ("RENEWAL", ["D1", "D2"]),     # case-insensitive
    ("juice", ["D1", "D2"]),
    ("back\\", ["D4"]),            # a backslash is a literal too
    ("BO", ["D2"]),                # owner
    ("beta", ["D2"]),              # competitor
    ("expensive", ["D2"]),         # raw loss reason
    ("ZETA", ["D3"]),
    ("%", ["D1"]),
    ("_", ["D1"]),
    ("O'Brien", []),               # a quote is just text
    ("  ", ["D1", "D2", "D3", "D4"]),  # blank search: no filter
    ("  juice co ", ["D1"]),       # trimmed
])
def test_search(search: str, expected: list[str]) -> None:
    cur = store(deal_rows())
    got = deals.list_deals(cur, Filters(), search=search, order_by="opportunity_id", descending=False)
    assert ids(got) == expected
    assert deals.count_deals(cur, Filters(), search=search) == len(expected)


def test_like_pattern_escapes_wildcards() -> None:
    assert deals.like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


def test_criteria() -> None:
    cur = store(deal_rows())

    def pick(**criteria: object) -> list[str]:
        got = ids(deals.list_deals(cur, Filters(), order_by="opportunity_id", descending=False,
                                   **criteria))  # type: ignore[arg-type]
        assert deals.count_deals(cur, Filters(), **criteria) == len(got)  # type: ignore[arg-type]
        return got

    assert pick(outcome="lost") == ["D2", "D4"]
    assert pick(outcome="open") == ["D3"]
    assert pick(category="price") == ["D2"]
    assert pick(category="no_decision") == ["D4"]
    assert pick(competitor="Alpha") == ["D1"]
    assert pick(competitor=BLANK_LABEL) == ["D3", "D4"]
    assert pick(dimension_value=("segment", "SMB")) == ["D1", "D3"]
    assert pick(dimension_value=("segment", BLANK_LABEL)) == ["D2", "D4"]  # NULL and ''
    assert pick(dimension_value=("region", "EMEA"), outcome="lost") == ["D4"]
    # inclusive at both ends
    assert pick(period=(date(2024, 2, 1), date(2024, 3, 10))) == ["D2", "D4"]
    assert pick(period=(date(2024, 2, 2), date(2024, 3, 9))) == []
    assert pick(search="juice", outcome="won") == ["D1"]


def test_filters_apply() -> None:
    cur = store(deal_rows())
    assert ids(deals.list_deals(cur, Filters(region=("NA",)))) == ["D2", "D1"]  # close date desc
    # a date window leaves the open deal out
    assert deals.count_deals(cur, Filters(start=date(2024, 1, 1))) == 3


@pytest.mark.parametrize("criteria", [
    {"outcome": "pending"},  # "closed" is a criterion: won or lost
    {"category": "pricey"},
    {"dimension_value": ("amount", "1")},
    {"period": (date(2024, 2, 1), date(2024, 1, 1))},
])
def test_bad_criteria_raise(criteria: dict) -> None:
    with pytest.raises(InvalidSettingError):
        deals.list_deals(store([]), Filters(), **criteria)
    with pytest.raises(InvalidSettingError):
        deals.count_deals(store([]), Filters(), **criteria)


def test_sorting_and_paging() -> None:
    cur = store(deal_rows())
    # amount ascending, blank amounts last: D4 50, D1 100, D2 200, D3 NULL
    assert ids(deals.list_deals(cur, Filters(), order_by="amount", descending=False)) == [
        "D4", "D1", "D2", "D3"]
    assert ids(deals.list_deals(cur, Filters(), order_by="amount")) == ["D2", "D1", "D4", "D3"]
    # text sorts case-insensitively: 100% Juice Co, 1000 Juices, back\slash Ltd, zeta corp
    assert ids(deals.list_deals(cur, Filters(), order_by="account_name", descending=False)) == [
        "D1", "D2", "D4", "D3"]
    # default: newest close date first, open deals (no close date) last
    assert ids(deals.list_deals(cur, Filters())) == ["D4", "D2", "D1", "D3"]
    assert ids(deals.list_deals(cur, Filters(), limit=2)) == ["D4", "D2"]
    assert ids(deals.list_deals(cur, Filters(), limit=2, offset=2)) == ["D1", "D3"]
    assert ids(deals.list_deals(cur, Filters(), limit=None, offset=3)) == ["D3"]
    with pytest.raises(InvalidSettingError):
        deals.list_deals(cur, Filters(), order_by="amount; DROP TABLE opportunities")
    with pytest.raises(InvalidSettingError):
        deals.list_deals(cur, Filters(), limit=-1)
    assert "cycle_days" in deals.SORTABLE


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


FORMULAS = ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\tTabbed", "\rReturn"]


def test_export_neutralises_formulas(tmp_path: Path) -> None:
    rows = [deal(opportunity_id=f"F{i}", account_name=text, owner=text, competitor=text,
                 opportunity_name=text, loss_reason_raw=text, outcome="lost",
                 close_date=date(2024, 1, i + 1), amount=-1200.0)
            for i, text in enumerate(FORMULAS)]
    rows.append(deal(opportunity_id="F9", account_name="a=b", owner="Ann", outcome="won",
                     close_date=date(2024, 2, 1), amount=5.0))
    cur = store(rows)
    path = tmp_path / "deals.csv"
    written = deals.export_csv(cur, Filters(), path, order_by="opportunity_id", descending=False)
    assert written == 7
    table = read_csv(path.read_bytes())
    header, body = table[0], table[1:]
    assert header == list(deals.DEAL_COLUMNS)
    col = {name: header.index(name) for name in header}
    for text, line in zip(FORMULAS, body, strict=False):
        for name in ("account_name", "owner", "competitor", "opportunity_name", "loss_reason_raw"):
            assert line[col[name]] == "'" + text, (name, line)
        assert line[col["amount"]] == "-1200.0"  # numbers are not text: left alone
        assert line[col["close_date"]].startswith("2024-01-")
    assert body[-1][col["account_name"]] == "a=b"  # only a leading character counts
    assert body[-1][col["owner"]] == "Ann"
    assert deals.export_csv_bytes(cur, Filters(), order_by="opportunity_id",
                                  descending=False) == path.read_bytes()


def test_export_writes_every_matching_deal(tmp_path: Path) -> None:
    rows = [deal(outcome="lost" if i % 3 else "won", close_date=date(2024, 1, 1), segment="S")
            for i in range(620)] + [deal(outcome="won", close_date=date(2024, 1, 1), segment="T")]
    cur = store(rows)
    assert len(deals.list_deals(cur, Filters())) == 500  # the page limit
    path = tmp_path / "all.csv"
    assert deals.export_csv(cur, Filters(segment=("S",)), path) == 620
    assert len(read_csv(path.read_bytes())) == 621  # header + every S deal, no limit
    lost_only = read_csv(deals.export_csv_bytes(cur, Filters(), outcome="lost"))
    assert len(lost_only) - 1 == deals.count_deals(cur, Filters(), outcome="lost") == 413
    # no temporary table is left behind
    assert cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)


def test_export_respects_criteria_and_quotes(tmp_path: Path) -> None:
    cur = store([*deal_rows(), deal(opportunity_id="Q1", account_name='Say "hi", then ; go',
                                    outcome="won", close_date=date(2024, 5, 1))])
    table = read_csv(deals.export_csv_bytes(cur, Filters(), search="say"))
    assert len(table) == 2 and table[1][1] == 'Say "hi", then ; go'
    assert read_csv(deals.export_csv_bytes(cur, Filters(), search="100%"))[1][0] == "D1"
    assert len(read_csv(deals.export_csv_bytes(cur, Filters(), search="nothing"))) == 1  # header only


def test_dimension_values() -> None:
    cur = store([*deal_rows(), deal(owner="ann"), deal(owner="  "), deal(owner="Zed")])
    # distinct, blanks left out, sorted case-insensitively
    assert deals.dimension_values(cur, "owner") == ["Ann", "ann", "bo", "Cy", "Zed"]
    assert deals.dimension_values(cur, "segment") == ["SMB"]
    assert deals.dimension_values(cur, "industry") == []
    with pytest.raises(InvalidSettingError):
        deals.dimension_values(cur, "account_name")


def test_close_date_bounds() -> None:
    assert deals.close_date_bounds(store([])) == (None, None)
    assert deals.close_date_bounds(store(deal_rows())) == (date(2024, 1, 5), date(2024, 3, 10))
