"""What the hardening tests share: a store holding a few deals, a checksum of every table,
and the checks every refused import must pass."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl

from analytics import store
from analytics.ingest import importer

NOW = datetime(2026, 1, 5, 9, 30)
#: The deals every test store starts with.
SEED = (b"Opportunity ID,Account Name,Opportunity Name,Stage,Amount,Close Date,Created Date\n"
        b"S-1,Acme,Renewal,Closed Won,1200,2024-03-15,2024-01-02\n"
        b"S-2,Globex,New logo,Closed Lost,800,2024-04-01,2024-02-01\n"
        b"S-3,Initech,Upsell,Prospecting,500,,2024-03-01\n")
#: Longest message a refused file may give.
MESSAGE_LIMIT = 300


def seeded_store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A store (file in ``tmp_path``) already holding the three seed deals."""
    con = store.connect(tmp_path / "hardening.duckdb")
    importer.import_bytes(con, SEED, "seed.csv", now=NOW)
    return con


def checksum(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every table of the store → an md5 of its sorted rows."""
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "ORDER BY table_name").fetchall()]
    return {t: con.execute(
        f"SELECT md5(coalesce(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR)), '')) "
        f"FROM {t} x").fetchone()[0] for t in tables}


def assert_one_line(message: str) -> None:
    """A refusal a user reads: one line, short, no traceback."""
    assert "\n" not in message and "\r" not in message, message[:400]
    assert len(message) <= MESSAGE_LIMIT, (len(message), message[:400])
    assert "Traceback" not in message and 'File "' not in message, message[:400]


def run_with_timeout(work: Callable[[], object], seconds: float) -> object:
    """``work()``'s result (or the exception it raised), failing if it takes over ``seconds``."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    return outcome.get("error", outcome.get("result"))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A one-sheet workbook holding ``rows``."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def corrupt_xlsx(rows: list[list[object]]) -> bytes:
    """A valid ZIP / workbook whose first sheet's XML is broken."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData><row r=\"1\"><c \x01 broken<<")
            target.writestr(item, data)
    return out.getvalue()
