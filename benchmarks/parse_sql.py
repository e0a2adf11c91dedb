"""Benchmark: the SQL parse of the columnar importer (``columnar._query``) on its own.

    .venv/bin/python benchmarks/parse_sql.py [--size 1m] [--rounds 3] [--table] [--arrow]
                                          [--explain] [--classify]

Input, built once from a messy export (tests/messy_export.py; see ``--build``):
``/tmp/bench/cells_<size>.parquet`` (the Arrow table ``columnar._cells_table`` makes) and
``/tmp/bench/reading_<size>.pkl`` (the file's ``Reading``). The script registers ``cells``
and the per-value lookups as ``columnar.parse_columns`` does, runs ``_query(reading)`` into
a temporary table as it does (``--arrow``: to Arrow) ``--rounds`` times, and prints the
best time (wall, and CPU of the process), the rows out and how many have ``ok = false``
(left to ``parse_record``). ``--table`` puts the cells in a DuckDB table (as a DuckDB-read
file has them) instead of Arrow; ``--explain`` prints DuckDB's EXPLAIN ANALYZE;
``--classify`` runs ``parse_record`` on the records left to Python and counts the
rejects, so the share of *non-reject* records left is known.

    .venv/bin/python benchmarks/parse_sql.py --build /tmp/bench/messy_1000000.csv --size 1m
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analytics.ingest import columnar, dialects, gcpause
from analytics.ingest.cells import ParseError
from analytics.ingest.records import Reading, parse_record

BENCH = Path("/tmp/bench")


def build(csv_path: Path, size: str) -> None:
    """Read and plan ``csv_path`` as the importer does; save the cells table and Reading."""
    from analytics.ingest.normalise import ImportOptions, _column_map, _plan_reading
    from analytics.ingest.reading import read_bytes

    with gcpause.paused():
        table = read_bytes(csv_path.read_bytes(), csv_path.name)
        options = ImportOptions()
        dialect = dialects.resolve(options.source, table.header, footer_seen=table.footer_lines > 0)
        cmap = _column_map(table, options)
        reading, _ = _plan_reading(table, dialect, cmap, options)
        cells = columnar._cells_table(table, reading)
    pq.write_table(cells, BENCH / f"cells_{size}.parquet")
    (BENCH / f"reading_{size}.pkl").write_bytes(pickle.dumps(reading))
    print(f"{cells.num_rows:,} records -> {BENCH}/cells_{size}.parquet")


def _connect(cells: pa.Table, reading: Reading, table: bool = False) -> duckdb.DuckDBPyConnection:
    """``cells`` registered as Arrow, or (``table``) as a view over a DuckDB table."""
    con = duckdb.connect()
    if table:
        con.register("arrow_cells", cells)
        con.execute("CREATE TABLE records AS SELECT * FROM arrow_cells")
        con.unregister("arrow_cells")
        con.execute("CREATE VIEW cells AS SELECT * FROM records")
    else:
        con.register("cells", cells)
    columnar._lookups(con, reading)
    return con


def _records(cells: pa.Table, reading: Reading, positions: list[int]) -> list[list[object]]:
    """The records at ``positions`` as parse_record gets them (tails split again)."""
    picked = cells.take(pa.array(positions, pa.int64())).to_pylist()
    out = []
    for row in picked:
        record: list[object] = [row[f"c{i}"] for i in range(reading.width)][: row["n"]]
        if row["tail"] is not None:
            record += row["tail"].split("\x1f")
        out.append(record)
    return out


def classify(cells: pa.Table, reading: Reading, parsed: pa.Table) -> None:
    """How many records left to Python are rejects, and which checks failed for the rest."""
    slow = parsed.filter(pc.invert(parsed["ok"]))["idx"].to_pylist()
    rejects, reasons = 0, Counter()
    for record in _records(cells, reading, slow):
        try:
            parse_record(record, reading)
        except ParseError as exc:
            rejects += 1
            reasons[str(exc).split("'")[0].strip()] += 1
            continue
    good = parsed.num_rows - rejects
    left = len(slow) - rejects
    print(f"left to Python: {len(slow):,} ({len(slow) / parsed.num_rows:.2%}), of which rejects "
          f"{rejects:,}; non-reject records left: {left:,} ({left / good:.3%} of {good:,})")
    for reason, count in reasons.most_common(8):
        print(f"  reject {count:>6,}  {reason}")
    if left:
        _, tests = columnar._field_stages(reading)
        # A parser's test names its kind column (``amount_k``): label the test by the field.
        labels = [m.group(1) if (m := re.search(r"\b(\w+?)_k\b", test)) else f"test {i}"
                  for i, test in enumerate(tests)]
        sample = slow[:200000]
        con = _connect(cells, reading)
        con.register("slow", pa.table({"i": pa.array(sample, pa.int64())}))
        head, _, last = columnar._query(reading).rpartition(" FROM ")
        body = f"{head}, " + ", ".join(f"coalesce({test}, FALSE) AS ok_{i}"
                                       for i, test in enumerate(tests)) + f" FROM {last}"
        failing: Counter = Counter()
        for row in con.execute(f"SELECT * FROM ({body}) WHERE idx IN (SELECT i FROM slow)",
                               {"dialect": reading.dialect}).to_arrow_table().to_pylist():
            failing.update(label for i, label in enumerate(labels) if not row[f"ok_{i}"])
        print("  checks failing among them:", dict(failing.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--classify", action="store_true")
    parser.add_argument("--build", type=Path)
    parser.add_argument("--table", action="store_true", help="cells in a DuckDB table, not Arrow")
    parser.add_argument("--arrow", action="store_true", help="fetch the result to Arrow, not a table")
    args = parser.parse_args()
    if args.build:
        build(args.build, args.size)
        return
    cells = pq.read_table(BENCH / f"cells_{args.size}.parquet")
    reading: Reading = pickle.loads((BENCH / f"reading_{args.size}.pkl").read_bytes())
    query = columnar._query(reading)
    params = {"dialect": reading.dialect}
    times, cpu = [], []
    for _ in range(args.rounds):
        con = _connect(cells, reading, args.table)
        start, start_cpu = time.perf_counter(), time.process_time()
        if args.arrow:
            parsed = con.execute(query, params).to_arrow_table()
        else:  # as columnar.parse_columns runs it
            con.execute(f"CREATE TEMP TABLE parsed_all AS {query}", params)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if not args.arrow:
            parsed = con.execute("SELECT idx, ok FROM parsed_all").to_arrow_table()
        con.close()
    slow = parsed.num_rows - pc.sum(parsed["ok"]).as_py()
    print(f"{args.size}: {cells.num_rows:,} records, {parsed.num_rows:,} after repeats; "
          f"_query best {min(times):.2f} s (rounds: {', '.join(f'{t:.2f}' for t in times)}; "
          f"CPU best {min(cpu):.2f} s); "
          f"ok = false: {slow:,} ({slow / parsed.num_rows:.2%}); query {len(query):,} chars")
    if args.explain:
        con = _connect(cells, reading)
        plan = con.execute("EXPLAIN ANALYZE " + query, params).fetchall()
        print(plan[0][1])
    if args.classify:
        classify(cells, reading, parsed)


if __name__ == "__main__":
    main()
