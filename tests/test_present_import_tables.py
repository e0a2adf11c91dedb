"""analytics.present.import_tables: the mapping the user edits, the file preview and the rejects,
checked on a small export read by the real reader."""

from __future__ import annotations

import pandas as pd

from analytics.ingest import importer, normalise
from analytics.present import import_tables
from analytics.present.formatting import IGNORE_LABEL

CSV = (b"Opportunity ID,Account Name,Stage,Amount,Close Date,,Notes\n"
       b"1,Acme,Closed Won,100,2025-01-10,x,first\n"
       b"2,Bolt,Closed Lost,abc,2025-01-11,y,second\n"
       b"3,Acme,Closed Won,120,2025-01-12,z,first\n")


def prepared() -> normalise.Prepared:
    return normalise.prepare_bytes(CSV, "small.csv", normalise.ImportOptions())


def test_mapping_frame_lists_every_column_with_examples() -> None:
    frame = import_tables.mapping_frame(prepared())
    assert list(frame["column"]) == ["Opportunity ID", "Account Name", "Stage", "Amount", "Close Date",
                                     "(column 6)", "Notes"]
    assert list(frame["maps_to"])[:5] == ["Deal ID", "Account", "Stage", "Amount", "Close date"]
    assert frame["maps_to"][5] == IGNORE_LABEL
    assert frame["examples"][1] == "Acme · Bolt"  # distinct values, in file order
    assert frame["examples"][6] == "first · second"


def test_mapping_changes_reads_only_the_rows_the_user_changed() -> None:
    original = pd.DataFrame({"column": ["Amount", "Notes", "(column 6)", "Stage"],
                             "maps_to": ["Amount", IGNORE_LABEL, IGNORE_LABEL, "Stage"]})
    edited = original.assign(maps_to=[IGNORE_LABEL, "Loss notes", "Budget", "Stage"])
    # a column without a header cannot be named in a mapping, so its change is left out
    assert import_tables.mapping_changes(original, edited) == {"Amount": "ignore", "Notes": "loss_notes"}
    assert import_tables.mapping_changes(original, original) == {}


def test_the_mapping_options_are_labels_of_fields() -> None:
    assert import_tables.MAPPING_OPTIONS[0] == IGNORE_LABEL
    options = import_tables.MAPPING_OPTIONS
    assert "Created date" in options and "created_date" not in options


def test_preview_frame_shows_the_file_as_read() -> None:
    frame = import_tables.preview_frame(prepared(), rows=2)
    assert list(frame.columns) == ["Opportunity ID", "Account Name", "Stage", "Amount", "Close Date",
                                   "(column 6)", "Notes"]
    assert frame.shape == (2, 7)
    assert frame.iloc[1].tolist() == ["2", "Bolt", "Closed Lost", "abc", "2025-01-11", "y", "second"]


def test_rejects_frame_names_line_and_reason() -> None:
    rejects = import_tables.rejects_frame(prepared())
    assert list(rejects.columns) == ["line", "reason", "raw"]
    assert list(rejects["line"]) == [3]  # "abc" is on the file's third line
    assert "amount" in rejects["reason"][0]


def test_result_counts_in_display_order() -> None:
    result = importer.ImportResult(import_id=7, file_name="a.csv", dialect="generic", rows_read=10,
                                   loaded=6, updated=1, unchanged=1, duplicates=1, rejected=1, notes=())
    assert import_tables.result_counts(result) == [("Rows read", 10), ("Loaded", 6), ("Updated", 1),
                                                   ("Unchanged", 1), ("Duplicates", 1), ("Rejected", 1)]
