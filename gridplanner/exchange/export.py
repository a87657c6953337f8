"""Export the hierarchy: per-level GeoJSON, GeoPackage, Shapefile (GBK) and XLSX.

The exchange package itself is built in :mod:`gridplanner.exchange.package`, the
Shapefile in :mod:`~gridplanner.exchange.shapefile`, the workbook in
:mod:`~gridplanner.exchange.workbook`. Personal worker fields (phone) are left out
unless ``include_personal`` is set.

The machine-readable formats (package, GeoJSON, GeoPackage, Shapefile) carry the
code values the schemas prescribe (``grid``, ``dedicated``, ``part_time``); the XLSX
workbook is for people and reads in the chosen language (``lang``): headers, levels,
grid kinds (普通网格/专属网格) and employment (专职/兼职). The importer reads either
back. Every node column the project holds is exported, so a column added to the
model travels without touching the writers.

GeoPackage, Shapefile and GeoJSON can be written in a projected CRS (``crs``: ``gk``,
``gk-zone`` or ``EPSG:N``, see :mod:`~gridplanner.exchange.projected`); the default
stays CGCS2000 lon/lat. ``profile="cjt349"`` adds each grid's CJ/T 349-2010 code
(:mod:`~gridplanner.exchange.cjt349`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.geojson import oriented_frame
from gridplanner.exchange.output import file_beside, folder_beside
from gridplanner.exchange.problems import ExchangeError
from gridplanner.exchange.shapefile import SHAPEFILE_ENCODING, SHAPEFILE_FIELDS, write_shapefiles
from gridplanner.exchange.workbook import (
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    XLSX_WORDS,
    write_workbook,
)
from gridplanner.levels import LEVELS, Level
from gridplanner.model import PERSONAL_WORKER_FIELDS, Project
from gridplanner.rollups import compute_rollups

if TYPE_CHECKING:
    from gridplanner.exchange.audit_status import AuditStatus

EXPORT_FORMATS = ("package", "geojson", "gpkg", "shapefile", "xlsx")
#: Languages of the human-facing exports (the XLSX workbook).
EXPORT_LANGUAGES = ("zh", "en")
#: Export profiles: the default, and CJ/T 349-2010 grid codes (数字社区网格编码).
EXPORT_PROFILES = ("default", "cjt349")
#: Formats that can be written in a projected CRS.
PROJECTABLE_FORMATS = ("geojson", "gpkg", "shapefile")
#: The node columns every export starts with; other node columns follow dedicated_type.
NODE_FIELDS = ["code", "name", "level", "parent_code", "kind", "dedicated_type"]
ROLLUP_FIELDS = ["households", "population", "buildings", "workers", "worker_count"]
HIERARCHY_COLUMNS = NODE_FIELDS + ROLLUP_FIELDS
#: Model columns the table derives from (not copied as they are).
_DERIVED = {"code", "name", "level", "parent_id", "kind", "dedicated_type"}

__all__ = [
    "EXPORT_FORMATS",
    "FIELD_LABELS_EN",
    "FIELD_LABELS_ZH",
    "HIERARCHY_COLUMNS",
    "SHAPEFILE_ENCODING",
    "SHAPEFILE_FIELDS",
    "XLSX_WORDS",
    "export_project",
    "extra_node_columns",
    "hierarchy_table",
    "worker_table",
]


def extra_node_columns(project: Project) -> list[str]:
    """Node columns beyond code, name, level, parent, kind and dedicated type (e.g. a
    community's urban-rural code), in the model's order."""
    nodes = project.nodes
    return [c for c in nodes.columns if c not in _DERIVED and c != nodes.geometry.name]


def table_columns(table: pd.DataFrame) -> list[str]:
    """The attribute columns of a hierarchy table in export order."""
    return [c for c in table.columns if c != "geometry"]


def hierarchy_table(project: Project) -> gpd.GeoDataFrame:
    """Every node with its parent's code, every other node column and the rollups,
    root first, then by level and code."""
    nodes = project.nodes
    rollups = compute_rollups(project)
    codes = nodes["code"]
    parent_code = [None if pd.isna(p) else str(codes.get(int(p))) for p in nodes["parent_id"]]
    depth = nodes["level"].map({lv.value: lv.depth for lv in LEVELS})
    columns: dict[str, object] = {
        "code": nodes["code"].astype(object).to_numpy(),
        "name": nodes["name"].astype(object).to_numpy(),
        "level": nodes["level"].astype(object).to_numpy(),
        "parent_code": parent_code,
        "kind": nodes["kind"].astype(object).to_numpy(),
        "dedicated_type": [_value(v) for v in nodes["dedicated_type"]],
    }
    for extra in extra_node_columns(project):
        columns[extra] = [_value(v) for v in nodes[extra]]
    columns.update(
        {
            "households": rollups["households"].to_numpy(),
            "population": rollups["population"].to_numpy(),
            "buildings": rollups["buildings"].to_numpy(),
            "workers": rollups["workers"].astype(float).to_numpy(),
            "worker_count": rollups["worker_count"].to_numpy(),
            "_depth": depth.to_numpy(),
        }
    )
    table = gpd.GeoDataFrame(
        columns, index=nodes.index.copy(), geometry=nodes.geometry.to_numpy(), crs=STORAGE_CRS
    )
    table = table.sort_values(["_depth", "code"], kind="stable").drop(columns="_depth")
    return table  # type: ignore[return-value]


def _value(value: object) -> object:
    """A cell as a plain value: None for empty (NaN, NA)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value  # type: ignore[call-overload]


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
    *,
    crs: str | None = None,
    profile: str = "default",
    object_code: str | None = None,
    merge_communities: Sequence[Sequence[str]] = (),
    audit: AuditStatus | None = None,
) -> list[Path]:
    """Write ``project`` in ``fmt`` to ``out``; returns the files written.

    ``lang`` ("zh" or "en") is the language of the XLSX workbook; the other formats
    are read by programs and keep the code values whatever ``lang`` is. ``crs``
    projects GeoPackage, Shapefile and GeoJSON (``gk``, ``gk-zone``, ``EPSG:N``).
    ``profile="cjt349"`` adds CJ/T 349-2010 grid codes (``object_code``: the 6-digit
    CJ/T 348 object code; ``merge_communities``: groups of community codes that form
    one grid, numbered from 601). ``audit``: the plan's audit status for the package's
    manifest (run here when not given)."""
    _check_options(fmt, lang, crs, profile)
    target = Path(out)
    if not target.parent.exists():
        raise ExchangeError(f"{target}: folder {target.parent} does not exist")
    cjt349 = None
    if profile == "cjt349":
        from gridplanner.exchange.cjt349 import CJT349Options, cjt349_mapping

        cjt349 = cjt349_mapping(project, CJT349Options.make(object_code, merge_communities))
    if fmt == "package":
        from gridplanner.exchange.audit_status import audit_status
        from gridplanner.exchange.package import build_package, read_package, write_package

        base_package = read_package(base) if base else None
        status = audit if audit is not None else audit_status(project)
        package = build_package(project, include_personal, base_package, status, cjt349)
        return [write_package(package, target)]
    table = hierarchy_table(project)
    if cjt349 is not None:
        table = cjt349.add_column(table)
    if fmt == "xlsx":
        workers = worker_table(project, include_personal)
        return [
            write_workbook(table, table_columns(table), workers, target, include_personal, lang)
        ]
    epsg = None
    if crs is not None:
        from gridplanner.exchange.projected import export_epsg

        epsg = export_epsg(crs, project)
    levels = [(lv, _to_crs(table[table["level"] == lv.value], epsg)) for lv in LEVELS]
    if fmt == "geojson":
        return _export_geojson(levels, target, projected=epsg is not None)
    if fmt == "gpkg":
        return _export_gpkg(project, levels, target, include_personal, epsg)
    return write_shapefiles(levels, target, FIELD_LABELS_ZH)


def _check_options(fmt: str, lang: str, crs: str | None, profile: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise ExchangeError(
            f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}"
        )
    if lang not in EXPORT_LANGUAGES:
        raise ExchangeError(
            f"unknown export language {lang!r}; expected one of {', '.join(EXPORT_LANGUAGES)}"
        )
    if profile not in EXPORT_PROFILES:
        raise ExchangeError(
            f"unknown export profile {profile!r}; expected one of {', '.join(EXPORT_PROFILES)}"
        )
    if crs is not None and fmt not in PROJECTABLE_FORMATS:
        raise ExchangeError(
            f"--crs applies to {', '.join(PROJECTABLE_FORMATS)}; the {fmt} format is "
            "CGCS2000 longitude/latitude (EPSG:4490)"
            + (" as the package schema prescribes" if fmt == "package" else "")
        )


def _to_crs(frame: gpd.GeoDataFrame, epsg: int | None) -> gpd.GeoDataFrame:
    frame = frame.reset_index(drop=True)
    return frame if epsg is None else frame.to_crs(epsg=epsg)


def _export_geojson(
    levels: list[tuple[Level, gpd.GeoDataFrame]], target: Path, projected: bool
) -> list[Path]:
    """One FeatureCollection per level. Lon/lat: RFC 7946 (WGS84 ≡ CGCS2000 at cm level,
    7 decimals). Projected: a ``crs`` member names the EPSG code (RFC 7946 has no CRS,
    so this is the 2008 GeoJSON form GDAL, QGIS and ArcGIS read). Both with
    counter-clockwise exterior rings and clockwise holes."""
    names = []
    options = {"WRITE_NAME": "NO"} if projected else {"RFC7946": "YES", "WRITE_NAME": "NO"}
    with folder_beside(target) as folder:
        for level, frame in levels:
            pyogrio.write_dataframe(
                oriented_frame(frame),
                folder / f"{level.value}.geojson",
                driver="GeoJSON",
                layer_options=options,
            )
            names.append(f"{level.value}.geojson")
    return [target / name for name in names]


def _export_gpkg(
    project: Project,
    levels: list[tuple[Level, gpd.GeoDataFrame]],
    target: Path,
    include_personal: bool,
    epsg: int | None,
) -> list[Path]:
    with file_beside(target) as temp:
        for level, frame in levels:
            pyogrio.write_dataframe(
                frame, temp, layer=level.value, driver="GPKG", promote_to_multi=True
            )
        buildings = project.buildings.copy()
        codes = project.nodes["code"]
        buildings["unit_code"] = [
            None if pd.isna(u) else codes.get(int(u)) for u in buildings["unit_id"]
        ]
        pyogrio.write_dataframe(
            _to_crs(buildings.drop(columns="unit_id"), epsg),
            temp,
            layer="building",
            driver="GPKG",
        )
        workers = worker_table(project, include_personal)
        if len(workers):
            pyogrio.write_dataframe(workers, temp, layer="worker", driver="GPKG")
    return [target]
