"""Header recognition (METRICS.md §1), user mappings and dialect detection."""

from __future__ import annotations

import pytest

from analytics.errors import InvalidSettingError, MappingError
from analytics.ingest.dialects import detect, resolve
from analytics.ingest.headers import HEADER_TABLE, build_column_map, parse_user_mapping, recognise


@pytest.mark.parametrize(("field", "header"), [
    (field, header) for field, headers in HEADER_TABLE.items() for header in headers])
def test_every_table_header_is_recognised(field: str, header: str) -> None:
    assert recognise(header) == field


@pytest.mark.parametrize(("header", "field"), [
    ("OPPORTUNITY OWNER", "owner"), ("close_date", "close_date"), ("  Deal-Stage ", "stage"),
    ("Deal - Competitor", "competitor"), ("Deal - Won time", "close_date"),
    ("Requirements Met (%)", "fit_score"), ("deal_stage", "stage"), ("Shoe size", None),
])
def test_recognition_ignores_case_space_punctuation_and_pipedrive_prefix(header, field) -> None:
    assert recognise(header) == field


def test_first_table_header_wins_and_the_other_is_kept() -> None:
    cmap = build_column_map(["Amount (converted)", "Amount", "Stage", "Notes", "Loss Notes"])
    assert cmap.fields["amount"] == 1 and cmap.fields["loss_notes"] == 4
    assert cmap.extras == {0: "Amount (converted)", 3: "Notes"}


def test_user_mapping_outranks_the_table() -> None:
    cmap = build_column_map(["Stage", "close_value", "Amount"], {"close_value": "amount"})
    assert cmap.fields["amount"] == 1 and cmap.extras == {2: "Amount"}


@pytest.mark.parametrize(("pairs", "message"), [
    (["close_value"], "HEADER=field"), (["x=wingspan"], "unknown field 'wingspan'")])
def test_bad_mapping_arguments(pairs, message) -> None:
    with pytest.raises(MappingError, match=message):
        parse_user_mapping(pairs)


@pytest.mark.parametrize(("headers", "dialect"), [
    (["Opportunity Name", "Account Name", "Stage", "Close Date"], "salesforce"),
    (["Opportunity Owner", "Stage", "Amount"], "salesforce"),
    (["Record ID", "Deal Name", "Deal Stage", "Amount"], "hubspot"),
    (["Deal Name", "Deal Stage", "Associated Company"], "hubspot"),
    (["Deal - Title", "Deal - Status", "Deal - Value"], "pipedrive"),
    (["opportunity_id", "sales_agent", "deal_stage", "close_value"], "generic"),
    (["Name", "Status", "Value"], "generic"),
])
def test_dialect_detection(headers, dialect) -> None:
    assert detect(headers) == dialect


def test_footer_marks_a_salesforce_report_and_source_can_be_forced() -> None:
    assert detect(["Name", "Stage"], footer_seen=True) == "salesforce"
    assert resolve("pipedrive", ["Name", "Stage"]) == "pipedrive"
    with pytest.raises(InvalidSettingError):
        resolve("zoho", ["Name", "Stage"])
