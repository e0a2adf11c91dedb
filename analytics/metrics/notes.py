"""What the buyer said: loss notes against the stated reason (METRICS.md §10).

The stated reason is the category the seller picked (``opportunities.loss_reason``:
the keyword rules of §3, or the user's override for the raw reason). The notes are
closer to what the buyer said. For each **lost** deal with non-blank ``loss_notes``:

- ``notes_categories``: every §3 category (rule order) whose keywords occur in the
  lower-cased notes — the same plain substring test as §3, but *all* that match,
  not the first; an empty list is "unclear";
- ``agrees``: the stated category is one of them;
- ``easy_price``: the stated category is ``price`` and the notes name something,
  but not price.

Won and open deals never count, notes or not; a note of only spaces is no note.
The keyword tests are generated from :data:`analytics.categories.RULES` with the
keywords bound, so a change of the rules changes both views.

Here a price loss whose notes say "went dark after the integration review" names
no_decision and product_fit, not price: an easy-price loss that disagrees. A
no-decision loss whose notes say "stalled" agrees. A note "see email" is unclear.

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id loss_reason loss_notes", [
...     ("a", "price", "Went dark after the integration review"),
...     ("b", "no_decision", "Stalled"), ("c", "timing", "see email"), ("d", "price", "  ")],
...     outcome="lost")
>>> per_deal(cur, Filters())[["opportunity_id", "notes_categories", "agrees", "easy_price"]].values.tolist()
... # doctest: +NORMALIZE_WHITESPACE
[['a', ['no_decision', 'product_fit'], False, True], ['b', ['no_decision'], True, False],
 ['c', [], False, False]]
>>> counts(cur, Filters())
{'with_notes': 3, 'agree': 1, 'agreement_rate': 0.3333333333333333, 'easy_price': 1, 'unclear': 1}
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.categories import CATEGORIES, RULES
from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.metrics.stats import Rate, rate
from analytics.sql import outcome_is, values_table

#: The categories notes can name, in rule order.
NOTES_CATEGORIES: tuple[str, ...] = tuple(name for name, _ in RULES)
#: The matrix column of the deals whose notes name no category.
UNCLEAR = "unclear"
#: The matrix columns, in display order.
SAID: tuple[str, ...] = (*NOTES_CATEGORIES, UNCLEAR)
#: The stated category of a lost deal over alias ``o`` (a lost row without one is unspecified).
STATED = "coalesce(o.loss_reason, 'unspecified')"
#: Runs of anything but letters separate the words of a note.
SEPARATORS = r"[^\p{L}]+"


def notes_categories_sql(column: str = "o.loss_notes") -> tuple[str, list[object]]:
    """SQL for the list of §3 categories (rule order) whose keywords occur in the lower-cased
    ``column`` (fixed SQL), keywords and names bound; ``[]`` when none occurs.

    >>> sql, params = notes_categories_sql()
    >>> sql.startswith("list_filter([CASE WHEN contains(lower(o.loss_notes), ?)"), params[:2]
    (True, ['no decision', 'status quo'])
    """
    items = []
    params: list[object] = []
    for category, keywords in RULES:
        tests = " OR ".join(f"contains(lower({column}), ?)" for _ in keywords)
        items.append(f"CASE WHEN {tests} THEN ? END")
        params.extend([*keywords, category])
    return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)", params


def tokens_sql(column: str = "o.loss_notes") -> str:
    """SQL for the words of a text ``column`` (fixed SQL) — lower-cased runs of letters, in
    order; bind :data:`SEPARATORS`."""
    return f"list_filter(regexp_split_to_array(lower({column}), ?), lambda w: w <> '')"


def phrase_sql(column: str = "o.loss_notes") -> str:
    """SQL testing that the words of ``column`` (fixed SQL) hold a term — one word or two
    adjacent words, as :mod:`analytics.metrics.phrases` lists them. Bind :data:`SEPARATORS`,
    then the term."""
    return f"contains(' ' || array_to_string({tokens_sql(column)}, ' ') || ' ', ' ' || ? || ' ')"


def _with_notes(alias: str = "o") -> str:
    """A lost deal whose notes hold more than white space (spaces, tabs, line breaks, no-break
    spaces), over alias ``alias``."""
    return (f"{outcome_is('lost', alias)} AND "
            f"coalesce(regexp_matches({alias}.loss_notes, '[^\\s\\p{{Z}}]'), FALSE)")


def with_notes_cte(filters: Filters) -> tuple[str, list[object]]:
    """``n AS (…)``: one row per lost deal with notes passing ``filters``: ``o.*``, ``stated``,
    ``notes_categories``, ``agrees``, ``easy_price`` and ``k`` (a row number); with its parameters."""
    cats, cat_params = notes_categories_sql()
    filter_sql, params = filters.where("o")
    source, source_params = filters.source("o")  # amounts of the chosen currency only
    sql = f"""n AS (
          SELECT *, list_contains(notes_categories, stated) AS agrees,
                 stated = 'price' AND len(notes_categories) > 0
                   AND NOT list_contains(notes_categories, 'price') AS easy_price,
                 row_number() OVER (ORDER BY opportunity_id) AS k
          FROM (SELECT o.*, {STATED} AS stated, {cats} AS notes_categories
                FROM {source} WHERE {_with_notes()} AND ({filter_sql})))"""
    return sql, [*cat_params, *source_params, *params]


def per_deal(cur: duckdb.DuckDBPyConnection, filters: Filters, *, easy_price: bool | None = None,
             limit: int | None = None) -> pd.DataFrame:
    """Every lost deal with notes passing ``filters`` (only the easy-price ones with
    ``easy_price=True``), latest close first, ties by id: ``opportunity_id, account_name,
    opportunity_name, owner, close_date, amount, competitor, loss_reason_raw, loss_notes,
    stated, notes_categories, agrees, easy_price``. ``limit=None`` lists them all."""
    cte, params = with_notes_cte(filters)
    where = "TRUE" if easy_price is None else ("easy_price" if easy_price else "NOT easy_price")
    df = cur.execute(
        f"""
        WITH {cte}
        SELECT opportunity_id, account_name, opportunity_name, owner, close_date, amount, competitor,
               loss_reason_raw, loss_notes, stated, notes_categories, agrees, easy_price
        FROM n WHERE {where}
        ORDER BY close_date DESC NULLS LAST, opportunity_id
        LIMIT ?
        """,
        [*params, limit],
    ).df()
    return df.assign(notes_categories=[list(c) for c in df["notes_categories"]])


@dataclass(frozen=True)
class NotesHeadline:
    """The §10 numbers over the lost deals passing a filter: ``lost`` deals, how many have
    notes, agree, are easy-price losses or are unclear, and the agreement rate with its interval."""

    lost: int
    with_notes: int
    agree: int
    easy_price: int
    unclear: int

    @property
    def agreement(self) -> Rate:
        return rate(self.agree, self.with_notes)

    def as_summary(self) -> dict[str, object]:
        """The ``notes`` object of ``summary --json`` (§9): rate null when nothing has notes."""
        return {"with_notes": self.with_notes, "agree": self.agree,
                "agreement_rate": self.agreement.value, "easy_price": self.easy_price,
                "unclear": self.unclear}


def headline(cur: duckdb.DuckDBPyConnection, filters: Filters) -> NotesHeadline:
    """The §10 counts over the lost deals passing ``filters``."""
    cte, params = with_notes_cte(filters)
    filter_sql, lost_params = filters.where("o")
    row = cur.execute(
        f"""
        WITH {cte}
        SELECT (SELECT count(*) FROM opportunities o WHERE {outcome_is('lost')} AND ({filter_sql})),
               count(*), count(*) FILTER (WHERE agrees), count(*) FILTER (WHERE easy_price),
               count(*) FILTER (WHERE len(notes_categories) = 0)
        FROM n
        """,
        [*params, *lost_params],
    ).fetchone()
    assert row is not None
    return NotesHeadline(*(int(v) for v in row))


def counts(cur: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, object]:
    """The ``notes`` object of ``summary --json``: with_notes, agree, agreement_rate (unrounded,
    None when no lost deal has notes), easy_price, unclear."""
    return headline(cur, filters).as_summary()


def matrix(cur: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Stated category × what the notes say, long form: ``stated, said, deals, row_deals, share``.

    A deal counts once in every notes category it has, or once under ``unclear``, so a row's
    ``deals`` can add up to more than its ``row_deals`` (the lost deals with notes of that
    stated category); ``share`` = deals / row_deals. Every stated category that has a deal
    with notes gets all of :data:`SAID` (zeros too); rows and columns in display order.
    E.g. 4 price losses with notes, one naming timing and competitor, three naming price:
    price × price 3 (0.75), price × timing 1 (0.25), price × competitor 1 (0.25).
    """
    cte, params = with_notes_cte(filters)
    stated, stated_params = values_table("s", ["stated", "s_ord"], [(c, i) for i, c in enumerate(CATEGORIES)])
    said, said_params = values_table("c", ["said", "c_ord"], [(c, i) for i, c in enumerate(SAID)])
    return cur.execute(
        f"""
        WITH {cte},
        cells AS (
          SELECT stated, coalesce(said, ?) AS said, count(*) AS deals
          FROM (SELECT stated, unnest(if(len(notes_categories) = 0, [NULL], notes_categories)) AS said
                FROM n)
          GROUP BY ALL),
        rows AS (SELECT stated, count(*) AS row_deals FROM n GROUP BY stated)
        SELECT r.stated, c.said, coalesce(x.deals, 0) AS deals, r.row_deals,
               coalesce(x.deals, 0) / r.row_deals AS share
        FROM rows r JOIN {stated} USING (stated) CROSS JOIN {said}
        LEFT JOIN cells x ON x.stated = r.stated AND x.said = c.said
        ORDER BY s.s_ord, c.c_ord
        """,
        [*params, UNCLEAR, *stated_params, *said_params],
    ).df()


def criteria_sql(*, notes_say: str | None = None, easy_price: bool | None = None,
                 notes_phrase: str | None = None, alias: str = "o") -> tuple[str, list[object]]:
    """The deal-list conditions of this module (over ``alias``), for
    :func:`analytics.metrics.deals.list_deals`: ``notes_say`` — lost deals with notes naming that
    category (or :data:`UNCLEAR`: naming none); ``easy_price`` — the easy-price losses (``True``)
    or every other deal (``False``); ``notes_phrase`` — lost deals whose notes use that word or
    pair of adjacent words (:func:`phrase_sql`). ``("", [])`` when none is given."""
    parts: list[str] = []
    params: list[object] = []
    cats, cat_params = notes_categories_sql(f"{alias}.loss_notes")
    stated = STATED.replace("o.", f"{alias}.")
    if notes_say is not None:
        if notes_say not in SAID:
            raise InvalidSettingError(f"Unknown notes category {notes_say!r}; use one of: {', '.join(SAID)}.")
        test = f"len({cats}) = 0" if notes_say == UNCLEAR else f"list_contains({cats}, ?)"
        parts.append(f"({_with_notes(alias)} AND {test})")
        params.extend([*cat_params, *([] if notes_say == UNCLEAR else [notes_say])])
    if easy_price is not None:
        easy = (f"{_with_notes(alias)} AND {stated} = 'price' AND len({cats}) > 0 "
                f"AND NOT list_contains({cats}, 'price')")
        parts.append(f"({easy})" if easy_price else f"NOT coalesce({easy}, FALSE)")
        params.extend([*cat_params, *cat_params])
    if notes_phrase is not None:
        parts.append(f"({_with_notes(alias)} AND {phrase_sql(f'{alias}.loss_notes')})")
        params.extend([SEPARATORS, " ".join(notes_phrase.lower().split())])
    return " AND ".join(parts), params
