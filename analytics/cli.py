"""``python -m analytics``: import exports, list and undo imports, print the summary, write the report.

Exit status 0 on success; otherwise a one-line reason on stderr (no traceback):
1 for a problem with the data or the database, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import duckdb
import pandas as pd

from analytics import categories, lake
from analytics.connection import CLI_WAIT, open_store
from analytics.errors import DebriefError, InvalidSettingError
from analytics.filters import DIMENSIONS, Filters
from analytics.ingest import history, importer, normalise
from analytics.ingest.dialects import SOURCES
from analytics.ingest.headers import parse_user_mapping
from analytics.metrics.comebacks import ComebackSettings
from analytics.metrics.price_fit import PriceFitSettings
from analytics.store import default_db_path

#: The end of the one-line message when the database stays busy past ``--wait``.
_BUSY_TODO = ("Run the command again when that program has finished (or close it), "
              "or wait longer with --wait SECONDS.")


def _now() -> datetime:
    """Wall-clock time, recorded with imports and undos (never used as a metric default)."""
    return datetime.now().replace(microsecond=0)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-06-30") from exc


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's error style: one line on stderr, exit status 2.

    Sub-command parsers are built from the same class, so a bad value of any
    flag (``--as-of 2024-02-30``, ``--horizon-days abc``) gets one line too.
    """

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"error: {text}. See: {self.prog} --help\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics",
                                     description="Debrief: win/loss analytics on CRM exports.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", type=Path, default=None,
                       help=f"database file (default: $DEBRIEF_DB, else {default_db_path()})")
        p.add_argument("--wait", type=float, default=CLI_WAIT, metavar="SECONDS",
                       help=f"wait this long for a file another program holds (default {CLI_WAIT:.0f})")
        return p

    p = with_db(sub.add_parser("import", help="load CRM exports (CSV or XLSX)"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--source", choices=SOURCES, default="auto", help="force the export's dialect")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=field",
                   help="map a column the recognition table misses (repeatable)")
    p.add_argument("--day-first", action="store_true",
                   help="read slash dates the data cannot decide as day/month/year")

    with_db(sub.add_parser("imports", help="list the imports"))
    p = with_db(sub.add_parser("undo", help="undo an import, restoring the rows it replaced"))
    p.add_argument("import_id", type=int)
    p = with_db(sub.add_parser("rejects", help="print the rejected rows of an import as CSV"))
    p.add_argument("import_id", type=int)

    def with_metric_flags(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        """The filter and threshold flags shared by ``summary`` and ``report``."""
        p.add_argument("--horizon-days", type=int, default=365)
        p.add_argument("--as-of", type=_date, default=None, help="comeback as-of date (YYYY-MM-DD)")
        p.add_argument("--fit-threshold", type=float, default=50.0)
        p.add_argument("--tolerance", type=float, default=0.10, help="price-gap tolerance, 0.10 = 10%%")
        p.add_argument("--bracket-factor", type=float, default=1.5)
        p.add_argument("--from", dest="start", type=_date, default=None, help="first close date")
        p.add_argument("--to", dest="end", type=_date, default=None, help="last close date")
        p.add_argument("--filter", action="append", default=[], metavar="DIMENSION=VALUE",
                       help=f"keep deals whose dimension equals VALUE ({', '.join(DIMENSIONS)})")
        p.add_argument("--currency", default=None, metavar="CODE",
                       help="the currency of amount figures when the deals mix currencies "
                            "(default: the most common); counts and rates cover every deal")
        return p

    p = with_metric_flags(with_db(sub.add_parser("summary", help="print the headline numbers")))
    p.add_argument("--json", action="store_true", help="one JSON object (METRICS.md §9)")
    p = with_metric_flags(with_db(sub.add_parser(
        "report", help="write the report to mail: one HTML file that opens offline")))
    p.add_argument("--out", type=Path, required=True, metavar="FILE.html", help="the HTML file to write")

    p = with_db(sub.add_parser("reasons", help="list raw loss reasons with their category"))
    reasons_sub = p.add_subparsers(dest="reasons_command")
    s = reasons_sub.add_parser("set", help="override the category of a raw reason")
    s.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    s.add_argument("--wait", type=float, default=argparse.SUPPRESS, metavar="SECONDS",
                   help="wait this long for a file another program holds")
    s.add_argument("raw", metavar="RAW_TEXT")
    s.add_argument("category", metavar="CATEGORY",
                   help=f"one of {', '.join(categories.CATEGORIES)}, or 'rules' to drop the override")
    with_db(sub.add_parser("maintain", help="compact the store (DuckLake: merge files, expire "
                                            "snapshots older than 7 days; a file: CHECKPOINT)"))
    return parser


def _filters(args: argparse.Namespace) -> Filters:
    values: dict[str, list[str]] = {}
    for item in args.filter:
        name, sep, value = item.partition("=")
        if not sep or name not in DIMENSIONS:
            raise InvalidSettingError(
                f"--filter {item!r} should be DIMENSION=VALUE with one of: {', '.join(DIMENSIONS)}.")
        values.setdefault(name, []).append(value)
    return Filters(start=args.start, end=args.end, **{k: tuple(v) for k, v in values.items()})


def _print_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    text = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in text:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _cmd_import(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    options = normalise.ImportOptions(source=args.source, mapping=parse_user_mapping(args.map),
                                     day_first=args.day_first)
    for result in importer.import_files(con, args.files, options, now=_now()):
        what = f"import #{result.import_id}" if result.recorded else f"same as import #{result.import_id}"
        print(f"{result.file_name}: {what} ({result.dialect}): "
              f"{result.rows_read} rows read, {result.loaded} loaded, {result.updated} updated, "
              f"{result.unchanged} unchanged, {result.duplicates} duplicate, "
              f"{result.rejected} rejected")
        if result.rejected:
            db = f" --db {shlex.quote(str(args.db))}" if args.db else ""
            print(f"  rejected rows: python -m analytics rejects {result.import_id}{db}")
        for note in result.notes:
            print(f"  note: {note}")


def _cmd_imports(con: duckdb.DuckDBPyConnection) -> None:
    frame = history.list_imports(con.cursor())
    if frame.empty:
        print("No imports yet: python -m analytics import FILE")
        return
    rows = [[r.import_id, r.file_name, r.dialect, f"{r.imported_at:%Y-%m-%d %H:%M}", r.rows_read,
             r.loaded, r.updated, r.rejected, "undone" if not pd.isna(r.undone_at) else ""]
            for r in frame.itertuples()]
    _print_table(rows, ["id", "file", "dialect", "imported", "read", "loaded", "updated",
                        "rejected", ""])


def _settings(args: argparse.Namespace, cur: duckdb.DuckDBPyConnection,
              ) -> tuple[Filters, PriceFitSettings, ComebackSettings]:
    """The filters (with the currency of amount figures) and thresholds of the ``summary`` /
    ``report`` flags."""
    from analytics.metrics.currency import choose_currency

    currency = choose_currency(cur, args.currency)
    return (replace(_filters(args), currency=currency),
            PriceFitSettings(args.fit_threshold, args.tolerance, args.bracket_factor),
            ComebackSettings(args.horizon_days, args.as_of))


def _cmd_summary(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    from analytics.metrics.summary import summary

    filters, price_settings, comeback_settings = _settings(args, con.cursor())
    result = summary(con.cursor(), filters, price_settings=price_settings,
                     comeback_settings=comeback_settings)
    if args.json:
        print(json.dumps(result, default=str))
        return

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    def shown(value: object) -> str:
        return "n/a" if value is None else str(value)

    deals = result["deals"]
    print(f"Deals: {deals['total']} ({deals['won']} won, {deals['lost']} lost, {deals['open']} open)")
    print(f"Win rate: {pct(result['win_rate'])}  excluding no-decision: "
          f"{pct(result['win_rate_excl_no_decision'])}  by amount: {pct(result['amount_win_rate'])}")
    if filters.currency is not None:
        print(f"Amounts: {filters.currency} deals only (the deals mix currencies and amounts are never "
              "added across them; choose another with --currency CODE)")
    print("Loss reasons: " + ", ".join(f"{k} {v}" for k, v in result["loss_reasons"].items() if v))
    pf = result["price_fit"]
    print(f"Price losses: {pf['wrong_customer']} wrong customer, {pf['easy_reason']} easy reason, "
          f"{pf['genuine_price']} genuine price, {pf['unknown']} unknown; "
          f"mismatch rate {pct(pf['mismatch_rate'])}")
    cb = result["comebacks"]
    print(f"Comebacks (as of {shown(cb['as_of'])}, {cb['horizon_days']} days): {cb['came_back']} of "
          f"{cb['eligible']} eligible ({pct(cb['comeback_rate'])}); ever {pct(cb['ever_rate'])} of "
          f"{cb['lost_accounts']} lost accounts; median {shown(cb['median_days_to_comeback'])} days")
    nt = result["notes"]
    print(f"Loss notes: {nt['with_notes']} lost deals with notes; the notes agree with the stated "
          f"reason in {nt['agree']} ({pct(nt['agreement_rate'])}); {nt['easy_price']} easy-price "
          f"losses; {nt['unclear']} unclear")
    if result["competitors"]:
        _print_table([[name, v["won"], v["lost"], pct(v["win_rate"])]
                      for name, v in result["competitors"].items()],
                     ["competitor", "won", "lost", "win rate"])


def _cmd_report(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    from analytics.present.formatting import fmt_size
    from analytics.present.report import render_report, write_report

    filters, price_settings, comeback_settings = _settings(args, con.cursor())
    html = render_report(con.cursor(), filters, price_settings, comeback_settings, generated_at=_now())
    size = write_report(args.out, html)
    print(f"Report written to {args.out.resolve()} ({fmt_size(size)}).")


def _cmd_reasons(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    cur = con.cursor()
    if args.reasons_command == "set":
        category = None if args.category == "rules" else args.category
        changed = categories.set_override(cur, args.raw, category, now=_now())
        target = category or "its rule-based category"
        print(f"{args.raw!r} -> {target}: {changed} lost deal(s) changed category.")
        return
    rows = categories.list_reasons(cur)
    if not rows:
        print("No lost deals yet.")
        return
    _print_table([[raw or "(blank)", cat, n, "override" if o else ""] for raw, cat, n, o in rows],
                 ["raw reason", "category", "deals", ""])


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        con = open_store(args.db, wait=args.wait, todo=_BUSY_TODO)
    except duckdb.IOException as exc:
        print(f"error: cannot open the database {args.db or default_db_path()}: {exc}. Close the "
              "dashboard or any other program using it, or choose another file with --db.",
              file=sys.stderr)
        return 1
    except DebriefError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "import":
            _cmd_import(con, args)
        elif args.command == "imports":
            _cmd_imports(con)
        elif args.command == "undo":
            result = history.undo(con, args.import_id, now=_now())
            print(f"Import #{result.import_id} undone: {result.removed} rows removed, "
                  f"{result.restored} earlier rows restored.")
        elif args.command == "rejects":
            sys.stdout.write(history.rejected_csv(con.cursor(), args.import_id))
        elif args.command == "summary":
            _cmd_summary(con, args)
        elif args.command == "report":
            _cmd_report(con, args)
        elif args.command == "reasons":
            _cmd_reasons(con, args)
        elif args.command == "maintain":
            print("\n".join(lake.maintain(con, now=_now())))
    except DebriefError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def main() -> None:
    sys.exit(run())
