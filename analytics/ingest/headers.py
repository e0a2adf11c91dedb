"""Recognising an export's column headers (METRICS.md §1).

Headers are compared case-, space- and punctuation-insensitively after
Pipedrive's ``Deal - `` prefix is dropped; the table entries are normalised the
same way, so ``Deal - Won time`` is matched as ``Won time``.

>>> normalise_header("Deal - Lost reason"), normalise_header("  Close_Date ")
('lostreason', 'closedate')
>>> recognise("Opportunity Owner"), recognise("Deal - Competitor"), recognise("Shoe size")
('owner', 'competitor', None)
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics.errors import MappingError
from analytics.ingest.limits import SHOWN_CHARS, clip, shown_columns

_PREFIX = re.compile(r"^\s*deal\s*-\s*", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)

#: Field → the headers that mean it, most specific first. When several columns of
#: one file map to the same field, the one whose header comes first here is used
#: and the others are kept as unmapped columns.
HEADER_TABLE: dict[str, tuple[str, ...]] = {
    "opportunity_id": ("Opportunity ID", "Record ID", "Deal ID", "Deal - ID", "Id"),
    # Not HubSpot's "Associated Company IDs": it can hold several ids, and a name key is
    # what lets the same customer be followed across CRMs (§5); it is kept unmapped.
    "account_id": ("Account ID", "Company ID", "Organization ID"),
    "account_name": ("Account Name", "Account", "Associated Company", "Company", "Company name",
                     "Organization", "Deal - Organization", "Organization name",
                     "Associated Company (Primary)"),
    "opportunity_name": ("Opportunity Name", "Deal Name", "Deal - Title", "Title", "Name"),
    "owner": ("Opportunity Owner", "Owner", "Deal owner", "Deal - Owner", "Sales Rep", "Rep"),
    "stage": ("Stage", "Deal Stage", "Deal - Status", "Status", "Outcome", "Result"),
    "loss_stage": ("Stage Before Lost", "Lost At Stage", "Stage At Loss", "Last Stage",
                   "Previous Stage"),
    "amount": ("Amount", "Deal Value", "Value", "Deal - Value", "Amount (converted)",
               "Opportunity Amount"),
    "currency": ("Currency", "Opportunity Currency", "Deal - Currency", "Currency code",
                 "Amount Currency", "Currency ISO Code"),
    "close_date": ("Close Date", "Closed Date", "Deal - Won time", "Deal - Lost time", "Close date"),
    "created_date": ("Created Date", "Create Date", "Deal - Deal created", "Created", "Date created"),
    "loss_reason_raw": ("Loss Reason", "Closed Lost Reason", "Lost Reason", "Deal - Lost reason",
                        "Reason Lost"),
    "loss_notes": ("Loss Notes", "Closed Lost Notes", "Close Notes", "Notes",
                   "Deal - Lost reason notes"),
    "competitor": ("Competitor", "Primary Competitor", "Main Competitor", "Lost To",
                   "Lost to Competitor"),
    "competitor_price": ("Competitor Price", "Competitor Quote", "Competing Price"),
    "budget": ("Budget", "Customer Budget", "Stated Budget"),
    "fit_score": ("Fit Score", "ICP Score", "ICP Fit", "Fit", "Requirements Met %",
                  "Requirements Met"),
    "segment": ("Segment", "Customer Segment", "Market Segment", "Company Size"),
    "region": ("Region", "Territory", "Sales Region", "Country"),
    "industry": ("Industry", "Vertical"),
    "product": ("Product", "Product Line", "Product Family", "Supplies Group"),
    "lead_source": ("Lead Source", "Source", "Original Source", "Deal source"),
}

#: Every field a column can be mapped to (``--map HEADER=field``).
FIELDS: tuple[str, ...] = tuple(HEADER_TABLE)
#: Map a column to this to keep it only as an unmapped column.
IGNORE = "ignore"

#: Close-date headers that hold the date only for won, or only for lost deals.
WON_TIME, LOST_TIME = "wontime", "losttime"


def normalise_header(header: str) -> str:
    """Drop a ``Deal - `` prefix, then everything but letters and digits, lower-cased."""
    return _NON_ALNUM.sub("", _PREFIX.sub("", header or "")).lower()


_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _headers in HEADER_TABLE.items():
    for _rank, _header in enumerate(_headers):
        _LOOKUP.setdefault(normalise_header(_header), (_field, _rank))


def recognise(header: str) -> str | None:
    """The canonical field a header means, or None."""
    hit = _LOOKUP.get(normalise_header(header))
    return hit[0] if hit else None


@dataclass
class ColumnMap:
    """Which column index feeds which field, for one file.

    ``fields`` maps a field to its column index; ``close_columns`` lists every
    column that carries a close date (Pipedrive splits it into won / lost time);
    ``stage_candidates`` every column recognised as a stage/status; ``extras``
    the columns kept as unmapped, by index → header.
    """

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    close_columns: list[int] = field(default_factory=list)
    stage_candidates: list[int] = field(default_factory=list)
    extras: dict[int, str] = field(default_factory=dict)
    user_mapped: dict[str, str] = field(default_factory=dict)
    # How many kept columns hold each label, and per base name the count its next
    # "base (n)" starts from: they make keep() linear. Built from ``extras`` and kept
    # in step by keep(), the only writer of ``extras``.
    _taken: Counter[str] = field(init=False, repr=False, compare=False)
    _next_count: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._taken = Counter(self.extras.values())
        self._next_count = {}

    def keep(self, index: int, name: str | None = None) -> None:
        """Keep column ``index`` as an unmapped column, under a name no other kept column
        has (a repeated header becomes ``Tag (2)``, a blank one ``column 5``).

        >>> cmap = ColumnMap(headers=["Tag", "Tag", "", "Tag"])
        >>> for index in range(4):
        ...     cmap.keep(index)
        >>> cmap.extras
        {0: 'Tag', 1: 'Tag (2)', 2: 'column 3', 3: 'Tag (3)'}
        """
        base = (name if name is not None else self.headers[index]).strip() or f"column {index + 1}"
        previous = self.extras.get(index)
        if previous is not None:  # its own label is free again, so may be every hint
            self._taken[previous] -= 1
            if not self._taken[previous]:
                del self._taken[previous]
            self._next_count.clear()
        count = self._next_count.get(base, 1)
        label = base if count == 1 else f"{base} ({count})"
        while label in self._taken:
            count += 1
            label = f"{base} ({count})"
        self._next_count[base] = count
        self.extras[index] = label
        self._taken[label] += 1

    def copy(self) -> ColumnMap:
        """A copy whose lists and dicts are its own: changing it leaves this map as it is."""
        return ColumnMap(headers=list(self.headers), fields=dict(self.fields),
                         close_columns=list(self.close_columns),
                         stage_candidates=list(self.stage_candidates), extras=dict(self.extras),
                         user_mapped=dict(self.user_mapped))

    def header_of(self, name: str) -> str | None:
        index = self.fields.get(name)
        return self.headers[index] if index is not None else None

    def describe(self) -> dict[str, str | list[str]]:
        """Field → header(s) used, as stored with the import."""
        out: dict[str, str | list[str]] = {f: self.headers[i] for f, i in self.fields.items()}
        if len(self.close_columns) > 1:
            out["close_date"] = [self.headers[i] for i in self.close_columns]
        return out


def parse_user_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["close_value=amount", ...]`` → ``{"close_value": "amount"}``, validated."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        header, target = header.strip(), target.strip().lower()
        shown = repr(clip(pair, SHOWN_CHARS))
        if not sep or not header:
            raise MappingError(f"--map {shown} should look like HEADER=field, e.g. close_value=amount.")
        if target not in FIELDS and target != IGNORE:
            close = difflib.get_close_matches(target, FIELDS, n=1)
            raise MappingError(
                f"--map {shown}: unknown field {clip(target, SHOWN_CHARS)!r}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; {IGNORE!r} keeps the column unmapped; the fields are: {', '.join(FIELDS)}."
            )
        mapping[header] = target
    return mapping


def build_column_map(headers: Sequence[str], user_mapping: Mapping[str, str] | None = None,
                     *, file_name: str = "") -> ColumnMap:
    """Map one file's headers to fields: the user's mapping first, then the table.

    A user mapping names a header exactly or as the table would normalise it.
    """
    cmap = ColumnMap(headers=list(headers))
    by_norm: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_norm.setdefault(normalise_header(header), index)
    forced: dict[int, str] = {}
    for header, target in (user_mapping or {}).items():
        index = headers.index(header) if header in headers else by_norm.get(normalise_header(header))
        if index is None:
            raise MappingError(
                f"{clip(file_name, 60) or 'The file'} has no column {clip(header, SHOWN_CHARS)!r} "
                f"to map; its columns are: {shown_columns(headers)}."
            )
        forced[index] = target
        cmap.user_mapped[headers[index]] = target

    ranked: dict[str, list[tuple[int, int]]] = {}
    for index, header in enumerate(headers):
        if index in forced:
            target = forced[index]
            if target == IGNORE:
                cmap.keep(index)
                continue
            ranked.setdefault(target, []).append((-1, index))  # user choice outranks the table
            continue
        hit = _LOOKUP.get(normalise_header(header))
        if hit is None:
            cmap.keep(index)
            continue
        ranked.setdefault(hit[0], []).append((hit[1], index))

    for name, candidates in ranked.items():
        candidates.sort()
        if name == "close_date":
            cmap.close_columns = [i for _, i in candidates]
            cmap.fields[name] = candidates[0][1]
            continue
        if name == "stage":
            cmap.stage_candidates = [i for _, i in candidates]
        cmap.fields[name] = candidates[0][1]
        for _, index in candidates[1:]:
            if name != "stage":
                cmap.keep(index)
    return cmap
