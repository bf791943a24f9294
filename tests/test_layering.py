"""The layers of docs/DEVELOPING.md ("Layout and layering"), enforced: this file holds the one list, the doc copies it.

Every ``import`` and ``from … import`` of every production module is read from its syntax tree (those inside
functions too: a lazy import is still a dependency), as is ``importlib.import_module("literal")``. A module may
import its own package and any package of a lower layer; packages of one layer do not import each other.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Bottom first. A package (or top-level module) of one layer imports only from the layers above it in this list.
LAYERS: list[tuple[str, ...]] = [
    ("store",),  # settings, engine and sessions, models, migrations, the shapes every layer exchanges
    ("cli_errors",),  # the one-line error handler; command modules use its `describe`
    ("crawlers",),  # spiders, profiles, the importer: write to the store
    ("analysis",),  # reads the store (and the importer's readers for files), writes derived columns
    ("alerts", "reports"),  # act on the analysis: alerts to units, publications to the public
    ("web", "demo"),  # the UI; the demo corpus and portal (may use any layer below, for realistic data)
    ("pipeline",),  # the chain of steps (analyze, the demo command)
    ("scheduler", "cli"),  # the entry points: scheduled jobs, the command line
]
# Not production code: not checked.
EXCLUDED = {"tests", "bench", "docs", "build", "dist"}

LAYER_OF = {package: index for index, layer in enumerate(LAYERS) for package in layer}


def package_of(module: str) -> str:
    return module.split(".")[0]


def production_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every top-level package (a directory with __init__.py) and module of the repo."""
    files: dict[str, Path] = {}
    for path in sorted(root.glob("*.py")):
        files[path.stem] = path
    for init in sorted(root.glob("*/__init__.py")):
        if init.parent.name in EXCLUDED:
            continue
        for path in sorted(init.parent.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def imported_modules(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(root: Path = ROOT) -> list[str]:
    files = production_files(root)
    known = {package_of(name) for name in files}
    problems: list[str] = []
    for module, path in files.items():
        own = package_of(module)
        for line, target in imported_modules(module, path):
            other = package_of(target)
            if other == own or other not in known:  # its own package, or a library
                continue
            if LAYER_OF[other] >= LAYER_OF[own]:
                where = "the same layer as" if LAYER_OF[other] == LAYER_OF[own] else "a layer above"
                problems.append(f"{path.relative_to(root)}:{line}: {own} imports {target} ({other} is {where} "
                                f"{own})")
    return problems


def test_every_production_package_has_a_layer():
    unplaced = sorted({package_of(name) for name in production_files()} - set(LAYER_OF))
    assert not unplaced, f"add these to LAYERS (and to the table in docs/DEVELOPING.md): {unplaced}"


def test_no_module_imports_its_own_layer_or_above():
    assert violations() == []


def test_the_check_sees_a_lazy_upward_import(tmp_path):
    # The oracle: in this tree store imports alerts inside a function and crawlers imports analysis at module
    # level: exactly those two violations (alerts importing store and analysis is downward; `from . import x`
    # is crawlers importing itself).
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "__init__.py").write_text("")
    (tmp_path / "store" / "db.py").write_text("def f():\n    from alerts.rules import run\n")
    (tmp_path / "crawlers").mkdir()
    (tmp_path / "crawlers" / "__init__.py").write_text("from . import x\nimport analysis.text\n")
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "__init__.py").write_text("import store.db\nfrom analysis import text\n")
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "__init__.py").write_text("")
    assert [v.split(" (")[0] for v in violations(tmp_path)] == [
        "crawlers/__init__.py:2: crawlers imports analysis.text",
        "store/db.py:2: store imports alerts.rules",
    ]


@pytest.mark.parametrize(("module", "expected"), [("demo.portal", "demo"), ("crawlers.spiders", "crawlers"),
                                                   ("analysis.routing", "analysis")])
def test_package_of(module, expected):
    assert package_of(module) == expected
