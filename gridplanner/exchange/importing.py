"""Import planners' files into a project: one level (or buildings, or workers) per file.

The whole file is checked before anything changes; every problem names the file,
the feature (or row) and the field. :func:`import_into` edits a copy of the
project and saves it atomically only when the import succeeded, so a failing
import leaves the project file byte-identical.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridplanner.crs import STORAGE_CRS
from gridplanner.errors import CRSError
from gridplanner.exchange.fieldmap import guess_mapping, missing_required
from gridplanner.exchange.import_lines import LINE_KINDS, import_lines
from gridplanner.exchange.problems import ImportFailed, Problem
from gridplanner.exchange.reading import SourceTable, read_source
from gridplanner.exchange.repair import RepairedFeature, normalise_code_digits
from gridplanner.levels import Level
from gridplanner.model import FULL_TIME, PART_TIME, Project, parse_employment
from gridplanner.project_lock import project_lock
from gridplanner.store import load_project, save_project

#: What ``--level`` accepts.
IMPORT_LEVELS = (
    "street",
    "community",
    "comprehensive_grid",
    "grid",
    "unit",
    "grid_unit",
    "building",
    "worker",
    "district",  # last, so the QGIS plugin's saved level choices keep their indices
    *LINE_KINDS,  # barrier lines (roads with their class, rivers, railways, the coast)
)


@dataclass
class ImportOptions:
    """How to read a file and which columns hold what (None: guess)."""

    fields: Mapping[str, str | None] = field(default_factory=dict)
    layer: str | None = None
    encoding: str | None = None
    crs: str | None = None
    from_gcj02: bool = False
    lon_field: str | None = None
    lat_field: str | None = None
    district_name: str | None = None
    #: Make invalid polygons valid (their polygonal parts), reporting each one.
    repair: bool = False
    #: ``--level district`` only: the project path is a folder, one project per district.
    split_by_district: bool = False


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    level: str
    mapping: dict[str, str]
    added: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)
    #: Every polygon ``--repair`` changed, with its area before and after.
    repairs: list[RepairedFeature] = field(default_factory=list)
    #: With ``--split-by-district``: "CODE 名称 → path (new|updated)" per district.
    projects: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI and the app."""
        used = ", ".join(f"{t}←{c!r}" for t, c in self.mapping.items())
        out = [f"{self.file}: {self.level}: {self.added} added, {self.updated} updated"]
        out.append(f"  fields: {used}")
        out.extend(f"  {note}" for note in self.notes)
        out.extend(f"  {repaired.line()}" for repaired in self.repairs)
        out.extend(f"  {project}" for project in self.projects)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for ``--report``."""
        return {
            "file": self.file,
            "level": self.level,
            "added": self.added,
            "updated": self.updated,
            "fields": dict(self.mapping),
            "notes": list(self.notes),
            "repairs": [r.to_dict() for r in self.repairs],
            "projects": list(self.projects),
        }


def import_into(
    project_path: str | Path,
    source: str | Path,
    level: str,
    options: ImportOptions | None = None,
    wait: float = 0.0,
) -> ImportReport:
    """Import ``source`` into the project file (created when missing), saving atomically,
    holding the project's lock from reading to writing (``wait`` seconds for it)."""
    options = options or ImportOptions()
    if options.split_by_district:
        if _level_key(level) != Level.DISTRICT.value:
            raise ImportFailed(
                [Problem("--split-by-district", f"is for --level district, not {level}")]
            )
        from gridplanner.exchange.import_districts import import_split

        return import_split(project_path, source, options, wait)
    path = Path(project_path)
    with project_lock(path, wait):
        project = load_project(path) if path.exists() else Project(name=path.stem)
        updated, report = import_file(project, source, level, options)
        updated.record_version(author(), version_summary(report, report.added, report.updated))
        save_project(updated, path)
    return report


def version_summary(report: ImportReport, added: int, updated: int) -> str:
    """The history entry of an import."""
    text = f"导入 {report.file} ({report.level}): 新增 {added}，更新 {updated}"
    if report.repairs:
        text += f"，修复无效多边形 {len(report.repairs)} 个"
    return text


def import_file(
    project: Project, source: str | Path, level: str, options: ImportOptions | None = None
) -> tuple[Project, ImportReport]:
    """A copy of ``project`` with ``source`` imported; ``project`` itself is untouched."""
    options = options or ImportOptions()
    key = _level_key(level)
    if options.split_by_district:
        raise ImportFailed([Problem("--split-by-district", "writes projects: use import_into")])
    table, mapping, report = prepare_source(source, key, options, _zone_of(project))
    work = project.copy()
    kind = key if key in ("building", "worker") else "line" if key in LINE_KINDS else "node"
    if key == Level.DISTRICT.value:
        from gridplanner.exchange.import_districts import import_district

        import_district(work, table, mapping, report, options.repair)
    elif kind == "node":
        from gridplanner.exchange.import_nodes import import_nodes

        import_nodes(
            work, table, Level.parse(key), mapping, report, options.district_name, options.repair
        )
    elif kind == "line":
        import_lines(work, table, key, mapping, report)
    elif kind == "building":
        _import_buildings(work, table, mapping, report)
    else:
        _import_workers(work, table, mapping, report)
    return work, report


def prepare_source(
    source: str | Path, key: str, options: ImportOptions, zone_epsg: int | None
) -> tuple[SourceTable, dict[str, str], ImportReport]:
    """``source`` read and checked, its columns mapped (full-width digits in codes
    normalised), and the report started; ``zone_epsg`` (the project's Gauss–Krüger
    zone, if known) sharpens the advice for a file in metres without a CRS."""
    from gridplanner.exchange.package_source import is_package, package_table

    if is_package(source):  # an exchange package: the nodes of this level, or its roster
        table = package_table(source, key)
    else:
        table = read_source(
            source,
            layer=options.layer,
            encoding=options.encoding,
            crs=options.crs,
            from_gcj02=options.from_gcj02,
            lon_field=options.lon_field,
            lat_field=options.lat_field,
            zone_epsg=zone_epsg,
        )
    kind = key if key in ("building", "worker") else "line" if key in LINE_KINDS else "node"
    mapping = guess_mapping(table.attributes.columns, kind, key, options.fields)
    ignored = mapping.pop("parent", None) if key == Level.DISTRICT.value else None
    problems = [
        Problem(
            table.name,
            f"column {c!r} (given for {t}) does not exist; columns: "
            f"{', '.join(map(str, table.attributes.columns))}",
        )
        for t, c in mapping.items()
        if c not in table.attributes.columns
    ]
    problems += [
        Problem(
            table.name,
            f"no column found for {t}; name it with --{t.replace('_', '-')}-field "
            f"(columns: {', '.join(map(str, table.attributes.columns))})",
        )
        for t in missing_required(mapping, kind)
    ]
    if problems:
        raise ImportFailed(problems)
    report = ImportReport(table.name, key, mapping, notes=list(table.notes))
    if ignored is not None:  # a district is the root (DataV's "parent" is the city)
        report.notes.append(f"field {ignored!r} not used: a district is the root, it has no parent")
    report.notes.extend(normalise_code_digits(table, mapping))
    return table, mapping, report


def _zone_of(project: Project) -> int | None:
    """The EPSG code of the Gauss–Krüger zone the project measures in (None when empty)."""
    frame = project.nodes if not project.nodes.empty else project.buildings
    if frame.empty:
        return None
    try:
        return int(project.measuring_crs().split(":")[1])
    except (CRSError, ValueError, IndexError):
        return None


def _level_key(level: str) -> str:
    if level in ("building", "worker", *LINE_KINDS):
        return level
    try:
        return Level.parse(level).value
    except ValueError as exc:
        raise ImportFailed([Problem("--level", f"{exc}; or building, worker")]) from exc


def text_value(value: Any) -> str | None:
    """A cell as text: None when empty; integral numbers without ".0" (codes read as numbers)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def number_value(value: Any) -> float | None:
    """A cell as a number, or None when empty or not a number."""
    text = text_value(value)
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


# -- buildings ---------------------------------------------------------------------
def _import_buildings(
    project: Project, table: SourceTable, mapping: Mapping[str, str], report: ImportReport
) -> None:
    problems: list[Problem] = []
    if table.geometry is None:
        raise ImportFailed(
            [
                Problem(
                    table.name,
                    "has no coordinates: buildings need points (a "
                    "geometry, or longitude/latitude columns such as 经度/纬度)",
                )
            ]
        )
    attrs = table.attributes
    units = project.level(Level.GRID_UNIT)
    unit_by_code = {str(c): int(i) for i, c in zip(units.index, units["code"], strict=True)}
    rows: list[tuple[str, int, int, Any, Any]] = []
    representative = 0
    for i in range(len(attrs)):
        where = table.labels[i]
        geom = table.geometry[i]
        if geom is None or shapely.is_empty(geom):
            problems.append(Problem(table.name, "has no geometry", where))
            continue
        if geom.geom_type != "Point":
            if geom.geom_type in ("Polygon", "MultiPolygon", "MultiPoint") and geom.is_valid:
                geom = geom.representative_point()
                representative += 1
            else:
                problems.append(
                    Problem(
                        table.name,
                        f"{geom.geom_type} geometry is not a building point or footprint",
                        where,
                    )
                )
                continue
        households = number_value(attrs[mapping["households"]].iloc[i])
        if households is None or households < 0 or not float(households).is_integer():
            problems.append(
                Problem(
                    table.name,
                    "households must be a whole number ≥ 0, got "
                    f"{attrs[mapping['households']].iloc[i]!r}",
                    where,
                    mapping["households"],
                )
            )
            continue
        population = 0.0
        if "population" in mapping:
            got = number_value(attrs[mapping["population"]].iloc[i])
            if got is None or got < 0:
                problems.append(
                    Problem(
                        table.name, "population must be a number ≥ 0", where, mapping["population"]
                    )
                )
                continue
            population = got
        name = text_value(attrs[mapping["name"]].iloc[i]) if "name" in mapping else None
        unit: Any = pd.NA
        if "unit" in mapping:
            code = text_value(attrs[mapping["unit"]].iloc[i])
            if code is not None and code not in unit_by_code:
                problems.append(
                    Problem(
                        table.name,
                        f"grid unit {code} is not in the project",
                        where,
                        mapping["unit"],
                    )
                )
                continue
            unit = unit_by_code.get(code or "", pd.NA)
        rows.append((name or f"楼栋{i + 1}", int(households), round(population), unit, geom))
    if problems:
        raise ImportFailed(problems)
    frame = gpd.GeoDataFrame(
        {
            "name": [r[0] for r in rows],
            "households": pd.array([r[1] for r in rows], dtype="int64"),
            "population": pd.array([r[2] for r in rows], dtype="int64"),
            "unit_id": pd.array([r[3] for r in rows], dtype="Int64"),
        },
        index=pd.Index(project.new_ids(len(rows)), name="id"),
        geometry=[r[4] for r in rows],
        crs=STORAGE_CRS,
    )
    if "unit" not in mapping and len(frame) and len(units):
        tree = shapely.STRtree(units.geometry.to_numpy())
        points, hit = tree.query(frame.geometry.to_numpy(), predicate="within")
        first = pd.Series(units.index.to_numpy()[hit], index=points).groupby(level=0).first()
        unit_ids = pd.Series(first.to_numpy(), index=frame.index[first.index.to_numpy()])
        frame["unit_id"] = pd.array(unit_ids.reindex(frame.index), dtype="Int64")
        report.notes.append("buildings assigned to the grid unit they lie in")
    outside = int(frame["unit_id"].isna().sum())
    if outside:
        report.notes.append(f"{outside} building(s) lie in no grid unit (the audit will list them)")
    if representative:
        report.notes.append(f"{representative} footprint(s) reduced to a point inside them")
    project.buildings = frame if project.buildings.empty else pd.concat([project.buildings, frame])  # type: ignore[assignment]
    report.added = len(frame)


# -- workers -----------------------------------------------------------------------
def _import_workers(
    project: Project, table: SourceTable, mapping: Mapping[str, str], report: ImportReport
) -> None:
    problems: list[Problem] = []
    attrs = table.attributes
    grids = project.level(Level.GRID)
    grid_by_code = {str(c): int(i) for i, c in zip(grids.index, grids["code"], strict=True)}
    rows: list[tuple[str, str, str, float, int, str | None]] = []
    for i in range(len(attrs)):
        where = table.labels[i]
        name = text_value(attrs[mapping["name"]].iloc[i])
        code = text_value(attrs[mapping["grid"]].iloc[i])
        if name is None:
            problems.append(Problem(table.name, "the worker has no name", where, mapping["name"]))
            continue
        if code is None or code not in grid_by_code:
            problems.append(
                Problem(
                    table.name,
                    f"grid {code!r} is not in the project; import the grids first",
                    where,
                    mapping["grid"],
                )
            )
            continue
        employment_text = (
            text_value(attrs[mapping["employment"]].iloc[i]) if "employment" in mapping else None
        )
        role = text_value(attrs[mapping["role"]].iloc[i]) if "role" in mapping else None
        employment = employment_from_text(employment_text, role)
        part = employment == PART_TIME
        capacity = project.settings.part_time_capacity if part else 1.0
        if "capacity" in mapping and text_value(attrs[mapping["capacity"]].iloc[i]) is not None:
            got = number_value(attrs[mapping["capacity"]].iloc[i])
            if got is None or not 0 < got <= 1:
                problems.append(
                    Problem(
                        table.name,
                        "capacity must be a number in (0, 1]",
                        where,
                        mapping["capacity"],
                    )
                )
                continue
            capacity = got
        phone = text_value(attrs[mapping["phone"]].iloc[i]) if "phone" in mapping else None
        rows.append(
            (
                name,
                role or ("兼职网格员" if part else "专职网格员"),
                employment,
                capacity,
                grid_by_code[code],
                phone,
            )
        )
    if problems:
        raise ImportFailed(problems)
    frame = pd.DataFrame(
        rows, columns=["name", "role", "employment", "capacity", "grid_id", "phone"]
    )
    frame.index = pd.Index(project.new_ids(len(rows)), name="id")
    frame["grid_id"] = frame["grid_id"].astype("Int64")
    frame["capacity"] = frame["capacity"].astype("float64")
    project.workers = frame if project.workers.empty else pd.concat([project.workers, frame])
    report.added = len(frame)


def employment_from_text(employment: str | None, role: str | None = None) -> str:
    """An employment cell as a value: the value or its label in either language (as the
    XLSX export writes it); else part-time when the cell or the role says so (兼…,
    part…); full-time otherwise."""
    exact = parse_employment(employment) if employment else None
    if exact is not None:
        return exact
    hint = f"{employment or ''}{role or ''}".lower()
    return PART_TIME if "兼" in hint or "part" in hint else FULL_TIME


def author() -> str:
    """Who the history records as the importer (the login name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "gridplanner"
