"""The report to mail: numbers equal to the §9 summary, thresholds and filters that move
them, one inline plotly.js and nothing fetched, data always escaped, the CLI subcommand."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs

from analytics import store
from analytics.cli import run
from analytics.filters import Filters
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.price_fit import PriceFitSettings
from analytics.metrics.summary import summary
from analytics.present import formatting as fmt
from analytics.present.report import SECTIONS, render_report
from tests.factories import deal, insert_deals, new_store

AT = datetime(2026, 1, 5, 9, 30)
XSS = "<script>alert(1)</script>"


def hand_rows(account: str = "Acme", competitor: str = "Beta",
              reason: str = "Price too high") -> list[dict[str, Any]]:
    """Seven deals worked by hand (see the tests for the numbers they give)."""
    return [
        deal(account_name=account, outcome="won", close_date=date(2024, 3, 1), amount=100,
             competitor=competitor, segment="SMB"),
        # price loss: fit 60, gap (105 - 100) / 100 = 5% -> easy_reason by default
        deal(account_name=account, outcome="lost", close_date=date(2024, 1, 1), amount=105,
             competitor_price=100, fit_score=60, loss_reason_raw=reason, competitor=competitor,
             segment="SMB", loss_reason="price"),
        deal(account_name="Globex", outcome="lost", close_date=date(2024, 2, 1), amount=50,
             loss_reason_raw="went dark", segment="Enterprise"),
        # price loss: 300 > 1.5 x budget 100 -> wrong_customer whatever the fit threshold
        deal(account_name="Initech", outcome="lost", close_date=date(2024, 6, 30), amount=300,
             budget=100, fit_score=80, loss_reason_raw="Too expensive", segment="Enterprise"),
        deal(account_name="Hooli", outcome="open", amount=10, segment="SMB"),
        deal(account_name="Umbrella", outcome="won", close_date=date(2024, 5, 1), amount=200,
             competitor=competitor, segment="Enterprise"),
        deal(account_name="Globex", outcome="won", close_date=date(2024, 4, 1), amount=50,
             segment="Enterprise"),
    ]


def hand_store(**names: str):
    con = new_store()
    insert_deals(con, hand_rows(**names))
    return con


class _Numbers(HTMLParser):
    """``{json path: (value, text)}`` of every element carrying ``data-key``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[str, ...], tuple[Any, str]] = {}
        self._open: tuple[tuple[str, ...], Any, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("data-key") is not None:
            self._open = (tuple(json.loads(a["data-key"])), json.loads(a["data-value"] or ""), [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None:
            key, value, text = self._open
            self.found[key] = (value, "".join(text))
            self._open = None


class _Links(HTMLParser):
    """Every tag's src / href / data attribute, and every <link> / <script src> / <img>."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "data", "srcset", "poster")]


def numbers(html: str) -> dict[tuple[str, ...], tuple[Any, str]]:
    parser = _Numbers()
    parser.feed(html)
    return parser.found


def leaves(d: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out |= leaves(value, (*prefix, key))
        else:
            out[(*prefix, key)] = value
    return out


def shown(key: tuple[str, ...], value: Any) -> str:
    """How the report must write the value at ``key`` (the formatting.py formats)."""
    name = key[-1]
    if name == "as_of":
        return fmt.fmt_date(value)
    if name == "median_days_to_comeback":
        return fmt.fmt_days(value)
    if "rate" in name:
        return fmt.fmt_pct(value)
    return fmt.fmt_count(value)


def report(cur, filters: Filters | None = None, price: PriceFitSettings | None = None,
           comeback: ComebackSettings | None = None) -> tuple[str, dict[str, Any]]:
    filters, price = filters or Filters(), price or PriceFitSettings()
    comeback = comeback or ComebackSettings()
    html = render_report(cur, filters, price, comeback, generated_at=AT)
    return html, summary(cur, filters, price_settings=price, comeback_settings=comeback)


def assert_same_numbers(html: str, expected: dict[str, Any]) -> None:
    """Every §9 number is in the report, with the summary's value, formatted with formatting.py."""
    got = numbers(html)
    want = leaves(expected)
    assert set(want) <= set(got), f"missing from the report: {sorted(set(want) - set(got))}"
    for key, (value, text) in got.items():
        assert value == want[key], key
        assert text == shown(key, value), key


def test_the_numbers_are_the_summary_s() -> None:
    cur = hand_store().cursor()
    html, expected = report(cur)
    assert_same_numbers(html, expected)
    got = {k: v for k, (v, _) in numbers(html).items()}
    # by hand: 6 closed (3 won: A, Umbrella, Globex's win; 3 lost), 1 open
    assert got[("deals", "total")] == 7 and got[("deals", "open")] == 1
    assert got[("win_rate",)] == 0.5
    assert got[("win_rate_excl_no_decision",)] == pytest.approx(3 / 5)  # "went dark" leaves
    assert got[("amount_win_rate",)] == pytest.approx(350 / 805)
    assert got[("price_fit", "easy_reason")] == 1 and got[("price_fit", "wrong_customer")] == 1
    assert got[("price_fit", "mismatch_rate")] == 1.0
    assert got[("competitors", "Beta", "won")] == 2 and got[("competitors", "Beta", "lost")] == 1
    # Acme lost 2024-01-01, won 2024-03-01; Globex lost 2024-02-01, won 2024-04-01
    assert got[("comebacks", "as_of")] == "2024-06-30"
    assert got[("comebacks", "median_days_to_comeback")] == 60.0
    assert 'data-key="[&#34;win_rate&#34;]"' in html and ">50.0%<" in html


@pytest.mark.parametrize(("price", "moved"), [
    (PriceFitSettings(), {"easy_reason": 1, "wrong_customer": 1, "genuine_price": 0}),
    (PriceFitSettings(fit_threshold=70), {"easy_reason": 0, "wrong_customer": 2, "genuine_price": 0}),
    (PriceFitSettings(tolerance=0.01), {"easy_reason": 0, "wrong_customer": 1, "genuine_price": 1}),
])
def test_thresholds_move_a_deal_between_classes(price: PriceFitSettings, moved: dict[str, int]) -> None:
    cur = hand_store().cursor()
    html, expected = report(cur, price=price)
    assert_same_numbers(html, expected)
    got = numbers(html)
    assert {k: got[("price_fit", k)][0] for k in moved} == moved
    assert f"Fit below {price.fit_threshold:g}," in html  # the class explained with these thresholds


def test_filters_and_horizon_change_the_report() -> None:
    cur = hand_store().cursor()
    html, expected = report(cur, Filters(segment=("SMB",)), comeback=ComebackSettings(horizon_days=90))
    assert_same_numbers(html, expected)
    got = {k: v for k, (v, _) in numbers(html).items()}
    # SMB: Acme's win and price loss, Hooli open
    assert (got[("deals", "total")], got[("deals", "won")], got[("deals", "lost")]) == (3, 1, 1)
    # Acme lost 2024-01-01, 181 days before as_of: eligible for 90 days, came back after 60
    assert (got[("comebacks", "eligible")], got[("comebacks", "came_back")]) == (1, 1)
    assert "<th>Segment</th><td>SMB</td>" in html


def test_one_inline_plotly_and_nothing_to_fetch() -> None:
    html, _ = report(hand_store().cursor())
    js = get_plotlyjs()
    assert html.count(js) == 1
    assert html.count(js[:300]) == 1  # not a second, partial copy either
    rest = html.replace(js, "")
    links = _Links()
    links.feed(rest)
    assert not {"link", "img", "iframe", "object", "embed"} & set(links.tags)
    assert [r for r in links.refs if re.match(r"\s*(https?:)?//", r, re.IGNORECASE)] == []
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", rest, re.IGNORECASE)
    assert html.count('class="plotly-graph-div"') == 5


def test_text_from_the_data_is_always_escaped() -> None:
    cur = hand_store(account=XSS, competitor=XSS, reason=XSS).cursor()
    html, expected = report(cur)
    assert XSS in expected["competitors"]
    assert XSS not in html and "alert(1)</script" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 3  # competitor table, comeback table (account, lost to), raw reasons
    # inside the chart JSON: escaped for plotly too (which reads <b>, <a href>… in labels)
    assert "&lt;script&gt;alert(1)&lt;\\u002fscript&gt;" in html
    assert "\\u003cscript" not in html
    # every </script> closes a <script> the report opened itself: none comes from the data
    assert html.lower().count("</script") == html.lower().count("<script") == 1 + 5
    assert_same_numbers(html, expected)


def test_the_notes_section_when_the_lost_deals_have_notes() -> None:
    html, expected = report(hand_store().cursor())  # no notes: no section, the numbers in the scope
    assert "<h2>What buyers said</h2>" not in html and "Closed Lost Notes" in html
    assert_same_numbers(html, expected)
    rows = hand_rows()
    rows[1]["loss_notes"] = f"Went dark after {XSS}"  # price picked, the notes say no decision
    rows[3]["loss_notes"] = "=cmd| too expensive"  # price picked, the notes say price
    con = new_store()
    insert_deals(con, rows)
    html, expected = report(con.cursor())
    assert expected["notes"] == {"with_notes": 2, "agree": 1, "agreement_rate": 0.5, "easy_price": 1,
                                 "unclear": 0}
    assert_same_numbers(html, expected)
    assert "<h2>What buyers said</h2>" in html and 'id="chart-notes-matrix"' in html
    assert "Went dark after &lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html


def test_an_empty_database_reports_no_data() -> None:
    html, expected = report(new_store().cursor())
    assert "There is no data to report" in html
    assert "plotly-graph-div" not in html and "Plotly.newPlot" not in html
    assert numbers(html)[("deals", "total")] == (0, "0")
    assert expected["deals"]["total"] == 0


def test_only_open_deals_say_nothing_is_closed() -> None:
    con = new_store()
    insert_deals(con, [deal(account_name="Hooli", outcome="open", amount=10)])
    html, _ = report(con.cursor())
    assert "There is no closed deal to report on yet" in html


def test_the_cli_writes_the_report_with_the_summary_flags(tmp_path: Path, capsys) -> None:
    db = tmp_path / "hand.duckdb"
    con = store.connect(db)
    insert_deals(con, hand_rows())
    con.close()
    out = tmp_path / "report.html"
    flags = ["--db", str(db), "--fit-threshold", "70", "--filter", "segment=SMB", "--horizon-days", "90"]
    assert run(["report", "--out", str(out), *flags]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and str(out.resolve()) in printed[0]
    assert fmt.fmt_size(out.stat().st_size) in printed[0]
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert run(["summary", "--json", *flags]) == 0
    assert_same_numbers(html, json.loads(capsys.readouterr().out))
    assert numbers(html)[("price_fit", "wrong_customer")][0] == 1  # Acme's loss, fit 60 < 70


@pytest.mark.parametrize(("out", "message"), [
    ("missing-folder/report.html", "cannot write the report to"),
    (".", "it is a folder"),
])
def test_the_cli_says_in_one_line_when_it_cannot_write(tmp_path: Path, capsys, out: str,
                                                       message: str) -> None:
    target = tmp_path / out
    assert run(["report", "--db", str(tmp_path / "x.duckdb"), "--out", str(target)]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert captured.out == "" and not (tmp_path / "missing-folder").exists()


def test_the_cli_needs_out(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["report"])
    assert exc.value.code == 2 and "--out" in capsys.readouterr().err


def test_the_sample_database_report(sample_db_copy: Path, capsys) -> None:
    con = store.connect(sample_db_copy)  # a copy: another test of this process may hold the original
    try:
        html, expected = report(con.cursor())
    finally:
        con.close()
    size = len(html.encode("utf-8"))
    assert 4.5e6 <= size <= 7e6, size
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == list(SECTIONS.values())
    assert_same_numbers(html, expected)
    assert capsys.readouterr() == ("", "")
