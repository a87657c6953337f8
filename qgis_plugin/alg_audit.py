"""gridplanner:audit — the coverage audit (全覆盖、无缝隙、不交叉) on a project or layers.

The same :func:`gridplanner.audit.run_audit` as ``gridplanner audit``; findings
become a point layer (every finding, at its representative point) and an area
layer (the findings that are areas: gaps, overlaps, slivers), and the HTML report
is the CLI's ``audit.html``.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ._tools import language, tr
from .alg_base import GridPlannerAlgorithm, new_feature, to_qgs_geometry

FINDING_FIELDS = (
    ("finding_id", QVariant.String),
    ("check", QVariant.String),
    ("title", QVariant.String),
    ("severity", QVariant.String),
    ("severity_zh", QVariant.String),
    ("level", QVariant.String),
    ("codes", QVariant.String),
    ("names", QVariant.String),
    ("message", QVariant.String),
    ("message_zh", QVariant.String),
    ("message_en", QVariant.String),
    ("area_m2", QVariant.Double),
    ("value", QVariant.Double),
    ("street", QVariant.String),
    ("community", QVariant.String),
)

#: (parameter, import level, label) for the "hierarchy layers" input, in import order
LAYER_INPUTS = (
    ("STREETS", "street", "乡镇/街道图层"),
    ("COMMUNITIES", "community", "村/社区图层"),
    ("COMPREHENSIVE_GRIDS", "comprehensive_grid", "综合网格图层"),
    ("GRIDS", "grid", "网格图层"),
    ("UNITS", "grid_unit", "网格单元图层"),
    ("BUILDINGS", "building", "楼栋图层"),
    ("WORKERS", "worker", "网格员表"),
)


class AuditAlgorithm(GridPlannerAlgorithm):
    """Audit coverage (全覆盖核查)."""

    ALG_NAME = "audit"
    PROJECT = "PROJECT"
    DISTRICT_NAME = "DISTRICT_NAME"
    SCOPE = "SCOPE"
    OUTPUT = "OUTPUT"
    AREAS = "AREAS"
    REPORT_HTML = "REPORT_HTML"

    def displayName(self) -> str:
        return tr("全覆盖核查")

    def shortHelpString(self) -> str:
        return tr(
            "核查网格层级是否全覆盖、无缝隙、不交叉: 缝隙、重叠、越界、楼栋未落入网格单元、"
            "编码错误、网格无网格员、户数配比超出范围等。与命令行 gridplanner audit "
            "使用同一个核心, 得到相同的问题清单。\n\n"
            "输入: 一个 gridplanner 项目文件 (.gpkg), 或者各层级的图层 "
            "(街道、社区、综合网格、网格、网格单元、楼栋、网格员), 图层先按字段名自动匹配"
            "导入一个临时项目 (字段名特殊时请先用“导入到项目”并指定字段)。\n"
            "范围: 可选, 只核查某个街道/社区/… 的编码。\n\n"
            "输出: 问题点图层 (每个问题一个点, 含严重程度和说明)、问题区域图层 "
            "(缝隙、重叠等面状问题) 和 HTML 报告。"
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.PROJECT, tr("gridplanner 项目文件"), extension="gpkg", optional=True
            )
        )
        for name, level, label in LAYER_INPUTS:
            kinds = (
                [QgsProcessing.TypeVector]
                if level == "worker"
                else [QgsProcessing.TypeVectorPoint]
                if level == "building"
                else [QgsProcessing.TypeVectorPolygon]
            )
            self.addParameter(
                QgsProcessingParameterVectorLayer(name, tr(label), kinds, optional=True)
            )
        self.addParameter(
            QgsProcessingParameterString(
                self.DISTRICT_NAME, tr("区/县名称 (用图层核查时)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(self.SCOPE, tr("核查范围编码"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, tr("核查问题"), QgsProcessing.TypeVectorPoint
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.AREAS, tr("核查问题区域"), QgsProcessing.TypeVectorPolygon, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.REPORT_HTML, tr("HTML 报告"), "HTML (*.html)", optional=True
            )
        )
        for key, label in (("BLOCKING", "阻断"), ("WARNING", "警告"), ("INFO", "提示")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))
        self.addOutput(QgsProcessingOutputNumber("EXIT_CODE", tr("退出码 (0 无问题, 2 有阻断)")))

    # ------------------------------------------------------------------------
    def execute(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from gridplanner.audit import Severity, run_audit

        project = self._project(parameters, context, feedback)
        scope = self.parameterAsString(parameters, self.SCOPE, context).strip() or None
        feedback.setProgressText(tr("核查 {name}", name=project.name))
        result = run_audit(
            project,
            scope=scope,
            progress=self.progress_for(feedback, 10, 85),
            cancel=self.cancel_for(feedback),
        )
        outputs: dict[str, Any] = {}
        outputs.update(self._write(parameters, context, result))
        html = self.parameterAsFileOutput(parameters, self.REPORT_HTML, context)
        if html:
            from pathlib import Path

            from gridplanner.audit.report_html import write_html

            feedback.setProgressText(tr("写入 HTML 报告"))
            write_html(project, result, Path(html), None)
            outputs[self.REPORT_HTML] = html
        counts = {
            "BLOCKING": result.count(Severity.BLOCKING),
            "WARNING": result.count(Severity.WARNING),
            "INFO": result.count(Severity.INFO),
        }
        outputs.update(counts)
        outputs["EXIT_CODE"] = result.exit_code
        feedback.pushInfo(
            tr(
                "核查 {name}: 阻断 {b} · 警告 {w} · 提示 {i} ({s:.1f} 秒)",
                name=result.project_name,
                b=counts["BLOCKING"],
                w=counts["WARNING"],
                i=counts["INFO"],
                s=result.seconds,
            )
        )
        feedback.setProgress(100)
        return outputs

    def _project(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> Any:
        from gridplanner.errors import GridPlannerError
        from gridplanner.exchange.importing import ImportOptions, import_file
        from gridplanner.model import Project
        from gridplanner.store import load_project

        path = self.parameterAsFile(parameters, self.PROJECT, context)
        given = [
            (name, level)
            for name, level, _ in LAYER_INPUTS
            if self.parameterAsVectorLayer(parameters, name, context) is not None
        ]
        if path and given:
            raise GridPlannerError("give either a project file or hierarchy layers, not both")
        if path:
            feedback.setProgressText(tr("读取 {path}", path=path))
            return load_project(path)
        if not given:
            raise GridPlannerError("give a gridplanner project file or the hierarchy layers")
        district = self.parameterAsString(parameters, self.DISTRICT_NAME, context) or None
        project = Project(name=district or "QGIS")
        for step, (name, level) in enumerate(given):
            formats = ("gpkg", "shp", "geojson", "csv", "xlsx")
            source, layer, label = self.source_path(parameters, name, context, feedback, formats)
            feedback.setProgressText(tr("导入 {label} ({level})", label=label, level=level))
            project, report = import_file(
                project, source, level, ImportOptions(layer=layer, district_name=district)
            )
            for line in report.lines():
                feedback.pushInfo(line)
            feedback.setProgress(10 * (step + 1) / len(given))
            if feedback.isCanceled():
                break
        return project

    def _write(
        self, parameters: dict[str, Any], context: QgsProcessingContext, result: Any
    ) -> dict[str, Any]:
        from gridplanner.audit import CHECKS

        lang = language()
        fields = QgsFields()
        for name, kind in FINDING_FIELDS:
            fields.append(QgsField(name, kind))
        crs = QgsCoordinateReferenceSystem("EPSG:4490")
        points, points_dest = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, QgsWkbTypes.Point, crs
        )
        if points is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        areas, areas_dest = self.parameterAsSink(
            parameters, self.AREAS, context, fields, QgsWkbTypes.MultiPolygon, crs
        )
        for f in result.findings:
            values = [
                f.id,
                f.check,
                CHECKS[f.check].title(lang),
                f.severity.value,
                f.severity.zh,
                f.level,
                " ".join(f.codes),
                " ".join(f.names),
                f.message(lang),
                f.message_zh,
                f.message_en,
                f.area_m2,
                None if f.value is None else float(f.value),
                f.street,
                f.community,
            ]
            where = f.location()
            point = (
                QgsGeometry.fromPointXY(QgsPointXY(where[0], where[1]))
                if where is not None
                else QgsGeometry()
            )
            points.addFeature(new_feature(fields, values, point), QgsFeatureSink.FastInsert)
            if areas is not None and f.geometry is not None:
                polygonal = _polygonal(f.geometry)
                if polygonal is not None:
                    geometry = to_qgs_geometry(polygonal)
                    geometry.convertToMultiType()
                    areas.addFeature(
                        new_feature(fields, values, geometry), QgsFeatureSink.FastInsert
                    )
        out = {self.OUTPUT: points_dest}
        if areas is not None:
            out[self.AREAS] = areas_dest
        return out


def _polygonal(geometry: Any) -> Any:
    """The polygon parts of a finding's geometry, or None when it has none."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry if not geometry.is_empty else None
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon | MultiPolygon)]
        if parts:
            return shapely.union_all(parts)
    return None
