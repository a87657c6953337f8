"""Basemap settings: none, an XYZ tile server (URL template + key, disk cache) or MBTiles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gridplanner.layers.basemap import MBTilesSource, TileSource, XYZSource
from gridplanner.ui.i18n import t

TIANDITU_EXAMPLE = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk={key}"
)


def tile_cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base or Path.home() / ".cache" / "gridplanner") / "tiles"


def make_basemap(settings: QSettings, on_tile: Callable[[], None]) -> TileSource | None:
    """The configured tile source, or None (the default: no basemap, no network)."""
    mode = str(settings.value("basemap/mode", "none"))
    try:
        if mode == "xyz" and settings.value("basemap/template"):
            return XYZSource(
                str(settings.value("basemap/template")),
                tile_cache_dir(),
                key=str(settings.value("basemap/key", "")),
                on_tile=on_tile,
            )
        if mode == "mbtiles" and settings.value("basemap/mbtiles"):
            return MBTilesSource(str(settings.value("basemap/mbtiles")))
    except Exception:
        return None
    return None


class BasemapDialog(QDialog):
    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(t("底图设置"))
        self.mode = QComboBox()
        self.mode.addItem(t("无底图"), "none")
        self.mode.addItem(t("在线瓦片 (XYZ)"), "xyz")
        self.mode.addItem(t("离线 MBTiles 文件"), "mbtiles")
        self.mode.setCurrentIndex(
            max(self.mode.findData(settings.value("basemap/mode", "none")), 0)
        )
        self.template = QLineEdit(str(settings.value("basemap/template", "")))
        self.template.setPlaceholderText(TIANDITU_EXAMPLE)
        self.key = QLineEdit(str(settings.value("basemap/key", "")))
        self.mbtiles = QLineEdit(str(settings.value("basemap/mbtiles", "")))
        browse = QPushButton(t("浏览…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.mbtiles)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(t("类型"), self.mode)
        form.addRow(t("URL 模板"), self.template)
        form.addRow(t("密钥 (key)"), self.key)
        form.addRow(t("MBTiles 文件"), row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("MBTiles 文件"), "", "MBTiles (*.mbtiles)")
        if path:
            self.mbtiles.setText(path)

    def _save(self) -> None:
        self.settings.setValue("basemap/mode", self.mode.currentData())
        self.settings.setValue("basemap/template", self.template.text().strip())
        self.settings.setValue("basemap/key", self.key.text().strip())
        self.settings.setValue("basemap/mbtiles", self.mbtiles.text().strip())
        self.accept()
