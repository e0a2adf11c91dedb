"""The words and short phrases that set apart each stated reason's loss notes.

No model and nothing downloaded: DuckDB splits each note (of the lost deals with
notes passing the filters, METRICS.md §10) into words — lower-cased runs of letters;
digits, punctuation and spaces separate them — and takes every word and every pair of
adjacent words. A word that is in :data:`STOP_WORDS` or one letter long is not a
term by itself, and no pair holds one. A deal *uses* a term when its note has it,
however often.

For a stated reason ``r`` and a term ``t``: ``a`` deals of ``r`` use it out of the
``n_r`` deals of ``r`` with notes, ``b`` of the ``n_o`` other deals with notes. The
score is the log odds ratio with ½ added to every cell (so a term no other reason
uses does not score infinity)::

    score = ln((a + ½) / (n_r − a + ½)) − ln((b + ½) / (n_o − b + ½))

A term is listed for ``r`` when ``a`` ≥ ``min_deals`` and the score is above 0; the
``top`` best per reason, ties by more deals, then alphabetically. A word is left out
when a pair holding it is used by exactly as many deals of the reason (the pair says more).

>>> from analytics.metrics.examples import example_cursor
>>> cur = example_cursor("opportunity_id loss_reason loss_notes", [
...     ("a", "price", "Went dark. No exec sponsor!"), ("b", "price", "no exec sponsor"),
...     ("c", "timing", "Budget cycle in April")], outcome="lost")
>>> distinctive(cur, Filters(), min_deals=2)[["stated", "phrase", "deals"]].values.tolist()
[['price', 'exec sponsor', 2]]
>>> tokens(cur, "Don't stop—the CFO's 2nd call!")
['don', 't', 'stop', 'the', 'cfo', 's', 'nd', 'call']
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.errors import InvalidSettingError
from analytics.filters import Filters
from analytics.metrics.notes import SEPARATORS, tokens_sql, with_notes_cte

_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just let me more most my
no nor not of off on once only or other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until up us very was we
were what when where which while who whom why will with would you your yours yet via per re etc
deal deals call calls email emails said says told mr ms ll ve don didn doesn won isn wasn aren
"""
#: Words too common to tell reasons apart (English function words and CRM filler).
STOP_WORDS: tuple[str, ...] = tuple(sorted(set(_STOP_TEXT.split())))

def tokens(cur: duckdb.DuckDBPyConnection, text: str) -> list[str]:
    """The words of ``text`` as this module reads them (see the module's example)."""
    row = cur.execute(f"SELECT {tokens_sql('?')}", [text, SEPARATORS]).fetchone()
    assert row is not None
    return list(row[0])


def _check(min_deals: int, top: int) -> None:
    if not (isinstance(min_deals, int) and min_deals >= 1 and isinstance(top, int) and top >= 1):
        raise InvalidSettingError("The minimum deal count and the number of phrases must be whole "
                                  f"numbers ≥ 1, not {min_deals!r} and {top!r}.")


def distinctive(cur: duckdb.DuckDBPyConnection, filters: Filters, *, min_deals: int = 3,
                top: int = 8) -> pd.DataFrame:
    """The terms that most set apart each stated reason's notes (see the module docstring).

    Columns ``stated, phrase, deals, reason_deals, share, other_deals, other_share, score``:
    ``deals`` = a, ``reason_deals`` = n_r, ``share`` = a / n_r, ``other_deals`` = b,
    ``other_share`` = b / n_o (None when no other reason has notes). Reasons with the most
    deals with notes first, then by score.
    """
    _check(min_deals, top)
    cte, params = with_notes_cte(filters)
    return cur.execute(
        f"""
        WITH {cte},
        w AS (SELECT k, stated, unnest(toks) AS w1, generate_subscripts(toks, 1) AS i
              FROM (SELECT k, stated, {tokens_sql('loss_notes')} AS toks FROM n)),
        p AS (SELECT k, stated, w1, lead(w1) OVER (PARTITION BY k ORDER BY i) AS w2,
                     len(w1) < 2 OR list_contains(?::VARCHAR[], w1) AS stop1 FROM w),
        terms AS (
          SELECT DISTINCT k, stated, w1 AS phrase FROM p WHERE NOT stop1
          UNION
          SELECT DISTINCT k, stated, w1 || ' ' || w2 FROM p
          WHERE w2 IS NOT NULL AND NOT stop1 AND len(w2) >= 2
            AND NOT list_contains(?::VARCHAR[], w2)),
        sizes AS (SELECT stated, count(*) AS n_r, sum(count(*)) OVER () AS n_all FROM n GROUP BY stated),
        used AS (SELECT stated, phrase, count(*) AS a, sum(count(*)) OVER (PARTITION BY phrase) AS t
                 FROM terms GROUP BY stated, phrase),
        scored AS (
          SELECT u.stated, u.phrase, u.a AS deals, s.n_r AS reason_deals, u.a / s.n_r AS share,
                 (u.t - u.a)::BIGINT AS other_deals,
                 if(s.n_all = s.n_r, NULL, (u.t - u.a) / (s.n_all - s.n_r)) AS other_share,
                 ln((u.a + 0.5) / (s.n_r - u.a + 0.5))
                   - ln((u.t - u.a + 0.5) / (s.n_all - s.n_r - (u.t - u.a) + 0.5)) AS score
          FROM used u JOIN sizes s USING (stated)),
        kept AS (  -- a word used by exactly the deals of a pair holding it says nothing more
          SELECT * FROM scored x WHERE contains(x.phrase, ' ') OR NOT EXISTS (
            SELECT 1 FROM scored y WHERE y.stated = x.stated AND y.deals = x.deals
              AND (starts_with(y.phrase, x.phrase || ' ') OR suffix(y.phrase, ' ' || x.phrase))))
        SELECT * EXCLUDE (rank_in_reason) FROM (
          SELECT kept.*, row_number() OVER (PARTITION BY stated ORDER BY score DESC, deals DESC,
                                            phrase) AS rank_in_reason
          FROM kept WHERE deals >= ? AND score > 0)
        WHERE rank_in_reason <= ?
        ORDER BY reason_deals DESC, stated, score DESC, deals DESC, phrase
        """,
        [*params, SEPARATORS, list(STOP_WORDS), list(STOP_WORDS), min_deals, top],
    ).df()

