"""The layer list (visibility, opacity, style, labels) and the legend."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from gridplanner.layers.legend import legend_entries
from gridplanner.layers.style import (
    BASEMAP,
    BUILDINGS,
    REFERENCE,
    LayerState,
    Style,
    with_state,
)
from gridplanner.levels import Level
from gridplanner.ui.i18n import current_language, t


def layer_title(key: str) -> str:
    """The user-facing name of a layer."""
    try:
        return Level(key).label(current_language())
    except ValueError:
        return {BASEMAP: t("底图"), BUILDINGS: t("楼栋"), REFERENCE: t("道路水系")}.get(key, key)


def swatch(fill: QColor | None, line: QColor | None = None, dot: bool = False) -> QIcon:
    pixmap = QPixmap(18, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if dot:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill or QColor("black"))
        painter.drawEllipse(6, 4, 6, 6)
    elif fill is not None:
        painter.setPen(QPen(line or fill.darker(140), 1))
        painter.setBrush(fill)
        painter.drawRect(1, 1, 15, 11)
    elif line is not None:
        painter.setPen(QPen(line, 2))
        painter.drawLine(1, 7, 16, 7)
    painter.end()
    return QIcon(pixmap)


#: Scale thresholds offered for a layer's visibility (1:N; 0 = always shown).
SCALE_CHOICES = (0, 5_000, 10_000, 15_000, 25_000, 50_000, 100_000, 250_000, 300_000,
                 600_000, 1_000_000, 1_500_000, 2_500_000)  # fmt: skip


class LayerPanel(QWidget):
    layersChanged = Signal(tuple)
    activeLevelChanged = Signal(str)

    def __init__(self, states: tuple[LayerState, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states = states
        self._scale = 0.0  # the map's scale denominator, for greying hidden layers
        self.list = QListWidget()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.style_combo = QComboBox()
        self.scale_combo = QComboBox()  # scale-dependent visibility, as in QGIS
        self.labels = QCheckBox()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.opacity_row, self.style_row, self.scale_row = QLabel(), QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.opacity_row, self.opacity)
        form.addRow(self.style_row, self.style_combo)
        form.addRow(self.scale_row, self.scale_combo)
        form.addRow("", self.labels)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        self._loading = False
        self.list.itemChanged.connect(self._on_item)
        self.list.currentRowChanged.connect(self._on_current)
        self.opacity.valueChanged.connect(self._on_controls)
        self.style_combo.currentIndexChanged.connect(self._on_controls)
        self.scale_combo.currentIndexChanged.connect(self._on_controls)
        self.labels.toggled.connect(self._on_controls)
        self.retranslate()

    def _ordered(self) -> list[LayerState]:
        return list(reversed(self.states))  # top of the list = drawn last

    def retranslate(self) -> None:
        self._loading = True
        current = max(self.list.currentRow(), 0) if self.list.count() else None
        self.list.clear()
        for state in self._ordered():
            item = QListWidgetItem(layer_title(state.key))
            item.setData(Qt.ItemDataRole.UserRole, state.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if state.visible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.opacity_row.setText(t("不透明度"))
        self.style_row.setText(t("样式"))
        self.labels.setText(t("显示标注"))
        self.hint.setText(t("当前图层即地图点选的层级"))
        self.style_combo.clear()
        self.style_combo.addItems([t("按层级"), t("按网格分类着色"), t("按户/人偏差分级")])
        self.scale_row.setText(t("显示比例"))
        self.scale_combo.setToolTip(t("放大到该比例尺或更大时才显示此图层（含标注）"))
        self._fill_scales(0)
        self._loading = False
        self.show_scale(self._scale)
        if current is None:
            keys = [s.key for s in self._ordered()]
            current = keys.index(Level.GRID.value)
        self.list.setCurrentRow(current)
        self._on_current(current)

    def show_scale(self, scale_denominator: float) -> None:
        """Grey the layers the current map scale hides (QGIS does the same)."""
        self._scale = scale_denominator
        for row, state in enumerate(self._ordered()):
            item = self.list.item(row)
            if item is None:
                continue
            shown = state.in_scale(scale_denominator)
            item.setForeground(self.palette().text() if shown else QColor(150, 150, 150))
            item.setToolTip("" if shown else t("当前比例尺下不显示"))

    def key_at(self, row: int) -> str:
        return self._ordered()[row].key

    def row_of(self, key: str) -> int:
        return [s.key for s in self._ordered()].index(key)

    def set_visible(self, key: str, visible: bool) -> None:
        """Check or uncheck a layer (as a user would)."""
        item = self.list.item(self.row_of(key))
        item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def current_key(self) -> str:
        return self.key_at(max(self.list.currentRow(), 0))

    def _on_item(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        visible = item.checkState() == Qt.CheckState.Checked
        self.states = with_state(self.states, key, visible=visible)
        self.layersChanged.emit(self.states)

    def _on_current(self, row: int) -> None:
        if row < 0 or self._loading:
            return
        state = self._ordered()[row]
        self._loading = True
        self.opacity.setValue(round(state.opacity * 100))
        polygon = state.level is not None
        self.style_combo.setEnabled(polygon)
        self.labels.setEnabled(polygon)
        self.style_combo.setCurrentIndex(list(Style).index(state.style))
        self._fill_scales(state.max_scale)
        self.labels.setChecked(state.labels)
        self._loading = False
        if polygon:
            self.activeLevelChanged.emit(state.key)

    def _on_controls(self, *_: object) -> None:
        if self._loading:
            return
        key = self.current_key()
        self.states = with_state(
            self.states,
            key,
            opacity=self.opacity.value() / 100.0,
            style=list(Style)[max(self.style_combo.currentIndex(), 0)],
            labels=self.labels.isChecked(),
            max_scale=int(self.scale_combo.currentData() or 0),
        )
        self.show_scale(self._scale)
        self.layersChanged.emit(self.states)

    def _fill_scales(self, current: int) -> None:
        """The scale choices (1:N; 0 = always), with ``current`` selected."""
        self.scale_combo.blockSignals(True)
        self.scale_combo.clear()
        for scale in sorted({*SCALE_CHOICES, int(current)}):
            text = t("始终显示") if scale == 0 else f"≥ 1:{scale:,}"
            self.scale_combo.addItem(text, scale)
        self.scale_combo.setCurrentIndex(self.scale_combo.findData(int(current)))
        self.scale_combo.blockSignals(False)


class LegendPanel(QListWidget):
    """Symbols of the visible layers, top layer first (the printed legend's entries)."""

    def show_states(self, states: tuple[LayerState, ...]) -> None:
        self.clear()
        for entry in legend_entries(states, current_language()):
            text = ("  " if entry.indent else "") + entry.text
            if entry.fill is None and entry.line is None:
                self.addItem(QListWidgetItem(text))
            else:
                self.addItem(QListWidgetItem(swatch(entry.fill, entry.line, entry.dot), text))
