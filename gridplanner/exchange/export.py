"""Export the hierarchy: per-level GeoJSON, GeoPackage, Shapefile (GBK) and XLSX.

The exchange package itself is built in :mod:`gridplanner.exchange.package`.
Personal worker fields (phone) are left out unless ``include_personal`` is set.

The machine-readable formats (package, GeoJSON, GeoPackage, Shapefile) carry the
code values the schemas prescribe (``grid``, ``dedicated``, ``part_time``); the XLSX
workbook is for people and reads in the chosen language (``lang``): headers, levels,
grid kinds (普通网格/专属网格) and employment (专职/兼职). The importer reads either
back.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from openpyxl import Workbook

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.output import file_beside, folder_beside
from gridplanner.exchange.problems import ExchangeError
from gridplanner.levels import LEVELS, Level, NodeKind, kind_label
from gridplanner.model import PERSONAL_WORKER_FIELDS, Project, employment_label
from gridplanner.rollups import compute_rollups

EXPORT_FORMATS = ("package", "geojson", "gpkg", "shapefile", "xlsx")
#: Languages of the human-facing exports (the XLSX workbook).
EXPORT_LANGUAGES = ("zh", "en")
HIERARCHY_COLUMNS = [
    "code",
    "name",
    "level",
    "parent_code",
    "kind",
    "dedicated_type",
    "households",
    "population",
    "buildings",
    "workers",
    "worker_count",
]
#: Shapefile field names are at most 10 characters; this is the documented mapping.
SHAPEFILE_FIELDS = {
    "code": "code",
    "name": "name",
    "level": "level",
    "parent_code": "parent",
    "kind": "kind",
    "dedicated_type": "dedi_type",
    "households": "households",
    "population": "population",
    "buildings": "buildings",
    "workers": "workers",
    "worker_count": "wrk_count",
}
FIELD_LABELS_ZH = {
    "code": "编码",
    "name": "名称",
    "level": "层级",
    "parent_code": "上级编码",
    "kind": "网格类型",
    "dedicated_type": "专属类型",
    "households": "户数",
    "population": "人口",
    "buildings": "楼栋数",
    "workers": "网格员（折算）",
    "worker_count": "网格员人数",
}
FIELD_LABELS_EN = {
    "code": "Code",
    "name": "Name",
    "level": "Level",
    "parent_code": "Parent code",
    "kind": "Grid kind",
    "dedicated_type": "Dedicated type",
    "households": "Households",
    "population": "Population",
    "buildings": "Buildings",
    "workers": "Workers (full-time equivalent)",
    "worker_count": "Worker count",
}
#: The XLSX workbook's words that are not field labels (zh, en).
XLSX_WORDS = {
    "ratio": ("户/人", "Households per worker"),
    "hierarchy": ("层级", "Hierarchy"),
    "roster": ("网格员", "Workers"),
    "roster_headers": (
        ("姓名", "角色", "专兼职", "折算", "网格编码"),
        ("Name", "Role", "Employment", "Capacity", "Grid code"),
    ),
    "phone": ("联系电话", "Phone"),
}
SHAPEFILE_ENCODING = "GBK"


def hierarchy_table(project: Project) -> gpd.GeoDataFrame:
    """Every node with its parent's code and rollups, root first, then by level and code."""
    nodes = project.nodes
    rollups = compute_rollups(project)
    codes = nodes["code"]
    parent_code = [None if pd.isna(p) else str(codes.get(int(p))) for p in nodes["parent_id"]]
    depth = nodes["level"].map({lv.value: lv.depth for lv in LEVELS})
    table = gpd.GeoDataFrame(
        {
            "code": nodes["code"].astype(object).to_numpy(),
            "name": nodes["name"].astype(object).to_numpy(),
            "level": nodes["level"].astype(object).to_numpy(),
            "parent_code": parent_code,
            "kind": nodes["kind"].astype(object).to_numpy(),
            "dedicated_type": [None if pd.isna(v) else v for v in nodes["dedicated_type"]],
            "households": rollups["households"].to_numpy(),
            "population": rollups["population"].to_numpy(),
            "buildings": rollups["buildings"].to_numpy(),
            "workers": rollups["workers"].astype(float).to_numpy(),
            "worker_count": rollups["worker_count"].to_numpy(),
            "_depth": depth.to_numpy(),
        },
        index=nodes.index.copy(),
        geometry=nodes.geometry.to_numpy(),
        crs=STORAGE_CRS,
    )
    table = table.sort_values(["_depth", "code"], kind="stable").drop(columns="_depth")
    return table  # type: ignore[return-value]


def worker_table(project: Project, include_personal: bool = False) -> pd.DataFrame:
    """The roster with the grid's code; personal fields only when asked for."""
    workers = project.workers
    codes = project.nodes["code"]
    table = pd.DataFrame(
        {
            "name": workers["name"].astype(object).to_numpy(),
            "role": workers["role"].astype(object).to_numpy(),
            "employment": workers["employment"].astype(object).to_numpy(),
            "capacity": workers["capacity"].astype(float).to_numpy(),
            "grid_code": [None if pd.isna(g) else codes.get(int(g)) for g in workers["grid_id"]],
        }
    )
    if include_personal:
        for column in PERSONAL_WORKER_FIELDS:
            table[column] = [None if pd.isna(v) else str(v) for v in workers[column]]
    return table.sort_values(["grid_code", "name"], kind="stable").reset_index(drop=True)


def export_project(
    project: Project,
    fmt: str,
    out: str | Path,
    include_personal: bool = False,
    base: str | Path | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write ``project`` in ``fmt`` to ``out``; returns the files written.

    ``lang`` ("zh" or "en") is the language of the XLSX workbook; the other formats
    are read by programs and keep the code values whatever ``lang`` is."""
    if lang not in EXPORT_LANGUAGES:
        raise ExchangeError(
            f"unknown export language {lang!r}; expected one of {', '.join(EXPORT_LANGUAGES)}"
        )
    target = Path(out)
    if not target.parent.exists():
        raise ExchangeError(f"{target}: folder {target.parent} does not exist")
    if fmt == "package":
        from gridplanner.exchange.package import build_package, read_package, write_package

        base_package = read_package(base) if base else None
        return [write_package(build_package(project, include_personal, base_package), target)]
    if fmt == "geojson":
        return _export_geojson(project, target)
    if fmt == "gpkg":
        return _export_gpkg(project, target, include_personal)
    if fmt == "shapefile":
        return _export_shapefile(project, target)
    if fmt == "xlsx":
        return [_export_xlsx(project, target, include_personal, lang)]
    raise ExchangeError(
        f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}"
    )


def _levels(project: Project) -> list[tuple[Level, gpd.GeoDataFrame]]:
    table = hierarchy_table(project)
    return [(lv, table[table["level"] == lv.value]) for lv in LEVELS]


def _export_geojson(project: Project, target: Path) -> list[Path]:
    """One RFC 7946 FeatureCollection per level (WGS84 lon/lat, counter-clockwise rings)."""
    names = []
    with folder_beside(target) as folder:
        for level, frame in _levels(project):
            pyogrio.write_dataframe(
                frame.reset_index(drop=True),
                folder / f"{level.value}.geojson",
                driver="GeoJSON",
                layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
            )
            names.append(f"{level.value}.geojson")
    return [target / name for name in names]


def _export_gpkg(project: Project, target: Path, include_personal: bool) -> list[Path]:
    with file_beside(target) as temp:
        for level, frame in _levels(project):
            pyogrio.write_dataframe(
                frame.reset_index(drop=True),
                temp,
                layer=level.value,
                driver="GPKG",
                promote_to_multi=True,
            )
        buildings = project.buildings.copy()
        codes = project.nodes["code"]
        buildings["unit_code"] = [
            None if pd.isna(u) else codes.get(int(u)) for u in buildings["unit_id"]
        ]
        pyogrio.write_dataframe(
            buildings.drop(columns="unit_id").reset_index(drop=True),
            temp,
            layer="building",
            driver="GPKG",
        )
        workers = worker_table(project, include_personal)
        if len(workers):
            pyogrio.write_dataframe(workers, temp, layer="worker", driver="GPKG")
    return [target]


def _export_shapefile(project: Project, target: Path) -> list[Path]:
    """GBK Shapefiles with ``.cpg``, one per level, plus 字段说明.csv documenting field names."""
    levels = _levels(project)
    for level, frame in levels:
        for value, code in zip(frame["name"], frame["code"], strict=True):
            try:
                str(value).encode("gbk")
            except UnicodeEncodeError as exc:
                raise ExchangeError(
                    f"{level.value} {code}: name {value!r} has a character GBK cannot hold "
                    f"({value[exc.start : exc.end]!r}); export GeoPackage or GeoJSON instead"
                ) from exc
    names = []
    with folder_beside(target) as folder:
        for level, frame in levels:
            shp = frame.reset_index(drop=True).rename(columns=SHAPEFILE_FIELDS)
            pyogrio.write_dataframe(
                shp,
                folder / f"{level.value}.shp",
                driver="ESRI Shapefile",
                encoding=SHAPEFILE_ENCODING,
                promote_to_multi=True,
            )
            names.append(f"{level.value}.shp")
        lines = ["shapefile_field,full_name,中文"]
        lines += [
            f"{short},{full},{FIELD_LABELS_ZH[full]}" for full, short in SHAPEFILE_FIELDS.items()
        ]
        (folder / "字段说明.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        names.append("字段说明.csv")
    return [target / name for name in names]


def _words(key: str, lang: str) -> Any:
    zh, en = XLSX_WORDS[key]
    return en if lang == "en" else zh


def _kind_cell(level: str, kind: object, lang: str) -> str | None:
    """普通网格/专属网格 on grids; empty on other levels, where every node is ordinary."""
    if level != Level.GRID.value and kind == NodeKind.ORDINARY.value:
        return None
    return kind_label(kind, lang)


def _export_xlsx(project: Project, target: Path, include_personal: bool, lang: str) -> Path:
    """The hierarchy as a table in ``lang``; codes are stored as text so leading digits
    never change."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _words("hierarchy", lang)
    table = hierarchy_table(project)
    labels = FIELD_LABELS_EN if lang == "en" else FIELD_LABELS_ZH
    headers = [labels[c] for c in HIERARCHY_COLUMNS] + [_words("ratio", lang)]
    sheet.append(headers)
    level_names = {lv.value: lv.label(lang) for lv in LEVELS}
    for row in table[HIERARCHY_COLUMNS].itertuples(index=False):
        ratio = round(row.households / row.workers, 1) if row.workers else None
        values = [
            row.code,
            row.name,
            level_names[row.level],
            row.parent_code,
            _kind_cell(row.level, row.kind, lang),
            row.dedicated_type,
            int(row.households),
            int(row.population),
            int(row.buildings),
            float(row.workers),
            int(row.worker_count),
            ratio,
        ]
        sheet.append(values)
    for column in ("A", "D"):
        for cell in sheet[column]:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["D"].width = 24
    roster = workbook.create_sheet(_words("roster", lang))
    workers = worker_table(project, include_personal)
    workers["employment"] = [employment_label(e, lang) for e in workers["employment"]]
    roster.append(
        list(_words("roster_headers", lang)) + ([_words("phone", lang)] if include_personal else [])
    )
    for worker in workers.itertuples(index=False):
        roster.append(list(worker))
    for cell in roster["E"]:
        cell.number_format = "@"
    buffer = io.BytesIO()  # in memory first: openpyxl's own file handling would leave a
    workbook.save(buffer)  # broken zip object behind on a full disk
    with file_beside(target) as temp:
        temp.write_bytes(buffer.getvalue())
    return target
