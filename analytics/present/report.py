"""The report to mail: one self-contained HTML file of the dashboard's views (no Streamlit).

:func:`render_report` returns one HTML document that opens with no network at all:
one inline copy of plotly.js in ``<head>`` shared by every chart, each chart as a
``<div>`` plus its figure JSON, and no external CSS, font or image. Text goes
through Jinja2 with autoescaping on, so an account called ``<script>`` reads as
text; plotly writes ``<`` and ``/`` inside its figure JSON as ``\\u003c`` /
``\\u002f``, so a ``</script>`` in the data cannot close the chart's script tag.

Every number of METRICS.md §9 is taken from :func:`analytics.metrics.summary.summary`
and carries where it came from: ``data-key`` is its JSON path in that dict and
``data-value`` the unrounded value as JSON, e.g.
``<span class="num" data-key='["win_rate"]' data-value="0.4">40.0%</span>``.

>>> from analytics.store import connect
>>> page = render_report(connect(":memory:").cursor(), Filters(), PriceFitSettings(),
...                      ComebackSettings(), generated_at=datetime(2026, 1, 5, 9, 30))
>>> "There is no data to report" in page, "Plotly.newPlot" in page
(True, False)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import plotly.graph_objects as go
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

from analytics.categories import CATEGORIES
from analytics.errors import DebriefError
from analytics.filters import DIMENSIONS, Filters
from analytics.metrics import comebacks, competitors, deals, loss_reasons, notes, price_fit
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.currency import stated_currencies
from analytics.metrics.price_fit import PriceFitSettings
from analytics.metrics.summary import summary
from analytics.metrics.winrates import headline
from analytics.present import charts, notes_charts
from analytics.present import formatting as fmt
from analytics.present.money import chosen_symbol, currency_note
from analytics.present.price_fit_text import evidence_summary, evidence_warning, explain
from analytics.present.text import safe_figure

#: Section id → heading, in the order the report shows them.
SECTIONS: dict[str, str] = {
    "scope": "Scope and data",
    "headline": "Headline",
    "reasons": "Why we lose",
    "price_fit": "Price vs fit",
    "notes": "What buyers said",
    "comebacks": "Comebacks",
    "competitors": "Competitors",
}
#: The most comeback accounts listed (latest first); the rest are counted.
RETURNED_ROWS = 15
#: The most raw loss reasons listed (most deals first).
RAW_REASONS = 8
#: The most easy-price losses listed with their notes (latest first); the rest are counted.
EASY_PRICE_ROWS = 10
#: The most competitors on the head-to-head chart (the table lists them all).
CHART_COMPETITORS = 12
TEMPLATE = "report.html.j2"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Num:
    """A number shown in the report: ``key`` its JSON path in the summary dict,
    ``value`` its unrounded value as JSON, ``text`` how it reads."""

    key: str
    value: str
    text: str


def _num(source: dict[str, Any], path: Sequence[str], shown: Callable[[Any], str]) -> Num:
    value: Any = source
    for part in path:
        value = value[part]
    return Num(json.dumps(list(path), ensure_ascii=False), json.dumps(value), shown(value))


def _plain(x: float) -> float | int:
    """50.0 → 50, 0.1 * 100 → 10 (for thresholds written in words)."""
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def _markdown(text: str) -> Markup:
    """The ``**bold**`` and ``*italic*`` of the present layer's fixed texts, the rest escaped."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    return Markup(re.sub(r"\*(.+?)\*", r"<em>\1</em>", html))


def _chart(fig: go.Figure, name: str) -> Markup:
    """A figure as a ``<div>`` + script (no plotly.js: the page's ``<head>`` has the one copy)."""
    safe_figure(fig)  # data text shows as written, never as plotly markup
    fig.update_layout(clickmode="event")  # nothing to drill into in a mailed file
    fig.for_each_trace(lambda t: t.update(hovertemplate=t.hovertemplate.replace(
        "<extra>Click to list the deals</extra>", "<extra></extra>")) if t.hovertemplate else None)
    height = fig.layout.height or 400
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}",
                       config={**charts.PLOT_CONFIG, "responsive": True},
                       default_height=f"{height}px")
    return Markup(html)  # plotly's own markup; the data in it is \u003c-escaped JSON


def _scope(filters: Filters, price: PriceFitSettings, comeback: ComebackSettings) -> dict[str, Any]:
    """The filters and thresholds in words."""
    if filters.start or filters.end:
        window = (f"{fmt.fmt_date(filters.start) if filters.start else 'any time'} → "
                  f"{fmt.fmt_date(filters.end) if filters.end else 'latest'}")
    else:
        window = "All close dates"
    rows = [("Close dates", window)]
    rows += [(fmt.DIMENSION_LABELS.get(name, name), ", ".join(fmt.blank_as_text(v) for v in values))
             for name in DIMENSIONS if (values := getattr(filters, name))]
    settings = [
        ("Fit threshold", f"{_plain(price.fit_threshold)} (of 100)"),
        ("Price tolerance", f"{_plain(price.tolerance * 100)}%"),
        ("Budget bracket factor", f"{_plain(price.bracket_factor)}×"),
        ("Comeback horizon", fmt.months_label(comeback.horizon_days)),
        ("Comebacks as of", fmt.fmt_date(comeback.as_of) if comeback.as_of else "the latest close date"),
    ]
    return {"filters": rows, "filtered": not filters.is_empty(), "settings": settings}


def _close_range(cur: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[date | None, date | None]:
    """Earliest and latest close date of the closed deals passing the filters."""
    days = [frame["close_date"].iloc[0]
            for outcome in ("won", "lost") for descending in (False, True)
            if not (frame := deals.list_deals(cur, filters, order_by="close_date", descending=descending,
                                              limit=1, outcome=outcome)).empty
            and not fmt.is_missing(frame["close_date"].iloc[0])]
    return (min(days), max(days)) if days else (None, None)


def _reasons(cur: duckdb.DuckDBPyConnection, filters: Filters, s: dict[str, Any],
             symbol: str) -> dict[str, Any]:
    lost = s["deals"]["lost"]
    order = sorted(CATEGORIES, key=lambda c: (-s["loss_reasons"][c], CATEGORIES.index(c)))
    rows = [{"label": fmt.category_label(c), "color": fmt.CATEGORY_COLORS.get(c, fmt.MUTED),
             "deals": _num(s, ("loss_reasons", c), fmt.fmt_count),
             "share": fmt.fmt_pct(s["loss_reasons"][c] / lost if lost else None)} for c in order]
    pareto = loss_reasons.pareto(cur, filters, "count")
    chart = _chart(charts.pareto_figure(pareto, "count", symbol), "reasons") if not pareto.empty else None
    top = pareto.iloc[0] if not pareto.empty else None
    lead = (f"{fmt.category_label(top['category'])} is the most common reason: "
            f"{fmt.fmt_pct(top['share'])} of lost deals.") if top is not None else None
    raw = loss_reasons.raw_reasons(cur, filters)
    words = [{"raw": r.raw or "(blank)", "category": fmt.category_label(r.category),
              "deals": fmt.fmt_count(r.deals)} for r in raw.head(RAW_REASONS).itertuples(index=False)]
    return {"rows": rows, "chart": chart, "lead": lead, "raw": words, "raw_total": len(raw)}


def _price_fit(cur: duckdb.DuckDBPyConnection, filters: Filters, s: dict[str, Any],
               settings: PriceFitSettings) -> dict[str, Any]:
    words = explain(_plain(settings.fit_threshold), _plain(settings.tolerance * 100),
                    _plain(settings.bracket_factor))
    classes = [{"label": fmt.PRICE_CLASS_LABELS[k], "color": fmt.PRICE_CLASS_COLORS[k],
                "count": _num(s, ("price_fit", k), fmt.fmt_count),
                "meaning": words[k][0], "action": words[k][1]} for k in price_fit.PRICE_CLASSES]
    evidence = price_fit.evidence(cur, filters)
    matrix = price_fit.matrix(cur, filters, settings)
    figure = charts.price_fit_matrix(matrix, price_fit.fit_bands(settings), price_fit.gap_bands(settings))
    warning = evidence_warning(evidence) if evidence["price_losses"] else None
    return {
        "classes": classes,
        "mismatch": _num(s, ("price_fit", "mismatch_rate"), fmt.fmt_pct),
        "price_losses": fmt.fmt_count(evidence["price_losses"]),
        "evidence": evidence_summary(evidence) if evidence["price_losses"] else None,
        "warning": _markdown(warning) if warning else None,
        "chart": _chart(figure, "price-fit-matrix"),
    }


def _notes(cur: duckdb.DuckDBPyConnection, filters: Filters, s: dict[str, Any]) -> dict[str, Any]:
    """What buyers said (§10): the numbers always (they are §9's), the rest when notes exist."""
    nums = {key: _num(s, ("notes", key), fmt.fmt_pct if key == "agreement_rate" else fmt.fmt_count)
            for key in s["notes"]}
    out: dict[str, Any] = {"nums": nums, "has_notes": s["notes"]["with_notes"] > 0}
    if not out["has_notes"]:
        return out
    agreement = notes.headline(cur, filters).agreement
    out["interval"] = f"{fmt.fmt_pct(agreement.low, 0)}–{fmt.fmt_pct(agreement.high, 0)}"
    out["chart"] = _chart(notes_charts.matrix_figure(notes.matrix(cur, filters)), "notes-matrix")
    easy = notes_charts.notes_frame(notes.per_deal(cur, filters, easy_price=True, limit=EASY_PRICE_ROWS))
    out["easy"] = [{"account": fmt.DASH if fmt.is_missing(r.account_name) else str(r.account_name),
                    "lost_on": fmt.fmt_date(r.close_date), "raw": r.loss_reason_raw or "(blank)",
                    "says": r.notes_say, "notes": r.loss_notes} for r in easy.itertuples(index=False)]
    return out


def _comebacks(cur: duckdb.DuckDBPyConnection, filters: Filters, s: dict[str, Any],
               settings: ComebackSettings, symbol: str) -> dict[str, Any]:
    cb = s["comebacks"]
    out: dict[str, Any] = {
        "months": fmt.horizon_label(cb["horizon_days"]),
        "nums": {key: _num(s, ("comebacks", key), shown) for key, shown in (
            ("comeback_rate", fmt.fmt_pct), ("ever_rate", fmt.fmt_pct),
            ("median_days_to_comeback", fmt.fmt_days), ("lost_accounts", fmt.fmt_count),
            ("eligible", fmt.fmt_count), ("came_back", fmt.fmt_count),
            ("horizon_days", fmt.fmt_count), ("as_of", fmt.fmt_date))},
        "curve": None, "cohorts": None, "rows": [], "returned": 0,
    }
    if not cb["lost_accounts"]:
        return out
    out["curve"] = _chart(charts.km_figure(comebacks.curve(cur, filters, settings),
                                           cb["horizon_days"]), "comeback-curve")
    cohorts = comebacks.cohorts(cur, filters, settings, 24)
    if not cohorts.empty:
        out["cohorts"] = _chart(charts.cohort_figure(cohorts), "comeback-cohorts")
    returned = comebacks.returned_accounts(cur, filters, settings, limit=100_000)
    out["returned"] = len(returned)
    out["rows"] = [{
        "account": fmt.blank_as_text(r.account_name) if not fmt.is_missing(r.account_name) else fmt.DASH,
        "lost_on": fmt.fmt_date(r.loss_date), "reason": fmt.category_label(r.loss_reason),
        "lost_to": fmt.DASH if fmt.is_missing(r.lost_to) else str(r.lost_to),
        "lost_amount": fmt.fmt_money(r.lost_amount, symbol), "won_on": fmt.fmt_date(r.comeback_date),
        "won_account": fmt.DASH if fmt.is_missing(r.comeback_account_name) else str(r.comeback_account_name),
        "won_amount": fmt.fmt_money(r.comeback_amount, symbol),
        "days": fmt.fmt_count(r.days_to_comeback),
    } for r in returned.head(RETURNED_ROWS).itertuples(index=False)]
    return out


def _competitors(cur: duckdb.DuckDBPyConnection, filters: Filters, s: dict[str, Any],
                 symbol: str) -> dict[str, Any]:
    h2h = competitors.head_to_head(cur, filters)
    if h2h.empty:
        return {"rows": [], "chart": None}
    extra = h2h.set_index("competitor")
    rows = []
    for name in s["competitors"]:
        row = extra.loc[name]
        rows.append({
            "name": name, "small": bool(row["small_sample"]),
            "won": _num(s, ("competitors", name, "won"), fmt.fmt_count),
            "lost": _num(s, ("competitors", name, "lost"), fmt.fmt_count),
            "win_rate": _num(s, ("competitors", name, "win_rate"), fmt.fmt_pct),
            "interval": f"{fmt.fmt_pct(row['low'], 0)}–{fmt.fmt_pct(row['high'], 0)}",
            "lost_amount": fmt.fmt_money(row["lost_amount"], symbol),
        })
    figure = charts.rate_dots(h2h.head(CHART_COMPETITORS), "competitor",
                              "Our win rate against each competitor",
                              reference=s["win_rate"], reference_label="All deals")
    return {"rows": rows, "chart": _chart(figure, "competitors")}


def render_report(cur: duckdb.DuckDBPyConnection, filters: Filters, price_settings: PriceFitSettings,
                  comeback_settings: ComebackSettings, *, generated_at: datetime) -> str:
    """The whole report as one HTML document (a ``str``), for these filters and thresholds.

    ``generated_at`` is printed in the header; the caller passes the time (no clock here).
    With no deal, or no closed deal, the report says so instead of showing empty charts.
    """
    s = summary(cur, filters, price_settings=price_settings, comeback_settings=comeback_settings)
    head = headline(cur, filters)
    codes = stated_currencies(cur)
    symbol = chosen_symbol(codes, filters.currency)  # amounts are in filters.currency on mixed data
    closed = s["deals"]["won"] + s["deals"]["lost"]
    first, last = _close_range(cur, filters)
    context: dict[str, Any] = {
        "sections": SECTIONS,
        "generated_at": fmt.fmt_date(generated_at),
        "scope": _scope(filters, price_settings, comeback_settings),
        "deals": {k: _num(s, ("deals", k), fmt.fmt_count) for k in ("total", "won", "lost", "open")},
        "closed": fmt.fmt_count(closed),
        "close_from": fmt.fmt_date(first), "close_to": fmt.fmt_date(last),
        "currency_note": currency_note(codes, filters.currency),
        "has_data": s["deals"]["total"] > 0, "has_closed": closed > 0,
        "plotlyjs": None, "notes": None,
    }
    if closed:
        context["headline"] = {
            "win_rate": _num(s, ("win_rate",), fmt.fmt_pct),
            "low": fmt.fmt_pct(head.win_rate.low), "high": fmt.fmt_pct(head.win_rate.high),
            "small": head.win_rate.small_sample,
            "excl": _num(s, ("win_rate_excl_no_decision",), fmt.fmt_pct),
            "amount": _num(s, ("amount_win_rate",), fmt.fmt_pct),
        }
        context["reasons"] = _reasons(cur, filters, s, symbol)
        context["price_fit"] = _price_fit(cur, filters, s, price_settings)
        context["notes"] = _notes(cur, filters, s)
        context["comebacks"] = _comebacks(cur, filters, s, comeback_settings, symbol)
        context["competitors"] = _competitors(cur, filters, s, symbol)
        context["plotlyjs"] = Markup(get_plotlyjs())  # the bundled library: no data, no "</script"
    return _ENV.get_template(TEMPLATE).render(context)


def write_report(path: str | os.PathLike[str], html: str) -> int:
    """Write ``html`` to ``path`` (UTF-8, replaced whole: no half-written file); return its size
    in bytes. A path that cannot be written is a :class:`DebriefError` with a one-line reason."""
    target = Path(path)
    data = html.encode("utf-8")
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        part = target.with_name(f".{target.name}.part")
        try:
            part.write_bytes(data)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DebriefError(f"cannot write the report to {target}: {reason.lower()}. Choose a file in a "
                           "folder that exists and that you can write to, with --out.") from exc
    return len(data)
