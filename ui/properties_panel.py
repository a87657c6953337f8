"""The properties panel: one node's name, kind, tallies, workers and sizing (passive view).

It only shows values and emits requests; the controller turns each request into an
undo command.
"""

from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridplanner.code_rules.nbs import kind_from_name, stated_kind
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.settings import Sizing
from gridplanner.ui.i18n import current_language, t

DEDICATED_TYPES = ("学校", "医院", "公园", "工业园区", "商务楼宇", "其他")


class PropertiesPanel(QWidget):
    renameRequested = Signal(int, str)
    kindRequested = Signal(int, str, str)  # id, kind, dedicated type
    sizingRequested = Signal(str, object)  # scope code, Sizing | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id: int | None = None
        self._code = ""
        self._loading = False
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.code_label = QLabel()
        self.level_label = QLabel()
        self.kind_combo = QComboBox()
        self.area_kind_label = QLabel()  # 街道/镇/乡, 社区/村: what a street or community is
        self.type_combo = QComboBox()
        self.type_combo.setEditable(True)
        self.type_combo.addItems(DEDICATED_TYPES)
        self.tally_label = QLabel()
        self.tally_label.setWordWrap(True)
        self.workers_table = QTableWidget(0, 3)
        self.workers_table.verticalHeader().setVisible(False)
        self.workers_table.setMaximumHeight(160)
        self.form = QFormLayout()
        self.form.addRow("", self.title)
        self.name_row = QLabel()
        self.code_row = QLabel()
        self.level_row = QLabel()
        self.kind_row = QLabel()
        self.type_row = QLabel()
        self.tally_row = QLabel()
        self.form.addRow(self.name_row, self.name_edit)
        self.form.addRow(self.code_row, self.code_label)
        self.form.addRow(self.level_row, self.level_label)
        kind_cell = QWidget()
        kind_layout = QHBoxLayout(kind_cell)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.addWidget(self.kind_combo, 1)
        kind_layout.addWidget(self.area_kind_label, 1)
        self.kind_cell = kind_cell
        self.form.addRow(self.kind_row, kind_cell)
        self.form.addRow(self.type_row, self.type_combo)
        self.form.addRow(self.tally_row, self.tally_label)
        self.workers_box = QGroupBox()
        box_layout = QVBoxLayout(self.workers_box)
        box_layout.addWidget(self.workers_table)
        self.sizing_box = QGroupBox()
        self.own_sizing = QCheckBox()
        self.target = self._spin()
        self.band_min = self._spin()
        self.band_max = self._spin()
        self.apply_sizing = QPushButton()
        sizing_layout = QFormLayout(self.sizing_box)
        self.target_row, self.min_row, self.max_row = QLabel(), QLabel(), QLabel()
        sizing_layout.addRow(self.own_sizing)
        sizing_layout.addRow(self.target_row, self.target)
        sizing_layout.addRow(self.min_row, self.band_min)
        sizing_layout.addRow(self.max_row, self.band_max)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_sizing)
        sizing_layout.addRow(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.workers_box)
        layout.addWidget(self.sizing_box)
        layout.addStretch(1)
        self.name_edit.editingFinished.connect(self._on_name)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.type_combo.currentTextChanged.connect(self._on_kind)
        self.apply_sizing.clicked.connect(self._on_sizing)
        self.own_sizing.toggled.connect(self._sizing_enabled)
        self.retranslate()
        self.show_node(None, None)

    @staticmethod
    def _spin() -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(1, 100_000)
        spin.setDecimals(0)
        spin.setSingleStep(10)
        return spin

    def retranslate(self) -> None:
        self._loading = True
        self.name_row.setText(t("名称"))
        self.code_row.setText(t("编码"))
        self.level_row.setText(t("层级"))
        self.kind_row.setText(t("类型"))
        self.type_row.setText(t("专属类型"))
        self.tally_row.setText(t("统计"))
        self.workers_box.setTitle(t("网格员"))
        self.workers_table.setHorizontalHeaderLabels([t("姓名"), t("角色"), t("折算")])
        self.sizing_box.setTitle(t("配比标准（户/人）"))
        self.own_sizing.setText(t("本范围单独设置"))
        self.target_row.setText(t("目标"))
        self.min_row.setText(t("下限"))
        self.max_row.setText(t("上限"))
        self.apply_sizing.setText(t("应用"))
        index = self.kind_combo.currentIndex()
        self.kind_combo.clear()
        self.kind_combo.addItems([t("普通网格"), t("专属网格")])
        self.kind_combo.setCurrentIndex(max(index, 0))
        self._loading = False

    def show_node(
        self, project: Project | None, node_id: int | None, rollups: pd.DataFrame | None = None
    ) -> None:
        """Show one node (None: nothing selected)."""
        self._loading = True
        self.node_id = node_id
        has = project is not None and node_id is not None and node_id in project.nodes.index
        for widget in (
            self.name_edit,
            self.kind_combo,
            self.type_combo,
            self.workers_box,
            self.sizing_box,
        ):
            widget.setEnabled(has)
        if not has:
            self.form.setRowVisible(self.kind_cell, False)
            self.form.setRowVisible(self.type_combo, False)
            self.title.setText(t("未选择要素"))
            self.name_edit.clear()
            self.code_label.clear()
            self.level_label.clear()
            self.tally_label.clear()
            self.workers_table.setRowCount(0)
            self._loading = False
            return
        assert project is not None and node_id is not None
        row = project.nodes.loc[node_id]
        level = Level(row["level"])
        self._code = str(row["code"])
        self.title.setText(f"<b>{row['name']}</b>")
        self.name_edit.setText(str(row["name"]))
        self.code_label.setText(self._code)
        self.level_label.setText(level.label(current_language()))
        is_grid = level is Level.GRID
        is_area = level in (Level.STREET, Level.COMMUNITY)
        self.kind_combo.setVisible(is_grid)
        self.area_kind_label.setVisible(is_area)
        self.form.setRowVisible(self.kind_cell, is_grid or is_area)
        self.form.setRowVisible(self.type_combo, is_grid)
        if is_area:
            area = stated_kind(level, row["kind"]) or kind_from_name(level, row["name"])
            self.area_kind_label.setText(
                area.label(current_language()) if area is not None else t("未注明")
            )
        self.kind_combo.setEnabled(is_grid)
        dedicated = row["kind"] == NodeKind.DEDICATED.value
        self.kind_combo.setCurrentIndex(1 if dedicated else 0)
        self.type_combo.setEnabled(is_grid and dedicated)
        self.type_combo.setCurrentText(
            "" if pd.isna(row["dedicated_type"]) else str(row["dedicated_type"])
        )
        if rollups is not None and node_id in rollups.index:
            r = rollups.loc[node_id]
            ratio = r["households_per_worker"]
            ratio_text = t("无网格员") if not math.isfinite(ratio) else f"{ratio:.0f}"
            deviation = r["deviation"]
            dev_text = "—" if not math.isfinite(deviation) else f"{deviation:+.0%}"
            self.tally_label.setText(
                f"{t('户数')} {int(r['households'])} · {t('人口')} {int(r['population'])}\n"
                f"{t('网格员')} {r['workers']:g} · {t('户/人')} {ratio_text}"
                f" · {t('偏差')} {dev_text}\n"
                f"{t('目标')} {r['target']:g} ({r['band_min']:g}–{r['band_max']:g})"
            )
        workers = (
            project.workers[project.workers["grid_id"] == node_id]
            if is_grid
            else project.workers.iloc[:0]
        )
        self.workers_box.setVisible(is_grid)
        self.workers_table.setRowCount(len(workers))
        for i, (_, w) in enumerate(workers.iterrows()):
            for j, value in enumerate((w["name"], w["role"], f"{w['capacity']:g}")):
                self.workers_table.setItem(i, j, QTableWidgetItem(str(value)))
        scoped = level in (Level.STREET, Level.COMMUNITY)
        self.sizing_box.setVisible(scoped)
        if scoped:
            own = project.settings.sizing_by_scope.get(self._code)
            sizing = own or project.settings.sizing
            self.own_sizing.setChecked(own is not None)
            self.target.setValue(sizing.target)
            self.band_min.setValue(sizing.band_min)
            self.band_max.setValue(sizing.band_max)
            self._sizing_enabled(own is not None)
        self._loading = False

    def _sizing_enabled(self, on: bool) -> None:
        for widget in (self.target, self.band_min, self.band_max):
            widget.setEnabled(on)

    def _on_name(self) -> None:
        if self._loading or self.node_id is None:
            return
        name = self.name_edit.text().strip()
        if name:
            self.renameRequested.emit(self.node_id, name)

    def _on_kind(self, *_: object) -> None:
        if self._loading or self.node_id is None or not self.kind_combo.isEnabled():
            return
        kind = NodeKind.DEDICATED if self.kind_combo.currentIndex() == 1 else NodeKind.ORDINARY
        self.type_combo.setEnabled(kind is NodeKind.DEDICATED)
        self.kindRequested.emit(self.node_id, kind.value, self.type_combo.currentText())

    def _on_sizing(self) -> None:
        if self.node_id is None:
            return
        if not self.own_sizing.isChecked():
            self.sizingRequested.emit(self._code, None)
            return
        try:
            sizing = Sizing(self.target.value(), self.band_min.value(), self.band_max.value())
        except ValueError:
            self.tally_label.setText(t("需满足：下限 ≤ 目标 ≤ 上限"))
            return
        self.sizingRequested.emit(self._code, sizing)
