"""The engine on DuckLake (PostgreSQL catalog + a data folder) and on a DuckDB file, side by side.

Every test taking ``store_target`` runs twice, on a fresh DuckDB file and on a fresh DuckLake
catalog; the lake half skips with one line where PostgreSQL is not installed. The numbers a
test expects are counted independently (from the CSV files with the csv module, from table
snapshots before and after) — and the two stores must agree with each other exactly.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import inspect
import json
import math
import os
import pkgutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics import categories, lake, store
from analytics.cli import run as cli
from analytics.filters import Filters
from analytics.ingest import history, importer
from analytics.metrics import comebacks, price_fit
from analytics.metrics.summary import summary
from tests.conftest import IMPORTED_AT
from tests.postgres import new_lake

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 1, 1)


def snapshot(cur: Any, table: str = "opportunities") -> list[tuple]:
    return sorted(cur.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def csv_records(path: Path) -> list[dict[str, str]]:
    """The export's records: rows of two or more cells (the blank lines and one-cell footer of a
    Salesforce report are not records); the delimiter is the header line's."""
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = csv.DictReader(text.splitlines(keepends=True), delimiter=delimiter)
    return [r for r in rows if sum(1 for v in r.values() if v) >= 2]


# --------------------------------------------------------------------------- the lake itself


def test_a_fresh_cursor_and_a_thread_see_the_lake_tables(postgres, extension_dir, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spec = new_lake(postgres, tmp_path / "data", monkeypatch, extension_dir)
    con = store.connect(spec)
    writer = con.cursor()
    writer.execute("INSERT INTO reason_overrides VALUES ('too pricey', 'Price', TIMESTAMP '2026-01-01')")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(
        con.cursor().execute("SELECT category FROM reason_overrides").fetchall()))
    thread.start()
    thread.join()
    assert seen == [[("Price",)]]
    fresh = con.cursor()
    kind = fresh.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()")
    assert kind.fetchone() == ("ducklake",)
    other = store.connect(spec)  # a second open in the process shares the same lake
    assert other.cursor().execute("SELECT count(*) FROM reason_overrides").fetchone() == (1,)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["main"]  # files under DATA_PATH


def test_only_a_postgres_catalog_and_a_data_path_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(lake.LakeError, match="PostgreSQL catalog only"):
        store.connect("ducklake:sqlite:/tmp/catalog.sqlite")
    monkeypatch.delenv("DEBRIEF_DATA_PATH", raising=False)
    with pytest.raises(lake.LakeError, match="DEBRIEF_DATA_PATH is not set"):
        store.connect("ducklake:postgres:dbname=nowhere host=/nonexistent user=postgres")


def test_an_unreachable_catalog_is_one_line_from_the_cli(postgres, extension_dir, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    spec = new_lake(postgres, tmp_path / "data", monkeypatch, extension_dir)
    wrong = spec.replace(str(postgres.home), str(tmp_path / "no-socket-here"))
    assert cli(["imports", "--db", wrong]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot open the DuckLake catalog") and err.count("\n") == 1
    assert "PostgreSQL is running" in err


def test_the_schema_stays_within_what_ducklake_runs() -> None:
    """No PK / UNIQUE / CHECK / FK / sequences / indexes / ENUM / RETURNING / ON CONFLICT in analytics/."""
    banned = ("PRIMARY KEY", "UNIQUE", "REFERENCES", "CHECK (", "CREATE SEQUENCE", "NEXTVAL",
              "CREATE INDEX", "ENUM(", "ENUM (", "RETURNING", "ON CONFLICT")
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(module) if isinstance(
            n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body and isinstance(n.body[0], ast.Expr)}
        sql = " ".join(n.value.upper() for n in ast.walk(module) if isinstance(n, ast.Constant)
                       and isinstance(n.value, str) and id(n) not in docs)
        for word in banned:
            assert word not in sql, f"{path.relative_to(ROOT)} uses {word}, which DuckLake lacks"


# --------------------------------------------------------------------------- the engine suite


def test_import_counts_every_record_and_reimport_changes_nothing(store_target: str,
                                                                 sample_csvs: list[Path]) -> None:
    con = store.connect(store_target)
    cur = con.cursor()
    results = importer.import_files(con, sample_csvs, now=IMPORTED_AT)
    for path, result in zip(sample_csvs, results, strict=True):
        assert result.rows_read == len(csv_records(path))
        assert result.rows_read == (result.loaded + result.updated + result.unchanged
                                    + result.duplicates + result.rejected)
    assert [r.import_id for r in results] == [1, 2, 3]
    stored = cur.execute("SELECT count(*) FROM opportunities").fetchone()[0]
    assert stored == sum(r.loaded for r in results)
    before = snapshot(cur)
    again = importer.import_files(con, sample_csvs, now=datetime(2026, 1, 6))
    assert [(r.loaded, r.updated) for r in again] == [(0, 0)] * 3
    assert [r.unchanged for r in again] == [r.loaded for r in results]
    assert snapshot(cur) == before


def test_undo_puts_back_the_replaced_rows(store_target: str, sample_csvs: list[Path], tmp_path: Path) -> None:
    con = store.connect(store_target)
    cur = con.cursor()
    importer.import_files(con, sample_csvs, now=IMPORTED_AT)
    before = snapshot(cur)
    source = sample_csvs[1]  # the HubSpot export
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    records = csv_records(source)
    amount_col = next(k for k in records[0] if k.strip().lower() == "amount")
    changed = [r for r in records if r[amount_col].strip()][:2]
    edited = tmp_path / source.name
    rows = list(csv.reader(lines))
    index = rows[0].index(amount_col)
    ids = {r[rows[0][0]] for r in changed}
    for row in rows[1:]:
        if row and row[0] in ids:
            row[index] = "123456.00"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    [result] = importer.import_files(con, [edited], now=datetime(2026, 1, 7))
    assert (result.loaded, result.updated) == (0, 2)
    assert cur.execute("SELECT count(*) FROM opportunities WHERE amount = 123456").fetchone() == (2,)
    undone = history.undo(con, result.import_id, now=datetime(2026, 1, 8))
    assert (undone.removed, undone.restored) == (2, 2)
    assert snapshot(cur) == before
    assert snapshot(cur, "replaced_rows") == []


def test_an_override_recategorises_exactly_the_deals_with_that_reason(store_target: str,
                                                                      sample_csvs: list[Path]) -> None:
    con = store.connect(store_target)
    cur = con.cursor()
    importer.import_files(con, sample_csvs, now=IMPORTED_AT)
    lost = cur.execute("SELECT loss_reason_raw, loss_reason FROM opportunities "
                       "WHERE outcome = 'lost' AND loss_reason_raw IS NOT NULL").fetchall()
    raw = max({r for r, _ in lost}, key=lambda r: sum(1 for x, _ in lost if x == r))
    target = next(c for c in categories.CATEGORIES if c != dict(lost)[raw])
    expected = sum(1 for r, c in lost if r.strip().lower() == raw.strip().lower() and c != target)
    assert categories.set_override(cur, raw, target, now=IMPORTED_AT) == expected > 0
    after = cur.execute("SELECT DISTINCT loss_reason FROM opportunities WHERE outcome = 'lost' AND "
                        "lower(trim(loss_reason_raw)) = lower(trim(?))", [raw]).fetchall()
    assert after == [(target,)]


def _argument(fn: Any, name: str, tmp: Path) -> Any:
    """A value for each parameter a public metric function takes (unknown names fail the test)."""
    module = fn.__module__.rsplit(".", 1)[-1]
    values = {
        "filters": Filters(start=date(2023, 1, 1)), "dim": "segment", "by": "category",
        "grain": "quarter", "path": tmp / f"{module}.{fn.__name__}.csv", "requested": None,
        "text": "Price too high, went with the cheaper vendor",
        "settings": comebacks.ComebackSettings(365, AS_OF) if module in ("comebacks", "winback")
        else price_fit.PriceFitSettings(),
    }
    if name not in values:
        pytest.fail(f"{fn.__module__}.{fn.__name__}: add a value for its parameter {name!r} here")
    return values[name]


def metric_results(cur: Any, tmp: Path) -> dict[str, Any]:
    """Every public function of analytics/metrics taking a cursor, called on ``cur``."""
    import analytics.metrics as package

    out: dict[str, Any] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = __import__(f"analytics.metrics.{info.name}", fromlist=["_"])
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters.values())
            if name.startswith("_") or fn.__module__ != module.__name__ or not params \
                    or params[0].name != "cur" or name == "closed_groups":  # takes SQL pieces
                continue
            args = {p.name: _argument(fn, p.name, tmp) for p in params[1:]
                    if p.default is inspect.Parameter.empty
                    and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
            result = fn(cur, **args)
            out[f"{info.name}.{name}"] = args["path"].read_bytes() if "path" in args else result
    return out


def assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), obj=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert_same(dataclasses.asdict(a), dataclasses.asdict(b), where)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_every_metric_and_the_summary_agree_on_both_stores(postgres, extension_dir, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          sample_csvs: list[Path]) -> None:
    targets = {"file": str(tmp_path / "file.duckdb"),
               "lake": new_lake(postgres, tmp_path / "data", monkeypatch, extension_dir)}
    results, summaries = {}, {}
    for kind, target in targets.items():
        con = store.connect(target)
        importer.import_files(con, sample_csvs, now=IMPORTED_AT)
        (tmp_path / kind).mkdir()
        results[kind] = metric_results(con.cursor(), tmp_path / kind)
        summaries[kind] = json.dumps(summary(con.cursor(), comeback_settings=comebacks.ComebackSettings(
            365, AS_OF)), default=str, sort_keys=True)
        con.close()
    assert len(results["file"]) >= 30 and results["file"]["summary.summary"]["deals"]["total"] > 0
    assert_same(results["file"], results["lake"], "metrics")
    assert summaries["file"] == summaries["lake"]


def test_maintain_compacts_the_lake_and_checkpoints_a_file(store_target: str, sample_csvs: list[Path],
                                                           capsys) -> None:
    con = store.connect(store_target)
    importer.import_files(con, sample_csvs, now=IMPORTED_AT)
    before = snapshot(con.cursor())
    con.close()
    assert cli(["maintain", "--db", store_target]) == 0
    out = capsys.readouterr().out
    if lake.is_lake(store_target):
        assert "small files merged" in out and "snapshots older than" in out
    else:
        assert out.startswith("DuckDB file: CHECKPOINT done")
    assert snapshot(store.connect(store_target).cursor()) == before


def test_every_page_runs_on_the_lake(app, postgres, extension_dir, tmp_path: Path, sample_csvs: list[Path],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard on DuckLake: each page renders the sample with no error, and the Deals page
    counts what the lake holds."""
    spec = new_lake(postgres, tmp_path / "data", monkeypatch, extension_dir)
    con = store.connect(spec)
    importer.import_files(con, sample_csvs, now=IMPORTED_AT)
    stored = con.cursor().execute("SELECT count(*) FROM opportunities").fetchone()[0]
    pages = [None, *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]
    for page in pages:
        at = app(spec, page, sample=True)
        assert not at.exception and not at.error, (page, at.exception, at.error)
        if page == "pages/5_Deals.py":
            assert any(m.value.startswith(f"**{stored:,} deals**") for m in at.markdown)


# --------------------------------------------------------------------------- concurrency

WORKER_SECONDS = 20
BATCH = 25


def _export(worker: int, batch: int, amount: int) -> bytes:
    """A Salesforce export: this batch's new deals, plus the previous batch's with a new amount."""
    lines = ["Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date"]
    for b in (batch - 1, batch):
        if b < 0:
            continue
        for j in range(BATCH):
            stage = "Closed Won" if j % 3 else "Closed Lost"
            lines.append(f"W{worker}-{b}-{j},Deal,Acct {j},{stage},{amount if b < batch else 1000 + j},"
                         f"2025-0{1 + j % 9}-15,2024-12-01")
    return ("\n".join(lines) + "\n").encode()


def importer_worker(spec: str, worker: int, seconds: float) -> dict[str, Any]:
    con = store.connect(spec)
    done, errors, batch = [], [], 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        try:
            r = importer.import_bytes(con, _export(worker, batch, 5000 + batch), f"w{worker}-{batch}.csv",
                                      now=datetime(2026, 1, 1))
            done.append([r.import_id, r.loaded, r.updated, r.rejected])
            batch += 1
        except Exception as exc:  # the test counts what a user would have seen
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
    return {"imports": done, "errors": errors}


def reader_worker(spec: str, seconds: float) -> dict[str, Any]:
    con = store.connect(spec)
    reads, errors, last = 0, [], 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        try:
            cur = con.cursor()
            total = summary(cur, comeback_settings=comebacks.ComebackSettings(365, AS_OF))["deals"]["total"]
            rows, loaded = cur.execute("SELECT (SELECT count(*) FROM opportunities), "
                                       "(SELECT coalesce(sum(loaded), 0) FROM imports)").fetchone()
            if rows != loaded or total < last:
                errors.append(f"inconsistent read: {rows} rows, {loaded} loaded, total {total} < {last}")
            last = total
            reads += 1
        except Exception as exc:  # the test counts what a user would have seen
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
    return {"reads": reads, "errors": errors}


def test_two_importers_and_three_readers_at_once(postgres, extension_dir, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    spec = new_lake(postgres, tmp_path / "data", monkeypatch, extension_dir)
    store.connect(spec).close()  # the schema exists before the workers start
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    roles = [["importer", "1"], ["importer", "2"], ["reader"], ["reader"], ["reader"]]
    procs = [subprocess.Popen([sys.executable, __file__, spec, str(WORKER_SECONDS), *role], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for role in roles]
    outs = [proc.communicate(timeout=WORKER_SECONDS + 180) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 5, [err[-2000:] for _, err in outs]
    reports = [json.loads(out.splitlines()[-1]) for out, _ in outs]
    assert [r["errors"] for r in reports] == [[]] * 5
    imports = [i for r in reports[:2] for i in r["imports"]]
    batches = [len(r["imports"]) for r in reports[:2]]
    print(f"imports per importer {batches}, reads per reader {[r['reads'] for r in reports[2:]]}")
    assert min(batches) >= 2 and min(r["reads"] for r in reports[2:]) >= 5
    cur = store.connect(spec).cursor()
    assert sorted(i[0] for i in imports) == list(range(1, len(imports) + 1))  # no import id twice
    # every deal each importer wrote is there once, with its last amount
    expected = sum(n * BATCH for n in batches)
    assert cur.execute("SELECT count(*), count(DISTINCT opportunity_id) FROM opportunities").fetchone() \
        == (expected, expected)
    assert sum(i[1] for i in imports) == expected and all(i[3] == 0 for i in imports)
    assert cur.execute("SELECT count(*) FROM replaced_rows").fetchone()[0] == sum(i[2] for i in imports)
    stored = dict(cur.execute("SELECT import_id, loaded FROM imports").fetchall())
    assert stored == {i[0]: i[1] for i in imports}
    for worker, n in enumerate(batches, start=1):
        newest = cur.execute("SELECT count(*) FROM opportunities WHERE opportunity_id LIKE ? AND amount = ?",
                             [f"W{worker}-{n - 2}-%", 5000 + n - 1]).fetchone()[0]
        assert newest == BATCH  # the last re-import's amounts won


if __name__ == "__main__":  # a worker process of the concurrency test
    target, seconds, role, *rest = sys.argv[1:]
    report = (importer_worker(target, int(rest[0]), float(seconds)) if role == "importer"
              else reader_worker(target, float(seconds)))
    print(json.dumps(report))
    lake.close_all()
