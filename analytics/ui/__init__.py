"""Streamlit glue shared by every page — the only part of ``analytics`` that imports Streamlit.

Pages stay thin: they call :func:`shell.setup_page`, read their own widgets, call the engine
through :func:`session.load` (cached) and draw with the helpers here. Every number comes from
the engine; labels, texts, table shapes and number formats come from :mod:`analytics.present`
(no Streamlit there).

- :mod:`~analytics.ui.session` — the database connection, cached engine calls, flash messages;
- :mod:`~analytics.ui.sidebar` — the filter widgets and :class:`~analytics.ui.sidebar.FilterState`,
  the owner of every filter key;
- :mod:`~analytics.ui.shell` — page setup, navigation, filter-carrying links, empty states;
- :mod:`~analytics.ui.widgets` — column formats, deal tables, charts, chart drill-downs;
- :mod:`~analytics.ui.importing` — the writes: imports, undo, the category editor.

Pages import the modules they use: ``from analytics.ui import session, shell, widgets``.
"""
