"""The findings dock: a plain list of findings (id, severity, message, geometry).

The audit (issue 7 and gridplanner.audit) fills it; clicking a row asks the map to
show the finding's geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridplanner.ui.i18n import current_language, t

SEVERITY_COLOURS = {
    "error": QColor(200, 30, 30),
    "blocking": QColor(200, 30, 30),
    "warning": QColor(200, 120, 0),
}
#: Severities as planners say them (the audit's ids stay in the reports and tooltips).
SEVERITY_WORDS = {"blocking": "阻断", "error": "阻断", "warning": "警告", "info": "提示"}


class Finding(Protocol):
    """What the dock needs of a finding (duck-typed)."""

    id: Any
    severity: Any
    message: str
    geometry: Any  # shapely geometry in CGCS2000 lon/lat, or None


class FindingsPanel(QWidget):
    findingActivated = Signal(object)
    fixRequested = Signal(object)  # the finding whose suggested fix should be applied

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings: list[Finding] = []
        self.table = QTableWidget(0, 4)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self.fix_button = QPushButton()
        self.fix_button.setEnabled(False)
        self.fix_button.clicked.connect(self._on_fix)
        layout.addWidget(self.fix_button)
        self.table.cellClicked.connect(self._on_click)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([t("编号"), t("级别"), t("说明"), t("修复建议")])
        self.fix_button.setText(t("应用所选问题的修复建议"))

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        self.table.setRowCount(len(self.findings))
        for row, finding in enumerate(self.findings):
            severity = str(getattr(finding.severity, "value", finding.severity))
            items = [
                QTableWidgetItem(str(row + 1)),
                QTableWidgetItem(t(SEVERITY_WORDS.get(severity.lower(), severity))),
                QTableWidgetItem(str(finding.message)),
                QTableWidgetItem(_fix_text(finding)),
            ]
            items[0].setToolTip(str(finding.id))  # the audit's id, for the reports
            for item in items[2:]:
                item.setToolTip(item.text())  # long explanations are cut in the cell
            colour = SEVERITY_COLOURS.get(severity.lower())
            if colour is not None:
                items[1].setForeground(colour)
            for column, item in enumerate(items):
                item.setData(Qt.ItemDataRole.UserRole, row)
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.fix_button.setEnabled(False)

    def _on_click(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.findings):
            self.fix_button.setEnabled(getattr(self.findings[row], "fix", None) is not None)
            self.findingActivated.emit(self.findings[row])

    def _on_fix(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.findings):
            self.fixRequested.emit(self.findings[row])


def _fix_text(finding: Finding) -> str:
    fix = getattr(finding, "fix", None)
    if fix is None:
        return ""
    return fix.summary(current_language()) if hasattr(fix, "summary") else str(fix)
