"""The layers of the house: one namespace, and a core and algorithms free of Qt."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def _core_modules() -> list[str]:
    """Top-level modules and packages of the core (not cli, ui, layers)."""
    names = []
    for entry in sorted((REPO / "gridplanner").iterdir()):
        if entry.name.startswith(("_", ".")) or entry.name in ("cli.py", "py.typed"):
            continue
        if entry.suffix == ".py" or (entry.is_dir() and (entry / "__init__.py").exists()):
            names.append(f"gridplanner.{entry.stem}")
    return names


def test_every_core_module_is_under_the_qt_free_contract() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "forbidden"
    )
    listed = set(contract["source_modules"])
    assert "gridplanner.algorithms" in listed
    missing = [m for m in _core_modules() if m not in listed]
    assert not missing, f"add {missing} to the import-linter contract in pyproject.toml"
    assert set(contract["forbidden_modules"]) >= {"PySide6", "shiboken6"}


def test_no_qt_import_statement_in_core_or_algorithms() -> None:
    offenders = []
    files = [p for p in (REPO / "gridplanner").rglob("*.py") if p.name != "cli.py"]
    files += list((REPO / "algorithms").rglob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in QT for n in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders


def test_core_imports_with_qt_unavailable() -> None:
    """Import every core module in a fresh interpreter where importing Qt fails."""
    modules = [*_core_modules(), "gridplanner.cli"]
    script = f"""
import importlib, importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {QT!r}:
            raise ImportError('Qt is not installed here: ' + name)
sys.meta_path.insert(0, NoQt())
for name in {modules!r}:
    importlib.import_module(name)
import pkgutil, gridplanner.algorithms as alg
for info in pkgutil.walk_packages(alg.__path__, 'gridplanner.algorithms.'):
    importlib.import_module(info.name)
loaded = [m for m in sys.modules if m.split('.')[0] in {QT!r}]
assert not loaded, loaded
print('ok')
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_import_linter_contracts_hold(tmp_path: Path) -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("import-linter is part of the [dev] extra; run the README's test command")
    subprocess.run(
        [sys.executable, str(REPO / ".ci" / "namespace_tree.py"), str(tmp_path)], check=True
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [str(lint), "--no-cache", "--config", str(REPO / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_one_namespace_no_stray_top_level_packages(tmp_path: Path) -> None:
    script = (
        "import gridplanner.ui, gridplanner.layers, gridplanner.algorithms\n"
        "import gridplanner.sample_data\n"
        "import importlib.util as u\n"
        "print([n for n in ('ui', 'layers', 'algorithms', 'sample_data') if u.find_spec(n)])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
