"""The plugin object: translations, logging, the Processing provider, the settings."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from . import core_env
from ._tools import custom_logging, i18n, resources, tr
from .provider import GridPlannerProvider

PLUGIN_DIR = Path(__file__).resolve().parent
LOGGER = logging.getLogger(__name__)


def translation_file() -> str | None:
    """The English catalogue when QGIS's locale is English; Chinese is the source text."""
    _, path = i18n.setup_translation("gridplanner_qgis_{}.qm", str(PLUGIN_DIR / "i18n"))
    return path


class GridPlannerPlugin:
    """Registers the "gridplanner" Processing provider and a settings menu entry."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: GridPlannerProvider | None = None
        self.actions: list[Any] = []
        self.translator: QTranslator | None = None
        path = translation_file()
        if path:
            self.translator = QTranslator()
            if self.translator.load(path):
                QCoreApplication.installTranslator(self.translator)
            else:  # pragma: no cover - a corrupt .qm
                self.translator = None
        custom_logging.setup_logger(resources.plugin_name(), iface)
        added = core_env.activate()
        if added:
            LOGGER.info("gridplanner: added %s to sys.path", ", ".join(added))

    # QGIS calls initProcessing for processing-only starts, initGui otherwise.
    def initProcessing(self) -> None:
        """Register the provider (once)."""
        if self.provider is None:
            self.provider = GridPlannerProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        """Provider plus the settings entry in the Plugins menu."""
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        action = QAction(QIcon(str(PLUGIN_DIR / "icon.svg")), tr("gridplanner 设置…"))
        action.triggered.connect(self.show_settings)
        self.iface.addPluginToMenu("gridplanner", action)
        self.actions.append(action)

    def show_settings(self) -> None:
        """The dialog pointing at the Python environment that has the core."""
        from .settings_dialog import SettingsDialog

        parent = self.iface.mainWindow() if self.iface is not None else None
        SettingsDialog(parent).exec_()

    def unload(self) -> None:
        """Remove everything initGui/initProcessing added."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        for action in self.actions:
            if self.iface is not None:
                self.iface.removePluginMenu("gridplanner", action)
        self.actions = []
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
        custom_logging.teardown_logger(resources.plugin_name())
