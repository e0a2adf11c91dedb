"""Filters shared by every metric and page, composed into ``(sql, params)``.

Values are always bound parameters; column names only ever come from
:data:`DIMENSIONS`, an allow-list.

>>> f = Filters(start=date(2024, 1, 1), segment=("SMB",))
>>> f.where("o")
('o.close_date >= ? AND o.segment IN (?)', [datetime.date(2024, 1, 1), 'SMB'])
>>> Filters().where()
('TRUE', [])
>>> Filters(region=("EMEA", BLANK_LABEL)).where()
("(region IN (?) OR coalesce(trim(region), '') = '')", ['EMEA'])
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

from analytics.errors import InvalidSettingError

#: Text columns a user may filter or group by. The only identifiers that ever
#: reach SQL from a caller.
DIMENSIONS: tuple[str, ...] = (
    "segment",
    "region",
    "owner",
    "product",
    "competitor",
    "lead_source",
    "industry",
)

#: Stand-in label for a blank dimension value when grouping.
BLANK_LABEL = "(none)"


def dimension(name: str) -> str:
    """Return ``name`` if it is an allowed dimension column, else raise."""
    if name not in DIMENSIONS:
        raise InvalidSettingError(
            f"Unknown dimension {name!r}; choose one of: {', '.join(DIMENSIONS)}."
        )
    return name


def qualified(alias: str, column: str) -> str:
    """``alias.column`` (or the bare column), for columns from the allow-list or fixed SQL."""
    if alias and not alias.isidentifier():
        raise InvalidSettingError(f"Bad table alias {alias!r}.")
    return f"{alias}.{column}" if alias else column


@dataclass(frozen=True)
class Filters:
    """A filter set: a close-date window plus any number of dimension values.

    ``start`` and ``end`` are inclusive and apply to ``close_date`` (open deals
    have none, so a date window leaves them out). A dimension tuple that is
    empty means "all"; several values mean "any of them".
    """

    start: date | None = None
    end: date | None = None
    segment: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    competitor: tuple[str, ...] = ()
    lead_source: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    #: The one currency amount measures add up (None: the amounts as stored, for data in one
    #: currency; :data:`BLANK_LABEL`: the amounts with no currency stated). Never a row
    #: filter: counts and count-based rates stay over every deal.
    currency: str | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InvalidSettingError(
                f"The date range starts ({self.start}) after it ends ({self.end}); swap them."
            )
        for name in DIMENSIONS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
        if self.currency is not None and not str(self.currency).strip():
            object.__setattr__(self, "currency", None)

    def where(self, alias: str = "") -> tuple[str, list[object]]:
        """The filter as a SQL boolean expression with its bound parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.start is not None:
            parts.append(f"{qualified(alias, 'close_date')} >= ?")
            params.append(self.start)
        if self.end is not None:
            parts.append(f"{qualified(alias, 'close_date')} <= ?")
            params.append(self.end)
        for name in DIMENSIONS:
            values = getattr(self, name)
            if not values:
                continue
            column = qualified(alias, name)
            named = [v for v in values if v != BLANK_LABEL]
            tests = []
            if named:
                tests.append(f"{column} IN ({', '.join('?' for _ in named)})")
                params.extend(named)
            if len(named) < len(values):  # BLANK_LABEL picks the deals with no value
                tests.append(f"coalesce(trim({column}), '') = ''")
            parts.append(tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")")
        return (" AND ".join(parts) or "TRUE"), params

    def source(self, alias: str = "o") -> tuple[str, list[object]]:
        """The deals relation under ``alias`` for queries that sum amounts, with its parameters.

        With a :attr:`currency`, every deal is still there (counts do not change) but the
        ``amount`` of a deal in another currency (or none) reads as NULL, so no sum ever adds
        two currencies; without one it is the table itself.

        >>> Filters().source()
        ('opportunities o', [])
        >>> Filters(currency="EUR").source("w")[1]
        ['EUR']
        """
        if not alias.isidentifier():
            raise InvalidSettingError(f"Bad table alias {alias!r}.")
        if self.currency is None:
            return f"opportunities {alias}", []
        if self.currency == BLANK_LABEL:  # the deals whose export stated no currency
            test, params = "coalesce(trim(currency), '') = ''", []
        else:
            test, params = "currency = ?", [self.currency]
        return (f"(SELECT * REPLACE (CASE WHEN {test} THEN amount END AS amount)"
                f" FROM opportunities) {alias}"), params

    def with_dates(self, start: date | None, end: date | None) -> Filters:
        """The same filter over another close-date window (e.g. the previous period)."""
        return replace(self, start=start, end=end)

    def is_empty(self) -> bool:
        """True when no deal is filtered out (the :attr:`currency` choice filters no deal)."""
        return all(not getattr(self, f.name) for f in fields(self) if f.name != "currency")
