"""gridplanner:balance — regroup unit polygons into contiguous grids of even households.

With a number of grids (or a target of households per worker) and nothing else,
this is exactly ``gridplanner partition LAYER --weight F --parts K --seed N``:
the same reader (:func:`read_polygons`), the same :func:`partition_layer`, so the
same labels. Worker capacities, an existing assignment and locks go to the same
:class:`BalancedPartitioner` on the same adjacency graph.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ._tools import tr
from .alg_base import GridPlannerAlgorithm, new_feature, to_qgs_geometry

REPORT_FIELDS = (
    ("part", QVariant.Int),
    ("units", QVariant.Int),
    ("households", QVariant.Double),
    ("capacity", QVariant.Double),
    ("target", QVariant.Double),
    ("ratio", QVariant.Double),
    ("deviation", QVariant.Double),
    ("contiguous", QVariant.Bool),
    ("polsby_popper", QVariant.Double),
)


class BalanceAlgorithm(GridPlannerAlgorithm):
    """Balance grids (平衡网格)."""

    ALG_NAME = "balance"
    INPUT = "INPUT"
    HOUSEHOLDS = "HOUSEHOLDS"
    PARTS = "PARTS"
    TARGET = "TARGET"
    CAPACITIES = "CAPACITIES"
    EXISTING = "EXISTING"
    LOCKED = "LOCKED"
    MIN_CHANGE = "MIN_CHANGE"
    ID_FIELD = "ID_FIELD"
    BAND = "BAND"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    GRIDS = "GRIDS"
    REPORT = "REPORT"

    def displayName(self) -> str:
        return tr("平衡网格")

    def shortHelpString(self) -> str:
        return tr(
            "把网格单元分成若干个连通的网格, 使每名网格员服务的户数尽量相等。"
            "与命令行 gridplanner partition 使用同一个核心: 相同的图层、网格数和随机种子"
            "得到相同的划分。\n\n"
            "户数字段: 每个网格单元的户数。\n"
            "网格数: 要划分的网格个数; 为 0 时按每名网格员目标户数计算 "
            "(总户数 ÷ 目标户数, 四舍五入)。\n"
            "网格员容量: 可选, 每个网格的网格员人数, 用逗号分隔 (兼职按 0.5 计), "
            "例如 1,1,0.5; 给出时网格数等于其个数。\n"
            "现有网格字段: 可选, 每个单元现在所属的网格; 配合最少调整和锁定使用。\n"
            "锁定字段: 可选, 值为真 (1/true/是) 的单元保留在现有网格中。\n"
            "允许偏差: 相对于各网格份额的允许偏差 (0.02 即 ±2%); 留空时与命令行 "
            "gridplanner partition 的默认值相同。\n"
            "目标户数只决定网格数 (总户数 ÷ 目标, 四舍五入), 与 gridplanner balance 相同; "
            "给出网格员容量时网格数等于其个数, 目标不再使用。\n\n"
            "输出: 带 part 字段 (给出现有网格字段时另有 part_grid: 延续的现有网格) 的网格单元、"
            "按 part 融合的网格图层, 以及每个网格的报告表 "
            "(户数、目标、偏差、是否连通、紧凑度)。"
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, tr("网格单元图层"), [QgsProcessing.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.HOUSEHOLDS,
                tr("户数字段"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.Numeric,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PARTS, tr("网格数 (0: 按目标户数)"), defaultValue=0, minValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TARGET,
                tr("每名网格员目标户数 (网格数为 0 时使用)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=0.0,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CAPACITIES, tr("网格员容量 (如 1,1,0.5)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.EXISTING,
                tr("现有网格字段"),
                parentLayerParameterName=self.INPUT,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.LOCKED, tr("锁定字段"), parentLayerParameterName=self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.MIN_CHANGE, tr("最少调整 (从现有网格出发, 尽量少移动户数)"), False
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.ID_FIELD,
                tr("编号字段 (用于提示信息)"),
                parentLayerParameterName=self.INPUT,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BAND,
                tr("允许偏差 (留空: 与命令行相同的默认值)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=None,
                optional=True,
                minValue=0.0,
                maxValue=1.0,
            )
        )
        self.addParameter(QgsProcessingParameterNumber(self.SEED, tr("随机种子"), defaultValue=0))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, tr("已分组的网格单元"), QgsProcessing.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.GRIDS, tr("网格 (融合)"), QgsProcessing.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.REPORT, tr("平衡报告"), QgsProcessing.TypeVector)
        )
        self.addOutput(QgsProcessingOutputNumber("MAX_DEVIATION", tr("最大偏差")))
        self.addOutput(QgsProcessingOutputNumber("BEST_ACHIEVABLE", tr("可达下限")))
        self.addOutput(QgsProcessingOutputNumber("ALL_CONTIGUOUS", tr("全部连通")))
        self.addOutput(QgsProcessingOutputNumber("BAND_OUT_OF_REACH", tr("已证明无法达标")))
        self.addOutput(QgsProcessingOutputString("METRIC_CRS", tr("量算坐标系")))

    # ------------------------------------------------------------------------
    def execute(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        import pandas as pd

        from gridplanner.balance_request import grids_for_target
        from gridplanner.errors import GridPlannerError
        from gridplanner.layer_partition import partition_layer, read_polygons

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        path, layer, label = self.source_path(parameters, self.INPUT, context, feedback)
        weight = self.parameterAsString(parameters, self.HOUSEHOLDS, context)
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context) or None
        existing_field = self.parameterAsString(parameters, self.EXISTING, context) or None
        locked_field = self.parameterAsString(parameters, self.LOCKED, context) or None
        parts = self.parameterAsInt(parameters, self.PARTS, context)
        target = self.parameterAsDouble(parameters, self.TARGET, context)
        seed = self.parameterAsInt(parameters, self.SEED, context)
        given = parameters.get(self.BAND)
        band = (
            core_default_band()
            if given is None or given == ""
            else self.parameterAsDouble(parameters, self.BAND, context)
        )
        min_change = self.parameterAsBoolean(parameters, self.MIN_CHANGE, context)
        capacities = _capacities(self.parameterAsString(parameters, self.CAPACITIES, context))

        feedback.setProgressText(tr("读取 {path}", path=label))
        frame = read_polygons(path, layer)
        if len(frame) != source.featureCount():
            raise QgsProcessingException(
                tr(
                    "{label}: QGIS 读到 {n} 个要素, 核心读到 {m} 个",
                    label=label,
                    n=source.featureCount(),
                    m=len(frame),
                )
            )
        if capacities:
            parts = len(capacities)
        elif parts == 0:
            if target <= 0:
                raise GridPlannerError(
                    f"{label}: give the number of grids (PARTS) or a target of households "
                    "per worker (TARGET)"
                )
            column = frame[weight] if weight in frame.columns else pd.Series(dtype=float)
            total = float(pd.to_numeric(column, errors="coerce").sum())
            parts = grids_for_target(total, target)  # the balancer's one rule
            feedback.pushInfo(
                tr(
                    "总户数 {total:.0f} ÷ 目标 {target:g} → {parts} 个网格",
                    total=total,
                    target=target,
                    parts=parts,
                )
            )
        progress = self.progress_for(feedback, 5, 90)
        extended = bool(capacities or existing_field or locked_field or min_change)
        if not extended:
            # exactly what `gridplanner partition` runs
            result = partition_layer(
                frame,
                weight,
                parts,
                source=label,
                id_field=id_field,
                seed=seed,
                band=band,
                progress=progress,
            )
            labels = result.features["part"].to_numpy()
            report, metric, grid_names = result.report, result.metric_crs, None
        else:
            labels, report, metric, grid_names = _balance_extended(
                frame,
                weight,
                parts,
                label,
                id_field,
                seed,
                band,
                capacities,
                existing_field,
                locked_field,
                min_change,
                progress,
                self.cancel_for(feedback),
            )
        feedback.setProgress(90)
        self._write_units(parameters, context, source, frame, labels, grid_names)
        outputs = self._write_grids(parameters, context, source, frame, labels, report)
        outputs.update(self._write_report(parameters, context, report))
        outputs.update(
            {
                "MAX_DEVIATION": float(report.max_abs_deviation),
                "BEST_ACHIEVABLE": float(report.best_achievable_deviation),
                "ALL_CONTIGUOUS": int(bool(report.all_contiguous)),
                "BAND_OUT_OF_REACH": int(bool(report.band_impossible)),
                "METRIC_CRS": metric,
            }
        )
        feedback.pushInfo(
            tr(
                "{n} 个单元 → {k} 个网格 (在 {crs} 中量算); 最大偏差 {dev:.1%}, "
                "可达下限 {best:.1%}; 全部连通: {contiguous}",
                n=len(frame),
                k=len(report.parts),
                crs=metric,
                dev=report.max_abs_deviation,
                best=report.best_achievable_deviation,
                contiguous=tr("是") if report.all_contiguous else tr("否"),
            )
        )
        if report.band_impossible:
            feedback.pushInfo(
                tr(
                    "±{band:.0%} 无法达到：已证明没有任何连通方案能让每个网格都在范围内"
                    "（单元太大）；可达下限即最好的方案",
                    band=report.band,
                )
            )
        feedback.setProgress(100)
        return outputs

    def _write_units(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        source: Any,
        frame: Any,
        labels: Any,
        grid_names: list[str] | None,
    ) -> None:
        """The input features plus ``part`` (and ``part_grid``: the existing grid it continues)."""
        fields = QgsFields(source.fields())
        fields.append(QgsField("part", QVariant.Int))
        if grid_names is not None:
            fields.append(QgsField("part_grid", QVariant.String))
        sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            fields,
            source.wkbType(),
            source.sourceCrs(),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        bounds = frame.geometry.bounds.to_numpy()
        for row, feature in enumerate(source.getFeatures()):
            if row >= len(labels):
                break
            box = feature.geometry().boundingBox()
            expected = bounds[row]
            scale = max(1.0, abs(float(expected[0])), abs(float(expected[1])))
            if abs(box.xMinimum() - expected[0]) > 1e-6 * scale or (
                abs(box.yMaximum() - expected[3]) > 1e-6 * scale
            ):
                raise QgsProcessingException(
                    tr("要素顺序与核心读取的顺序不一致 (第 {row} 个要素)", row=row)
                )
            part = int(labels[row])
            values = [*feature.attributes(), part]
            if grid_names is not None:
                values.append(grid_names[part] if part < len(grid_names) else None)
            out = new_feature(fields, values, feature.geometry())
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        self._units_dest = dest

    def _write_grids(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        source: Any,
        frame: Any,
        labels: Any,
        report: Any,
    ) -> dict[str, Any]:
        import shapely

        fields = _report_fields()
        sink, dest = self.parameterAsSink(
            parameters,
            self.GRIDS,
            context,
            fields,
            QgsWkbTypes.MultiPolygon,
            source.sourceCrs(),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.GRIDS))
        geoms = frame.geometry.make_valid().to_numpy()
        for part in report.parts:
            members = geoms[labels == part.part]
            union = shapely.union_all(members) if len(members) else None
            geometry = to_qgs_geometry(union)
            if not geometry.isEmpty():
                geometry.convertToMultiType()
            sink.addFeature(
                new_feature(fields, _report_values(part), geometry), QgsFeatureSink.FastInsert
            )
        return {self.OUTPUT: self._units_dest, self.GRIDS: dest}

    def _write_report(
        self, parameters: dict[str, Any], context: QgsProcessingContext, report: Any
    ) -> dict[str, Any]:
        from qgis.core import QgsCoordinateReferenceSystem

        fields = _report_fields()
        sink, dest = self.parameterAsSink(
            parameters,
            self.REPORT,
            context,
            fields,
            QgsWkbTypes.NoGeometry,
            QgsCoordinateReferenceSystem(),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.REPORT))
        for part in report.parts:
            sink.addFeature(new_feature(fields, _report_values(part)), QgsFeatureSink.FastInsert)
        return {self.REPORT: dest}


def core_default_band() -> float:
    """The band ``gridplanner partition`` uses when none is given (partition_layer's default)."""
    import inspect

    from gridplanner.layer_partition import partition_layer

    return float(inspect.signature(partition_layer).parameters["band"].default)


def _report_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in REPORT_FIELDS:
        fields.append(QgsField(name, kind))
    return fields


def _report_values(part: Any) -> list[Any]:
    return [getattr(part, name) for name, _ in REPORT_FIELDS]


def _capacities(text: str) -> list[float]:
    """``"1, 1.5,0.5"`` → [1.0, 1.5, 0.5]; refuses anything that is not a positive number."""
    from gridplanner.errors import GridPlannerError

    values = []
    for item in text.replace("，", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            value = float(item)
        except ValueError:
            raise GridPlannerError(
                f"worker capacities: {item!r} is not a number (write e.g. 1,1,0.5)"
            ) from None
        if value <= 0:
            raise GridPlannerError(f"worker capacities: {item} must be positive")
        values.append(value)
    return values


def _truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "t", "是", "锁定"}
    try:
        import pandas as pd

        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return bool(value)


def _balance_extended(
    frame: Any,
    weight: str,
    parts: int,
    label: str,
    id_field: str | None,
    seed: int,
    band: float,
    capacities: list[float],
    existing_field: str | None,
    locked_field: str | None,
    min_change: bool,
    progress: Any,
    cancel: Any,
) -> tuple[Any, Any, str, list[str] | None]:
    """Capacities, an existing assignment, locks: fields → arrays for :func:`partition_layer`."""
    import numpy as np

    from gridplanner.errors import GridPlannerError
    from gridplanner.layer_partition import partition_layer

    existing = None
    known: list[str] = []
    if existing_field:
        values = frame[existing_field]
        known = sorted({str(v) for v in values if _truthy_present(v)})
        index = {v: k for k, v in enumerate(known)}
        existing = np.array(
            [index[str(v)] if _truthy_present(v) else -1 for v in values], dtype=np.int64
        )
        if not capacities and parts == 0:
            parts = len(known)
        if len(known) > (len(capacities) or parts):
            raise GridPlannerError(
                f"{label}: field {existing_field} names {len(known)} grids but only "
                f"{len(capacities) or parts} are asked for"
            )
    locked = None
    if locked_field:
        locked = np.array([_truthy(v) for v in frame[locked_field]], dtype=bool)
    result = partition_layer(
        frame,
        weight,
        parts,
        source=label,
        id_field=id_field,
        seed=seed,
        band=band,
        progress=progress,
        capacities=capacities or None,
        existing=existing,
        locked=locked,
        min_change=min_change,
        cancel=cancel,
    )
    names = known if existing_field else None
    labels = result.features["part"].to_numpy(dtype=np.int64)
    return labels, result.report, result.metric_crs, names


def _truthy_present(value: Any) -> bool:
    """A cell that holds a value (not NULL/NaN/empty)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    try:
        import pandas as pd

        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True
