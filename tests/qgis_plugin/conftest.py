"""QGIS plugin tests: run by .ci/test_qgis under QGIS's (system) Python only.

The main suite runs ``tests/`` with .venv's Python, which has no QGIS bindings
(QGIS 3 is PyQt5 and can't share a process with the PySide6 app): there these
tests are not collected at all. Under .venv-qgis (Debian's python3-qgis + the
core, editable) they build the plugin zip from what git holds, install it into a
fresh QGIS profile and load it through QGIS's plugin loader.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

try:
    import qgis.core  # noqa: F401
except ImportError:  # the main suite (.venv): no QGIS here, nothing to collect
    QGIS_MISSING = (
        "QGIS's Python bindings (python3-qgis) are not importable from "
        f"{sys.executable}; the QGIS plugin tests run from .ci/test_qgis"
    )
    collect_ignore_glob = ["test_*.py"]
else:
    QGIS_MISSING = ""

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "gridplanner_qgis"
ZIP_ENV = "GRIDPLANNER_QGIS_PLUGIN_ZIP"  # set by .ci/test_qgis (built from a clean checkout)


def _build_zip(out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, str(REPO / "qgis_plugin" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def plugin_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installable zip: .ci/test_qgis's, else built now from the working tree."""
    given = os.environ.get(ZIP_ENV)
    if given:
        return Path(given)
    return _build_zip(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def qgis_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A headless QgsApplication on a fresh, temporary profile, with Processing."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsSettings

    profile = tmp_path_factory.mktemp("qgis-profile")
    app = QgsApplication([], False, str(profile))
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    QgsSettings().setValue("locale/userLocale", "zh_CN")  # Chinese, the plugin's default
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    app.gridplanner_profile = profile
    yield app
    # exitQgis() at teardown can crash with Python-owned providers; the process ends anyway


@pytest.fixture(scope="session")
def plugin(qgis_app: Any, plugin_zip: Path) -> Any:
    """The zip extracted into the profile's plugin folder and started by QGIS's loader."""
    import qgis.utils

    plugins = Path(qgis_app.gridplanner_profile) / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(plugins / PACKAGE, ignore_errors=True)
    with zipfile.ZipFile(plugin_zip) as bundle:
        bundle.extractall(plugins)
    if str(plugins) not in sys.path:
        sys.path.insert(0, str(plugins))
    if str(plugins) not in qgis.utils.plugin_paths:
        qgis.utils.plugin_paths.insert(0, str(plugins))
    qgis.utils.updateAvailablePlugins()
    assert PACKAGE in qgis.utils.available_plugins, qgis.utils.available_plugins
    assert qgis.utils.loadPlugin(PACKAGE), "qgis.utils.loadPlugin failed (see the message log)"
    assert qgis.utils.startPlugin(PACKAGE), "qgis.utils.startPlugin failed (see the message log)"
    yield qgis.utils.plugins[PACKAGE]
    qgis.utils.unloadPlugin(PACKAGE)


@pytest.fixture(scope="session")
def sample_street() -> Path:
    """The committed sample street project."""
    import gridplanner.sample_data as sample_data

    return Path(sample_data.__file__).parent / "street.gpkg"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``gridplanner`` command of this environment (the CLI the plugin must match)."""
    script = Path(sys.executable).parent / "gridplanner"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "gridplanner.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, cwd=cwd or REPO
    )


@pytest.fixture(scope="session")
def run_cli() -> Any:
    """:func:`cli` as a fixture (test modules can't import conftest under importlib mode)."""
    return cli


def run_algorithm(algorithm: str, parameters: dict[str, Any], feedback: Any = None) -> Any:
    """``processing.run`` with a fresh context."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    context = QgsProcessingContext()
    return processing.run(
        algorithm, parameters, context=context, feedback=feedback or QgsProcessingFeedback()
    )


@pytest.fixture(scope="session")
def run_alg(plugin: Any) -> Any:
    """:func:`run_algorithm`, once the plugin is started."""
    return run_algorithm
