"""Settings: which Python environment holds the gridplanner core."""

from __future__ import annotations

from typing import Any

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from . import core_env
from ._tools import settings, tr


class SettingsDialog(QDialog):
    """A folder chooser (a venv or its site-packages) with a "check" button."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("gridplanner 设置"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                tr(
                    "装有 gridplanner 核心的 Python 环境 (venv 文件夹或其 site-packages)。"
                    "留空则使用 QGIS 自带的 Python。"
                )
            )
        )
        self.folder = QgsFileWidget(self)
        self.folder.setStorageMode(QgsFileWidget.GetDirectory)
        self.folder.setFilePath(str(settings.get_setting(core_env.SETTING_KEY, "", str) or ""))
        layout.addWidget(self.folder)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        check = QPushButton(tr("检查"), self)
        check.clicked.connect(self.check)
        layout.addWidget(check)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.check()

    def save(self) -> None:
        """Store the folder and add it to ``sys.path``."""
        settings.set_setting(core_env.SETTING_KEY, self.folder.filePath().strip())
        core_env.activate()

    def check(self) -> bool:
        """Save, then show whether the core imports."""
        self.save()
        ok, detail = core_env.core_status()
        self.status.setText(("✔ " if ok else "✘ ") + detail)
        return ok

    def accept(self) -> None:
        self.save()
        super().accept()
