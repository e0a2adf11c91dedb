"""Which CRM an export came from: Salesforce, HubSpot, Pipedrive or generic.

The dialect is recorded with the import and seeds the stable id of rows that
have no CRM id; the parsing itself is the same for every dialect, driven by the
headers (METRICS.md §1) and the data (§6).

>>> detect(["Deal - Title", "Deal - Status", "Deal - Value"])
'pipedrive'
>>> detect(["Record ID", "Deal Name", "Deal Stage"])
'hubspot'
>>> detect(["Opportunity Name", "Account Name", "Stage"])
'salesforce'
>>> detect(["Name", "Status", "Value"])
'generic'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics.errors import InvalidSettingError
from analytics.ingest.headers import normalise_header

DIALECTS: tuple[str, ...] = ("salesforce", "hubspot", "pipedrive", "generic")
SOURCES: tuple[str, ...] = ("auto", *DIALECTS)

_PIPEDRIVE_PREFIX = re.compile(r"^\s*deal\s*-\s*", re.IGNORECASE)
_HUBSPOT = {"recordid", "dealname", "dealstage", "associatedcompany", "dealowner", "createdate",
            "closedlostreason", "pipeline", "dealtype"}
_SALESFORCE = {"opportunityid", "opportunityname", "opportunityowner", "accountname",
               "closedlostreason", "fiscalperiod", "probability", "nextstep", "type"}


def detect(headers: Sequence[str], footer_seen: bool = False) -> str:
    """Guess the dialect from the header names (and a Salesforce footer, if one was cut)."""
    if sum(1 for h in headers if _PIPEDRIVE_PREFIX.match(h or "")) >= 2:
        return "pipedrive"
    norms = {normalise_header(h) for h in headers}
    hubspot = len(norms & _HUBSPOT)
    salesforce = len(norms & _SALESFORCE)
    if "recordid" in norms or ("dealstage" in norms and hubspot >= 2) or hubspot >= 3:
        return "hubspot"
    if footer_seen or "opportunityname" in norms or "opportunityowner" in norms or salesforce >= 2:
        return "salesforce"
    return "generic"


def resolve(source: str, headers: Sequence[str], footer_seen: bool = False) -> str:
    """``source`` when forced, else the detected dialect."""
    source = (source or "auto").lower()
    if source not in SOURCES:
        raise InvalidSettingError(f"Unknown source {source!r}; use one of: {', '.join(SOURCES)}.")
    return detect(headers, footer_seen) if source == "auto" else source
