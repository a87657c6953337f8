"""gridplanner:export and gridplanner:import — the exchange package and imports.

The same :func:`export_project` and :func:`import_into` as ``gridplanner export``
and ``gridplanner import``: a failing import names the file, the feature and the
field, and leaves the project file untouched.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ._tools import tr
from .alg_base import GridPlannerAlgorithm

#: gridplanner.exchange.export.EXPORT_FORMATS, with labels (checked by a test)
EXPORT_FORMATS = (
    ("package", "数据交换包 (.zip 或文件夹)"),
    ("geojson", "GeoJSON (每个层级一个文件, 文件夹)"),
    ("gpkg", "GeoPackage"),
    ("shapefile", "Shapefile (GBK 编码, 文件夹)"),
    ("xlsx", "Excel 层级表"),
)
#: gridplanner.exchange.importing.IMPORT_LEVELS (less the "unit" alias), with labels
IMPORT_LEVELS = (
    ("street", "乡镇/街道"),
    ("community", "村/社区"),
    ("comprehensive_grid", "综合网格"),
    ("grid", "网格"),
    ("grid_unit", "网格单元"),
    ("building", "楼栋"),
    ("worker", "网格员"),
    ("district", "区县 (一个文件一个区县)"),  # last: saved models keep their indices
    ("road", "道路 (可带道路等级)"),
    ("river", "河流"),
    ("railway", "铁路"),
    ("coast", "海岸线"),
)
#: gridplanner.exchange.command.FIELD_OPTIONS, with labels
FIELD_OPTIONS = (
    ("code", "编码字段"),
    ("name", "名称字段"),
    ("parent", "上级编码字段"),
    ("households", "户数字段"),
    ("population", "人口字段"),
    ("unit", "所属网格单元字段"),
    ("grid", "所属网格字段"),
    ("role", "角色字段"),
    ("employment", "专职/兼职字段"),
    ("capacity", "折算人数字段"),
    ("phone", "电话字段"),
    ("kind", "网格类型字段"),
    ("dedicated_type", "专属网格类型字段"),
    ("road_class", "道路等级字段"),
)


class ExportAlgorithm(GridPlannerAlgorithm):
    """Export exchange package (导出数据交换包)."""

    ALG_NAME = "export"
    PROJECT = "PROJECT"
    FORMAT = "FORMAT"
    OUTPUT = "OUTPUT"
    INCLUDE_PERSONAL = "INCLUDE_PERSONAL"
    SINCE = "SINCE"

    def displayName(self) -> str:
        return tr("导出数据交换包")

    def shortHelpString(self) -> str:
        return tr(
            "把 gridplanner 项目导出为上级信息化平台的数据交换包 (manifest.json、各层级节点、"
            "网格员名单、变更集 changes.json), 或导出为 GeoJSON、GeoPackage、Shapefile、"
            "Excel。与命令行 gridplanner export 相同。\n\n"
            "上一版交换包: 可选, 给出时按它计算变更集 (新增、撤销、拆分、合并的编码)。\n"
            "包含个人信息: 默认不导出网格员电话等个人字段。"
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(self.PROJECT, tr("gridplanner 项目文件"), extension="gpkg")
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.FORMAT, tr("格式"), [tr(label) for _, label in EXPORT_FORMATS], defaultValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("输出 (文件或文件夹)"), tr("数据交换包 (*.zip);;所有文件 (*)")
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.INCLUDE_PERSONAL, tr("包含个人信息 (电话)"), False)
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.SINCE,
                tr("上一版交换包 (计算变更集)"),
                behavior=QgsProcessingParameterFile.File,
                optional=True,
            )
        )
        self.addOutput(QgsProcessingOutputString("FILES", tr("写入的文件")))

    def execute(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from gridplanner.exchange.export import export_project
        from gridplanner.store import load_project

        path = self.parameterAsFile(parameters, self.PROJECT, context)
        fmt = EXPORT_FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)][0]
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        personal = self.parameterAsBoolean(parameters, self.INCLUDE_PERSONAL, context)
        since = self.parameterAsFile(parameters, self.SINCE, context) or None
        feedback.setProgressText(tr("读取 {path}", path=path))
        project = load_project(path)
        feedback.setProgress(30)
        if feedback.isCanceled():
            return {}
        written = export_project(project, fmt, out, personal, since)
        for item in written:
            feedback.pushInfo(str(item))
        if not personal:
            feedback.pushInfo(tr("未导出网格员电话等个人字段; 需要时勾选“包含个人信息”"))
        feedback.setProgress(100)
        return {self.OUTPUT: out, "FILES": ";".join(str(p) for p in written)}


class ImportAlgorithm(GridPlannerAlgorithm):
    """Import into a project (导入到项目)."""

    ALG_NAME = "import"
    PROJECT = "PROJECT"
    INPUT = "INPUT"
    LEVEL = "LEVEL"
    LON_FIELD = "LON_FIELD"
    LAT_FIELD = "LAT_FIELD"
    ENCODING = "ENCODING"
    CRS = "CRS"
    FROM_GCJ02 = "FROM_GCJ02"
    REPAIR = "REPAIR"
    DISTRICT_NAME = "DISTRICT_NAME"

    def displayName(self) -> str:
        return tr("导入到项目")

    def shortHelpString(self) -> str:
        return tr(
            "把一个图层 (GeoPackage、GeoJSON、Shapefile、CSV/XLSX) 作为某一层级、楼栋或"
            "网格员导入 gridplanner 项目 (不存在时新建)。与命令行 gridplanner import 相同: "
            "先检查整个文件, 有问题时指出文件、要素和字段, 项目文件保持不变。\n\n"
            "字段: 留空时按字段名自动匹配。\n"
            "坐标系: 文件没有坐标系 (或有误) 时指定。\n"
            "GCJ-02: 坐标来自网络地图 (火星坐标) 时勾选, 将转换为 CGCS2000。"
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.PROJECT, tr("gridplanner 项目文件 (不存在时新建)"), "GeoPackage (*.gpkg)"
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.INPUT, tr("要导入的图层"), [QgsProcessing.TypeVector]
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.LEVEL, tr("层级"), [tr(label) for _, label in IMPORT_LEVELS]
            )
        )
        for target, label in FIELD_OPTIONS:
            self.addParameter(
                QgsProcessingParameterField(
                    _field_param(target),
                    tr(label),
                    parentLayerParameterName=self.INPUT,
                    optional=True,
                )
            )
        for name, label in ((self.LON_FIELD, "经度字段"), (self.LAT_FIELD, "纬度字段")):
            self.addParameter(
                QgsProcessingParameterField(
                    name, tr(label), parentLayerParameterName=self.INPUT, optional=True
                )
            )
        self.addParameter(
            QgsProcessingParameterString(
                self.ENCODING, tr("文字编码 (gbk、utf-8; 留空自动识别)"), optional=True
            )
        )
        self.addParameter(QgsProcessingParameterCrs(self.CRS, tr("数据坐标系"), optional=True))
        self.addParameter(
            QgsProcessingParameterBoolean(self.FROM_GCJ02, tr("坐标为 GCJ-02 (网络地图)"), False)
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.REPAIR, tr("修复无效多边形 (报告面积变化)"), False)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.DISTRICT_NAME, tr("区/县名称 (首次导入街道时)"), optional=True
            )
        )
        self.addOutput(QgsProcessingOutputNumber("ADDED", tr("新增")))
        self.addOutput(QgsProcessingOutputNumber("UPDATED", tr("更新")))

    def execute(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from gridplanner.exchange.importing import ImportOptions, import_into

        project = self.parameterAsFileOutput(parameters, self.PROJECT, context)
        level = IMPORT_LEVELS[self.parameterAsEnum(parameters, self.LEVEL, context)][0]
        formats = ("gpkg", "shp", "geojson", "json", "csv", "xlsx")
        source, layer, label = self.source_path(parameters, self.INPUT, context, feedback, formats)
        fields = {
            target: value
            for target, _ in FIELD_OPTIONS
            if (value := self.parameterAsString(parameters, _field_param(target), context))
        }
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        options = ImportOptions(
            fields=fields,
            layer=layer,
            encoding=self.parameterAsString(parameters, self.ENCODING, context) or None,
            crs=crs.authid() if crs.isValid() else None,
            from_gcj02=self.parameterAsBoolean(parameters, self.FROM_GCJ02, context),
            repair=self.parameterAsBoolean(parameters, self.REPAIR, context),
            lon_field=self.parameterAsString(parameters, self.LON_FIELD, context) or None,
            lat_field=self.parameterAsString(parameters, self.LAT_FIELD, context) or None,
            district_name=self.parameterAsString(parameters, self.DISTRICT_NAME, context) or None,
        )
        feedback.setProgressText(tr("导入 {label} ({level})", label=label, level=level))
        report = import_into(project, source, level, options)
        for line in report.lines():
            feedback.pushInfo(line)
        feedback.setProgress(100)
        return {self.PROJECT: project, "ADDED": report.added, "UPDATED": report.updated}


def _field_param(target: str) -> str:
    return f"{target.upper()}_FIELD"
