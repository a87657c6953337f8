"""The "gridplanner" Processing provider."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ._tools import tr
from .alg_audit import AuditAlgorithm
from .alg_balance import BalanceAlgorithm
from .alg_balance_plan import BalancePlanAlgorithm
from .alg_exchange import ExportAlgorithm, ImportAlgorithm

ICON = str(Path(__file__).resolve().parent / "icon.svg")


class GridPlannerProvider(QgsProcessingProvider):
    """Balance, audit, export and import: the gridplanner core inside QGIS."""

    def id(self) -> str:
        return "gridplanner"

    def name(self) -> str:
        return tr("网格化管理 gridplanner")

    def longName(self) -> str:
        return self.name()

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def loadAlgorithms(self) -> None:
        for algorithm in (
            BalanceAlgorithm,
            BalancePlanAlgorithm,
            AuditAlgorithm,
            ExportAlgorithm,
            ImportAlgorithm,
        ):
            self.addAlgorithm(algorithm())
