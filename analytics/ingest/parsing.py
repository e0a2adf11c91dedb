"""Cell value parsers for the CSV / XLSX importer (METRICS.md §1 and §6).

Pure Python, no I/O. The importer calls these once per cell, so every text
parser is cached on the cell text and every pattern is compiled once. This
module gathers them in one place; they live by concept in
:mod:`analytics.ingest.amounts`, :mod:`analytics.ingest.dates`,
:mod:`analytics.ingest.scores`, and what they share in :mod:`analytics.ingest.cells`. A blank
cell reads as ``None``; a non-blank cell that cannot be read raises
:class:`ParseError`, whose message is the short reason shown in the reject
report.

>>> parse_amount("12.000,50 €")
Amount(value=12000.5, currency='EUR')
>>> parse_amount("(1,200.00)").value
-1200.0
>>> parse_date("15/03/2024", day_first=True)
datetime.date(2024, 3, 15)
>>> order = detect_date_order(["3/15/2024", "4/1/2024"])
>>> order.day_first, order.ambiguous
(False, False)
>>> fit_scale([parse_fit_value(v) for v in ["4", "5", "2"]])
20.0
>>> try:
...     parse_amount("12 apples")
... except ParseError as err:
...     print(err)
amount '12 apples' is not a number
"""

from __future__ import annotations

from analytics.ingest.amounts import Amount, detect_decimal_comma, parse_amount
from analytics.ingest.cells import ParseError, is_blank
from analytics.ingest.dates import DateOrder, decide_date_order, detect_date_order, has_order, parse_date
from analytics.ingest.scores import fit_scale, parse_fit_value

__all__ = [
    "Amount",
    "DateOrder",
    "ParseError",
    "decide_date_order",
    "detect_date_order",
    "detect_decimal_comma",
    "fit_scale",
    "has_order",
    "is_blank",
    "parse_amount",
    "parse_date",
    "parse_fit_value",
]
