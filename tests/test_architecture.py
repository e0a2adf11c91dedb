"""Layering rules, checked on the syntax tree (not with grep):

- only ``analytics/ui.py`` imports Streamlit; the engine stays usable from the CLI and tests;
- pages (``app.py`` and ``pages/*.py``) are thin: no SQL, no DuckDB, no ratios of their own,
  and no ``st.navigation`` (the app uses the ``pages/`` folder).
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


def test_the_files_exist() -> None:
    assert (ROOT / "analytics" / "ui" / "__init__.py") in ENGINE
    assert len(PAGES) == 7


@pytest.mark.parametrize("path", ENGINE, ids=rel)
def test_only_the_ui_module_imports_streamlit(path: Path) -> None:
    uses = {m for m in imported_modules(tree(path)) if m == "streamlit" or m.startswith("streamlit.")}
    if path.parent.name == "ui":
        assert "streamlit" in uses
    else:
        assert not uses, f"{rel(path)} imports {sorted(uses)}; only analytics/ui.py may"


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
def test_pages_compute_no_ratios(path: Path) -> None:
    """Every number comes from analytics/: a page never divides (a percent format is fine)."""
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.BinOp | ast.AugAssign):
            assert not isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod), (
                f"{rel(path)}:{node.lineno} divides; compute it in analytics/")


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_pages_use_the_pages_folder_not_st_navigation(path: Path) -> None:
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Attribute):
            assert node.attr != "navigation", f"{rel(path)}:{node.lineno} uses st.navigation"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_every_page_goes_through_the_shared_setup(path: Path) -> None:
    calls = [node for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "setup_page"]
    assert len(calls) == 1, f"{rel(path)} must call ui.setup_page() once (sidebar filters, errors)"
