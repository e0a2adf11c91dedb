"""Layering rules, checked on the syntax tree (not with grep).

analytics/ has a base layer and four packages::

    errors, filters, store, categories, sql, safecsv   the base: imports no package below
    ingest/    bytes of an export -> canonical rows in the store
    metrics/   the store -> numbers (SQL next to its docstring)
    present/   numbers -> labels, formats, tables, plotly figures (no Streamlit)
    ui/        the Streamlit glue: the ONLY code that imports streamlit
    cli        the command line (ingest + metrics + present)

- ingest and metrics never import each other (reading exports and computing metrics are
  two families that meet only in the store);
- the engine (base, ingest, metrics) never imports present or ui; present never imports ui;
- only analytics/ui/ imports Streamlit;
- pages (``app.py`` and ``pages/*.py``) import only ui, present and metrics (and the error
  classes they catch), hold no SQL, no DuckDB, no ratios, and never call ``st.navigation``;
- no module of analytics/ is over 400 lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = sorted((ROOT / "analytics").rglob("*.py"))
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b",
                 re.IGNORECASE | re.DOTALL)
PACKAGES = ("ingest", "metrics", "present", "ui")
BASE = ("errors", "filters", "store", "categories", "sql", "safecsv", "lake", "connection")
MAX_LINES = 400

#: Which analytics packages each layer may import (besides the base layer).
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "ingest": set(),
    "metrics": set(),
    "present": {"ingest", "metrics"},
    "ui": {"ingest", "metrics", "present"},
    "cli": {"ingest", "metrics", "present"},
}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def layer(path: Path) -> str:
    """The layer of a module under analytics/: a package name, ``cli`` or ``base``."""
    parts = path.relative_to(ROOT / "analytics").parts
    if len(parts) > 1:
        return parts[0]
    return "cli" if parts[0] in ("cli.py", "__main__.py") else "base"


def analytics_layers(module: ast.Module) -> set[str]:
    """The analytics layers a module imports (``analytics.metrics.deals`` -> ``metrics``)."""
    found = set()
    for name in imported_modules(module):
        parts = name.split(".")
        if parts[0] != "analytics" or len(parts) < 2:
            continue
        if parts[1] in PACKAGES:
            found.add(parts[1])
        elif parts[1] in ("cli", "__main__"):
            found.add("cli")
    return found


def test_the_layout_exists() -> None:
    for package in PACKAGES:
        assert (ROOT / "analytics" / package / "__init__.py").is_file(), package
    for name in BASE:
        assert (ROOT / "analytics" / f"{name}.py").is_file(), name
    assert len(PAGES) == 8


def test_the_layer_rule_catches_a_violation() -> None:
    """The checker itself: a metrics module importing ingest is seen."""
    module = ast.parse("from analytics.ingest import reading\nfrom analytics import store\n")
    assert analytics_layers(module) == {"ingest"}
    assert layer(ROOT / "analytics" / "metrics" / "deals.py") == "metrics"
    assert layer(ROOT / "analytics" / "store.py") == "base"


@pytest.mark.parametrize("path", ENGINE, ids=rel)
def test_each_layer_imports_only_what_it_may(path: Path) -> None:
    own = layer(path)
    used = analytics_layers(tree(path)) - {own}
    assert used <= ALLOWED[own], f"{rel(path)} ({own}) imports {sorted(used - ALLOWED[own])}"


@pytest.mark.parametrize("path", ENGINE, ids=rel)
def test_only_the_ui_package_imports_streamlit(path: Path) -> None:
    uses = {m for m in imported_modules(tree(path)) if m == "streamlit" or m.startswith("streamlit.")}
    if layer(path) != "ui":
        assert not uses, f"{rel(path)} imports {sorted(uses)}; only analytics/ui/ may"


def test_the_ui_package_is_where_streamlit_lives() -> None:
    ui = [p for p in ENGINE if layer(p) == "ui"]
    assert any("streamlit" in imported_modules(tree(p)) for p in ui)


@pytest.mark.parametrize("path", ENGINE, ids=rel)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{rel(path)} has {lines} lines; split it by concept (max {MAX_LINES})"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_pages_import_only_ui_present_and_metrics(path: Path) -> None:
    for name in imported_modules(tree(path)):
        parts = name.split(".")
        if parts[0] != "analytics" or len(parts) < 2:
            continue
        assert parts[1] in ("ui", "present", "metrics", "errors"), (
            f"{rel(path)} imports {name}; pages reach the engine through ui, present and metrics")


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_pages_hold_no_sql_and_no_database_access(path: Path) -> None:
    module = tree(path)
    assert not {m for m in imported_modules(module) if m.split(".")[0] == "duckdb"}
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in ("execute", "executemany", "sql", "query", "cursor"), (
                f"{rel(path)}:{node.lineno} calls .{node.func.attr}(): ask analytics/ instead")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.search(node.value), f"{rel(path)}:{node.lineno} holds SQL: {node.value!r}"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_pages_compute_nothing(path: Path) -> None:
    """Every number comes from analytics/: a page does no arithmetic (a percent format is fine)."""
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.BinOp | ast.AugAssign):
            assert not isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod | ast.Mult | ast.Sub), (
                f"{rel(path)}:{node.lineno} computes; do it in analytics/")


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_pages_use_the_pages_folder_not_st_navigation(path: Path) -> None:
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Attribute):
            assert node.attr != "navigation", f"{rel(path)}:{node.lineno} uses st.navigation"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_every_page_goes_through_the_shared_setup(path: Path) -> None:
    calls = [node for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "setup_page"]
    assert len(calls) == 1, f"{rel(path)} must call setup_page() once (sidebar filters, errors)"
