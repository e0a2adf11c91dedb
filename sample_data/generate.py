#!/usr/bin/env python3
"""Seeded generator of Debrief's sample CRM exports.

    python sample_data/generate.py [--seed 7] [--out sample_data]

writes three exports of one fictitious B2B SaaS seller, *Northwind Analytics*,
whose deals closed between 2023-01-01 and 2025-12-31 (a fixed range: nothing
depends on today's date):

``salesforce_opportunities.csv``
    The North-American sales team. A Salesforce report export: every field
    quoted, CRLF line ends, ``$12,000.50`` amounts, month-first ``3/15/2024``
    dates, 0–100 whole-number fit scores, no Account ID column (so account
    identity falls back to the name) and the report footer after the data
    (``"Grand Totals (N records)"``, the confidentiality line, the copyright).
``hubspot_deals.csv``
    The inbound / SMB team. UTF-8 with BOM, ``2024-03-15 10:22`` date-times,
    plain ``12000.5`` amounts, ICP scores 1–5 (Debrief scales ×20), countries
    in the region column, a few deal names with commas, a few multi-line
    loss reasons, a few deals with no associated company.
``pipedrive_deals.csv``
    The European team. Semicolon-delimited, ``Deal - `` header prefix, EUR
    values with a decimal comma (``12000,50``, always two decimals, never a
    thousands separator), ``2024-03-15 10:22:11`` times, won/lost time instead
    of a close date (both blank on open deals), fit 0–1 (Debrief scales ×100),
    accented organisation names, a few lost reasons in German or French.

Only the standard library is used and every random draw comes from one
``random.Random(seed)`` (no ``gauss``/``lognormvariate``, whose results depend on
the platform's libm), so the same seed gives the same bytes everywhere.

Planted patterns (METRICS.md §3, §7, §8), reported by ``main`` after writing:

* overall win rate about a third; Enterprise lower, SMB higher; won deals
  skew to high fit; losses take longer to close than wins;
* head-to-head: Sisense beaten about 55 % of the time, Power BI only ~20 %;
* loss reasons written the way reps write them, mapping to every §3
  category through the keyword rules (including rule-order traps such as
  "Went with cheaper competitor" → price, "Went dark after pricing call" →
  no_decision, and "Lost to Tableau" → other), ~15 % no-decision;
* price losses in three roughly equal kinds — wrong customer (fit < 50 or
  amount > 1.5 × budget), easy reason (good fit, within 10 % of the
  competitor / budget) and genuine price (good fit, gap > 10 %) — plus some
  without evidence (Pipedrive records no competitor price or budget);
* comebacks: about a quarter of the accounts with a loss win a deal 3–18 months
  after their first loss, many of them in another CRM under a spelling that
  differs but normalises to the same §5 account key (``Acme Corp`` →
  ``ACME Corporation``, ``Müller Logistik GmbH`` → ``Muller Logistik``).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

SELLER = "Northwind Analytics"
DEFAULT_SEED = 7
FIRST_CLOSE = date(2023, 1, 1)
LAST_CLOSE = date(2025, 12, 31)

SF, HS, PD = "salesforce", "hubspot", "pipedrive"
FILE_NAMES = {
    SF: "salesforce_opportunities.csv",
    HS: "hubspot_deals.csv",
    PD: "pipedrive_deals.csv",
}

SF_HEADERS = [
    "Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage",
    "Amount", "Close Date", "Created Date", "Loss Reason", "Closed Lost Notes",
    "Primary Competitor", "Competitor Price", "Customer Budget", "Fit Score", "Segment",
    "Region", "Industry", "Product", "Lead Source",
]
HS_HEADERS = [
    "Record ID", "Deal Name", "Associated Company", "Deal owner", "Deal Stage", "Amount",
    "Close Date", "Create Date", "Closed Lost Reason", "Competitor", "Competitor Quote",
    "Budget", "ICP Score", "Company Size", "Country", "Industry", "Product Line",
    "Original Source",
]
PD_HEADERS = [
    "Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Owner", "Deal - Status",
    "Deal - Value", "Deal - Currency", "Deal - Deal created", "Deal - Won time",
    "Deal - Lost time", "Deal - Lost reason", "Deal - Competitor", "Deal - Fit",
    "Deal - Segment", "Deal - Region", "Deal - Product",
]

SF_FOOTER = [
    "Confidential Information - Do Not Distribute",
    "Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved.",
]

SMB, MM, ENT = "SMB", "Mid-Market", "Enterprise"

# --------------------------------------------------------------------------
# METRICS.md rules, re-stated here so the generator can check what it plants.
# --------------------------------------------------------------------------

LEGAL_SUFFIXES = {
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co",
    "company", "plc", "sa", "ag", "bv", "pty", "srl", "oy", "ab",
}

CATEGORY_RULES = (
    ("no_decision", ("no decision", "status quo", "went dark", "ghost", "unresponsive",
                     "no response", "do nothing", "stalled")),
    ("price", ("price", "pricing", "cost", "expensive", "budget", "cheaper", "discount")),
    ("product_fit", ("feature", "functionality", "fit", "requirement", "integration",
                     "capabilit", "technical", "product")),
    ("timing", ("timing", "postpone", "delay", "next year", "not now", "later")),
    ("relationship", ("relationship", "trust", "support", "service", "experience",
                      "reference")),
    ("competitor", ("competitor", "incumbent", "chose", "went with")),
)


def account_key(name: str) -> str:
    """§5: NFKD without accents, lower, & → and, punctuation → space, suffixes off."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^\w\s]|_", " ", text)
    words = text.split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def categorise(raw: str) -> str:
    """§3 keyword rules in order; blank → unspecified, no match → other."""
    text = raw.strip().lower()
    if not text:
        return "unspecified"
    for category, keywords in CATEGORY_RULES:
        if any(keyword in text for keyword in keywords):
            return category
    return "other"


def price_class(amount: float, competitor_price: float | None, budget: float | None,
                fit: float | None) -> str:
    """§7 with the default thresholds (fit 50, tolerance 0.10, bracket 1.5)."""
    if competitor_price is not None and competitor_price > 0:
        gap = (amount - competitor_price) / competitor_price
    elif budget is not None and budget > 0:
        gap = (amount - budget) / budget
    else:
        gap = None
    if (fit is not None and fit < 50) or (budget is not None and budget > 0
                                          and amount > 1.5 * budget):
        return "wrong_customer"
    if fit is not None and fit >= 50 and gap is not None:
        return "easy_reason" if gap <= 0.10 else "genuine_price"
    return "unknown"


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

OWNERS = {
    SF: ["Jordan Reyes", "Priya Natarajan", "Marcus Bell", "Hannah Cho", "Tom Okafor",
         "Elena Petrova"],
    HS: ["Casey Morgan", "Aisha Khan", "Ryan Holt", "Megan Doyle"],
    PD: ["Lukas Becker", "Élodie Martin", "Sven Lindqvist", "Giulia Ricci"],
}

PRODUCTS = ["Northwind Cloud", "Embedded Analytics", "Data Connect", "Forecasting Add-on"]
PRODUCT_WEIGHTS = [45, 20, 20, 15]

# (name, share of competitive deals, target head-to-head win rate)
COMPETITORS = [
    ("Power BI", 0.30, 0.12),
    ("Tableau", 0.26, 0.26),
    ("Looker", 0.18, 0.29),
    ("Qlik", 0.13, 0.36),
    ("Sisense", 0.13, 0.43),
]
COMP_NAMES = [c[0] for c in COMPETITORS]
COMP_WON_WEIGHTS = [share * rate for _, share, rate in COMPETITORS]
COMP_LOST_WEIGHTS = [share * (1 - rate) for _, share, rate in COMPETITORS]

SF_LEAD_SOURCES = (["Web", "Outbound", "Partner Referral", "Trade Show", "Customer Referral",
                    "Webinar"], [30, 28, 14, 10, 10, 8])
HS_SOURCES = (["Organic Search", "Paid Search", "Direct Traffic", "Referrals",
               "Social Media", "Email Marketing", "Offline Sources"],
              [28, 20, 14, 12, 10, 10, 6])

SF_OPEN_STAGES = (["Prospecting", "Qualification", "Proposal/Price Quote",
                   "Negotiation/Review"], [30, 30, 25, 15])
HS_OPEN_STAGES = (["Appointment Scheduled", "Qualified To Buy", "Contract Sent"],
                  [40, 38, 22])

# Loss reasons as reps type them, by the §3 category they must map to. "{comp}" is
# replaced by the deal's competitor. Every text is checked against the rules.
REASONS = {
    "price": ["Price too high", "price too high", "Too expensive vs competitor",
              "Too expensive", "Budget cut", "No budget this fiscal year",
              "Went with cheaper competitor", "Lost on price", "Pricing",
              "Cost - CFO pushback", "Couldn't match their discount",
              "Budget reallocated to headcount", "Chose a cheaper option"],
    "no_decision": ["No decision - status quo", "Went dark", "Went dark after pricing call",
                    "Ghosted after demo", "Prospect unresponsive", "Stalled in procurement",
                    "Decided to do nothing", "No decision",
                    "Status quo - staying on spreadsheets", "No response to follow-ups"],
    "product_fit": ["Missing SSO integration", "Missing features", "Lacked required features",
                    "Technical requirements not met", "No native Snowflake integration",
                    "Product not a fit", "Functionality gaps (embedded use case)",
                    "Needed on-prem deployment - product gap",
                    "Forecasting capabilities too basic", "Row-level security requirement"],
    "timing": ["Timing - revisit next year", "Project postponed", "Delayed to next FY",
               "Not now - reorg underway", "Revisit later",
               "Postponed until after ERP migration"],
    "relationship": ["Poor support experience", "Lost trust after failed POC",
                     "Bad reference call", "Relationship with their existing vendor",
                     "Unhappy with our customer service", "Support concerns from IT"],
    "competitor": ["Chose incumbent", "Went with {comp}", "Chose {comp}", "Lost to competitor",
                   "Stayed with incumbent vendor", "Went with {comp} - already in their stack"],
    "other": ["Other", "Champion left the company",
              "Acquired - new parent standardised on another tool", "Duplicate opportunity",
              "Lost to {comp}", "Security review failed", "Legal terms"],
}
# Salesforce orgs keep a picklist alongside the free text.
SF_PICKLIST = {
    "price": ["Price", "Price"],
    "no_decision": ["No Decision / Non-Responsive", "No Decision / Non-Responsive"],
    "product_fit": ["Missing Features"],
    "timing": ["Timing"],
    "competitor": ["Lost to Competitor"],
    "other": ["Other", "Other"],
}
# The European team writes some reasons in its own languages.
PD_EXTRA = {
    "price": ["Kein Budget"],
    "other": ["Zu teuer", "Pas de décision", "Entscheidung vertagt",
              "Trop cher par rapport à {comp}"],
}
# HubSpot's free-text field sometimes holds a second line.
HS_MULTILINE = {
    "price": "Price too high\nTheir budget was about 60% of our quote",
    "no_decision": "Went dark\nNo reply after 4 follow-ups",
    "competitor": "Chose incumbent\nRenewal was already signed in March",
    "product_fit": "Missing SSO integration\nNeeds SAML + SCIM before security sign-off",
}

SF_NOTES = {
    "price": ["Procurement asked for 25% off; we stopped at 10%.",
              "Final call with procurement:\n- wanted 3 years at year-1 price\n- we said no",
              'CFO: "great product, wrong price".',
              "Their budget was set before we were involved, roughly half our quote.",
              "Competitor came in well under us on a 3-year deal.",
              "Asked for per-viewer pricing, we only offered per-seat."],
    "no_decision": ["Champion stopped replying after the demo.",
                    "No exec sponsor. Tried 5x, closing out.",
                    "Last touch 6 weeks ago.\nClosing out, recycle to marketing.",
                    "Internal priorities changed; nobody owns the project now."],
    "product_fit": ["Needs SAML SSO and SCIM, both on the roadmap.",
                    "Wanted write-back to the warehouse, which we do not support.",
                    "Embedded use case needs white-labelling."],
    "timing": ["Budget cycle starts in April, re-engage in Q1.",
               "Reorg underway; new VP Data starts next quarter."],
    "relationship": ["Escalation from the trial still fresh.",
                     "Reference customer was lukewarm on the call."],
    "competitor": ["Already standardised on the Microsoft stack.",
                   "Incumbent offered a free year to renew."],
    "other": ["See email thread.", "Lost champion, new team not engaged."],
}

INDUSTRY_BY_WORD = {
    "Logistics": "Transportation & Logistics", "Freight": "Transportation & Logistics",
    "Health": "Healthcare", "Healthcare": "Healthcare", "Dental Group": "Healthcare",
    "Biotech": "Life Sciences", "Pharmaceuticals": "Life Sciences",
    "Foods": "Consumer Goods", "Apparel": "Consumer Goods", "Outfitters": "Retail",
    "Retail": "Retail", "Capital": "Financial Services", "Financial": "Financial Services",
    "Insurance": "Financial Services", "Credit Union": "Financial Services",
    "Manufacturing": "Manufacturing", "Industries": "Manufacturing",
    "Robotics": "Manufacturing", "Software": "Software", "Technologies": "Software",
    "Systems": "Software", "Labs": "Software", "Energy": "Energy & Utilities",
    "Media": "Media", "Partners": "Professional Services",
    "Consulting": "Professional Services", "Hospitality": "Hospitality",
    "Construction": "Construction", "Telecom": "Telecommunications",
    "Supply": "Wholesale",
}
US_FIRST = [
    "Blue Ridge", "Northgate", "Summit", "Cedar", "Harbor", "Ironwood", "Silverline",
    "Granite", "Pioneer", "Evergreen", "Lakeside", "Redwood", "Beacon", "Keystone",
    "Sterling", "Atlas", "Meridian", "Crescent", "Falcon", "Horizon", "Bridgewater",
    "Clearwater", "Oakmont", "Pinnacle", "Riverbend", "Stonebridge", "Westfield",
    "Brightline", "Copperleaf", "Highland", "Juniper", "Kingsbridge", "Larkspur",
    "Maple Grove", "Northstar", "Palisade", "Ridgeway", "Sagebrush", "Tidewater",
    "Vantage", "Wildrose", "Alder", "Bayview", "Coastal", "Driftwood", "Elmstead",
    "Foxhall", "Glenrock", "Hawthorne", "Jetstream", "Kestrel", "Lumen", "Mosaic",
    "Nimbus", "Orchard", "Prairie", "Radiant", "Sequoia", "Trident", "Upland", "Vertex",
    "Windward", "Tri-County", "Mid-Atlantic", "Great Lakes", "Bluewater", "Peachtree",
    "Lone Star", "Cascade", "Sunbelt",
]
US_SECOND = list(INDUSTRY_BY_WORD)
US_SURNAMES = ["Harper", "Lowe", "Baxter", "Finch", "Whitman", "Hale", "Carver", "Sloane",
               "Mercer", "Pryor", "Dalton", "Reeves", "Holloway", "Quinn", "Ashby", "Marsh"]
US_SUFFIXES = (["Inc.", "Inc", ", Inc.", "LLC", "Corp", "Corp.", "Corporation", "Co.",
                "Company", "Holdings, Inc.", "Group, LLC", "Ltd."],
               [18, 8, 10, 16, 8, 5, 6, 6, 4, 6, 6, 7])
US_COUNTRIES = (["United States", "Canada"], [85, 15])
SF_INTL_COUNTRIES = (["United Kingdom", "Germany", "France", "Netherlands", "Australia",
                      "Singapore", "Japan", "Brazil", "Mexico"],
                     [30, 12, 10, 8, 14, 8, 6, 7, 5])
HS_INTL_COUNTRIES = (["United Kingdom", "Australia", "Ireland"], [55, 35, 10])

EU_NAMES = {
    # country: (names, words, suffixes)
    "Germany": (["Müller", "Schäfer", "Köhler", "Becker", "Hoffmann", "Wagner", "Schröder",
                 "Krüger", "Fischer", "Böhm", "Zimmermann", "Hartmann", "Vogel", "Brandt",
                 "Lüdtke"],
                ["Logistik", "Maschinenbau", "Elektrotechnik", "Pharma", "Handel",
                 "Verpackung", "Energie", "Software"],
                ["GmbH", "GmbH", "AG", "GmbH & Co. KG"]),
    "Austria": (["Gruber", "Huber", "Pichler", "Steiner"], ["Bau", "Logistik", "Holz"],
                ["GmbH", "AG"]),
    "Switzerland": (["Meier", "Keller", "Zürcher", "Brunner"], ["Präzision", "Finanz", "Pharma"],
                    ["AG", "SA", "GmbH"]),
    "France": (["Lefèvre", "Dubois", "Girard", "Moreau", "Bérard", "Rousseau", "Fontaine",
                "Chevalier", "Lambert", "Mercier", "Gauthier", "Ségur"],
               ["Énergie", "Distribution", "Assurances", "Conseil", "Transports", "Santé",
                "Agroalimentaire"],
               ["SA", "SAS", "SARL"]),
    "Netherlands": (["Van Dijk", "De Vries", "Bakker", "Visser", "Van der Berg", "Smit"],
                    ["Logistiek", "Techniek", "Groep", "Zorg", "Bouw"],
                    ["B.V.", "BV", "N.V."]),
    "Belgium": (["Janssens", "Peeters", "Maes", "Claes"], ["Logistics", "Chemie", "Retail"],
                ["NV", "BV", "SA"]),
    "Sweden": (["Nordström", "Lindqvist", "Håkansson", "Sjöberg", "Ekström"],
               ["Retail", "Data", "Energi", "Skog", "Verkstad"], ["AB"]),
    "Finland": (["Virtanen", "Mäkinen", "Järvinen", "Heikkinen"], ["Data", "Metsä", "Logistiikka"],
                ["Oy"]),
    "Denmark": (["Jensen", "Søndergaard", "Kjær", "Madsen"], ["Foods", "Shipping", "Pharma"],
                ["A/S"]),
    "United Kingdom": (["Whitmore", "Ashford", "Kingsley", "Fairbairn", "Pemberton",
                        "Hargreaves"],
                       ["Holdings", "Insurance", "Foods", "Engineering", "Logistics", "Retail"],
                       ["Ltd", "plc", "Limited", "Ltd."]),
    "Ireland": (["O'Connell", "Byrne", "Fitzgerald"], ["Foods", "Software", "Medical"],
                ["Ltd", "Limited"]),
    "Italy": (["Rossi", "Bianchi", "Esposito", "Colombo", "Ricci"],
              ["Alimentari", "Meccanica", "Moda", "Logistica"], ["S.p.A.", "S.r.l.", "Srl"]),
    "Spain": (["García", "Fernández", "Martínez", "López"], ["Energía", "Logística", "Seguros"],
              ["S.L.", "S.A.", "SA"]),
}
EU_COUNTRY_WEIGHTS = {
    "Germany": 22, "Austria": 5, "Switzerland": 5, "France": 16, "Netherlands": 9,
    "Belgium": 4, "Sweden": 7, "Finland": 3, "Denmark": 4, "United Kingdom": 12,
    "Ireland": 3, "Italy": 6, "Spain": 4,
}
EU_INDUSTRY = {
    "Logistik": "Transportation & Logistics", "Logistiek": "Transportation & Logistics",
    "Logistics": "Transportation & Logistics", "Logistica": "Transportation & Logistics",
    "Logística": "Transportation & Logistics", "Logistiikka": "Transportation & Logistics",
    "Transports": "Transportation & Logistics", "Shipping": "Transportation & Logistics",
    "Pharma": "Life Sciences", "Santé": "Healthcare", "Zorg": "Healthcare",
    "Medical": "Healthcare", "Energie": "Energy & Utilities", "Énergie": "Energy & Utilities",
    "Energi": "Energy & Utilities", "Energía": "Energy & Utilities",
    "Finanz": "Financial Services", "Assurances": "Financial Services",
    "Insurance": "Financial Services", "Seguros": "Financial Services",
    "Software": "Software", "Data": "Software", "Conseil": "Professional Services",
    "Holdings": "Professional Services",
}
PD_REGION = {
    "Germany": "DACH", "Austria": "DACH", "Switzerland": "DACH", "France": "France",
    "Netherlands": "Benelux", "Belgium": "Benelux", "Sweden": "Nordics", "Finland": "Nordics",
    "Denmark": "Nordics", "United Kingdom": "UK & Ireland", "Ireland": "UK & Ireland",
    "Italy": "Southern Europe", "Spain": "Southern Europe",
}
SF_REGION = {
    "United States": "North America", "Canada": "North America", "Brazil": "LATAM",
    "Mexico": "LATAM", "Australia": "APAC", "Singapore": "APAC", "Japan": "APAC",
}

# Cross-CRM spellings named in the brief, planted as comebacks.
FIXED_ACCOUNTS = [
    # name, home CRM, other CRM, spelling there, segment, country, industry
    ("Acme Corp", SF, HS, "ACME Corporation", MM, "United States", "Manufacturing"),
    ("Globex, Inc.", HS, SF, "Globex Inc", MM, "United States", "Energy & Utilities"),
    ("Müller Logistik GmbH", PD, SF, "Muller Logistik", ENT, "Germany",
     "Transportation & Logistics"),
    ("Société Générale Énergie SA", PD, SF, "Societe Generale Energie", ENT, "France",
     "Energy & Utilities"),
]

# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

LOYAL, CHURNED, PROSPECT, COMEBACK, LATE_COMEBACK = (
    "loyal", "churned", "prospect", "comeback", "late_comeback")
ARCHETYPE_WEIGHTS = {
    #          loyal churned prospect comeback late
    SMB: ([LOYAL, CHURNED, PROSPECT, COMEBACK, LATE_COMEBACK], [18, 24, 36, 18, 4]),
    MM: ([LOYAL, CHURNED, PROSPECT, COMEBACK, LATE_COMEBACK], [13, 23, 42, 18, 4]),
    ENT: ([LOYAL, CHURNED, PROSPECT, COMEBACK, LATE_COMEBACK], [6, 20, 52, 18, 4]),
}
LOSS_CATEGORY_WEIGHTS = {
    "price": 27, "no_decision": 15, "product_fit": 15, "competitor": 13, "timing": 9,
    "relationship": 6, "other": 6, "unspecified": 9,
}
COMPETITOR_PRESENCE = {
    "price": 0.85, "competitor": 1.0, "product_fit": 0.7, "no_decision": 0.15, "timing": 0.3,
    "relationship": 0.55, "other": 0.4, "unspecified": 0.5,
}


@dataclass
class Account:
    name: str
    home: str
    segment: str
    country: str
    industry: str
    archetype: str = PROSPECT
    other_crm: str | None = None
    other_name: str | None = None
    switch_date: date | None = None  # deals from this date on go to other_crm
    owners: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return account_key(self.name)


@dataclass
class Deal:
    account: Account | None
    outcome: str  # won / lost / open
    close: date  # close date, or expected close date for open deals
    created: date = FIRST_CLOSE
    crm: str = SF
    account_name: str = ""
    amount_cents: int = 0
    category: str | None = None
    reason: str = ""
    notes: str = ""
    competitor: str = ""
    competitor_price: int | None = None  # whole currency units
    budget: int | None = None
    fit: int | None = None  # canonical 0–100
    product: str = PRODUCTS[0]
    deal_type: str = "New Business"
    owner: str = ""
    stage: str = ""
    lead_source: str = ""
    created_time: tuple[int, int, int] = (9, 0, 0)
    close_time: tuple[int, int, int] = (17, 0, 0)
    title_extra: str = ""

    @property
    def amount(self) -> float:
        return self.amount_cents / 100


def _normal(rng: random.Random, mean: float, sd: float) -> float:
    """Irwin–Hall approximation of a normal draw: libm-free, so portable bytes."""
    return mean + sd * (sum(rng.random() for _ in range(12)) - 6.0)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _day(d: date, offset: int) -> date:
    return d + timedelta(days=offset)


def _spread(rng: random.Random, n: int, low: date, high: date) -> list[date]:
    """n distinct dates in [low, high], sorted (fewer if the span is too short)."""
    span = (high - low).days + 1
    if span <= 0 or n <= 0:
        return []
    picks = rng.sample(range(span), min(n, span))
    return [_day(low, p) for p in sorted(picks)]


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


_SUFFIX_FAMILIES = [
    (r",? Inc\.?|,? Incorporated", [" Inc", " Inc.", ", Inc.", " Incorporated", ""]),
    (r",? Corp\.?| Corporation", [" Corp", " Corp.", " Corporation", ""]),
    (r" Co\.?| Company", [" Co.", " Co", " Company", ""]),
    (r",? Ltd\.?| Limited", [" Ltd", " Ltd.", " Limited", ""]),
    (r",? LLC", [" LLC", ", LLC", ""]),
    (r" GmbH", [" GmbH", ""]),
    (r" AG", [" AG", ""]),
    (r" SA", [" SA", ""]),
    (r" AB", [" AB", ""]),
    (r" Oy", [" Oy", ""]),
    (r" plc", [" plc", " PLC", ""]),
    (r" Srl", [" Srl", " SRL", ""]),
    (r" BV", [" BV", ""]),
]


def spelling_variant(rng: random.Random, name: str) -> str:
    """Another spelling of ``name`` with the same §5 key: how a second CRM's user types it."""
    options: list[str] = []
    for pattern, forms in _SUFFIX_FAMILIES:
        match = re.fullmatch(rf"(.*?)({pattern})", name)
        if match:
            options += [match[1] + form for form in forms]
    stripped = _strip_accents(name)
    options.append(stripped)
    options += [o.replace(" & ", " and ") for o in options if " & " in o]
    options += [o.replace("-", " ") for o in options if "-" in o]
    first, _, rest = name.partition(" ")
    if rest and len(first) <= 7:
        options.append(first.upper() + " " + rest)
    good = [o.strip() for o in options
            if o.strip() != name and account_key(o) == account_key(name)]
    if not good:  # typed all in lower case, as some people do
        good = [name.lower()] if name.lower() != name else []
    if not good:
        raise ValueError(f"no spelling variant for {name!r}")
    choice = rng.choice(sorted(set(good)))
    # Sometimes a second change on top (suffix dropped and accents lost, say).
    if rng.random() < 0.35 and _strip_accents(choice) != choice:
        choice = _strip_accents(choice)
    assert account_key(choice) == account_key(name) and choice != name
    return choice


# --------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------

def _us_name(rng: random.Random) -> tuple[str, str]:
    suffix = rng.choices(*US_SUFFIXES)[0]
    if rng.random() < 0.12:
        a, b = rng.sample(US_SURNAMES, 2)
        base, industry = f"{a} & {b}", rng.choice(["Professional Services", "Financial Services",
                                                    "Construction", "Consumer Goods"])
    else:
        second = rng.choice(US_SECOND)
        base, industry = f"{rng.choice(US_FIRST)} {second}", INDUSTRY_BY_WORD[second]
    sep = "" if suffix.startswith(",") else " "
    return f"{base}{sep}{suffix}", industry


def _eu_name(rng: random.Random, country: str) -> tuple[str, str]:
    names, words, suffixes = EU_NAMES[country]
    word = rng.choice(words)
    industry = EU_INDUSTRY.get(word) or rng.choice(["Manufacturing", "Wholesale", "Retail",
                                                    "Construction", "Consumer Goods"])
    person = rng.choice(names)
    if rng.random() < 0.15:
        other = rng.choice([n for n in names if n != person])
        base = f"{person} & {other}"
    else:
        base = f"{person} {word}"
    return f"{base} {rng.choice(suffixes)}", industry


def build_accounts(rng: random.Random) -> list[Account]:
    accounts: list[Account] = []
    keys: set[str] = set()

    def add(account: Account) -> bool:
        key = account.key
        if not key or key in keys:
            return False
        keys.add(key)
        accounts.append(account)
        return True

    for name, home, other, other_name, segment, country, industry in FIXED_ACCOUNTS:
        acct = Account(name, home, segment, country, industry, archetype=COMEBACK,
                       other_crm=other, other_name=other_name)
        assert account_key(other_name) == acct.key and other_name != name
        add(acct)

    plan = [(SF, 148, (SMB, MM, ENT), (22, 42, 36)),
            (HS, 88, (SMB, MM, ENT), (66, 30, 4)),
            (PD, 64, (SMB, MM, ENT), (36, 44, 20))]
    for crm, count, segments, weights in plan:
        made = sum(1 for a in accounts if a.home == crm)
        while made < count:
            segment = rng.choices(segments, weights)[0]
            if crm == PD:
                country = rng.choices(list(EU_COUNTRY_WEIGHTS), list(EU_COUNTRY_WEIGHTS.values()))[0]
                name, industry = _eu_name(rng, country)
            else:
                intl = rng.random() < (0.18 if crm == SF else 0.10)
                if intl:
                    pool = SF_INTL_COUNTRIES if crm == SF else HS_INTL_COUNTRIES
                    country = rng.choices(*pool)[0]
                    if country in EU_NAMES and rng.random() < 0.7:
                        name, industry = _eu_name(rng, country)
                    else:
                        name, industry = _us_name(rng)
                else:
                    country = rng.choices(*US_COUNTRIES)[0]
                    name, industry = _us_name(rng)
            archetype = rng.choices(*ARCHETYPE_WEIGHTS[segment])[0]
            if add(Account(name, crm, segment, country, industry, archetype=archetype)):
                made += 1

    for acct in accounts:
        for crm in (SF, HS, PD):
            acct.owners[crm] = rng.choice(OWNERS[crm])
        if acct.other_crm is None:
            comeback = acct.archetype in (COMEBACK, LATE_COMEBACK)
            share = 0.5 if comeback else 0.05 if acct.archetype in (PROSPECT, CHURNED) else 0
            if rng.random() < share:
                if acct.home in (PD, HS):
                    acct.other_crm = SF
                elif acct.country in PD_REGION:
                    acct.other_crm = PD
                elif acct.country in ("United States", "Canada"):
                    acct.other_crm = HS
                if acct.other_crm:
                    acct.other_name = spelling_variant(rng, acct.name)
    return accounts


# --------------------------------------------------------------------------
# Deals
# --------------------------------------------------------------------------

def _outcome_dates(rng: random.Random, acct: Account, scale: float) -> list[tuple[date, str]]:
    """The (close date, won/lost) sequence of one account, by its archetype."""

    def n(low: int, high: int, mode: float) -> int:
        return max(low, round(rng.triangular(low, high, mode) * scale))

    end = LAST_CLOSE
    # The span the account is active in: centred anywhere in the range, so that
    # together the accounts cover the three years evenly.
    half = rng.randint(200, 600)
    # A churned customer's wins come first: keep them off the range's first months.
    earliest = 300 if acct.archetype == CHURNED else 0
    centre = _day(FIRST_CLOSE, rng.randint(earliest, (end - FIRST_CLOSE).days))
    start, stop = max(FIRST_CLOSE, _day(centre, -half)), min(end, _day(centre, half))
    seq: list[tuple[date, str]] = []
    if acct.archetype == LOYAL:
        seq = [(d, "won") for d in _spread(rng, n(2, 12, 4), start, stop)]
    elif acct.archetype == CHURNED:
        wins, losses = n(1, 7, 2), n(1, 8, 2)
        dates = _spread(rng, wins + losses, start, stop)
        wins = min(wins, len(dates) - 1)
        seq = [(d, "won" if i < wins else "lost") for i, d in enumerate(dates)]
    elif acct.archetype == PROSPECT:
        seq = [(d, "lost") for d in _spread(rng, n(1, 16, 4), start, stop)]
    else:
        late = acct.archetype == LATE_COMEBACK
        if late:
            anchor = _day(FIRST_CLOSE, rng.randint(10, 250))
            gap = rng.randint(575, 1000)
        else:
            anchor = _day(FIRST_CLOSE, rng.randint(15, 760))
            gap = rng.randint(92, 545)
        gap = min(gap, (end - anchor).days - 3)
        back = _day(anchor, gap)
        pre_start = max(FIRST_CLOSE, _day(anchor, -600))
        pre = _spread(rng, rng.choice([0, 0, 0, 1, 1, 2]), pre_start, _day(anchor, -1))
        inter = _spread(rng, rng.choice([0, 1, 1, 2, 3]), _day(anchor, 1), _day(back, -1))
        post = _spread(rng, n(0, 8, 3), _day(back, 1), end)
        seq = ([(d, "won") for d in pre] + [(anchor, "lost")] + [(d, "lost") for d in inter]
               + [(back, "won")] + [(d, "won" if rng.random() < 0.55 else "lost") for d in post])
        acct.switch_date = back if acct.other_crm else None
    if acct.other_crm and acct.switch_date is None:
        # A prospect worked by two teams: later losses land in the other CRM.
        losses = [d for d, o in seq if o == "lost"]
        acct.switch_date = _day(losses[len(losses) // 2], 1) if len(losses) > 1 else None
        if acct.switch_date is None:
            acct.other_crm = acct.other_name = None
    return seq


def _amount_cents(rng: random.Random, segment: str, expansion: bool) -> int:
    low, high, mode = {SMB: (2500, 30000, 6000), MM: (12000, 95000, 26000),
                       ENT: (45000, 420000, 85000)}[segment]
    dollars = rng.triangular(low, high, mode) * (0.55 if expansion else 1.0)
    cents = round(dollars / 50) * 5000
    if rng.random() < 0.12:
        cents += rng.choice([50, 50, 25, 75])
    return cents


def _round100(value: float) -> int:
    return max(100, round(value / 100) * 100)


def _good_fit(rng: random.Random) -> int:
    return int(_clamp(round(_normal(rng, 76, 11)), 55, 98))


def _fill_price_loss(rng: random.Random, deal: Deal, crm: str) -> None:
    """Fit / competitor price / budget of a price-cited loss, planted by kind (§7)."""
    amount = deal.amount
    kind = rng.choices(["wrong_customer", "easy_reason", "genuine_price", "unknown"],
                       [26, 32, 32, 10])[0]
    has_prices = crm != PD  # Pipedrive records neither competitor price nor budget
    if kind == "wrong_customer":
        if not has_prices or rng.random() < 0.6:
            deal.fit = int(_clamp(round(_normal(rng, 34, 9)), 8, 46))
            if has_prices and deal.competitor and rng.random() < 0.6:
                deal.competitor_price = _round100(amount / (1 + _normal(rng, 0.12, 0.15)))
            if has_prices and rng.random() < 0.35:
                deal.budget = _round100(amount / rng.uniform(0.7, 1.4))
        else:
            deal.fit = _good_fit(rng) if rng.random() < 0.8 else None
            deal.budget = _round100(amount / rng.uniform(1.65, 3.2))
            if deal.competitor and rng.random() < 0.5:
                deal.competitor_price = _round100(amount / (1 + rng.uniform(0.0, 0.5)))
    elif kind in ("easy_reason", "genuine_price") and has_prices:
        deal.fit = _good_fit(rng)
        easy = kind == "easy_reason"
        if deal.competitor and rng.random() < 0.8:
            gap = rng.uniform(-0.22, 0.07) if easy else rng.uniform(0.15, 0.65)
            price = _round100(amount / (1 + gap))
            while easy and (amount - price) / price > 0.09:
                price += 100
            while not easy and (amount - price) / price < 0.12:
                price -= 100
            deal.competitor_price = price
            if rng.random() < 0.4:
                deal.budget = _round100(amount / rng.uniform(0.85, 1.4))
        else:
            ratio = rng.uniform(0.8, 1.07) if easy else rng.uniform(1.15, 1.45)
            deal.budget = _round100(amount / ratio)
    else:  # evidence missing
        if rng.random() < 0.6 or not has_prices:
            deal.fit = None if rng.random() < 0.55 else _good_fit(rng)
        else:
            deal.fit = _good_fit(rng)
        if deal.fit is None and has_prices and deal.competitor and rng.random() < 0.5:
            deal.competitor_price = _round100(amount / (1 + _normal(rng, 0.05, 0.2)))
        if deal.fit is None and has_prices and rng.random() < 0.3:
            deal.budget = _round100(amount / rng.uniform(0.8, 1.4))


def _fill_commercials(rng: random.Random, deal: Deal, crm: str, segment: str) -> None:
    """Amount, competitor, fit, prices and loss reason of one deal."""
    deal.amount_cents = _amount_cents(rng, segment, deal.deal_type != "New Business")
    amount = deal.amount
    has_prices = crm != PD
    fit_recorded = {SF: 0.85, HS: 0.8, PD: 0.72}[crm]
    if deal.outcome == "won":
        if rng.random() < 0.66:
            deal.competitor = rng.choices(COMP_NAMES, COMP_WON_WEIGHTS)[0]
        if rng.random() < fit_recorded:
            deal.fit = int(_clamp(round(_normal(rng, 73, 14)), 18, 99))
        if has_prices and deal.competitor and rng.random() < 0.55:
            deal.competitor_price = _round100(amount / (1 + _normal(rng, -0.03, 0.1)))
        if has_prices and rng.random() < 0.45:
            deal.budget = _round100(amount / rng.uniform(0.7, 1.12))
        return
    if deal.outcome == "open":
        if rng.random() < 0.5:
            deal.competitor = rng.choices(COMP_NAMES)[0]
        if rng.random() < fit_recorded * 0.8:
            deal.fit = int(_clamp(round(_normal(rng, 62, 18)), 5, 99))
        if has_prices and rng.random() < 0.3:
            deal.budget = _round100(amount / rng.uniform(0.7, 1.5))
        return
    # lost
    weights = dict(LOSS_CATEGORY_WEIGHTS)
    if segment == ENT:
        weights["no_decision"] += 5
    category = rng.choices(list(weights), list(weights.values()))[0]
    if rng.random() < COMPETITOR_PRESENCE[category]:
        deal.competitor = rng.choices(COMP_NAMES, COMP_LOST_WEIGHTS)[0]
    pool = list(REASONS.get(category, [""]))
    if crm == SF and category in SF_PICKLIST:
        pool += SF_PICKLIST[category] * 2
    if crm == PD:
        pool += PD_EXTRA.get(category, [])
    if "{comp}" in "".join(pool) and not deal.competitor:
        pool = [p for p in pool if "{comp}" not in p] or [""]
    reason = rng.choice(pool) if pool else ""
    if crm == HS and category in HS_MULTILINE and rng.random() < 0.04:
        reason = HS_MULTILINE[category]
    deal.reason = reason.replace("{comp}", deal.competitor)
    deal.category = categorise(deal.reason)
    assert deal.category == category, (deal.reason, category, deal.category)
    if crm == SF and rng.random() < 0.55:
        deal.notes = rng.choice(SF_NOTES.get(category, SF_NOTES["other"]))
    if category == "price":
        _fill_price_loss(rng, deal, crm)
        return
    mean = {"no_decision": 52, "product_fit": 50}.get(category, 58)
    if rng.random() < fit_recorded:
        deal.fit = int(_clamp(round(_normal(rng, mean, 18)), 5, 99))
    if has_prices and deal.competitor and rng.random() < 0.45:
        deal.competitor_price = _round100(amount / (1 + _normal(rng, 0.08, 0.2)))
    if has_prices and rng.random() < 0.35:
        deal.budget = _round100(amount / rng.uniform(0.6, 1.9))


def _cycle_days(rng: random.Random, outcome: str, segment: str) -> int:
    days = rng.triangular(20, 130, 45) if outcome == "won" else rng.triangular(30, 180, 95)
    if segment == ENT:
        days *= 1.3
    elif segment == SMB:
        days *= 0.8
    return int(_clamp(round(days), 20, 180))


def _clock(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59))


DEAL_SCALE = {SF: 1.6, HS: 1.0, PD: 1.3}


def build_deals(rng: random.Random, accounts: list[Account]) -> list[Deal]:
    deals: list[Deal] = []
    for acct in accounts:
        seq = _outcome_dates(rng, acct, DEAL_SCALE[acct.home])
        account_deals = [Deal(acct, outcome, close) for close, outcome in seq]
        open_count = rng.choices([0, 1, 2, 3, 4], [20, 30, 28, 14, 8])[0]
        for _ in range(open_count):
            created = _day(date(2025, 1, 15), rng.randint(0, 330))
            expected = _day(LAST_CLOSE, rng.randint(5, 170))
            deal = Deal(acct, "open", expected, created=created)
            account_deals.append(deal)
        account_deals.sort(key=lambda d: (d.close, d.outcome))
        won_before = False
        for deal in account_deals:
            if deal.outcome != "open":
                deal.created = _day(deal.close, -_cycle_days(rng, deal.outcome, acct.segment))
            on = deal.created if deal.outcome == "open" else deal.close
            if acct.other_crm and acct.switch_date and on >= acct.switch_date:
                deal.crm, deal.account_name = acct.other_crm, acct.other_name or acct.name
            else:
                deal.crm, deal.account_name = acct.home, acct.name
            if won_before:
                deal.deal_type = rng.choices(["Expansion", "Renewal", "New Business"],
                                             [55, 30, 15])[0]
            won_before = won_before or deal.outcome == "won"
            deal.product = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
            deal.owner = acct.owners[deal.crm] if rng.random() < 0.8 else rng.choice(
                OWNERS[deal.crm])
            _fill_commercials(rng, deal, deal.crm, acct.segment)
        deals += account_deals

    # HubSpot deals never associated with a company (inbound trials).
    for _ in range(9):
        outcome = rng.choices(["won", "lost", "open"], [35, 50, 15])[0]
        close = (_day(LAST_CLOSE, rng.randint(5, 120)) if outcome == "open"
                 else _day(FIRST_CLOSE, rng.randint(0, 1094)))
        deal = Deal(None, outcome, close, crm=HS)
        deal.created = (_day(date(2025, 6, 1), rng.randint(0, 190)) if outcome == "open"
                        else _day(close, -_cycle_days(rng, outcome, SMB)))
        deal.product = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
        deal.owner = rng.choice(OWNERS[HS])
        _fill_commercials(rng, deal, HS, SMB)
        deals.append(deal)

    for deal in deals:
        deal.created_time, deal.close_time = _clock(rng), _clock(rng)
        if deal.close_time[0] < 12:  # close logged after creation on same-day deals
            deal.close_time = (deal.close_time[0] + 6, *deal.close_time[1:])
        if deal.outcome == "open":
            pool = HS_OPEN_STAGES if deal.crm == HS else SF_OPEN_STAGES
            deal.stage = rng.choices(*pool)[0]
        if deal.crm == SF:
            deal.lead_source = rng.choices(*SF_LEAD_SOURCES)[0]
        elif deal.crm == HS:
            deal.lead_source = rng.choices(*HS_SOURCES)[0]
            if rng.random() < 0.12:
                deal.title_extra = f", {rng.choice([5, 10, 15, 25, 40, 50, 100])} seats"
        if deal.competitor and deal.crm == HS and rng.random() < 0.03:
            deal.competitor += " "  # a stray space the importer must trim
    return deals


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def _money_sf(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _money_plain(cents: int) -> str:
    whole, frac = divmod(cents, 100)
    if frac == 0:
        return str(whole)
    return f"{whole}.{frac:02d}".rstrip("0")


def _money_eu(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _date_sf(d: date) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def _stamp(d: date, clock: tuple[int, int, int], seconds: bool) -> str:
    moment = datetime(d.year, d.month, d.day, *clock)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits))


def _by_created(deals: list[Deal]) -> list[Deal]:
    return sorted(deals, key=lambda d: (d.created, d.created_time, d.account_name, d.close))


def _salesforce(rng: random.Random, deals: list[Deal]) -> bytes:
    counter = 2_800_000_000
    ids: dict[int, str] = {}
    for deal in _by_created(deals):
        counter += rng.randint(900, 60_000)
        ids[id(deal)] = "0065e0000" + _base62(counter, 6)
    rows = []
    for deal in sorted(deals, key=lambda d: (d.close, ids[id(d)])):
        acct = deal.account
        assert acct is not None
        stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(deal.outcome, deal.stage)
        region = SF_REGION.get(acct.country, "EMEA")
        rows.append([
            ids[id(deal)], f"{deal.account_name} - {deal.product} - {deal.deal_type}",
            deal.account_name, deal.owner, stage, _money_sf(deal.amount_cents),
            _date_sf(deal.close), _date_sf(deal.created), deal.reason, deal.notes,
            deal.competitor,
            _money_sf(deal.competitor_price * 100) if deal.competitor_price else "",
            _money_sf(deal.budget * 100) if deal.budget else "",
            "" if deal.fit is None else str(deal.fit),
            acct.segment, region, acct.industry, deal.product, deal.lead_source,
        ])
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(SF_HEADERS)
    writer.writerows(rows)
    out.write("\r\n")
    out.write(f'"Grand Totals ({len(rows):,} records)"\r\n')
    for line in SF_FOOTER:
        out.write(f'\r\n"{line}"\r\n')
    return out.getvalue().encode("utf-8")


def _hubspot(rng: random.Random, deals: list[Deal]) -> bytes:
    record = 5_103_000_000
    ids: dict[int, int] = {}
    for deal in _by_created(deals):
        record += rng.randint(40_000, 9_000_000)
        ids[id(deal)] = record
    rows = []
    for deal in sorted(deals, key=lambda d: -ids[id(d)]):  # newest first, as HubSpot lists
        acct = deal.account
        stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(deal.outcome, deal.stage)
        icp = "" if deal.fit is None else str(min(5, max(1, (deal.fit + 10) // 20)))
        company = deal.account_name if acct else ""
        title = f"{company or 'Inbound trial'} - {deal.product}{deal.title_extra}"
        rows.append([
            ids[id(deal)], title, company, deal.owner, stage, _money_plain(deal.amount_cents),
            _stamp(deal.close, deal.close_time, False),
            _stamp(deal.created, deal.created_time, False), deal.reason, deal.competitor,
            "" if deal.competitor_price is None else str(deal.competitor_price),
            "" if deal.budget is None else str(deal.budget), icp,
            acct.segment if acct else "", acct.country if acct else "",
            acct.industry if acct else "", deal.product, deal.lead_source,
        ])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HS_HEADERS)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _pipedrive(rng: random.Random, deals: list[Deal]) -> bytes:
    number = 1000
    rows = []
    for deal in _by_created(deals):
        number += rng.choice([1, 1, 1, 2, 3])
        acct = deal.account
        assert acct is not None
        # Pipedrive's default title is "<organization> deal"; reps often rename it.
        default_title = rng.random() < 0.3
        title = f"{deal.account_name} deal" if default_title else f"{deal.account_name} - {deal.product}"
        won = _stamp(deal.close, deal.close_time, True) if deal.outcome == "won" else ""
        lost = _stamp(deal.close, deal.close_time, True) if deal.outcome == "lost" else ""
        fit = "" if deal.fit is None else f"0.{int(_clamp(deal.fit, 5, 98)):02d}"
        rows.append([
            number, title, deal.account_name, deal.owner, deal.outcome,
            _money_eu(deal.amount_cents), "EUR", _stamp(deal.created, deal.created_time, True),
            won, lost, deal.reason, deal.competitor, fit, acct.segment,
            PD_REGION.get(acct.country, "Rest of Europe"), deal.product,
        ])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(PD_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def build(seed: int = DEFAULT_SEED) -> tuple[dict[str, bytes], list[Deal]]:
    """The three files' bytes (by CRM) and the deals behind them."""
    rng = random.Random(seed)
    accounts = build_accounts(rng)
    deals = build_deals(rng, accounts)
    # Pipedrive fits are written with two decimals in 0.05–0.98: keep the canonical
    # value equal to what Debrief will read back.
    for deal in deals:
        if deal.crm == PD and deal.fit is not None:
            deal.fit = int(_clamp(deal.fit, 5, 98))
        if deal.crm == HS and deal.fit is not None:
            deal.fit = 20 * min(5, max(1, (deal.fit + 10) // 20))
    by_crm: dict[str, list[Deal]] = defaultdict(list)
    for deal in deals:
        by_crm[deal.crm].append(deal)
    files = {
        SF: _salesforce(random.Random(seed * 1000 + 1), by_crm[SF]),
        HS: _hubspot(random.Random(seed * 1000 + 2), by_crm[HS]),
        PD: _pipedrive(random.Random(seed * 1000 + 3), by_crm[PD]),
    }
    return files, deals


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the three exports into ``out_dir``; returns their paths (Salesforce,
    HubSpot, Pipedrive)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files, _ = build(seed)
    paths = []
    for crm in (SF, HS, PD):
        path = out_dir / FILE_NAMES[crm]
        path.write_bytes(files[crm])
        paths.append(path)
    return paths


# --------------------------------------------------------------------------
# Summary of what was planted (printed by the command line)
# --------------------------------------------------------------------------

def summarise(deals: list[Deal]) -> list[str]:
    lines = []
    closed = [d for d in deals if d.outcome != "open"]
    won = [d for d in closed if d.outcome == "won"]
    lost = [d for d in closed if d.outcome == "lost"]
    per_crm = Counter(d.crm for d in deals)
    lines.append("deals: " + ", ".join(f"{crm} {per_crm[crm]}" for crm in (SF, HS, PD))
                 + f"; total {len(deals)}, won {len(won)}, lost {len(lost)}, "
                 f"open {len(deals) - len(closed)}")
    lines.append(f"win rate {len(won) / len(closed):.1%}")
    for segment in (SMB, MM, ENT):
        seg = [d for d in closed if (d.account.segment if d.account else SMB) == segment]
        wins = sum(d.outcome == "won" for d in seg)
        lines.append(f"  {segment}: {wins}/{len(seg)} = {wins / len(seg):.1%}")
    for name in [*COMP_NAMES, ""]:
        group = [d for d in closed if d.competitor.strip() == name]
        wins = sum(d.outcome == "won" for d in group)
        lines.append(f"  vs {name or '(none)'}: {wins}/{len(group)} = {wins / len(group):.1%}")
    cats = Counter(d.category for d in lost)
    lines.append("loss reasons: " + ", ".join(f"{c} {n} ({n / len(lost):.0%})"
                                              for c, n in cats.most_common()))
    classes = Counter(price_class(d.amount, d.competitor_price, d.budget, d.fit)
                      for d in lost if d.category == "price")
    lines.append("price classes: " + ", ".join(f"{c} {n}" for c, n in classes.most_common()))
    fits = [d.fit for d in won if d.fit is not None]
    lost_fits = [d.fit for d in lost if d.fit is not None]
    lines.append(f"mean fit won {sum(fits) / len(fits):.0f}, lost "
                 f"{sum(lost_fits) / len(lost_fits):.0f}")
    by_key: dict[str, list[Deal]] = defaultdict(list)
    for d in closed:
        if d.account_name:
            by_key[account_key(d.account_name)].append(d)
    lost_accounts = came_back = cross = within = 0
    for group in by_key.values():
        losses = [d for d in group if d.outcome == "lost"]
        if not losses:
            continue
        lost_accounts += 1
        anchor = min(losses, key=lambda d: d.close)
        later = [d for d in group if d.outcome == "won" and d.close > anchor.close]
        if later:
            back = min(later, key=lambda d: d.close)
            came_back += 1
            within += 90 <= (back.close - anchor.close).days <= 548
            cross += back.crm != anchor.crm and back.account_name != anchor.account_name
    as_of = max(d.close for d in closed)
    eligible = back_in_year = 0
    for group in by_key.values():
        losses = [d.close for d in group if d.outcome == "lost"]
        if not losses or (as_of - min(losses)).days < 365:
            continue
        eligible += 1
        wins = [d.close for d in group if d.outcome == "won" and d.close > min(losses)]
        back_in_year += bool(wins) and (min(wins) - min(losses)).days <= 365
    lines.append(f"comeback rate (365 days, as of {as_of}): {back_in_year}/{eligible} = "
                 f"{back_in_year / eligible:.1%}")
    lines.append(f"accounts {len(by_key)}; lost accounts {lost_accounts}; came back "
                 f"{came_back} ({came_back / lost_accounts:.0%}), within 3-18 months "
                 f"{within}, across CRMs with another spelling {cross}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    paths = generate(args.out, args.seed)
    _, deals = build(args.seed)
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    print("\n".join(summarise(deals)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
