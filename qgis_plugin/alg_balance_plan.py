"""gridplanner:balance_plan — rebalance a scope of a gridplanner project.

The planner's request in the same words as the app's 重新平衡… dialog and
``gridplanner balance``: scope, tier, mode (keep today's grids / a target of households
per worker / a number of grids), minimal change, tolerance, locks, vacancies. It builds
the core's :class:`~gridplanner.balance_request.BalanceRequest` and calls
:func:`~gridplanner.balance.run_balance`, so the same request and seed give the same
plan as the CLI and the app. The new plan is written as a new project file (the input
is never modified); the grid layer of the new plan is an output layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ._tools import language, tr
from .alg_base import GridPlannerAlgorithm

#: (tier value, label) in the dialog's order
TIERS = (
    ("grid", "网格单元 → 网格（在每个综合网格内）"),
    ("comprehensive_grid", "网格 → 综合网格（在每个社区内）"),
)
#: (mode value, label) in the dialog's order
MODES = (
    ("keep", "保留现有网格，均衡负荷"),
    ("target", "按目标户数重划"),
    ("count", "按网格数重划"),
)


class BalancePlanAlgorithm(GridPlannerAlgorithm):
    """Rebalance a plan (重新平衡方案)."""

    ALG_NAME = "balance_plan"
    PROJECT = "PROJECT"
    SCOPE = "SCOPE"
    TIER = "TIER"
    MODE = "MODE"
    TARGET = "TARGET"
    COUNT = "COUNT"
    MIN_CHANGE = "MIN_CHANGE"
    TOLERANCE = "TOLERANCE"
    LOCKED = "LOCKED"
    VACANCIES = "VACANCIES"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    REPORT = "REPORT"

    def displayName(self) -> str:
        return tr("重新平衡方案")

    def shortHelpString(self) -> str:
        return tr(
            "在 gridplanner 项目中重新平衡一个范围 (街道、社区或综合网格), 与桌面程序的"
            "“重新平衡…”和命令行 gridplanner balance 使用同一个请求解析: 相同的请求和随机种子"
            "得到相同的方案。\n\n"
            "方式: 保留现有网格并按网格员均衡负荷; 按目标户数重划 (每名网格员的目标户数, "
            "留空时用方案中该范围的设置); 按网格数重划。\n"
            "最小变动: 从现有网格出发, 尽量少移动住户。\n"
            "允许偏差: 相对于各网格份额的偏差 (0.05 即 ±5%); 留空时自动选择。\n"
            "锁定: 保持不变的网格编码, 逗号分隔。\n"
            "待补岗位: 没有网格员但要接收住户的网格编码 (all 表示全部); 其余没有网格员的网格"
            "不接收住户。\n\n"
            "输出: 新的项目文件 (原文件不变)、新方案的网格图层, 以及可选的 JSON 报告 "
            "(每组的偏差、需增加的网格员 workers_needed)。"
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(self.PROJECT, tr("gridplanner 项目文件"), extension="gpkg")
        )
        self.addParameter(
            QgsProcessingParameterString(self.SCOPE, tr("范围编码 (街道、社区或综合网格)"))
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.TIER, tr("层级"), [tr(label) for _, label in TIERS], defaultValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.MODE, tr("方式"), [tr(label) for _, label in MODES], defaultValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TARGET,
                tr("目标户/人 (留空: 方案设置)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=None,
                optional=True,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.COUNT, tr("网格数 (按网格数重划)"), defaultValue=None, optional=True,
                minValue=1,
            )
        )  # fmt: skip
        self.addParameter(
            QgsProcessingParameterBoolean(self.MIN_CHANGE, tr("最小变动"), defaultValue=False)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TOLERANCE,
                tr("允许偏差 (留空: 自动)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=None,
                optional=True,
                minValue=0.0,
                maxValue=0.99,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(self.LOCKED, tr("锁定 (编码, 逗号分隔)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.VACANCIES, tr("待补岗位 (网格编码, 或 all)"), optional=True
            )
        )
        self.addParameter(QgsProcessingParameterNumber(self.SEED, tr("随机种子"), defaultValue=0))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("新方案 (项目文件)"), tr("GeoPackage (*.gpkg)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.REPORT, tr("报告 (JSON)"), tr("JSON (*.json)"), optional=True
            )
        )
        self.addOutput(QgsProcessingOutputVectorLayer("GRIDS", tr("新方案的网格")))
        self.addOutput(QgsProcessingOutputNumber("GROUPS", tr("平衡的组数")))
        self.addOutput(QgsProcessingOutputNumber("WITHIN", tr("达到允许偏差的组数")))
        self.addOutput(QgsProcessingOutputNumber("PROVEN_OUT_OF_REACH", tr("已证明不可达的组数")))
        self.addOutput(QgsProcessingOutputNumber("WORKERS_NEEDED", tr("需增加的网格员")))
        self.addOutput(QgsProcessingOutputNumber("HOUSEHOLDS_MOVED", tr("移动户数")))

    def execute(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from gridplanner.balance import run_balance
        from gridplanner.balance_request import BalanceRequest, Mode, codes_in
        from gridplanner.errors import GridPlannerError, PlannerError
        from gridplanner.levels import Level
        from gridplanner.store import load_project, save_project

        lang = language()
        path = self.parameterAsFile(parameters, self.PROJECT, context)
        out = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        report_path = self.parameterAsFileOutput(parameters, self.REPORT, context)
        mode = Mode(MODES[self.parameterAsEnum(parameters, self.MODE, context)][0])
        request = BalanceRequest(
            scope=self.parameterAsString(parameters, self.SCOPE, context).strip(),
            tier=Level(TIERS[self.parameterAsEnum(parameters, self.TIER, context)][0]),
            mode=mode,
            target=_number(parameters, self.TARGET, float) if mode is Mode.TARGET else None,
            count=_number(parameters, self.COUNT, int) if mode is Mode.COUNT else None,
            min_change=self.parameterAsBoolean(parameters, self.MIN_CHANGE, context),
            tolerance=_number(parameters, self.TOLERANCE, float),
            locked=codes_in(self.parameterAsString(parameters, self.LOCKED, context)),
            vacancies=codes_in(self.parameterAsString(parameters, self.VACANCIES, context)),
            seed=self.parameterAsInt(parameters, self.SEED, context),
        )
        feedback.setProgressText(tr("读取 {path}", path=path))
        project = load_project(path)
        feedback.setProgress(5)
        try:
            # no worker processes inside QGIS: forking a process with Qt threads can hang
            result = run_balance(
                project,
                request,
                self.progress_for(feedback, 5, 90),
                self.cancel_for(feedback),
                processes=1,
            )
        except PlannerError as error:
            raise GridPlannerError(error.message(lang)) from None
        save_project(result.project, out)
        if report_path:
            Path(report_path).write_text(
                json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str) + "\n",
                encoding="utf-8",
            )
        balanced = result.balanced
        within = sum(bool(g.report and g.report.within_band) for g in balanced)
        proven = sum(bool(g.report and g.report.band_impossible) for g in balanced)
        needed = sum(g.staffing.for_band for g in balanced if g.staffing)
        for group in result.groups:
            why = group.error or group.skipped
            if why is not None:
                feedback.pushWarning(f"{group.words()(lang)}: {why(lang)}")
            for reason in group.reasons():
                feedback.pushInfo(f"{group.words()(lang)}: {reason(lang)}")
        feedback.pushInfo(
            tr(
                "{groups} 组: {within} 组达到允许偏差, {proven} 组已证明不可达; "
                "移动 {moved:.0f} 户; 进入户/人范围需增加网格员 {needed} 名; 写入 {out}",
                groups=len(balanced),
                within=within,
                proven=proven,
                moved=result.households_moved,
                needed=needed,
                out=out,
            )
        )
        feedback.setProgress(100)
        layer = request.tier.value
        return {
            self.OUTPUT: str(out),
            self.REPORT: report_path or None,
            "GRIDS": f"{out}|layername={layer}",
            "GROUPS": len(balanced),
            "WITHIN": within,
            "PROVEN_OUT_OF_REACH": proven,
            "WORKERS_NEEDED": needed,
            "HOUSEHOLDS_MOVED": float(result.households_moved),
        }


def _number(parameters: dict[str, Any], name: str, kind: type) -> Any:
    """An optional number parameter: None when left empty."""
    value = parameters.get(name)
    if value is None or value == "":
        return None
    return kind(value)
