"""The columnar importer against the record-by-record reference (tests/reference_importer.py).

Each file is prepared both ways and committed into two fresh stores: the prepared rows,
rejects (line, raw text, reason), repeat count and notes must be the same, and so must
every stored table, row for row. Files: the sample exports, the pipedrive fixture of
test_ingest_purity, every malformed file of tests/hardening (a refused file must be
refused with the same message), generated messy exports (several seeds, every §6 quirk,
rejects included), and fuzzed cells aimed at the edges of the SQL cell parsers.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime
from pathlib import Path

import pytest

from analytics.errors import DebriefError
from analytics.ingest import columnar, importer, normalise
from analytics.store import connect
from tests.hardening.malformed import CASES
from tests.messy_export import messy_export
from tests.reference_importer import reference_prepare_bytes
from tests.test_ingest_purity import PIPEDRIVE

NOW = datetime(2026, 1, 1, 12, 0)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
TABLES = ("opportunities", "rejected_rows", "replaced_rows", "imports")


def _stored(tmp_path: Path, name: str, prepared: normalise.Prepared) -> dict[str, list[tuple]]:
    con = connect(tmp_path / f"{name}.duckdb")
    try:
        importer.commit(con, prepared, now=NOW)
        importer.commit(con, prepared, now=NOW)  # the same file again: every row unchanged
        cur = con.cursor()
        return {t: sorted(cur.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


def assert_same_import(tmp_path: Path, data: bytes, name: str,
                       options: normalise.ImportOptions | None = None) -> normalise.Prepared | None:
    """Prepare ``data`` both ways and check everything matches; the new Prepared."""
    try:
        expected = reference_prepare_bytes(data, name, options)
    except DebriefError as exc:
        with pytest.raises(type(exc)) as raised:
            normalise.prepare_bytes(data, name, options)
        assert str(raised.value) == str(exc)
        return None
    actual = normalise.prepare_bytes(data, name, options)
    assert list(actual.rows) == list(expected.rows)
    assert actual.rejects == expected.rejects
    assert (actual.duplicates, actual.notes, actual.rows_read) == (
        expected.duplicates, expected.notes, expected.rows_read)
    assert _stored(tmp_path, "new", actual) == _stored(tmp_path, "reference", expected)
    return actual


def _samples() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLE.glob("*.csv"))]
    return [*files, ("pipedrive.csv", PIPEDRIVE.encode("utf-8"))]


@pytest.mark.parametrize(("name", "data"), _samples(), ids=[n for n, _ in _samples()])
def test_sample_exports_import_the_same(tmp_path: Path, name: str, data: bytes) -> None:
    prepared = assert_same_import(tmp_path, data, name)
    assert prepared is not None and len(prepared.rows) > 0


@pytest.mark.parametrize("kind", [k for k in CASES if k not in ("single_50mb_line", "200k_columns")])
def test_malformed_files_import_or_are_refused_the_same(tmp_path: Path, kind: str) -> None:
    name, data = CASES[kind]()
    assert_same_import(tmp_path, data, name)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_messy_exports_import_the_same(tmp_path: Path, seed: int) -> None:
    data = messy_export(3000, seed, bad_share=0.05)
    prepared = assert_same_import(tmp_path, data, f"messy_{seed}.csv")
    assert prepared is not None
    # The comparison covers every kind of outcome: rows, rejects and repeats.
    assert len(prepared.rows) > 2000 and len(prepared.rejects) > 50 and prepared.duplicates > 20
    reasons = " ".join(r.reason for r in prepared.rejects)
    for reason in ("is not a number", "already appears on line", "values but the header has",
                   "stage is blank", "has no close date", "characters; at most"):
        assert reason in reasons


def test_messy_export_with_day_first_and_a_mapping(tmp_path: Path) -> None:
    options = normalise.ImportOptions(day_first=True, mapping={"Notes": "ignore"})
    assert assert_same_import(tmp_path, messy_export(1500, 7, bad_share=0.05), "m.csv", options)


_PIECES = ["", " ", "-", "−", "+", "(", ")", "$", "€", "£", "USD", "C$", ",", ".", "'", "\u00a0",
           "%", "0", "1", "12", "123", "1234", "000", "5", "/", ":", "T", "Z", "2024", "24", "13",
           "31", "02", "Mar", "x", "\t", "e", "1e5"]


def _fuzz(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 7)))


def _fuzz_export(seed: int, rows: int) -> bytes:
    """Cells built from the pieces the SQL parsers look at: amounts (one column with a
    decimal comma), dates, fit scores and stages."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Opportunity ID", "Account Name", "Stage", "Amount", "Customer Budget",
                     "Close Date", "Created Date", "Fit Score", "Currency"])
    dates = ["3/15/2024", "15/3/2024", "2024-03-15", "2024-3-5T10:00:00Z", "15.03.2024",
             "03/04/24", "2024/02/30", "1/1/1899", "12-31-2099", "2024-03-15 9:30 PM"]
    for i in range(rows):
        writer.writerow([
            f"F-{i}", rng.choice(["Acme Inc", "Ünïcødé GmbH", " Spaced ", "", "&", "Co"]),
            rng.choice(["Closed Won", "closed_lost", "won", "Open", " LOST ", "Closed  Won"]),
            _fuzz(rng), rng.choice(["1.200", "12,5", "1.234,50", ""]) if i % 3 else _fuzz(rng),
            rng.choice(dates) if i % 4 else _fuzz(rng), rng.choice(dates),
            rng.choice(["80", "0.5", "7,5", "80 %", "", "101"]) if i % 5 else _fuzz(rng),
            rng.choice(["", "eur", "ß", "usd "]),
        ])
    return out.getvalue().encode()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_fuzzed_cells_parse_the_same(tmp_path: Path, seed: int) -> None:
    assert assert_same_import(tmp_path, _fuzz_export(seed, 1500), "fuzz.csv")


def test_csv_goes_through_the_columnar_parse_and_xlsx_does_not() -> None:
    """The comparisons above test the columnar path: a CSV takes it, an XLSX does not."""
    from analytics.ingest.reading import read_bytes

    assert columnar.can_parse(read_bytes(PIPEDRIVE.encode(), "p.csv"))
    name, data = CASES["xlsx_out_of_range_dates"]()
    assert not columnar.can_parse(read_bytes(data, name))


def test_most_records_of_a_messy_export_are_parsed_in_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the records with an odd cell or an error go record by record."""
    by_python: list[int] = []
    row_by_row = columnar._row_by_row

    def counting(table, reading, positions):  # type: ignore[no-untyped-def]
        by_python.extend(positions)
        return row_by_row(table, reading, positions)

    monkeypatch.setattr(columnar, "_row_by_row", counting)
    prepared = normalise.prepare_bytes(messy_export(5000, 3, bad_share=0.01), "m.csv")
    assert len(prepared.rows) > 4500
    assert 0 < len(by_python) < 0.15 * prepared.rows_read
