"""Benchmark: the §9 summary by the engine vs an idiomatic vectorised pandas implementation.

    .venv/bin/python benchmarks/pandas_summary.py [--check-db FILE] [--db FILE] [--runs 3]

What a typical Streamlit app does: read the whole ``opportunities`` table into a DataFrame
(``con.execute("SELECT * FROM opportunities").df()``), then compute every number of
METRICS.md §9 with boolean masks, ``groupby`` and ``merge`` — vectorised, no Python loop
over rows. First the pandas numbers are checked equal to ``analytics.metrics.summary.summary``
on ``--check-db`` (default: a generated 100k-deal export, imported); then each side is timed
in its own fresh process (``--runs`` times, best kept) with its peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) on ``--db`` (default: a generated 1M-deal
export). Both processes import the same packages, so the baselines match. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.categories import CATEGORIES, RULES  # noqa: E402 (the §3 keyword table)
from analytics.metrics.summary import summary  # noqa: E402

HORIZON = 365
FIT, TOLERANCE, BRACKET = 50, 0.10, 1.5


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def _headline(df: pd.DataFrame, won: pd.Series, lost: pd.Series, category: pd.Series) -> dict[str, Any]:
    amount = df["amount"].fillna(0.0)
    won_amount, lost_amount = amount[won].sum(), amount[lost].sum()
    n_won, n_lost = int(won.sum()), int(lost.sum())
    no_decision = int((lost & category.eq("no_decision")).sum())
    return {
        "deals": {"total": len(df), "won": n_won, "lost": n_lost, "open": len(df) - n_won - n_lost},
        "win_rate": _rate(n_won, n_won + n_lost),
        "win_rate_excl_no_decision": _rate(n_won, n_won + n_lost - no_decision),
        "amount_win_rate": _rate(won_amount, won_amount + lost_amount),
    }


def _competitors(df: pd.DataFrame, closed: pd.Series) -> dict[str, Any]:
    named = df.loc[closed & df["competitor"].fillna("").str.strip().ne(""), ["competitor", "outcome"]]
    table = pd.crosstab(named["competitor"], named["outcome"]).reindex(columns=["won", "lost"], fill_value=0)
    return {str(name): {"won": int(w), "lost": int(lo), "win_rate": _rate(w, w + lo)}
            for name, w, lo in table.itertuples()}


def _price_fit(df: pd.DataFrame, lost: pd.Series, category: pd.Series) -> dict[str, Any]:
    p = df.loc[lost & category.eq("price"), ["amount", "competitor_price", "budget", "fit_score"]]
    by_price = (p["amount"] - p["competitor_price"]) / p["competitor_price"]
    by_budget = (p["amount"] - p["budget"]) / p["budget"]
    gap = by_price.where(p["competitor_price"] > 0, by_budget.where(p["budget"] > 0))
    wrong = (p["fit_score"] < FIT) | ((p["budget"] > 0) & (p["amount"] > BRACKET * p["budget"]))
    good_fit = ~wrong & (p["fit_score"] >= FIT)
    easy, genuine = good_fit & (gap <= TOLERANCE), good_fit & (gap > TOLERANCE)
    out: dict[str, Any] = {"wrong_customer": int(wrong.sum()), "easy_reason": int(easy.sum()),
                           "genuine_price": int(genuine.sum())}
    out["unknown"] = len(p) - out["wrong_customer"] - out["easy_reason"] - out["genuine_price"]
    known = len(p) - out["unknown"]
    out["mismatch_rate"] = _rate(out["wrong_customer"] + out["easy_reason"], known)
    return out


def _comebacks(df: pd.DataFrame, won: pd.Series, lost: pd.Series, closed: pd.Series) -> dict[str, Any]:
    as_of = df.loc[closed, "close_date"].max()
    keyed = df["account_key"].notna() & df["close_date"].notna()
    losses = df.loc[lost & keyed, ["account_key", "close_date", "opportunity_id"]]
    first = (losses.sort_values(["close_date", "opportunity_id"])
             .drop_duplicates("account_key")[["account_key", "close_date"]]
             .rename(columns={"close_date": "loss_date"}))
    wins = df.loc[won & keyed, ["account_key", "close_date"]].merge(first, on="account_key")
    later = wins[wins["close_date"] > wins["loss_date"]].groupby("account_key")["close_date"].min()
    first["comeback_date"] = first["account_key"].map(later)
    days = (first["comeback_date"] - first["loss_date"]).dt.days
    observed = (as_of - first["loss_date"]).dt.days
    eligible = observed >= HORIZON
    came_back = eligible & (days <= HORIZON)
    median = days.median()
    return {
        "as_of": None if pd.isna(as_of) else pd.Timestamp(as_of).date().isoformat(),
        "horizon_days": HORIZON, "lost_accounts": len(first), "eligible": int(eligible.sum()),
        "came_back": int(came_back.sum()), "comeback_rate": _rate(int(came_back.sum()), int(eligible.sum())),
        "ever_rate": _rate(int(days.notna().sum()), len(first)),
        "median_days_to_comeback": None if pd.isna(median) else float(median),
    }


def _notes(df: pd.DataFrame, lost: pd.Series, category: pd.Series) -> dict[str, Any]:
    has_notes = lost & df["loss_notes"].fillna("").str.strip().ne("")
    text = df.loc[has_notes, "loss_notes"].str.lower()
    stated = category[has_notes]
    said = pd.DataFrame({name: text.str.contains("|".join(words), regex=True) for name, words in RULES},
                        index=text.index)
    agree = pd.Series(False, index=text.index)
    for name, _ in RULES:
        agree |= stated.eq(name) & said[name]
    named_any = said.any(axis=1)
    easy = stated.eq("price") & named_any & ~said["price"]
    agreed = int(agree.sum())
    return {"with_notes": len(text), "agree": agreed, "agreement_rate": _rate(agreed, len(text)),
            "easy_price": int(easy.sum()), "unclear": int((~named_any).sum())}


def pandas_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The §9 summary (all deals, default settings) computed in pandas from the whole table."""
    df = con.execute("SELECT * FROM opportunities").df()
    won, lost = df["outcome"].eq("won"), df["outcome"].eq("lost")
    closed = won | lost
    category = df["loss_reason"].fillna("unspecified").where(lost)
    reasons = category[lost].value_counts()
    return {
        **_headline(df, won, lost, category),
        "loss_reasons": {c: int(reasons.get(c, 0)) for c in CATEGORIES},
        "competitors": _competitors(df, closed),
        "price_fit": _price_fit(df, lost, category),
        "comebacks": _comebacks(df, won, lost, closed),
        "notes": _notes(df, lost, category),
    }


def _same(a: Any, b: Any, where: str = "") -> list[str]:
    """Differences between two summaries (floats to 1e-12 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _same(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-12) else [f"{where}: {a} != {b}"]
    return [] if a == b and type(a) is type(b) else [f"{where}: {a!r} != {b!r}"]


def measure(side: str, db: str) -> dict[str, float]:
    """One side on ``db`` in this process: seconds and peak RSS (MB)."""
    con = duckdb.connect(db, read_only=True)
    t0 = time.perf_counter()
    result = summary(con.cursor()) if side == "engine" else pandas_summary(con)
    seconds = time.perf_counter() - t0
    assert result["deals"]["total"] > 0
    return {"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _generated(folder: Path, n: int) -> Path:
    from analytics.ingest.importer import import_files
    from analytics.store import connect
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import write_export

    export, db = folder / f"deals_{n}.csv", folder / f"summary_{n}.duckdb"
    write_export(export, n)
    con = connect(db)
    import_files(con, [export], now=datetime(2026, 1, 1))
    con.close()
    export.unlink()
    return db


def _child(*args: str) -> str:
    """This script with ``args`` in a fresh process; its last line of output. Every heavy step runs
    in a child: Linux keeps a process's ``ru_maxrss`` across ``fork``/``exec``, so a child of a big
    parent would report the parent's peak."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def _run(side: str, db: Path, runs: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(runs):
        got = json.loads(_child("--measure", side, str(db)))
        best = {k: min(v, best.get(k, v)) for k, v in got.items()}
    return best


def check(db: str) -> str:
    """Compare the two summaries on ``db``; raises on any difference."""
    with duckdb.connect(db, read_only=True) as con:
        differences = _same(pandas_summary(con), summary(con.cursor()))
    assert not differences, differences
    return f"pandas and engine summaries equal on {Path(db).name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-db", type=Path, help="the database the numbers are compared on")
    parser.add_argument("--db", type=Path, help="the database timed (default: generated, 1M deals)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", nargs=2, metavar=("SIDE", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--check", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("N", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure or args.check or args.generate:
        print(json.dumps(measure(*args.measure)) if args.measure else check(args.check) if args.check
              else _generated(Path(args.generate[1]), int(args.generate[0])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(_child("--check", str(args.check_db or _child("--generate", "100000", tmp))))
        db = args.db or Path(_child("--generate", "1000000", tmp))
        engine, pandas = _run("engine", db, args.runs), _run("pandas", db, args.runs)
    print("| §9 summary, all deals | engine (DuckDB SQL) | pandas (table → DataFrame, groupby) "
          "| pandas / engine |")
    print("|---|---:|---:|---:|")
    print(f"| time (best of {args.runs}, fresh process each) | {engine['seconds']:.3f} s | "
          f"{pandas['seconds']:.3f} s | {pandas['seconds'] / engine['seconds']:.1f}× |")
    print(f"| peak RSS of the process | {engine['rss_mb']:.0f} MB | {pandas['rss_mb']:.0f} MB | "
          f"{pandas['rss_mb'] / engine['rss_mb']:.1f}× |")


if __name__ == "__main__":
    main()
