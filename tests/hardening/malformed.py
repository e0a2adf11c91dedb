"""Malformed files, generated: file kind → (file name, bytes). Used by the posture suite."""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections.abc import Callable

from tests.hardening.helpers import corrupt_xlsx, xlsx_bytes

H = "Opportunity ID,Account Name,Stage,Amount,Close Date,Created Date"


def _csv(*lines: str, header: str = H, end: str = "\n") -> bytes:
    return (end.join([header, *lines]) + end).encode()


def _row(i: int, amount: str = "100", close: str = "2024-05-01", stage: str = "Closed Won") -> str:
    return f"M-{i},Acme {i},{stage},{amount},{close},2024-01-01"


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


def _noise(size: int) -> bytes:
    return random.Random(7).randbytes(size)


def _big_line() -> bytes:
    return H.encode() + b"\n" + b"M-1,Acme," + b"x" * 50_000_000 + b",Closed Won,1,2024-05-01,\n"


GOOD = _csv(_row(1), _row(2))
HEADER_XLSX = H.split(",")

CASES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "empty": lambda: ("empty.csv", b""),
    "whitespace_only": lambda: ("blank.csv", b"  \n\t\r\n   \n"),
    "binary_noise": lambda: ("noise.csv", _noise(20_000)),
    "png_renamed": lambda: ("image.csv", b"\x89PNG\r\n\x1a\n" + _noise(500)),
    "pdf_renamed": lambda: ("doc.csv", b"%PDF-1.7\n" + _noise(500)),
    "zip_renamed": lambda: ("archive.csv", _zip("deals.csv", GOOD)),
    "gzip_renamed": lambda: ("deals.csv", gzip.compress(GOOD)),
    "truncated_zip": lambda: ("cut.xlsx", xlsx_bytes([HEADER_XLSX, _row(1).split(",")])[:300]),
    "corrupt_xlsx_sheet": lambda: ("broken.xlsx", corrupt_xlsx([HEADER_XLSX, _row(1).split(",")])),
    "xlsx_out_of_range_dates": lambda: ("dates.xlsx", xlsx_bytes(
        [HEADER_XLSX, ["M-1", "Acme", "Closed Won", 1, 2958465, 1.5],
         ["M-2", "Acme", "Open", 1, None, None]])),
    "header_only": lambda: ("header.csv", _csv()),
    "one_column": lambda: ("one.csv", b"Stage\nClosed Won\nClosed Lost\n"),
    "no_stage_column": lambda: ("nostage.csv", _csv("A,1,2024-01-01",
                                                    header="Account Name,Amount,Close Date")),
    "short_rows": lambda: ("short.csv", _csv("M-1,Acme,Closed Won", "M-2,Acme,Closed Lost,5")),
    "long_rows": lambda: ("long.csv", _csv(_row(1) + ",extra,more", _row(2))),
    "nul_in_values": lambda: ("nul.csv", _csv(_row(1).replace("Acme", "Ac\x00me"), _row(2))),
    "control_chars": lambda: ("ctl.csv", _csv(_row(1).replace("Acme", "\x1b[31mAcme\x07"), _row(2))),
    "invalid_utf8_byte": lambda: ("bad.csv", _csv(_row(1).replace("Acme", "José"), _row(2)).replace(
        b"Acme 2", b"Ac\xffme 2")),
    "utf16_no_bom": lambda: ("u16.csv", _csv(_row(1), _row(2)).decode().encode("utf-16-le")),
    "utf16_be_no_bom": lambda: ("u16be.csv", _csv(_row(1)).decode().encode("utf-16-be")),
    "bom_then_invalid": lambda: ("bom.csv", b"\xef\xbb\xbf" + _csv(_row(1)) + b"\xff\xfe\xfd"),
    "single_50mb_line": lambda: ("huge.csv", _big_line()),
    "200k_columns": lambda: ("wide.csv", _csv(_row(1), header=H + "," + ",".join(
        f"c{i}" for i in range(200_000)))),
    "cell_over_limit": lambda: ("cell.csv", _csv(_row(1).replace("Acme", "y" * 150_000), _row(2))),
    "unclosed_quote": lambda: ("quote.csv", _csv(_row(1), 'M-2,"Acme,Closed Won,1,2024-05-01,', _row(3))),
    "mixed_line_endings": lambda: ("mixed.csv", (H + "\r\n" + _row(1) + "\n" + _row(2) + "\r" + _row(3)
                                               + "\r\n").encode()),
    "duplicate_headers": lambda: ("dup.csv", _csv("M-1,Acme,Closed Won,1,2024-05-01,x,y",
                                                  header="Opportunity ID,Account Name,Stage,Amount,"
                                                         "Close Date,Tag,Tag")),
    "duplicate_stage_headers": lambda: ("dupstage.csv", _csv("M-1,Closed Won,Closed Lost,1,2024-05-01",
                                                             header="Id,Stage,Stage,Amount,Close Date")),
    "formula_headers": lambda: ("formula.csv", _csv(_row(1) + ",=1+1",
                                                    header=H + ",=cmd|' /C calc'!A0")),
    "formula_values": lambda: ("fvalues.csv", _csv(_row(1).replace("Acme", "=HYPERLINK(\"x\")"),
                                                   _row(2, amount="=1+1"))),
    "very_long_file_name": lambda: ("d" * 5_000 + ".csv", _csv("A,1", header="Account Name,Amount")),
    "unicode_file_name": lambda: ("сделки 📈 ünïcödé\u202e.csv", GOOD),
    "spaces_file_name": lambda: ("  my deals  export (1) .csv", GOOD),
    "newline_file_name": lambda: ("deals\nsecond line\r.csv", b"%PDF-1.4\n"),
    "amount_1e309": lambda: ("inf.csv", _csv(_row(1, amount="1e309"), _row(2))),
    "amount_nan": lambda: ("nan.csv", _csv(_row(1, amount="NaN"), _row(2))),
    "amount_inf": lambda: ("infinity.csv", _csv(_row(1, amount="inf"), _row(2, amount="-Infinity"), _row(3))),
    "amount_arabic_indic": lambda: ("arabic.csv", _csv(_row(1, amount="١٢٣٤"), _row(2))),
    "date_feb_30": lambda: ("feb30.csv", _csv(_row(1, close="2024-02-30"), _row(2))),
    "date_9999": lambda: ("y9999.csv", _csv(_row(1, close="9999-12-31"), _row(2))),
    "date_year_0": lambda: ("y0.csv", _csv(_row(1, close="0001-01-01"), _row(2))),
    "10000_stage_names": lambda: ("stages.csv", _csv(*(_row(i, stage=f"Stage {i}") for i in range(10_000)))),
    "huge_headers_no_stage": lambda: ("hh.csv", _csv("1," * 10 + "1", header=",".join(
        f"Amount {i} " + "h" * 5_000 for i in range(11)))),
    "only_quotes": lambda: ("quotes.csv", b'"""""""""""""\n""\n'),
    "sep_hint_only": lambda: ("sep.csv", b"sep=;\n"),
    "prose": lambda: ("letter.csv", b"Dear team,\nplease find the numbers attached.\nThanks\n"),
}
