"""Price vs fit (METRICS.md §7): was "price" really the reason we lost?

``price_gap`` is how far our amount sat above the alternative, as a signed
fraction: against the competitor's price when it is above 0, else against the
customer's budget when that is above 0, else unknown. A negative gap means we
were the cheaper option.

Every lost deal whose category is ``price`` gets one class, tested in this order
(defaults: fit threshold 50, tolerance 0.10, bracket factor 1.5):

1. ``wrong_customer``: fit < 50, or budget > 0 and amount > 1.5 × budget;
2. ``easy_reason``: fit ≥ 50 and gap ≤ 0.10;
3. ``genuine_price``: fit ≥ 50 and gap > 0.10;
4. ``unknown``: anything else.

A missing value makes only the comparisons that use it false (SQL's NULL logic
does exactly that inside ``CASE``): no fit score but amount 200 on a budget of
100 is ``wrong_customer``; no fit score and no such budget is ``unknown``; fit
80 with no usable price or budget is ``unknown``.

Classes are decided on the unrounded gap computed from the stored (DOUBLE)
values. ``(110 − 100) / 100`` is exactly ``0.1`` and so ``easy_reason``;
``(1.1 − 1.0) / 1.0`` is ``0.10000000000000009`` in binary floating point and
so ``genuine_price``. Rounding is for display only.

>>> from analytics.store import connect
>>> con = connect(":memory:")
>>> cur = con.cursor()
>>> _ = cur.execute('''INSERT INTO opportunities
...     (opportunity_id, outcome, loss_reason, amount, competitor_price, budget, fit_score, import_id)
...     VALUES ('a', 'lost', 'price', 110, 100, NULL, 80, 1),   -- gap 0.10 exactly -> easy_reason
...            ('b', 'lost', 'price', 150, NULL, 100, 80, 1),   -- gap 0.50, 150 = 1.5 x 100 -> genuine
...            ('c', 'lost', 'price', 200, NULL, 100, NULL, 1), -- 200 > 1.5 x 100 -> wrong_customer
...            ('d', 'lost', 'price', 90, 100, NULL, NULL, 1)   -- no fit, no big budget -> unknown
... ''')
>>> class_counts(cur, Filters(), PriceFitSettings())
{'wrong_customer': 1, 'easy_reason': 1, 'genuine_price': 1, 'unknown': 1, 'mismatch_rate': 0.6666666666666666}
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise

import duckdb
import pandas as pd

from analytics.errors import InvalidSettingError
from analytics.filters import Filters, qualified
from analytics.metrics.computed_once import computed_once, table_for
from analytics.metrics.rates import add_rate_columns
from analytics.sql import CLOSED, outcome_is, row_limit, won_lost_counts

#: The classes of a price loss, in the order they are tested.
PRICE_CLASSES: tuple[str, ...] = ("wrong_customer", "easy_reason", "genuine_price", "unknown")
#: The classes that count as a price-vs-fit mismatch.
MISMATCH_CLASSES: tuple[str, ...] = ("wrong_customer", "easy_reason")
#: Band of a deal with no fit score / no price gap in the matrix.
UNKNOWN_BAND = "unknown"
#: Matrix band labels with the default settings, in display order (see :func:`fit_bands`).
FIT_BANDS: tuple[str, ...] = ("<50", "50–74", "≥75", UNKNOWN_BAND)
#: Matrix band labels with the default settings, in display order (see :func:`gap_bands`).
GAP_BANDS: tuple[str, ...] = ("≤0", "0–10%", "10–25%", ">25%", UNKNOWN_BAND)


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidSettingError(f"{name} must be a number, not {value!r}.")
    return float(value)


@dataclass(frozen=True)
class PriceFitSettings:
    """The thresholds of §7, all user settings.

    ``fit_threshold`` (0–100): a fit score below it is the wrong customer.
    ``tolerance`` (≥ 0, a fraction): a gap at or below it is "within reach".
    ``bracket_factor`` (> 0): an amount above this multiple of the budget is out
    of the customer's price bracket.
    ``strong_fit`` (0–100) and ``wide_gap`` (≥ 0) are only the matrix's upper
    band cuts (``≥75`` and ``>25%`` by default); they classify nothing.
    """

    fit_threshold: float = 50
    tolerance: float = 0.10
    bracket_factor: float = 1.5
    strong_fit: float = 75
    wide_gap: float = 0.25

    def __post_init__(self) -> None:
        fit = _finite("The fit threshold", self.fit_threshold)
        if not 0 <= fit <= 100:
            raise InvalidSettingError(
                f"The fit threshold must be between 0 and 100, not {self.fit_threshold}."
            )
        if _finite("The price tolerance", self.tolerance) < 0:
            raise InvalidSettingError(
                f"The price tolerance must be 0 or more (0.10 means 10%), not {self.tolerance}."
            )
        if _finite("The bracket factor", self.bracket_factor) <= 0:
            raise InvalidSettingError(
                f"The bracket factor must be above 0 (1.5 means 150% of budget), "
                f"not {self.bracket_factor}."
            )
        if not 0 <= _finite("The strong-fit cut", self.strong_fit) <= 100:
            raise InvalidSettingError(
                f"The strong-fit cut must be between 0 and 100, not {self.strong_fit}."
            )
        if _finite("The wide-gap cut", self.wide_gap) < 0:
            raise InvalidSettingError(
                f"The wide-gap cut must be 0 or more (0.25 means 25%), not {self.wide_gap}."
            )


# --------------------------------------------------------------------------- SQL pieces


#: What a price gap is measured against, in order of preference: the first one above 0.
GAP_BASES: tuple[str, ...] = ("competitor_price", "budget")


def _by_basis(alias: str, then: Callable[[str, str], str]) -> str:
    """``CASE`` arms ``WHEN basis > 0 THEN then(name, basis)``, one per :data:`GAP_BASES`, in order."""
    arms = []
    for name in GAP_BASES:
        basis = qualified(alias, name)
        arms.append(f"WHEN {basis} > 0 THEN {then(name, basis)}")
    return " ".join(arms)


def price_gap_sql(alias: str = "") -> str:
    """``price_gap`` of §7 as a SQL expression (no parameters).

    ``(amount − competitor_price) / competitor_price`` when competitor_price > 0,
    else ``(amount − budget) / budget`` when budget > 0, else NULL. A NULL amount
    gives a NULL gap. E.g. amount 90 vs competitor 100 → −0.10 (we were cheaper);
    competitor price 0 and budget 80 → (90 − 80) / 80 = 0.125.
    """
    amount = qualified(alias, "amount")
    return f"CASE {_by_basis(alias, lambda _name, basis: f'({amount} - {basis}) / {basis}')} END"


def gap_basis_sql(alias: str = "") -> str:
    """Which value the gap was measured against: 'competitor_price', 'budget' or NULL."""
    amount = qualified(alias, "amount")
    arms = _by_basis(alias, lambda name, _basis: f"'{name}'")
    return f"CASE WHEN {amount} IS NULL THEN NULL {arms} END"


def price_class_sql(alias: str, settings: PriceFitSettings) -> tuple[str, list[object]]:
    """The §7 class of a row as a SQL ``CASE`` with its bound thresholds.

    Tested in order: ``fit < T OR (budget > 0 AND amount > F × budget)`` →
    wrong_customer; ``fit ≥ T AND gap ≤ tol`` → easy_reason; ``fit ≥ T AND gap >
    tol`` → genuine_price; else unknown. A NULL inside a comparison makes it
    not true, so e.g. fit NULL with amount 151 on budget 100 is still
    wrong_customer, and an amount of exactly 1.5 × budget is not.
    """
    fit = qualified(alias, "fit_score")
    amount = qualified(alias, "amount")
    budget = qualified(alias, "budget")
    gap = f"({price_gap_sql(alias)})"
    sql = (
        "CASE"
        f" WHEN {fit} < CAST(? AS DOUBLE)"
        f" OR ({budget} > 0 AND {amount} > CAST(? AS DOUBLE) * {budget})"
        " THEN 'wrong_customer'"
        f" WHEN {fit} >= CAST(? AS DOUBLE) AND {gap} <= CAST(? AS DOUBLE) THEN 'easy_reason'"
        f" WHEN {fit} >= CAST(? AS DOUBLE) AND {gap} > CAST(? AS DOUBLE) THEN 'genuine_price'"
        " ELSE 'unknown' END"
    )
    t, tol = float(settings.fit_threshold), float(settings.tolerance)
    return sql, [t, float(settings.bracket_factor), t, tol, t, tol]


#: A lost deal whose category is price, over alias ``o``.
_PRICE_LOSS = f"{outcome_is('lost')} AND o.loss_reason = 'price'"


def _price_losses_sql(filters: Filters, settings: PriceFitSettings) -> tuple[str, list[object]]:
    """A query of the price losses passing ``filters``, with gap, basis and class (read from the
    table of :func:`shared_losses` inside one)."""
    shared = table_for(("price_losses", filters, settings))
    if shared is not None:
        return f"SELECT * FROM {shared}", []
    where, where_params = filters.where("o")
    class_sql, class_params = price_class_sql("o", settings)
    sql = f"""
        SELECT o.opportunity_id, o.account_name, o.opportunity_name, o.owner, o.close_date,
               o.amount, o.competitor, o.competitor_price, o.budget, o.fit_score,
               {price_gap_sql("o")} AS price_gap,
               {gap_basis_sql("o")} AS gap_basis,
               {class_sql} AS price_class
        FROM opportunities o
        WHERE {_PRICE_LOSS} AND ({where})
    """
    return sql, class_params + where_params


@contextmanager
def shared_losses(cursor: duckdb.DuckDBPyConnection, filters: Filters, settings: PriceFitSettings,
                  ) -> Iterator[None]:
    """The classified price losses computed once for the block (:mod:`.computed_once`): the
    counts and lists of this module called with ``cursor``, ``filters`` and ``settings`` read them."""
    sql, params = _price_losses_sql(filters, settings)
    with computed_once(cursor, ("price_losses", filters, settings), sql, params):
        yield


# --------------------------------------------------------------------------- metrics


def class_counts(
    cur: duckdb.DuckDBPyConnection, filters: Filters, settings: PriceFitSettings
) -> dict[str, int | float | None]:
    """The §9 ``price_fit`` object: the count of price losses in each class and the
    ``mismatch_rate`` = (wrong_customer + easy_reason) / (price losses not unknown),
    None when that denominator is 0. E.g. 1 wrong, 1 easy, 1 genuine, 4 unknown →
    2 / 3.
    """
    sql, params = _price_losses_sql(filters, settings)
    counts = ", ".join("count(*) FILTER (WHERE price_class = ?)" for _ in PRICE_CLASSES)
    row = cur.execute(f"SELECT {counts} FROM ({sql}) p", [*PRICE_CLASSES, *params]).fetchone()
    result: dict[str, int | float | None] = {
        name: int(n) for name, n in zip(PRICE_CLASSES, row or (0,) * len(PRICE_CLASSES), strict=True)
    }
    known = sum(int(result[name] or 0) for name in PRICE_CLASSES if name != "unknown")
    mismatches = sum(int(result[name] or 0) for name in MISMATCH_CLASSES)
    result["mismatch_rate"] = mismatches / known if known else None
    return result


def price_losses(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    settings: PriceFitSettings,
    *,
    price_class: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The price losses (optionally of one class) for the scatter and the deal lists.

    Columns: opportunity_id, account_name, opportunity_name, owner, close_date,
    amount, competitor, competitor_price, budget, fit_score, price_gap (unrounded),
    gap_basis ('competitor_price' | 'budget' | None), price_class. Newest close
    first, at most ``limit`` rows.
    """
    if price_class is not None and price_class not in PRICE_CLASSES:
        raise InvalidSettingError(
            f"Unknown price class {price_class!r}; choose one of: {', '.join(PRICE_CLASSES)}."
        )
    limit = row_limit(limit)
    sql, params = _price_losses_sql(filters, settings)
    where = "TRUE"
    if price_class is not None:
        where = "price_class = ?"
        params = [*params, price_class]
    return cur.execute(
        f"SELECT * FROM ({sql}) p WHERE {where}"
        " ORDER BY close_date DESC NULLS LAST, opportunity_id LIMIT ?",
        [*params, limit],
    ).df()


def _num(x: float) -> str:
    return f"{round(x, 6):g}"


def _fit_cuts(settings: PriceFitSettings) -> list[tuple[str, float | None]]:
    """(label, upper bound exclusive) for each known fit band; None = no upper bound."""
    t, s = float(settings.fit_threshold), float(settings.strong_fit)
    if s <= t:  # no middle band: just below / at or above the threshold
        return [(f"<{_num(t)}", t), (f"≥{_num(t)}", None)]
    top = _num(s - 1) if s.is_integer() and t <= s - 1 else _num(s)
    return [(f"<{_num(t)}", t), (f"{_num(t)}–{top}", s), (f"≥{_num(s)}", None)]


def _gap_cuts(settings: PriceFitSettings) -> list[tuple[str, float | None]]:
    """(label, upper bound inclusive) for each known gap band; None = no upper bound."""
    cuts = [0.0]
    for cut in (float(settings.tolerance), float(settings.wide_gap)):
        if cut > cuts[-1]:
            cuts.append(cut)
    bands: list[tuple[str, float | None]] = [("≤0", 0.0)]
    for low, high in pairwise(cuts):
        bands.append((f"{_num(low * 100)}–{_num(high * 100)}%", high))
    bands.append((f">{_num(cuts[-1] * 100)}%", None))
    return bands


def fit_bands(settings: PriceFitSettings) -> tuple[str, ...]:
    """The fit-band labels for these settings, in display order (``unknown`` last).

    >>> fit_bands(PriceFitSettings()) == FIT_BANDS
    True
    >>> fit_bands(PriceFitSettings(fit_threshold=60, strong_fit=80))
    ('<60', '60–79', '≥80', 'unknown')
    """
    return (*(label for label, _ in _fit_cuts(settings)), UNKNOWN_BAND)


def gap_bands(settings: PriceFitSettings) -> tuple[str, ...]:
    """The price-gap band labels for these settings, in display order (``unknown`` last).

    >>> gap_bands(PriceFitSettings()) == GAP_BANDS
    True
    >>> gap_bands(PriceFitSettings(tolerance=0.05))
    ('≤0', '0–5%', '5–25%', '>25%', 'unknown')
    """
    return (*(label for label, _ in _gap_cuts(settings)), UNKNOWN_BAND)


def _band_case(value: str, cuts: list[tuple[str, float | None]], op: str) -> tuple[str, list[object]]:
    """``CASE`` putting ``value`` in the first band whose bound it is ``op`` to."""
    parts, params = [f"CASE WHEN {value} IS NULL THEN ?"], [UNKNOWN_BAND]
    for label, bound in cuts:
        if bound is None:
            parts.append("ELSE ?")
            params.append(label)
        else:
            parts.append(f"WHEN {value} {op} CAST(? AS DOUBLE) THEN ?")
            params.extend([bound, label])
    parts.append("END")
    return " ".join(parts), params


def matrix(
    cur: duckdb.DuckDBPyConnection, filters: Filters, settings: PriceFitSettings
) -> pd.DataFrame:
    """Win rate of CLOSED deals (every reason) by fit band × price-gap band.

    Fit bands: ``<50`` (below ``fit_threshold``), ``50–74``, ``≥75`` (from
    ``strong_fit``), ``unknown`` (no fit score). Gap bands: ``≤0``, ``0–10%``
    (0 < gap ≤ ``tolerance``), ``10–25%`` (≤ ``wide_gap``), ``>25%``, ``unknown``.
    E.g. fit 50 and gap exactly 0.10 sits in (``50–74``, ``0–10%``), the same
    side of both cuts as the ``easy_reason`` class.

    One row per cell of the full grid, in band order (empty cells have closed 0
    and a None win rate): fit_band, gap_band, closed, won, lost, win_rate, low,
    high (95% Wilson), small_sample.
    """
    fit_cuts, gap_cuts = _fit_cuts(settings), _gap_cuts(settings)
    fit_case, fit_params = _band_case("o.fit_score", fit_cuts, "<")
    gap_case, gap_params = _band_case(f"({price_gap_sql('o')})", gap_cuts, "<=")
    where, where_params = filters.where("o")
    rows = cur.execute(
        f"""
        SELECT {fit_case} AS fit_band, {gap_case} AS gap_band, {won_lost_counts()}
        FROM opportunities o
        WHERE {CLOSED} AND ({where})
        GROUP BY ALL
        """,
        fit_params + gap_params + where_params,
    ).fetchall()
    found = {(fit, gap): (int(won), int(lost)) for fit, gap, won, lost in rows}
    grid = [(fit, gap) for fit in fit_bands(settings) for gap in gap_bands(settings)]
    counts = [found.get(cell, (0, 0)) for cell in grid]
    cells = pd.DataFrame({
        "fit_band": [fit for fit, _ in grid], "gap_band": [gap for _, gap in grid],
        "closed": [won + lost for won, lost in counts], "won": [won for won, _ in counts],
        "lost": [lost for _, lost in counts],
    })
    return add_rate_columns(cells)


def evidence(cur: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, int]:
    """How much of the §7 evidence the price losses carry, so a page can say which
    column would unlock the view when a count is 0.

    Keys: ``price_losses`` (lost, category price), and among them ``fit_score``
    (has one), ``competitor_price`` (> 0, usable as a gap basis), ``budget``
    (> 0), ``price_gap`` (a gap could be computed).
    """
    where, params = filters.where("o")
    row = cur.execute(
        f"""
        SELECT count(*),
               count(*) FILTER (WHERE o.fit_score IS NOT NULL),
               count(*) FILTER (WHERE o.competitor_price > 0),
               count(*) FILTER (WHERE o.budget > 0),
               count(*) FILTER (WHERE ({price_gap_sql("o")}) IS NOT NULL)
        FROM opportunities o
        WHERE {_PRICE_LOSS} AND ({where})
        """,
        params,
    ).fetchone()
    keys = ("price_losses", "fit_score", "competitor_price", "budget", "price_gap")
    return {key: int(n) for key, n in zip(keys, row or (0,) * len(keys), strict=True)}
