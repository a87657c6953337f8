"""捕捉设置: what the drawing and measuring tools snap to — unit vertices, unit edges,
both or nothing — and within how many screen pixels, as QGIS's snapping toolbar.
Kept in the app's settings."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

from gridplanner.ui.i18n import t


@dataclass(frozen=True)
class SnapSettings:
    enabled: bool = True
    vertices: bool = True
    edges: bool = True
    pixels: int = 10

    @property
    def active(self) -> bool:
        return self.enabled and (self.vertices or self.edges) and self.pixels > 0

    @classmethod
    def load(cls, settings: QSettings) -> SnapSettings:
        def flag(key: str, default: bool) -> bool:
            return str(settings.value(f"snap/{key}", default)).lower() in ("true", "1")

        try:
            pixels = int(str(settings.value("snap/pixels", cls.pixels)))
        except ValueError:
            pixels = cls.pixels
        return cls(
            flag("enabled", True), flag("vertices", True), flag("edges", True),
            max(1, min(pixels, 50)),
        )  # fmt: skip

    def save(self, settings: QSettings) -> None:
        settings.setValue("snap/enabled", self.enabled)
        settings.setValue("snap/vertices", self.vertices)
        settings.setValue("snap/edges", self.edges)
        settings.setValue("snap/pixels", self.pixels)


class SnappingDialog(QDialog):
    def __init__(self, current: SnapSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("捕捉设置"))
        self.enabled = QCheckBox(t("启用捕捉"))
        self.enabled.setChecked(current.enabled)
        self.vertices = QCheckBox(t("捕捉到顶点"))
        self.vertices.setChecked(current.vertices)
        self.edges = QCheckBox(t("捕捉到边"))
        self.edges.setChecked(current.edges)
        self.pixels = QSpinBox()
        self.pixels.setRange(1, 50)
        self.pixels.setValue(current.pixels)
        self.pixels.setSuffix(" px")
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow(self.vertices)
        form.addRow(self.edges)
        form.addRow(t("容差（屏幕像素）"), self.pixels)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.enabled.toggled.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        for widget in (self.vertices, self.edges, self.pixels):
            widget.setEnabled(self.enabled.isChecked())

    def value(self) -> SnapSettings:
        return SnapSettings(
            self.enabled.isChecked(),
            self.vertices.isChecked(),
            self.edges.isChecked(),
            self.pixels.value(),
        )
