"""Preparing and committing an import change nothing they were given (the architecture
rule for analytics/ingest/): the same bytes give the same result however they arrive,
and a Prepared can be committed again, anywhere, with the same outcome."""

from __future__ import annotations

import copy
import hashlib
import io
import random
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.ingest import importer, normalise
from analytics.ingest.headers import ColumnMap, build_column_map
from analytics.ingest.reading import read_bytes
from analytics.store import connect

NOW = datetime(2026, 1, 1, 12, 0)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"

#: Pipedrive: a Status column (won / lost / open) and a pipeline Stage column; a repeated
#: unmapped "Tag" header; a record with a bad amount, a won deal without a close date,
#: an exact duplicate line, and an id reused with other values.
PIPEDRIVE = (
    "Deal - ID;Deal - Title;Deal - Organization;Deal - Status;Deal - Stage;Deal - Value;"
    "Deal - Won time;Deal - Lost time;Tag;Tag\n"
    "1;One;Acme;won;Contract;1200;2024-02-01 10:00:00;;a;b\n"
    "2;Two;Beta;lost;Proposal;900;;2024-03-01 09:00:00;;c\n"
    "3;Three;Gamma;won;Contract;12 apples;2024-02-03 10:00:00;;;\n"
    "4;Four;Delta;won;Contract;50;;;;\n"
    "1;One;Acme;won;Contract;1200;2024-02-01 10:00:00;;a;b\n"
    "2;Two again;Beta;lost;Proposal;901;;2024-03-02 09:00:00;;\n"
    "5;Five;Echo;open;Qualified;70;;;;\n"
)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Opportunity ID", "Stage", "Amount", "Close Date", "Account Name"],
                ["A1", "Closed Won", 1000, datetime(2024, 3, 15), "Acme"],
                ["A2", "Closed Lost", "n/a", datetime(2024, 3, 16), "Beta"],
                ["A3", "Closed Lost", 250.5, 45366, "Gamma"]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _exports() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLE.glob("*.csv"))]
    return [*files, ("pipedrive.csv", PIPEDRIVE.encode("utf-8")), ("report.xlsx", _xlsx())]


def _stored(con) -> dict[str, list[tuple]]:
    cur = con.cursor()
    return {table: sorted(cur.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("opportunities", "rejected_rows", "replaced_rows", "imports")}


@pytest.mark.parametrize(("name", "data"), _exports(), ids=[n for n, _ in _exports()])
def test_prepare_from_disk_and_from_memory_are_the_same(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    from_disk = normalise.prepare(path)
    from_memory = normalise.prepare_bytes(data, name)
    assert from_disk.rows == from_memory.rows
    assert from_disk.rejects == from_memory.rejects
    assert (from_disk.duplicates, from_disk.notes, from_disk.rows_read) == (
        from_memory.duplicates, from_memory.notes, from_memory.rows_read)
    expected_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    assert from_disk.content_hash == from_memory.content_hash == expected_hash
    assert from_disk.file_name == from_memory.file_name == name
    assert from_disk.rows  # the comparison is not between two empty results


def test_the_handmade_pipedrive_export_reads_as_worked_out_by_hand() -> None:
    prepared = normalise.prepare_bytes(PIPEDRIVE.encode(), "pipedrive.csv")
    by_id = {row["opportunity_id"]: row for row in prepared.rows}
    assert sorted(by_id) == ["1", "2", "5"]
    assert (by_id["1"]["stage"], by_id["1"]["outcome"], by_id["1"]["close_date"]) == (
        "won", "won", date(2024, 2, 1))
    assert (by_id["2"]["loss_stage"], by_id["2"]["close_date"]) == ("Proposal", date(2024, 3, 1))
    assert by_id["1"]["extras"] == '{"Tag": "a", "Tag (2)": "b"}'
    assert [(r.line, r.reason.split(" ")[0]) for r in prepared.rejects] == [
        (4, "amount"), (5, "won"), (7, "opportunity")]
    assert prepared.duplicates == 1
    assert prepared.rows_read == 7


def test_commit_leaves_the_prepared_file_as_it_was() -> None:
    prepared = normalise.prepare_bytes(PIPEDRIVE.encode(), "pipedrive.csv")
    rows, rejects, notes = copy.deepcopy((prepared.rows, prepared.rejects, prepared.notes))
    cmap = copy.deepcopy(prepared.column_map)
    con = connect(":memory:")
    result = importer.commit(con, prepared, now=NOW)
    assert result.import_id == 1
    assert prepared.rows == rows
    assert all(row["import_id"] is None for row in prepared.rows)
    assert (prepared.rejects, prepared.notes) == (rejects, notes)
    assert prepared.column_map == cmap
    stored = con.cursor().execute("SELECT DISTINCT import_id FROM opportunities").fetchall()
    assert stored == [(1,)]


def test_one_prepared_file_committed_into_two_fresh_stores_gives_the_same_tables() -> None:
    prepared = normalise.prepare_bytes((SAMPLE / "hubspot_deals.csv").read_bytes(), "hubspot_deals.csv")
    first, second = connect(":memory:"), connect(":memory:")
    one = importer.commit(first, prepared, now=NOW)
    two = importer.commit(second, prepared, now=NOW)
    assert one == two
    assert _stored(first) == _stored(second)
    count = first.cursor().execute("SELECT count(*) FROM opportunities").fetchone()[0]
    assert count == len(prepared.rows) == one.loaded


def test_committing_the_same_prepared_twice_changes_nothing_the_second_time() -> None:
    prepared = normalise.prepare_bytes(PIPEDRIVE.encode(), "pipedrive.csv")
    con = connect(":memory:")
    importer.commit(con, prepared, now=NOW)
    again = importer.commit(con, prepared, now=NOW)
    assert (again.import_id, again.loaded, again.updated, again.unchanged) == (1, 0, 0, 3)
    assert not again.recorded
    assert again.notes[-1] == ("Nothing changed: this file is identical to import #1, "
                               "so no new import was recorded.")
    assert "Nothing changed" not in " ".join(prepared.notes)


def test_prepare_leaves_its_table_and_options_as_they_were() -> None:
    table = read_bytes(PIPEDRIVE.encode(), "pipedrive.csv")
    records, table_notes = copy.deepcopy((table.records, table.notes))
    options = normalise.ImportOptions(mapping={"Deal - Title": "opportunity_name"})
    first = normalise.prepare_table(table, "hash", options)
    second = normalise.prepare_table(table, "hash", options)
    assert (table.records, table.notes) == (records, table_notes)
    assert dict(options.mapping) == {"Deal - Title": "opportunity_name"}
    assert (first.rows, first.rejects, first.notes) == (second.rows, second.rejects, second.notes)
    assert first.notes is not table.notes


def test_choosing_the_stage_column_returns_a_new_map() -> None:
    headers = ["Deal - Status", "Deal - Stage", "Deal - Value"]
    records = [(2, ["won", "Contract", "1"]), (3, ["lost", "Proposal", "2"])]
    cmap = build_column_map(headers)
    before = copy.deepcopy(cmap)
    chosen = normalise._choose_stage_column(cmap, records)
    assert cmap == before
    assert (chosen.fields["stage"], chosen.fields["loss_stage"]) == (0, 1)
    assert chosen is not cmap


def _keep_reference(extras: dict[int, str], headers: list[str], index: int, name: str | None) -> None:
    """ColumnMap.keep as first written (quadratic), to compare the linear one with."""
    base = (name if name is not None else headers[index]).strip() or f"column {index + 1}"
    taken = {n for i, n in extras.items() if i != index}
    label, count = base, 1
    while label in taken:
        count += 1
        label = f"{base} ({count})"
    extras[index] = label


@pytest.mark.parametrize("seed", range(20))
def test_keep_names_columns_as_the_quadratic_version_did(seed: int) -> None:
    rng = random.Random(seed)
    pool = ["Tag", "Tag (2)", "", " ", "Notes", "Tag (3)", "x"]
    headers = [rng.choice(pool) for _ in range(rng.randint(1, 30))]
    cmap = ColumnMap(headers=headers)
    expected: dict[int, str] = {}
    for _ in range(rng.randint(1, 60)):
        index = rng.randrange(len(headers))
        name = rng.choice([None, None, "Tag", "Other"])
        cmap.keep(index, name)
        _keep_reference(expected, headers, index, name)
        assert cmap.extras == expected


def test_keep_is_linear_for_many_repeated_headers() -> None:
    headers = ["Tag"] * 20_000
    cmap = ColumnMap(headers=headers)
    for index in range(len(headers)):
        cmap.keep(index)
    assert cmap.extras[0] == "Tag"
    assert cmap.extras[19_999] == "Tag (20000)"
    assert len(set(cmap.extras.values())) == 20_000


def test_a_copied_column_map_is_independent() -> None:
    cmap = build_column_map(["Stage", "Shoe size", "Close Date"])
    twin = cmap.copy()
    twin.keep(0, "Shoe size")
    twin.fields["amount"] = 1
    assert twin.extras == {1: "Shoe size", 0: "Shoe size (2)"}
    assert cmap.extras == {1: "Shoe size"}
    assert "amount" not in cmap.fields
    assert twin != cmap
