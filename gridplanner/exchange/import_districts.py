"""Import districts (区/县/县级市, 6-digit GB/T 2260 codes): a project's root.

A project holds exactly one district, its root (:attr:`Project.root_id`): the audit,
the rollups, the exchange package (one region code per manifest) and the push all
work on one district's tree. So a file of one district imports into a project, and a
city's file of several districts (DataV-style GeoJSON with ``adcode``/``name``) is
split: ``--split-by-district`` writes one project per district into a folder
(``CODE_名称.gpkg``; an existing ``CODE_*.gpkg`` there is updated in place). Every
feature is checked before any project is written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from gridplanner.code_rules import district_list_violations, district_name, district_violations
from gridplanner.codes import CodeScheme
from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.problems import ImportFailed, Problem
from gridplanner.exchange.repair import check_polygon
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.project_lock import project_lock
from gridplanner.store import load_project, save_project

if TYPE_CHECKING:
    from gridplanner.exchange.importing import ImportOptions, ImportReport
    from gridplanner.exchange.reading import SourceTable

#: Districts named in the refusal of a several-district file before "…".
SHOWN_DISTRICTS = 4
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class DistrictRow:
    """One checked feature of a district file."""

    where: str
    code: str
    name: str
    geometry: Any


def check_districts(
    table: SourceTable,
    mapping: Mapping[str, str],
    scheme: CodeScheme,
    report: ImportReport,
    repair: bool,
    retired: Mapping[str, int] | None = None,
) -> list[DistrictRow]:
    """Every feature checked (code, name, polygon); raises :class:`ImportFailed` with
    all problems, else the rows."""
    from gridplanner.exchange.importing import text_value

    attrs = table.attributes
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    rows: list[DistrictRow] = []
    for i in range(len(attrs)):
        where = table.labels[i]
        code = text_value(attrs[mapping["code"]].iloc[i])
        name = text_value(attrs[mapping["name"]].iloc[i])
        if code is None:
            problems.append(Problem(table.name, "the code is empty", where, mapping["code"]))
            continue
        found = scheme.problems(code, Level.DISTRICT)
        if not found:  # GB/T 2260 structure: 210200 is a prefecture, 990000 no province
            found = [v.message("en") for v in district_violations(code) if v.blocking]
        if not found and code in seen:
            found = [f"code {code} repeats ({seen[code]} has it too)"]
        if not found and retired and code in retired:
            found = [f"code {code} was retired and is never reused for a new area"]
        problems.extend(Problem(table.name, p, where, mapping["code"]) for p in found)
        seen.setdefault(code, where)
        if name is None:
            problems.append(Problem(table.name, "the name is empty", where, mapping["name"]))
        geometry = check_polygon(
            table, i, problems, repair=repair, repairs=report.repairs, code=code, name=name
        )
        if not found and name is not None and geometry is not None:
            rows.append(DistrictRow(where, code, name, geometry))
            report.notes.extend(_list_notes(where, code, name))
    if problems:
        raise ImportFailed(problems)
    return rows


def _list_notes(where: str, code: str, name: str) -> list[str]:
    """Warnings from the GB/T 2260 list: a code it lacks, a name it gives otherwise."""
    notes = [f"{where}: {v.message('en')}" for v in district_list_violations(code)]
    listed = district_name(code)
    if listed is not None and listed != name:
        notes.append(f"{where}: the GB/T 2260 list names {code} {listed}, the file {name}")
    return notes


def import_district(
    project: Project,
    table: SourceTable,
    mapping: Mapping[str, str],
    report: ImportReport,
    repair: bool,
) -> None:
    """The file's one district into ``project``: added as its root, or, when the
    project is that district already, its name and boundary updated in place."""
    scheme = project.settings.code_scheme
    rows = check_districts(table, mapping, scheme, report, repair, project.retired_codes)
    if len(rows) > 1:
        listed = ", ".join(f"{r.code} {r.name}" for r in rows[:SHOWN_DISTRICTS])
        more = ", …" if len(rows) > SHOWN_DISTRICTS else ""
        raise ImportFailed(
            [
                Problem(
                    table.name,
                    f"holds {len(rows)} districts ({listed}{more}) but a project holds one "
                    "district, its root: import with --split-by-district into a folder (one "
                    "project per district), or import a file of your district alone",
                    None,
                    mapping["code"],
                )
            ]
        )
    if not rows:
        raise ImportFailed([Problem(table.name, "holds no district (no features)")])
    apply_district(project, rows[0], table.name, mapping["code"], report)


def apply_district(
    project: Project, row: DistrictRow, file: str, field: str, report: ImportReport
) -> None:
    """Add ``row`` as the root of ``project``, or update the root that has its code."""
    districts = project.level(Level.DISTRICT)
    if districts.empty:
        if not project.nodes.empty:
            raise ImportFailed(
                [Problem(file, "the project has nodes but no district; it is damaged", row.where)]
            )
        project.add_node(Level.DISTRICT, row.code, row.name, row.geometry)
        report.added += 1
        return
    root = int(districts.index[0])
    have = str(project.nodes.at[root, "code"])
    if have != row.code:
        raise ImportFailed(
            [
                Problem(
                    file,
                    f"district {row.code} {row.name} can't go into this project: it is district "
                    f"{have} {project.nodes.at[root, 'name']} (a project holds one district); "
                    "import into another project, or with --split-by-district into a folder",
                    row.where,
                    field,
                )
            ]
        )
    project.nodes.at[root, "name"] = row.name
    project.nodes.loc[[root], "geometry"] = gpd.GeoSeries(
        [row.geometry], index=[root], crs=STORAGE_CRS
    )
    report.updated += 1
    if len(project.nodes) > 1:
        report.notes.append(
            f"district {row.code}: boundary replaced; run the audit to check its streets "
            "still tile it"
        )


def import_split(
    folder: str | Path, source: str | Path, options: ImportOptions, wait: float = 0.0
) -> ImportReport:
    """One project per district of ``source`` in ``folder`` (created when missing),
    each saved atomically with a version recorded; nothing is written unless every
    feature passes."""
    from gridplanner.exchange.importing import author, prepare_source, version_summary

    out = Path(folder)
    if out.suffix.lower() == ".gpkg" or out.is_file():
        raise ImportFailed(
            [
                Problem(
                    str(out),
                    "with --split-by-district PROJECT names a folder (one project per "
                    "district is written into it), not a project file",
                )
            ]
        )
    table, mapping, report = prepare_source(source, Level.DISTRICT.value, options, None)
    rows = check_districts(table, mapping, CodeScheme(), report, options.repair)
    out.mkdir(parents=True, exist_ok=True)
    targets = [_project_path(out, row) for row in rows]
    with contextlib.ExitStack() as locks:
        for path in targets:
            locks.enter_context(project_lock(path, wait))
        projects: list[tuple[Path, Project]] = []
        for row, path in zip(rows, targets, strict=True):
            project = load_project(path) if path.exists() else Project(name=row.name)
            work = project.copy()
            before = report.added
            check_against_project(work, row, table.name, mapping["code"])
            apply_district(work, row, table.name, mapping["code"], report)
            added = report.added - before
            work.record_version(author(), version_summary(report, added, 1 - added))
            projects.append((path, work))
            report.projects.append(
                f"{row.code} {row.name} → {path} ({'new' if added else 'updated'})"
            )
        for path, work in projects:
            save_project(work, path)
    return report


def check_against_project(project: Project, row: DistrictRow, file: str, field: str) -> None:
    """Refuse a district whose code the target project retired, or that breaks its scheme."""
    found = project.settings.code_scheme.problems(row.code, Level.DISTRICT)
    if row.code in project.retired_codes:
        found.append(f"code {row.code} was retired and is never reused for a new area")
    if found:
        raise ImportFailed([Problem(file, p, row.where, field) for p in found])


def _project_path(folder: Path, row: DistrictRow) -> Path:
    """The district's project in ``folder``: an existing ``CODE_*.gpkg`` or ``CODE.gpkg``,
    else ``CODE_名称.gpkg``."""
    existing = sorted(folder.glob(f"{row.code}_*.gpkg")) or sorted(folder.glob(f"{row.code}.gpkg"))
    if existing:
        return existing[0]
    safe = _UNSAFE.sub("_", row.name).strip("._") or "district"
    return folder / f"{row.code}_{safe}.gpkg"
