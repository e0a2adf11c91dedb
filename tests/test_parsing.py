"""Tests of the cell value parsers (METRICS.md §1 fit scale, §6 parsing).

Every expected value below was worked out by hand from the contract, not by
running the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime
import math

import pytest

from analytics.ingest.parsing import (
    Amount,
    DateOrder,
    ParseError,
    detect_date_order,
    detect_decimal_comma,
    fit_scale,
    is_blank,
    parse_amount,
    parse_date,
    parse_fit_value,
)

D = datetime.date
MARCH_15 = D(2024, 3, 15)


# --------------------------------------------------------------------------
# is_blank
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),
        ("", True),
        ("   ", True),
        ("\t\r\n", True),
        ("\u00a0", True),
        (" \u00a0\u202f ", True),
        (float("nan"), True),
        ("0", False),
        (" x ", False),
        (0, False),
        (0.0, False),
        (MARCH_15, False),
    ],
)
def test_is_blank(value: object, expected: bool) -> None:
    assert is_blank(value) is expected


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        # the §6 forms
        ("12000", 12000.0, None),
        ("12,000.50", 12000.5, None),
        ("$12,000.50", 12000.5, "USD"),
        ("USD 12,000.50", 12000.5, "USD"),
        ("12.000,50 €", 12000.5, "EUR"),
        ("(1,200.00)", -1200.0, None),
        # more forms from the brief
        ("-1,200", -1200.0, None),
        ("1 200,50", 1200.5, None),
        ("1\u00a0200,50", 1200.5, None),
        ("1\u202f200,50", 1200.5, None),
        ("1'200.50", 1200.5, None),
        ("€12.000,50", 12000.5, "EUR"),
        ("12,5", 12.5, None),
        ("12.000.000", 12000000.0, None),
        ("£5", 5.0, "GBP"),
        ("$5", 5.0, "USD"),
        ("¥5", 5.0, "JPY"),
        # both ',' and '.': the last one is the decimal mark
        ("1.234,5", 1234.5, None),
        ("1,234.5", 1234.5, None),
        ("1.234.567,89", 1234567.89, None),
        ("1,234,567.89", 1234567.89, None),
        # only ',': thousands when grouped by three, else decimal
        ("1,234", 1234.0, None),
        ("1,234,567", 1234567.0, None),
        ("1,5", 1.5, None),
        ("1234,56", 1234.56, None),
        ("12,3456", 12.3456, None),
        ("0,500", 0.5, None),  # a group led by 0 is not thousands
        # only '.': several are thousands, one is decimal
        ("12.5", 12.5, None),
        ("12.000", 12.0, None),
        ("1.000.000", 1000000.0, None),
        # spaces and apostrophes only group
        ("1 234 567", 1234567.0, None),
        ("1'234'567.25", 1234567.25, None),
        ("1’200", 1200.0, None),
        ("1 200.5", 1200.5, None),
        # signs, parentheses and currency in any order
        ("($1,200.00)", -1200.0, "USD"),
        ("$(1,200.00)", -1200.0, "USD"),
        ("(1.200,00) €", -1200.0, "EUR"),
        ("-$5", -5.0, "USD"),
        ("$-5", -5.0, "USD"),
        ("USD -5", -5.0, "USD"),
        ("-1.200,50 €", -1200.5, "EUR"),
        ("\u22125", -5.0, None),
        ("+5", 5.0, None),
        ("-0", 0.0, None),
        # currency codes and symbols, before or after, with or without a space
        ("12000 USD", 12000.0, "USD"),
        ("12000USD", 12000.0, "USD"),
        ("EUR12.000,50", 12000.5, "EUR"),
        ("GBP 1,000", 1000.0, "GBP"),
        ("CHF 1'200.50", 1200.5, "CHF"),
        ("12,000.50 $", 12000.5, "USD"),
        ("US$ 99", 99.0, "USD"),
        ("CAD $1,200", 1200.0, "CAD"),
        ("USD $1,200", 1200.0, "USD"),
        ("R$ 1.000,00", 1000.0, "BRL"),
        ("₹ 5", 5.0, "INR"),
        ("  $ 1,200  ", 1200.0, "USD"),
        ("0", 0.0, None),
        ("007", 7.0, None),
    ],
)
def test_parse_amount(text: str, value: float, currency: str | None) -> None:
    assert parse_amount(text) == Amount(value, currency)


@pytest.mark.parametrize("text", [None, "", "   ", "\u00a0", "\t", " \u202f "])
def test_blank_amount_is_none(text: str | None) -> None:
    assert parse_amount(text) == Amount(None, None)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1200, Amount(1200.0, None)),
        (1200.5, Amount(1200.5, None)),
        (-3, Amount(-3.0, None)),
        (float("nan"), Amount(None, None)),
    ],
)
def test_amount_from_an_xlsx_number(cell: float, expected: Amount) -> None:
    assert parse_amount(cell) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "amount 'abc' is not a number"),
        ("12 apples", "amount '12 apples' is not a number"),
        ("1.5e3", "amount '1.5e3' is not a number"),
        ("12 34", "amount '12 34' is not a number"),  # two numbers
        ("12,000 15,000", "amount '12,000 15,000' is not a number"),
        ("100-200", "amount '100-200' is not a number"),
        ("USD", "amount 'USD' is not a number"),
        ("$", "amount '$' is not a number"),
        ("-", "amount '-' is not a number"),
        ("--5", "amount '--5' is not a number"),
        ("-(5)", "amount '-(5)' is not a number"),
        ("(5", "amount '(5' is not a number"),
        ("1,2,3", "amount '1,2,3' is not a number"),
        ("1.2.3", "amount '1.2.3' is not a number"),
        ("12.50.00", "amount '12.50.00' is not a number"),
        ("12,34,567.00", "amount '12,34,567.00' is not a number"),  # lakh grouping
        ("1.234.5,6", "amount '1.234.5,6' is not a number"),
        ("1,234.567,8", "amount '1,234.567,8' is not a number"),
        ("1 200.000,50", "amount '1 200.000,50' is not a number"),
        ("1..2", "amount '1..2' is not a number"),
        ("12,", "amount '12,' is not a number"),
        ("usd 5", "amount 'usd 5' is not a number"),  # codes are upper case
        ("TBD 5", "amount 'TBD 5' is not a number"),  # not an ISO code
        ("XY$ 5", "amount 'XY$ 5' is not a number"),
        ("$5 EUR", "amount '$5 EUR' names two currencies"),
        ("USD 5 EUR", "amount 'USD 5 EUR' names two currencies"),
        ("€5 £", "amount '€5 £' names two currencies"),
        ("  abc  ", "amount 'abc' is not a number"),
        ("1" * 400, "amount '" + "1" * 39 + "…' is too large"),
    ],
)
def test_bad_amount(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("what", ["amount", "competitor price", "budget"])
def test_amount_error_names_the_field(what: str) -> None:
    with pytest.raises(ParseError, match=rf"^{what} 'n/a' is not a number$"):
        parse_amount("n/a", what=what)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (True, "amount True is not a number"),
        (float("inf"), "amount inf is not a number"),
        (MARCH_15, "amount 2024-03-15 is not a number"),
    ],
)
def test_bad_amount_cell(cell: object, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(cell)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_long_cell_is_cut_short_in_the_message() -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount("x" * 100)
    assert str(caught.value) == "amount '" + "x" * 39 + "…' is not a number"


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(ParseError, ValueError)


def test_amount_is_frozen() -> None:
    amount = parse_amount("5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        amount.value = 6  # type: ignore[misc]


# --------------------------------------------------------------------------
# Fit scores
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.8", 0.8),
        (".8", 0.8),
        ("80", 80.0),
        ("80%", 80.0),
        ("80 %", 80.0),
        (" 80% ", 80.0),
        ("12.5%", 12.5),
        ("100%", 100.0),
        ("0%", 0.0),
        ("4", 4.0),
        ("7,5", 7.5),
        ("0,75", 0.75),
        ("0", 0.0),
        ("-0", 0.0),
        ("007", 7.0),
    ],
)
def test_parse_fit_value(text: str, expected: float) -> None:
    assert parse_fit_value(text) == expected


@pytest.mark.parametrize("cell", [None, "", "  ", "\u00a0", float("nan")])
def test_blank_fit_value_is_none(cell: object) -> None:
    assert parse_fit_value(cell) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "expected"), [(0.75, 0.75), (4, 4.0), (80.0, 80.0)])
def test_fit_value_from_an_xlsx_number(cell: float, expected: float) -> None:
    assert parse_fit_value(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("high", "fit score 'high' is not a number"),
        ("%", "fit score '%' is not a number"),
        ("80%%", "fit score '80%%' is not a number"),
        ("8 0", "fit score '8 0' is not a number"),
        ("1e2", "fit score '1e2' is not a number"),
        ("4/5", "fit score '4/5' is not a number"),
        ("1.2.3", "fit score '1.2.3' is not a number"),
        ("-", "fit score '-' is not a number"),
        ("-5", "fit score '-5' is negative"),
        ("-0.5%", "fit score '-0.5%' is negative"),
        (-5, "fit score -5 is negative"),
        (True, "fit score True is not a number"),
        (float("inf"), "fit score inf is not a number"),
    ],
)
def test_bad_fit_value(cell: object, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_fit_value(cell)  # type: ignore[arg-type]
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 1.0),
        # all within 0–1 (both ends included) -> x100
        ([0, 0.5, 1], 100.0),
        ([0.25, 0.8], 100.0),
        ([0], 100.0),
        ([1], 100.0),
        ([1, 1, 1], 100.0),  # the 0–1 rule is tested first
        ([0.0, 1.0], 100.0),
        # all whole within 1–5 -> x20
        ([1, 2, 3, 4, 5], 20.0),
        ([2, 5], 20.0),
        ([1.0, 5.0], 20.0),
        ([3], 20.0),
        # all whole within 1–10 -> x10
        ([1, 6], 10.0),
        ([6], 10.0),
        ([1, 10], 10.0),
        ([10], 10.0),
        ([2, 5, 7], 10.0),
        # anything else -> x1
        ([0, 5], 1.0),  # 0 is outside 1–5 and 1–10, 5 outside 0–1
        ([0, 10], 1.0),
        ([11], 1.0),
        ([1, 11], 1.0),
        ([0.5, 3], 1.0),  # not all within 0–1, not all whole
        ([2.5, 4], 1.0),
        ([1.5], 1.0),
        ([1.01], 1.0),
        ([50, 80, 100], 1.0),
        ([0.8, 80], 1.0),
    ],
)
def test_fit_scale(values: list[float], expected: float) -> None:
    assert fit_scale(values) == expected


def test_fit_scale_takes_any_iterable() -> None:
    assert fit_scale(v for v in (1.0, 3.0)) == 20.0
    assert fit_scale(iter(())) == 1.0


def test_fit_column_end_to_end() -> None:
    """A 1–5 column with a blank: raw values, then x20."""
    raw = [parse_fit_value(v) for v in ["4", "", "5", "2"]]
    scale = fit_scale(v for v in raw if v is not None)
    assert [None if v is None else v * scale for v in raw] == [80.0, None, 100.0, 40.0]


# --------------------------------------------------------------------------
# Date order of a column
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "default", "expected"),
    [
        # day-first: a first part above 12
        (["15/03/2024", "01/02/2024"], False, DateOrder(True, False, False)),
        (["1/2/2024", "31/12/23 14:00"], False, DateOrder(True, False, False)),
        (["13/1/2024"], False, DateOrder(True, False, False)),
        # month-first: a second part above 12
        (["03/15/2024", "1/2/2024"], False, DateOrder(False, False, False)),
        (["3/15/2024"], True, DateOrder(False, False, False)),  # data beats the default
        (["12/31/99 10:30 AM"], True, DateOrder(False, False, False)),
        # ambiguous: every part within 1–12, the default is used
        (["01/02/2024", "12/12/2024"], False, DateOrder(False, True, False)),
        (["01/02/2024", "12/12/2024"], True, DateOrder(True, True, False)),
        ([], False, DateOrder(False, True, False)),
        ([], True, DateOrder(True, True, False)),
        # dotted, ISO and text dates do not vote
        (["15.03.2024", "2024-03-15", "2024/03/15", "15 Mar 2024", "1/2/2024"], False,
         DateOrder(False, True, False)),
        # neither do impossible values
        (["13/13/2024", "45/03/2024", "03/45/2024", "0/15/2024"], True,
         DateOrder(True, True, False)),
        # nor blanks, non-dates and XLSX cells that are not text
        (["", "  ", "soon", None, MARCH_15, 45366, "15/03/2024"], False,
         DateOrder(True, False, False)),
        # conflicting: the order with more values wins
        (["15/03/2024", "16/03/2024", "3/15/2024"], False, DateOrder(True, False, True)),
        (["15/03/2024", "3/15/2024", "3/16/2024"], True, DateOrder(False, False, True)),
        # every value counts, repeated ones too
        (["15/03/2024"] * 3 + ["3/15/2024", "3/16/2024"], False, DateOrder(True, False, True)),
        # a tie takes the default
        (["15/03/2024", "3/15/2024"], False, DateOrder(False, True, True)),
        (["15/03/2024", "3/15/2024"], True, DateOrder(True, True, True)),
    ],
)
def test_detect_date_order(values: list[str], default: bool, expected: DateOrder) -> None:
    assert detect_date_order(values, default_day_first=default) == expected


def test_detect_date_order_takes_a_generator() -> None:
    assert detect_date_order(v for v in ["20/1/2024"]) == DateOrder(True, False, False)


def test_conflicting_column_rejects_values_of_the_other_order() -> None:
    values = ["15/03/2024", "16/03/2024", "3/15/2024"]
    order = detect_date_order(values)
    assert parse_date(values[0], day_first=order.day_first) == MARCH_15
    with pytest.raises(ParseError) as caught:
        parse_date(values[2], day_first=order.day_first, what="close date")
    assert str(caught.value) == "close date '3/15/2024' is not a valid day/month/year date"


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO, with or without time and zone: the date as written
        ("2024-03-15", MARCH_15),
        ("2024-03-15 10:22:11", MARCH_15),
        ("2024-03-15T10:22:11Z", MARCH_15),
        ("2024-03-15T10:22:11.123+02:00", MARCH_15),
        ("2024-03-15T23:30:00-05:00", MARCH_15),
        ("2024-03-15T00:30:00+0900", MARCH_15),
        ("2024-03-15 00:00:00.000", MARCH_15),
        ("2024-03-15T10:22", MARCH_15),
        ("2024-3-5", D(2024, 3, 5)),
        ("2024/03/15", MARCH_15),
        ("  2024-03-15  ", MARCH_15),
        # dotted: always day-first
        ("15.03.2024", MARCH_15),
        ("15.03.2024 14:00", MARCH_15),
        ("15.03.24", MARCH_15),
        ("01.02.2024", D(2024, 2, 1)),
        # text months
        ("15 Mar 2024", MARCH_15),
        ("Mar 15, 2024", MARCH_15),
        ("15-Mar-2024", MARCH_15),
        ("March 15, 2024", MARCH_15),
        ("15 March 2024", MARCH_15),
        ("15-mar-24", MARCH_15),
        ("MAR 15 2024", MARCH_15),
        ("Mar. 15, 2024", MARCH_15),
        ("March 1st, 2024", D(2024, 3, 1)),
        ("Sept 5, 2024", D(2024, 9, 5)),
        ("5 Sep 2024", D(2024, 9, 5)),
        ("Mar 15, 2024 10:30 AM", MARCH_15),
        ("Mar 15, 2024, 10:30 AM", MARCH_15),
        ("2 May 2024", D(2024, 5, 2)),
        # leap day
        ("2024-02-29", D(2024, 2, 29)),
    ],
)
@pytest.mark.parametrize("day_first", [False, True])
def test_parse_date_either_order(text: str, day_first: bool, expected: D) -> None:
    assert parse_date(text, day_first=day_first) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/15/2024", MARCH_15),
        ("03/15/2024", MARCH_15),
        ("3/15/2024 10:30 AM", MARCH_15),
        ("3/15/2024 10:30:59 pm", MARCH_15),
        ("3/15/2024 11:59 p.m.", MARCH_15),
        ("1/2/2024", D(2024, 1, 2)),
        ("12/1/2024", D(2024, 12, 1)),
        ("2/29/2024", D(2024, 2, 29)),
        # two-digit years: 00–68 -> 20xx, 69–99 -> 19xx
        ("3/15/24", MARCH_15),
        ("1/1/00", D(2000, 1, 1)),
        ("12/31/68", D(2068, 12, 31)),
        ("1/1/69", D(1969, 1, 1)),
        ("12/31/99", D(1999, 12, 31)),
    ],
)
def test_parse_date_month_first(text: str, expected: D) -> None:
    assert parse_date(text, day_first=False) == expected
    assert parse_date(text) == expected  # month-first is the default


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024", MARCH_15),
        ("15/3/2024", MARCH_15),
        ("15/03/2024 14:00", MARCH_15),
        ("15/03/2024 14:00:05", MARCH_15),
        ("1/2/2024", D(2024, 2, 1)),
        ("12/1/2024", D(2024, 1, 12)),
        ("29/2/2024", D(2024, 2, 29)),
        ("15/03/24", MARCH_15),
        ("31/12/68", D(2068, 12, 31)),
        ("1/1/69", D(1969, 1, 1)),
    ],
)
def test_parse_date_day_first(text: str, expected: D) -> None:
    assert parse_date(text, day_first=True) == expected


@pytest.mark.parametrize("cell", [None, "", "   ", "\u00a0", "\t\n", float("nan")])
def test_blank_date_is_none(cell: object) -> None:
    assert parse_date(cell) is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # Excel serial numbers, 1900 date system
        (45366, MARCH_15),
        (45366.0, MARCH_15),
        (45366.75, MARCH_15),  # the time of day is dropped
        (45366.999, MARCH_15),
        (45292, D(2024, 1, 1)),
        (1, D(1900, 1, 1)),
        (59, D(1900, 2, 28)),
        (61, D(1900, 3, 1)),  # 60 is Excel's 29 Feb 1900 that never was
        (73415, D(2100, 12, 31)),  # the last plausible deal date
        # real dates and datetimes from the XLSX reader
        (datetime.datetime(2024, 3, 15, 23, 59, 59), MARCH_15),
        (datetime.datetime(2024, 3, 15, 23, 0, tzinfo=datetime.UTC), MARCH_15),
        (MARCH_15, MARCH_15),
    ],
)
def test_parse_date_from_xlsx(cell: object, expected: D) -> None:
    assert parse_date(cell) == expected
    assert parse_date(cell, day_first=True) == expected


@pytest.mark.parametrize(
    ("cell", "day_first", "message"),
    [
        # impossible calendar dates
        ("2/30/2024", False, "close date '2/30/2024' is not a valid date"),
        ("13/13/2024", False, "close date '13/13/2024' is not a valid date"),
        ("13/13/2024", True, "close date '13/13/2024' is not a valid date"),
        ("2/29/2023", False, "close date '2/29/2023' is not a valid date"),
        ("0/1/2024", False, "close date '0/1/2024' is not a valid date"),
        ("2024-02-30", False, "close date '2024-02-30' is not a valid date"),
        ("2024-13-01", False, "close date '2024-13-01' is not a valid date"),
        ("0000-01-01", False, "close date '0000-01-01' is not a valid date"),
        ("31.02.2024", True, "close date '31.02.2024' is not a valid date"),
        ("30 Feb 2024", False, "close date '30 Feb 2024' is not a valid date"),
        # valid only in the other order
        ("3/15/2024", True, "close date '3/15/2024' is not a valid day/month/year date"),
        ("15/03/2024", False, "close date '15/03/2024' is not a valid month/day/year date"),
        # a number in a CSV is not a date
        ("45366", False, "close date '45366' is a number, not a date"),
        ("45366.5", False, "close date '45366.5' is a number, not a date"),
        ("20240315", False, "close date '20240315' is a number, not a date"),
        ("-5", False, "close date '-5' is a number, not a date"),
        # forms that are not dates
        ("soon", False, "close date 'soon' is not a date"),
        ("15 Foo 2024", False, "close date '15 Foo 2024' is not a date"),
        ("2024-03-15 garbage", False, "close date '2024-03-15 garbage' is not a date"),
        ("3-15/2024", False, "close date '3-15/2024' is not a date"),
        ("15-03-2024", False, "close date '15-03-2024' is not a valid month/day/year date"),
        ("3/15", False, "close date '3/15' is not a date"),
        ("3/15/202", False, "close date '3/15/202' is not a date"),
        ("Q1 2024", False, "close date 'Q1 2024' is not a date"),
        # Excel serials out of range
        (0, False, "close date 0 is not a valid date"),
        (0.5, False, "close date 0.5 is not a valid date"),
        (-1, False, "close date -1 is not a valid date"),
        (60, False, "close date 60 is not a valid date"),
        (2958466, False, "close date 2958466 is not a valid date"),
        # real dates outside 1900–2100
        (2958465, False, "close date 2958465 is outside 1900–2100, not a plausible deal date"),
        (73416, False, "close date 73416 is outside 1900–2100, not a plausible deal date"),
        ("9999-12-31", False, "close date '9999-12-31' is outside 1900–2100, not a plausible deal date"),
        ("1899-12-31", False, "close date '1899-12-31' is outside 1900–2100, not a plausible deal date"),
        ("12/31/2101", False, "close date '12/31/2101' is outside 1900–2100, not a plausible deal date"),
        (datetime.datetime(9999, 12, 31, 23, 59), False,
         "close date 9999-12-31 23:59:00 is outside 1900–2100, not a plausible deal date"),
        (datetime.date(1800, 1, 1), False,
         "close date 1800-01-01 is outside 1900–2100, not a plausible deal date"),
        (float("inf"), False, "close date inf is not a valid date"),
        # other cell types
        (True, False, "close date True is not a date"),
        (datetime.time(10, 30), False, "close date 10:30:00 is not a date"),
    ],
)
def test_bad_date(cell: object, day_first: bool, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(cell, day_first=day_first, what="close date")
    assert str(caught.value) == message


def test_date_error_default_name() -> None:
    with pytest.raises(ParseError, match=r"^date 'soon' is not a date$"):
        parse_date("soon")


def test_cached_results_follow_the_order_asked_for() -> None:
    assert parse_date("1/2/2024", day_first=False) == D(2024, 1, 2)
    assert parse_date("1/2/2024", day_first=True) == D(2024, 2, 1)
    assert parse_date("1/2/2024", day_first=False) == D(2024, 1, 2)


def test_cached_errors_follow_the_field_asked_for() -> None:
    for what in ("budget", "amount", "budget"):
        with pytest.raises(ParseError, match=rf"^{what} 'x' is not a number$"):
            parse_amount("x", what=what)


def test_nan_is_not_a_value() -> None:
    """NaN from a pandas-read cell must never leak through as a number."""
    assert parse_amount(math.nan).value is None
    assert parse_fit_value(math.nan) is None
    assert parse_date(math.nan) is None


def test_pandas_cells() -> None:
    """What ``pandas.read_excel`` hands over: Timestamp, NaT and NaN."""
    pd = pytest.importorskip("pandas")
    assert is_blank(pd.NaT)
    assert parse_date(pd.NaT) is None
    assert parse_date(pd.Timestamp("2024-03-15 23:30")) == MARCH_15
    assert parse_date(pd.Timestamp("2024-03-15 23:30", tz="America/New_York")) == MARCH_15


@pytest.mark.parametrize(("text", "day_first", "expected"), [
    ("3-15-2024", False, D(2024, 3, 15)), ("15-03-2024", True, D(2024, 3, 15)),
    ("03-15-24", False, D(2024, 3, 15)), ("1-2-2024", True, D(2024, 2, 1)),
])
def test_dashed_numeric_dates_read_like_slash_dates(text: str, day_first: bool, expected) -> None:
    assert parse_date(text, day_first=day_first) == expected
    assert detect_date_order(["15-03-2024", "3-04-2024"]).day_first


@pytest.mark.parametrize(("values", "expected"), [
    (["1.200", "1.234,50"], True), (["12,5"], True), (["1.234.567"], True),
    (["1.200", "12.50"], False), (["1,200", "1,234.50"], False), (["1.200"], False),
    (["12,5", "12.5"], False), ([1200.0, "900"], False),
])
def test_decimal_comma_is_decided_per_column(values: list, expected: bool) -> None:
    assert detect_decimal_comma(values) is expected


def test_decimal_comma_hint_reads_a_lone_separator_before_three_digits() -> None:
    assert parse_amount("1.200", decimal_comma=True).value == 1200.0
    assert parse_amount("€ 1.200", decimal_comma=True) == Amount(1200.0, "EUR")
    assert parse_amount("1,200", decimal_comma=True).value == 1.2
    assert parse_amount("1.234,50", decimal_comma=True).value == 1234.5
    assert parse_amount("1.200").value == 1.2 and parse_amount("1,200").value == 1200.0
