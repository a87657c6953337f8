"""Check a plan's grid units against the generation bars, independently of how they
were made: households per unit within the limits (a single building over the limit
excused), every building of the scope in exactly the unit it lies in, and no unit
spanning a major road (its interior, shrunk by a tolerance, meets no major road
line for longer than that tolerance). Used by ``gridplanner units generate``, the
benchmark and the tests; gaps and overlaps are the audit's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridplanner.crs import STORAGE_CRS
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.road_classes import MAJOR_CLASSES, ROAD, normalise

#: Metres: a major road closer than this to a unit's edge runs along it, not across.
CROSSING_TOLERANCE_M = 1.0


@dataclass(frozen=True)
class UnitCheck:
    """What the check found for the units of one scope."""

    units: int
    max_households: int
    max_households_several: int  # the fullest unit of more than one building
    over_max: list[str]  # codes: more than the limit, more than one building
    single_over_max: list[str]  # codes: one building over the limit
    under_min: list[str]
    buildings_unassigned: list[int]  # in the scope, not in exactly the unit they lie in
    buildings_outside_scope: int  # stored under a unit of the scope, lying outside it
    crossing_major_roads: list[str]


def check_units(
    project: Project,
    scope: str,
    max_households: float,
    min_households: float,
    major_classes: tuple[str, ...] = MAJOR_CLASSES,
) -> UnitCheck:
    """Check the units under the node coded ``scope``."""
    nodes = project.nodes
    top = project.by_code(scope)
    units = project.descendants_at(top, Level.GRID_UNIT)
    codes = nodes.loc[units, "code"].astype(str).to_numpy()
    shapes = nodes.loc[units].geometry.to_numpy()
    buildings = project.buildings
    stored = buildings["unit_id"].to_numpy(dtype=float, na_value=np.nan)
    at = pd.Index(units).get_indexer(np.nan_to_num(stored, nan=-1).astype(np.int64))
    hh = buildings["households"].to_numpy(dtype=float)
    mine = at >= 0
    households = np.bincount(at[mine], weights=hh[mine], minlength=len(units))
    count = np.bincount(at[mine], minlength=len(units))
    over = (households > max_households) & (count > 1)
    single = (households > max_households) & (count <= 1)
    several = households[count > 1]
    unassigned, outside = _unassigned(project, top, units, shapes, at)
    return UnitCheck(
        units=len(units),
        max_households=int(households.max(initial=0)),
        max_households_several=int(several.max(initial=0)),
        over_max=codes[over].tolist(),
        single_over_max=codes[single].tolist(),
        under_min=codes[households < min_households].tolist(),
        buildings_unassigned=unassigned,
        buildings_outside_scope=outside,
        crossing_major_roads=codes[_crossing(project, shapes, major_classes)].tolist(),
    )


def _unassigned(
    project: Project, top: int, units: list[int], shapes: np.ndarray, at: np.ndarray
) -> tuple[list[int], int]:
    buildings = project.buildings
    points = buildings.geometry.to_numpy()
    scope_shape = project.nodes.at[top, "geometry"]
    in_scope = shapely.intersects(shapely.make_valid(scope_shape), points)
    tree = shapely.STRtree(shapes)
    point, hit = tree.query(points, predicate="intersects")
    hits = np.bincount(point, minlength=len(points))
    where = np.full(len(points), -1, dtype=np.int64)
    where[point] = hit
    wrong = in_scope & ((hits != 1) | (where != at))
    outside = int((~in_scope & (at >= 0)).sum())
    return buildings.index.to_numpy()[wrong].tolist(), outside


def _crossing(project: Project, shapes: np.ndarray, major: tuple[str, ...]) -> np.ndarray:
    """Per unit: does a major road run through its interior?"""
    lines = project.reference_lines
    out = np.zeros(len(shapes), dtype=bool)
    if lines.empty or len(shapes) == 0:
        return out
    classes = (
        lines["road_class"] if "road_class" in lines.columns else pd.Series(None, index=lines.index)
    )
    wanted = {normalise(c) for c in major}
    rows = (lines["kind"] == ROAD).to_numpy() & np.array([normalise(c) in wanted for c in classes])
    if not rows.any():
        return out
    metric = project.measuring_crs()
    forward = Transformer.from_crs(STORAGE_CRS, metric, always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = forward.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    roads = shapely.get_parts(shapely.transform(lines.geometry.to_numpy()[rows], move))
    cores = shapely.buffer(shapely.transform(shapes, move), -CROSSING_TOLERANCE_M)
    tree = shapely.STRtree(roads)
    unit, road = tree.query(cores, predicate="intersects")
    inside = shapely.length(shapely.intersection(roads[road], cores[unit]))
    out[unit[inside > CROSSING_TOLERANCE_M]] = True
    return out
