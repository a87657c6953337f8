"""Import one level of the hierarchy (streets … grid units) from a checked source table.

Every row is checked first (code well formed and unique, parent present, name
given, geometry a valid polygon); only then are rows added in one batch or, for a
code already in the project, updated in place (the node keeps its stable id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from gridplanner.code_rules import normalise_urban_rural
from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.problems import ImportFailed, Problem
from gridplanner.exchange.repair import check_polygon
from gridplanner.levels import Level, NodeKind, parse_kind
from gridplanner.model import Project

if TYPE_CHECKING:
    from gridplanner.exchange.importing import ImportReport
    from gridplanner.exchange.reading import SourceTable

DEDICATED_WORDS = ("专属", "dedicated", "专")


def import_nodes(
    project: Project,
    table: SourceTable,
    level: Level,
    mapping: Mapping[str, str],
    report: ImportReport,
    district_name: str | None,
    repair: bool = False,
) -> None:
    """Check every row, then add or update the nodes of ``level`` in ``project``;
    ``repair`` makes invalid polygons valid (each one listed in ``report.repairs``)."""
    from gridplanner.exchange.importing import text_value

    assert level.parent is not None
    scheme = project.settings.code_scheme
    attrs = table.attributes
    existing = {
        str(c): int(i) for i, c in zip(project.nodes.index, project.nodes["code"], strict=True)
    }
    levels = dict(zip(project.nodes.index, project.nodes["level"], strict=True))
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    new_district: str | None = None
    for i in range(len(attrs)):
        where = table.labels[i]
        code = text_value(attrs[mapping["code"]].iloc[i])
        name = text_value(attrs[mapping["name"]].iloc[i])
        if code is None:
            problems.append(Problem(table.name, "the code is empty", where, mapping["code"]))
            continue
        if code in seen:
            problems.append(
                Problem(
                    table.name,
                    f"code {code} repeats ({seen[code]} has it too)",
                    where,
                    mapping["code"],
                )
            )
            continue
        seen[code] = where
        given_parent = text_value(attrs[mapping["parent"]].iloc[i]) if "parent" in mapping else None
        kind = NodeKind.ORDINARY.value
        if "kind" in mapping:
            kind = kind_from_text(text_value(attrs[mapping["kind"]].iloc[i]))
        stated = kind if "kind" in mapping else None  # a 镇 coded 001 is refused here
        found = scheme.problems(code, level, given_parent, stated)
        problems.extend(Problem(table.name, p, where, mapping["code"]) for p in found)
        if found:
            continue
        if name is None:
            problems.append(Problem(table.name, "the name is empty", where, mapping["name"]))
        if code in project.retired_codes:
            problems.append(
                Problem(
                    table.name,
                    f"code {code} was retired and is never reused for a new area",
                    where,
                    mapping["code"],
                )
            )
        if code in existing and levels[existing[code]] != level.value:
            problems.append(
                Problem(
                    table.name,
                    f"code {code} already names a {levels[existing[code]]}",
                    where,
                    mapping["code"],
                )
            )
        parent_code = given_parent or scheme.parent_code(code, level)
        assert parent_code is not None
        parent_id = existing.get(parent_code)
        if parent_id is None and level is Level.STREET and not _has_district(project):
            new_district = new_district or parent_code
            if parent_code != new_district:
                problems.append(
                    Problem(
                        table.name,
                        f"streets of two districts ({new_district}, {parent_code}) in one project",
                        where,
                        mapping["code"],
                    )
                )
        elif parent_id is None or levels[parent_id] != level.parent.value:
            problems.append(
                Problem(
                    table.name,
                    f"its {level.parent.value} {parent_code} is not in the project; "
                    f"import the {level.parent.value} level first",
                    where,
                    mapping.get("parent", mapping["code"]),
                )
            )
        geometry = check_polygon(
            table, i, problems, repair=repair, repairs=report.repairs, code=code, name=name
        )
        dedicated = (
            text_value(attrs[mapping["dedicated_type"]].iloc[i])
            if "dedicated_type" in mapping
            else None
        )
        rows.append(
            {
                "code": code,
                "name": name,
                "parent_code": parent_code,
                "geometry": geometry,
                "kind": kind,
                "dedicated_type": dedicated,
                "urban_rural_code": normalise_urban_rural(
                    attrs[mapping["urban_rural_code"]].iloc[i]
                )
                if "urban_rural_code" in mapping
                else None,
            }
        )
    if problems:
        raise ImportFailed(problems)
    if new_district is not None:
        union = shapely.union_all([r["geometry"] for r in rows])
        project.add_node(Level.DISTRICT, new_district, district_name or new_district, union)
        report.notes.append(
            f"district {new_district} created (name {district_name or new_district!r};"
            " set it with --district-name)"
        )
        existing[new_district] = project.root_id
    _apply(project, level, rows, existing, report)


def kind_from_text(text: str | None) -> str:
    """A kind cell as a kind value: the value or its label in either language (as the
    XLSX export writes it), else any word for dedicated (专属…); ordinary otherwise."""
    if not text:
        return NodeKind.ORDINARY.value
    exact = parse_kind(text)
    if exact is not None:
        return exact.value
    lowered = text.lower()
    if any(w in lowered for w in DEDICATED_WORDS):
        return NodeKind.DEDICATED.value
    return NodeKind.ORDINARY.value


def _has_district(project: Project) -> bool:
    return bool((project.nodes["level"] == Level.DISTRICT.value).any())


def _apply(
    project: Project,
    level: Level,
    rows: list[dict[str, Any]],
    existing: dict[str, int],
    report: ImportReport,
) -> None:
    fresh = [r for r in rows if r["code"] not in existing]
    for row in rows:
        node_id = existing.get(row["code"])
        if node_id is None:
            continue
        for column in ("name", "kind", "dedicated_type", "urban_rural_code"):
            project.nodes.at[node_id, column] = row[column]
        project.nodes.at[node_id, "parent_id"] = existing[row["parent_code"]]
        project.nodes.loc[[node_id], "geometry"] = gpd.GeoSeries(
            [row["geometry"]], index=[node_id], crs=STORAGE_CRS
        )
        report.updated += 1
    if not fresh:
        return
    ids = project.new_ids(len(fresh))
    frame = gpd.GeoDataFrame(
        {
            "code": [r["code"] for r in fresh],
            "name": [r["name"] for r in fresh],
            "level": [level.value] * len(fresh),
            "parent_id": pd.array([existing[r["parent_code"]] for r in fresh], dtype="Int64"),
            "kind": [r["kind"] for r in fresh],
            "dedicated_type": [r["dedicated_type"] for r in fresh],
            "urban_rural_code": [r["urban_rural_code"] for r in fresh],
        },
        index=pd.Index(ids, dtype="int64", name="id"),
        geometry=[r["geometry"] for r in fresh],
        crs=STORAGE_CRS,
    )
    project.nodes = frame if project.nodes.empty else pd.concat([project.nodes, frame])  # type: ignore[assignment]
    report.added = len(fresh)
