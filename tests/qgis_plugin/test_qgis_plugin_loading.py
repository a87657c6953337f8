"""The zip installs into a fresh profile and starts through QGIS's plugin loader."""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core", reason="QGIS's Python bindings (python3-qgis) are missing")

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "gridplanner_qgis"
ALGORITHMS = ("balance", "balance_plan", "audit", "export", "import")


def test_zip_holds_what_git_holds(plugin_zip: Path) -> None:
    with zipfile.ZipFile(plugin_zip) as bundle:
        names = set(bundle.namelist())
    assert all(n.startswith(f"{PACKAGE}/") for n in names)
    for required in ("__init__.py", "metadata.txt", "icon.svg", "plugin.py", "provider.py"):
        assert f"{PACKAGE}/{required}" in names
    assert f"{PACKAGE}/i18n/gridplanner_qgis_en.qm" in names  # compiled at build time
    assert f"{PACKAGE}/qgis_plugin_tools/tools/i18n.py" in names  # bundled library
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert f"{PACKAGE}/build.py" not in names


def test_started_from_the_extracted_zip(plugin: Any, qgis_app: Any) -> None:
    import qgis.utils
    from qgis.core import QgsApplication

    module = sys.modules[PACKAGE]
    installed = Path(qgis_app.gridplanner_profile) / "python" / "plugins" / PACKAGE
    assert Path(module.__file__).resolve().parent == installed.resolve()
    assert PACKAGE in qgis.utils.active_plugins
    provider = QgsApplication.processingRegistry().providerById("gridplanner")
    assert provider is not None
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == sorted(f"gridplanner:{name}" for name in ALGORITHMS)
    # the bundled qgis-plugin-tools is the one in use (its "submodule" layout)
    tools = sys.modules[f"{PACKAGE}.qgis_plugin_tools.tools.resources"]
    assert tools.plugin_name() == "gridplanner"


def test_chinese_by_default_english_with_the_catalogue(plugin: Any) -> None:
    from qgis.core import QgsApplication, QgsSettings
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    registry = QgsApplication.processingRegistry()
    balance = registry.algorithmById("gridplanner:balance")
    assert balance.displayName() == "平衡网格"
    assert "gridplanner partition" in balance.shortHelpString()
    plugin_module = sys.modules[f"{PACKAGE}.plugin"]
    settings = QgsSettings()
    try:
        settings.setValue("locale/userLocale", "en_US")
        path = plugin_module.translation_file()
        assert path is not None and path.endswith("gridplanner_qgis_en.qm")
        translator = QTranslator()
        assert translator.load(path)
        QCoreApplication.installTranslator(translator)
        try:
            fresh = registry.algorithmById("gridplanner:balance").create()
            assert fresh.displayName() == "Balance grids"
            audit = registry.algorithmById("gridplanner:audit").create()
            assert audit.displayName() == "Audit coverage"
        finally:
            QCoreApplication.removeTranslator(translator)
    finally:
        settings.setValue("locale/userLocale", "zh_CN")
    assert plugin_module.translation_file() is None  # zh: the source text is Chinese


def _tr_literals(folder: Path) -> set[str]:
    found: set[str] = set()
    tables = {"LAYER_INPUTS", "EXPORT_FORMATS", "IMPORT_LEVELS", "FIELD_OPTIONS"}
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in tables
            ):
                found.update(row.elts[-1].value for row in node.value.elts)
    return found


def test_every_string_has_an_english_translation() -> None:
    ts = ET.parse(REPO / "qgis_plugin" / "i18n" / "gridplanner_qgis_en.ts")
    translated = {m.findtext("source"): m.findtext("translation") for m in ts.iter("message")}
    missing = sorted(s for s in _tr_literals(REPO / "qgis_plugin") if not translated.get(s))
    assert not missing, missing
    for source, english in translated.items():
        assert english and not any("\u4e00" <= c <= "\u9fff" for c in english), source


def test_tables_follow_the_core(plugin: Any) -> None:
    from gridplanner.exchange.command import FIELD_OPTIONS
    from gridplanner.exchange.export import EXPORT_FORMATS
    from gridplanner.exchange.importing import IMPORT_LEVELS

    tables = sys.modules[f"{PACKAGE}.alg_exchange"]
    assert tuple(k for k, _ in tables.EXPORT_FORMATS) == EXPORT_FORMATS
    assert tuple(k for k, _ in tables.IMPORT_LEVELS) == tuple(
        level for level in IMPORT_LEVELS if level != "unit"
    )
    assert tuple(k for k, _ in tables.FIELD_OPTIONS) == FIELD_OPTIONS


def test_settings_point_at_a_core_environment(plugin: Any, tmp_path: Path) -> None:
    core_env = sys.modules[f"{PACKAGE}.core_env"]
    venv = tmp_path / "venv"
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    (site / "site-packages").mkdir(parents=True)
    (site / "site-packages" / "gp_probe_module.py").write_text("VALUE = 42\n")
    assert core_env.site_packages_of(str(venv)) == str(site / "site-packages")
    added = core_env.activate([str(venv)])
    assert added == [str(site / "site-packages")]
    import gp_probe_module  # type: ignore[import-not-found]

    assert gp_probe_module.VALUE == 42
    ok, detail = core_env.core_status()
    assert ok, detail
    sys.path.remove(str(site / "site-packages"))
