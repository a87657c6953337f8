"""Generate the grid units of a scope from its buildings and barrier lines (单元生成).

For each comprehensive grid of the scope (a community without one gets one), the
area — the comprehensive grid less the units of dedicated grids (专属网格: a
school, a hospital …), which are kept as drawn — is cut into enclosures by the
barrier lines, tessellated around its buildings and grouped into units within the
household limits (:mod:`gridplanner.algorithms.unit_layout`). The new units
replace the scope's other units; each joins the grid of its comprehensive grid
that held most of its households (:mod:`gridplanner.units_edit`), so nothing moves
across a comprehensive grid's boundary and every comprehensive grid keeps its
outline. Everything is one reversible :class:`~gridplanner.editing.Edit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gridplanner.algorithms.unit_layout import lay_out_units
from gridplanner.crs import STORAGE_CRS
from gridplanner.editing import Edit
from gridplanner.errors import GridPlannerError, PlannerError, Words
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.road_classes import CUT_CLASSES, HARD_KINDS, MAJOR_CLASSES, ROAD, normalise

DEFAULT_MAX_HOUSEHOLDS = 150
DEFAULT_MIN_HOUSEHOLDS = 20

Progress = Callable[[float, str], None]


class UnitsCancelled(GridPlannerError):
    """The planner stopped the generation."""


@dataclass(frozen=True)
class UnitRequest:
    """What to generate: the scope's code, the household limits, which road classes
    cut and which may never be spanned, and building footprints when the planner has
    them (polygons in EPSG:4490; the project's buildings are matched to them)."""

    scope: str
    max_households: int = DEFAULT_MAX_HOUSEHOLDS
    min_households: int = DEFAULT_MIN_HOUSEHOLDS
    cut_classes: tuple[str, ...] = CUT_CLASSES
    major_classes: tuple[str, ...] = MAJOR_CLASSES
    footprints: np.ndarray | None = field(default=None, compare=False)

    def check(self) -> None:
        """Refuse limits that can't be met, in the planner's words."""
        if self.max_households < 1:
            raise PlannerError(
                Words(
                    f"每个单元的户数上限须至少为 1（给的是 {self.max_households}）",
                    f"the most households per unit must be at least 1 (got {self.max_households})",
                )
            )
        if not 0 <= self.min_households <= self.max_households:
            raise PlannerError(
                Words(
                    f"户数下限 {self.min_households} 须在 0 与上限 {self.max_households} 之间",
                    f"the fewest households per unit ({self.min_households}) must lie "
                    f"between 0 and the most ({self.max_households})",
                )
            )


@dataclass
class Area:
    """One comprehensive grid to fill (``comp`` None: the community has none yet)."""

    community: int
    comp: int | None
    shape: BaseGeometry  # metric, less the kept units


@dataclass
class Layout:
    """The new units in metres, before they become an edit."""

    polygons: list[BaseGeometry] = field(default_factory=list)
    area: list[int] = field(default_factory=list)  # index into areas
    single: list[bool] = field(default_factory=list)  # one building (or footprint) alone
    building_unit: dict[int, int | None] = field(default_factory=dict)  # id -> new unit index
    enclosures: int = 0


@dataclass
class GeneratedUnits:
    """The edit and what the planner wants to know about it."""

    request: UnitRequest
    edit: Edit
    unit_ids: list[int]
    households: dict[int, int]
    single_building: set[int]
    enclosures: int
    kept: list[int]
    outside: list[int]
    created: list[str]
    empty_grids: list[str]
    seconds: float

    @property
    def over_max(self) -> list[int]:
        """New units above the limit that are not a single building over it."""
        top = self.request.max_households
        return [u for u, h in self.households.items() if h > top and u not in self.single_building]

    @property
    def under_min(self) -> list[int]:
        """New units under the lower limit (no neighbour across a minor road could take them)."""
        return [u for u, h in self.households.items() if h < self.request.min_households]

    def summary(self, lang: str = "zh") -> list[str]:
        """Lines for the CLI and the app."""
        hh = np.array(list(self.households.values()) or [0])
        singles = sum(
            1 for u in self.single_building if self.households[u] > self.request.max_households
        )
        if lang == "en":
            lines = [
                f"{len(self.unit_ids)} units from {self.enclosures} enclosures in "
                f"{self.seconds:.1f} s; households per unit {hh.min()}–{hh.max()} "
                f"(median {np.median(hh):.0f}); limits {self.request.min_households}–"
                f"{self.request.max_households}",
                f"over the limit: {len(self.over_max)} (plus {singles} single buildings over it); "
                f"under it: {len(self.under_min)} (no neighbour across a minor road could "
                "take them)",
                f"kept as drawn (dedicated grids): {len(self.kept)}; buildings left outside "
                f"every unit: {len(self.outside)}",
            ]
        else:
            lines = [
                f"生成 {len(self.unit_ids)} 个网格单元（{self.enclosures} 个街区），用时 "
                f"{self.seconds:.1f} 秒；每单元 {hh.min()}–{hh.max()} 户（中位数 "
                f"{np.median(hh):.0f}），限值 {self.request.min_households}–"
                f"{self.request.max_households}",
                f"超过上限 {len(self.over_max)} 个（另有单栋超限 {singles} 个）；低于下限 "
                f"{len(self.under_min)} 个（相邻单元隔主要道路或合并后超限）",
                f"保留原样（专属网格）{len(self.kept)} 个；落在所有单元之外的楼栋 "
                f"{len(self.outside)} 栋",
            ]
        if self.created:
            lines.append(("created: " if lang == "en" else "新建: ") + ", ".join(self.created))
        if self.empty_grids:
            lines.append(
                ("grids left without a unit: " if lang == "en" else "没有单元的网格: ")
                + ", ".join(self.empty_grids)
            )
        return lines


def generate_units(
    project: Project,
    request: UnitRequest,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> GeneratedUnits:
    """The units of ``request.scope`` as one Edit (``project`` is only read)."""
    from gridplanner.units_edit import build_edit

    started = time.perf_counter()
    request.check()
    scope = _scope(project, request.scope)
    metric = project.measuring_crs()
    to_metric = Transformer.from_crs(STORAGE_CRS, metric, always_xy=True)
    kept = _kept_units(project, scope)
    areas = _areas(project, scope, kept, to_metric)
    hard, soft = _barriers(project, request, to_metric)
    layout = _lay_out(project, request, areas, kept, hard, soft, to_metric, progress, cancelled)
    to_lonlat = Transformer.from_crs(metric, STORAGE_CRS, always_xy=True)
    if progress is not None:
        progress(0.95, "编码与命名")
    built = build_edit(project, scope, areas, layout, kept, to_lonlat)
    return GeneratedUnits(
        request=request,
        edit=built.edit,
        unit_ids=built.unit_ids,
        households=built.households,
        single_building=built.single_building,
        enclosures=layout.enclosures,
        kept=kept,
        outside=built.outside,
        created=built.created,
        empty_grids=built.empty_grids,
        seconds=time.perf_counter() - started,
    )


def transform(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    """Geometries through a pyproj transformer (x, y order)."""

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(x), np.asarray(y)])

    return shapely.transform(np.asarray(geoms, dtype=object), move)


def _scope(project: Project, code: str) -> int:
    try:
        node = project.by_code(str(code))
    except GridPlannerError:
        raise PlannerError(
            Words(f"方案中没有编码为 {code} 的节点", f"no node has code {code} in this plan")
        ) from None
    level = project.node_level(node)
    if level.depth > Level.COMPREHENSIVE_GRID.depth:
        raise PlannerError(
            Words(
                f"{project.nodes.at[node, 'name']}（{code}）是{level.zh}；单元按综合网格生成，"
                "请选择区县、街道、社区或综合网格",
                f"{project.nodes.at[node, 'name']} ({code}) is a {level.en}; units are "
                "generated per comprehensive grid: choose a district, street, community or "
                "comprehensive grid",
            )
        )
    return node


def _kept_units(project: Project, scope: int) -> list[int]:
    """Units of the scope kept as drawn: those of dedicated grids (专属网格)."""
    nodes = project.nodes
    units = project.descendants_at(scope, Level.GRID_UNIT)
    if not units:
        return []
    grids = nodes.loc[units, "parent_id"].astype("int64").to_numpy()
    dedicated = (nodes.loc[grids, "kind"].to_numpy() == NodeKind.DEDICATED.value) | (
        nodes.loc[units, "kind"].to_numpy() == NodeKind.DEDICATED.value
    )
    return [u for u, d in zip(units, dedicated.tolist(), strict=True) if d]


def _areas(project: Project, scope: int, kept: list[int], to_metric: Transformer) -> list[Area]:
    nodes = project.nodes
    level = project.node_level(scope)
    pairs: list[tuple[int, int | None]] = []
    if level is Level.COMPREHENSIVE_GRID:
        pairs = [(int(nodes.at[scope, "parent_id"]), scope)]
    else:
        for community in project.descendants_at(scope, Level.COMMUNITY):
            comps = project.descendants_at(community, Level.COMPREHENSIVE_GRID)
            pairs.extend((community, c) for c in comps) if comps else pairs.append(
                (community, None)
            )
    shapes = transform(
        np.array([nodes.at[c if c is not None else m, "geometry"] for m, c in pairs], dtype=object),
        to_metric,
    )
    shapes = shapely.make_valid(shapes)
    comp_of_kept: dict[int, list[int]] = {}
    for unit in kept:
        owner = int(nodes.at[int(nodes.at[unit, "parent_id"]), "parent_id"])
        comp_of_kept.setdefault(owner, []).append(unit)
    areas: list[Area] = []
    for (community, comp), shape in zip(pairs, shapes.tolist(), strict=True):
        holes = comp_of_kept.get(comp, []) if comp is not None else []
        if holes:
            cut = transform(nodes.loc[holes].geometry.to_numpy(), to_metric)
            shape = shapely.difference(shape, shapely.union_all(shapely.make_valid(cut)))
        shape = shapely.union_all(
            [p for p in shapely.get_parts(shape) if p.geom_type == "Polygon" and p.area > 0.01]
        )
        if not shape.is_empty:
            areas.append(Area(community, comp, shape))
    return areas


def _barriers(
    project: Project, request: UnitRequest, to_metric: Transformer
) -> tuple[np.ndarray, np.ndarray]:
    """(hard, soft) lines in metres: hard ones are never spanned."""
    lines = project.reference_lines
    if lines.empty:
        empty = np.empty(0, dtype=object)
        return empty, empty
    kinds = lines["kind"].astype(str).to_numpy()
    road_class = (
        lines["road_class"] if "road_class" in lines.columns else pd.Series(None, index=lines.index)
    )
    classes = np.array([normalise(c) for c in road_class], dtype=object)
    major = set(request.major_classes)
    cuts = set(request.cut_classes) | major
    is_road = kinds == ROAD
    hard_rows = np.isin(kinds, HARD_KINDS) | (is_road & np.isin(classes, list(major)))
    soft_rows = is_road & ~hard_rows & np.isin(classes, list(cuts))
    geoms = transform(lines.geometry.to_numpy(), to_metric)
    parts = lambda rows: np.asarray(shapely.get_parts(geoms[rows]), dtype=object)  # noqa: E731
    return parts(hard_rows), parts(soft_rows)


def _lay_out(
    project: Project,
    request: UnitRequest,
    areas: list[Area],
    kept: list[int],
    hard: np.ndarray,
    soft: np.ndarray,
    to_metric: Transformer,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> Layout:
    buildings = project.buildings
    in_kept = buildings["unit_id"].isin(kept).to_numpy()
    ids = buildings.index.to_numpy()[~in_kept]
    points = transform(buildings.geometry.to_numpy()[~in_kept], to_metric)
    xy = shapely.get_coordinates(points)
    households = buildings["households"].to_numpy(dtype=float)[~in_kept]
    shapes = np.array([a.shape for a in areas], dtype=object)
    area_of = _first_hit(shapely.STRtree(shapes), points)
    footprints = None
    footprint_of = np.full(len(ids), -1, dtype=np.int64)
    if request.footprints is not None and len(request.footprints):
        footprints = shapely.make_valid(transform(request.footprints, to_metric))
        footprint_of = _first_hit(shapely.STRtree(footprints), points)
    hard_tree = shapely.STRtree(hard) if len(hard) else None
    soft_tree = shapely.STRtree(soft) if len(soft) else None
    layout = Layout()
    for index, area in enumerate(areas):
        if cancelled is not None and cancelled():
            raise UnitsCancelled("单元生成已取消")
        if progress is not None:
            progress(0.9 * index / max(len(areas), 1), f"{index + 1}/{len(areas)}")
        mine = np.flatnonzero(area_of == index)
        key = np.where(footprint_of[mine] >= 0, footprint_of[mine], -1 - np.arange(len(mine)))
        atom_key, atom_of = np.unique(key, return_inverse=True)
        atom_xy = np.zeros((len(atom_key), 2))
        np.add.at(atom_xy, atom_of, xy[mine])
        atom_xy /= np.bincount(atom_of, minlength=len(atom_key))[:, None]
        shapes_in = None
        if footprints is not None:
            shapes_in = np.array(
                [footprints[k] if k >= 0 else None for k in atom_key], dtype=object
            )
            has = atom_key >= 0
            atom_xy[has] = shapely.get_coordinates(shapely.point_on_surface(shapes_in[has]))
        else:  # buildings at one spot are one atom
            atom_xy, atom_of = _merge_same_spot(xy[mine])
        weight = np.bincount(atom_of, weights=households[mine], minlength=len(atom_xy))
        units = lay_out_units(
            area.shape, atom_xy, weight,
            _near(hard_tree, hard, area.shape), _near(soft_tree, soft, area.shape),
            request.max_households, request.min_households, shapes_in,
        )  # fmt: skip
        first = len(layout.polygons)
        layout.polygons.extend(units.polygons)
        layout.area.extend([index] * len(units.polygons))
        layout.single.extend(len(a) == 1 for a in units.atoms)
        layout.enclosures += units.enclosures
        where = _first_hit(shapely.STRtree(np.asarray(units.polygons, dtype=object)), points[mine])
        lost = where < 0
        if lost.any():  # on no unit by a last digit: the unit its building was grouped in
            owner = np.empty(len(atom_xy), dtype=np.int64)
            for k, atoms in enumerate(units.atoms):
                owner[atoms] = k
            where[lost] = owner[atom_of[lost]]
        for building, unit in zip(ids[mine].tolist(), where.tolist(), strict=True):
            layout.building_unit[building] = first + unit
    for building in ids[area_of < 0].tolist():
        layout.building_unit[building] = None
    return layout


def _near(tree: shapely.STRtree | None, lines: np.ndarray, shape: BaseGeometry) -> np.ndarray:
    """The lines whose boxes meet ``shape``'s."""
    if tree is None:
        return np.empty(0, dtype=object)
    return np.asarray(lines[np.sort(tree.query(shape))], dtype=object)


def _first_hit(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Per point, the first geometry of ``tree`` it lies in (or on), else -1."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    point, hit = tree.query(points, predicate="intersects")
    out[point[::-1]] = hit[::-1]
    return out


def _merge_same_spot(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique positions (to the centimetre) and which one each building is at."""
    if len(xy) == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    spots, inverse = np.unique(np.round(xy, 2), axis=0, return_inverse=True)
    return spots, inverse.reshape(-1)


def footprints_from(frame: gpd.GeoDataFrame | np.ndarray | None) -> np.ndarray | None:
    """Polygon footprints (EPSG:4490) from a frame or array; points and lines dropped."""
    if frame is None:
        return None
    geoms = frame.geometry.to_numpy() if isinstance(frame, gpd.GeoDataFrame) else np.asarray(frame)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    return np.asarray(geoms[polygonal], dtype=object)
