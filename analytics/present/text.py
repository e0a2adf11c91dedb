"""Text from the data or the address, made safe where it is rendered as markup (no Streamlit).

Two renderers read markup in what Debrief shows:

- Streamlit renders markdown (and its ``:material/…:``, ``:red[…]`` directives) in ``st.markdown``,
  ``st.caption``, ``st.info``/``warning``/``error``/``success``, ``st.title``/``subheader``,
  metric labels and help, tab / expander / popover / button labels, widget labels, and the
  options of ``st.radio``, ``st.pills`` and ``st.segmented_control`` — not the options of a
  selectbox or multiselect, and not table cells. A value such as ``![c](http://host/x)`` there
  would make the browser fetch that address: :func:`md_escape` makes it read as written.
- plotly.js reads ``<b>``, ``<a href>``, ``<br>``… in titles, tick labels, legend names, hover
  labels and annotations: :func:`plot_escape` turns ``<``, ``>``, ``&`` into entities (which
  plotly shows as the characters), and :func:`safe_figure` does so for every data array of a
  figure (:func:`plot_unescape` reads a clicked point's ``customdata`` back).

>>> print(md_escape("**Acme** ![x](http://h/x) <b> :red[y] :smile: $x$"))
\\*\\*Acme\\*\\* !\\[x\\](http://h/x) \\<b\\> \\:red\\[y\\] \\:smile: \\$x\\$
>>> print(md_escape("# Heading"), md_escape("2024. A year"), md_escape("Import #3: done."))
\\# Heading 2024\\. A year Import #3: done.
>>> plot_escape("<img src=x onerror=alert(1)> & R<br>D")
'&lt;img src=x onerror=alert(1)&gt; &amp; R<br>D'
>>> plot_unescape(plot_escape("A&amp;B <i>"))
'A&amp;B <i>'
"""

from __future__ import annotations

import html
import re
from typing import Any

import plotly.graph_objects as go

#: Inline markup anywhere: emphasis, code, links and images (``[``), HTML and autolinks (``<``),
#: entities, maths, tables, strikethrough.
_INLINE = re.compile(r"([\\`*_\[\]<>&$|~])")
#: A ``:`` opening a directive or shortcode (``:red[…]``, ``:material/home:``, ``:smile:``).
_COLON = re.compile(r":(?=[\w/+-]+(?::|\\\[))")
#: What makes a line a heading, quote, list item or rule when it starts it.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))([.)]?)")

#: The data-carrying attributes of a plotly trace (templates and styles are Debrief's own).
_TRACE_TEXTS = ("x", "y", "z", "text", "customdata", "hovertext", "name", "labels", "ids",
                "legendgroup", "parents")


def md_escape(text: object) -> str:
    """``text`` from a user's data (or an address), safe inside Streamlit markdown: one line (line
    breaks made spaces) whose markup characters are backslash-escaped, so it reads as written —
    no image, link, HTML, directive, icon, maths, emphasis or block. Plain punctuation (``.``,
    ``:`` in a sentence, ``#3``) stays as it is, so an escaped message still reads (and
    matches) as written. A bare web address still shows as a link (GitHub-flavoured markdown
    links it after parsing, past any escape): it fetches nothing until clicked, and never runs
    script (``javascript:`` is not linked)."""
    line = _INLINE.sub(r"\\\1", " ".join(str(text).splitlines()))
    line = _COLON.sub(lambda m: "\\" + m.group(0), line)
    return _BLOCK_START.sub(lambda m: m.group(1) + (f"{m.group(2)}\\{m.group(3)}" if m.group(3)
                                                     else f"\\{m.group(2)}"), line, count=1)


def plot_escape(text: object) -> str:
    """``text`` safe in plotly's labels: ``&``, ``<``, ``>`` as entities; a plain ``<br>`` (a line
    break, which the present layer's cell texts use) stays one."""
    return html.escape(str(text), quote=False).replace("&lt;br&gt;", "<br>")


def plot_unescape(text: Any) -> Any:
    """The value :func:`plot_escape` was given (non-strings as they are)."""
    return html.unescape(text) if isinstance(text, str) else text


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return plot_escape(value)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "dtype", None) is not None and value.dtype.kind == "O":
        return [_escaped(v) for v in value.tolist()]
    return value


def safe_figure(fig: go.Figure) -> go.Figure:
    """``fig`` with every string of its traces' data (axis values, cell and hover texts, custom
    data, legend names) escaped for plotly; titles, templates and annotations are the present
    layer's own text, which escapes any data it puts there. Returns ``fig`` (changed in place)."""
    for trace in fig.data:
        for name in _TRACE_TEXTS:
            if name in trace and trace[name] is not None:
                trace[name] = _escaped(trace[name])
    return fig
