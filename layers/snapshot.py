"""An immutable, render-ready copy of a project: projected once into numpy arrays.

:class:`MapData` is built on the GUI thread when a project is opened (or its
geometry changes) and then only read, by render workers and hit-tests alike.
Coordinates are Gauss–Krüger metres (the project's measuring CRS) minus a round
local origin, so Qt paints small numbers. Attributes that edits change often
(names, rollups, colours) live in :class:`Attributes` and are swapped with
:meth:`MapData.with_attributes` without touching the geometry.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridplanner.crs import STORAGE_CRS
from gridplanner.editing.change import PlanChange
from gridplanner.layers.geometry import Rings, rings_of
from gridplanner.levels import LEVELS, Level, NodeKind
from gridplanner.model import Project

_versions = itertools.count(1)


@dataclass(frozen=True, eq=False)
class LevelGeometry:
    """One level's polygons in local metres, with a spatial index."""

    level: Level
    ids: np.ndarray  # int64 node ids, row order
    geoms: np.ndarray  # shapely polygons in local metres
    rings: Rings
    tree: shapely.STRtree
    label_xy: np.ndarray  # (k, 2) a point inside each polygon
    size: np.ndarray  # sqrt(area) in metres: how big a feature looks
    version: int = field(default_factory=lambda: next(_versions))
    _simplified: dict[float, Rings] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def typical_size(self) -> float:
        """The median feature's size in metres (level of detail decisions)."""
        return float(np.median(self.size)) if len(self.size) else 0.0

    def row_of(self, node_ids: np.ndarray | list[int]) -> np.ndarray:
        """Row numbers of ``node_ids`` (ids absent from the level are dropped)."""
        wanted = np.asarray(list(node_ids), dtype=np.int64)
        if len(self.ids) == 0 or len(wanted) == 0:
            return np.zeros(0, dtype=np.int64)
        order = np.argsort(self.ids)
        pos = np.clip(np.searchsorted(self.ids[order], wanted), 0, len(order) - 1)
        found = self.ids[order][pos] == wanted
        return order[pos[found]]

    def simplified(self, tolerance: float) -> Rings:
        """Rings simplified to ``tolerance`` metres (cached per tolerance band)."""
        if tolerance <= 0:
            return self.rings
        with self._lock:
            cached = self._simplified.get(tolerance)
            if cached is None:
                thin = shapely.simplify(self.geoms, tolerance, preserve_topology=True)
                cached = rings_of(thin)
                self._simplified[tolerance] = cached
            return cached


@dataclass(frozen=True, eq=False)
class PointIndex:
    """Points sorted by x: a box query is a binary search on x and a mask on y. Built
    with one numpy sort (which releases the GIL), where a million shapely points and an
    STRtree would hold it for most of a second while a project opens."""

    order: np.ndarray  # row numbers, by x
    x: np.ndarray  # sorted
    y: np.ndarray  # in the same order

    @classmethod
    def of(cls, xy: np.ndarray) -> PointIndex:
        order = np.argsort(xy[:, 0], kind="stable")
        return cls(order, xy[order, 0], xy[order, 1])

    def query(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Row numbers of the points inside ``box`` (minx, miny, maxx, maxy)."""
        minx, miny, maxx, maxy = box
        low = int(np.searchsorted(self.x, minx, side="left"))
        high = int(np.searchsorted(self.x, maxx, side="right"))
        ys = self.y[low:high]
        return self.order[low:high][(ys >= miny) & (ys <= maxy)]


@dataclass(frozen=True, eq=False)
class Attributes:
    """Per-level attribute arrays aligned with :attr:`LevelGeometry.ids`."""

    names: dict[Level, np.ndarray]
    households: dict[Level, np.ndarray]
    workers: dict[Level, np.ndarray]
    ratio: dict[Level, np.ndarray]
    deviation: dict[Level, np.ndarray]
    dedicated: dict[Level, np.ndarray]
    colour: dict[Level, np.ndarray]  # categorical colour index (neighbours differ)
    grid_row: np.ndarray  # for every unit: row of its grid in the grid level (-1: none)
    version: int = field(default_factory=lambda: next(_versions))


@dataclass(frozen=True, eq=False)
class MapData:
    """Everything the renderer and the hit-tester need, frozen."""

    crs: str
    origin: tuple[float, float]
    levels: dict[Level, LevelGeometry]
    building_xy: np.ndarray  # (b, 2) local metres
    building_households: np.ndarray
    building_ids: np.ndarray
    building_index: PointIndex
    reference: dict[str, Rings]
    attributes: Attributes
    extent: tuple[float, float, float, float]  # local metres
    _to_lonlat: Transformer = field(repr=False)
    _from_lonlat: Transformer = field(repr=False)

    def with_attributes(self, project: Project, rollups: pd.DataFrame) -> MapData:
        """A copy with fresh names, rollups and colours and the same geometry."""
        return replace(self, attributes=build_attributes(project, rollups, self.levels, self))

    def with_changes(
        self, project: Project, rollups: pd.DataFrame, change: PlanChange
    ) -> MapData:
        """A copy after ``change``: only the changed outlines re-projected and the changed
        attribute rows rewritten; everything else (geometry, index, cached paths,
        colours) is shared (:mod:`gridplanner.layers.snapshot_update`)."""
        from gridplanner.layers.snapshot_update import with_changes

        return with_changes(self, project, rollups, change)

    def project_geometries(self, geoms: np.ndarray) -> np.ndarray:
        """CGCS2000 lon/lat geometries → local metres (vectorised)."""

        def move(coords: np.ndarray) -> np.ndarray:
            x, y = self.from_lonlat(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geoms, move)

    def for_this_thread(self) -> MapData:
        """A copy whose coordinate transformers are made on the calling thread: pyproj
        keeps its context per thread, so a snapshot built by a worker (opening a
        project in the background) is rebound on the GUI thread before use."""
        forward = Transformer.from_crs(STORAGE_CRS, self.crs, always_xy=True)
        backward = Transformer.from_crs(self.crs, STORAGE_CRS, always_xy=True)
        return replace(self, _to_lonlat=backward, _from_lonlat=forward)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Local metres → CGCS2000 longitude/latitude."""
        lon, lat = self._to_lonlat.transform(x + self.origin[0], y + self.origin[1])
        return float(lon), float(lat)

    def to_lonlat_arrays(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local metres arrays → CGCS2000 longitude/latitude arrays."""
        lon, lat = self._to_lonlat.transform(x + self.origin[0], y + self.origin[1])
        return np.asarray(lon), np.asarray(lat)

    def from_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CGCS2000 longitude/latitude arrays → local metres."""
        x, y = self._from_lonlat.transform(lon, lat)
        return np.asarray(x) - self.origin[0], np.asarray(y) - self.origin[1]

    def project_geometry(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """A shapely geometry in CGCS2000 lon/lat → local metres."""
        return self.project_geometries(np.array([geometry], dtype=object))[0]

    def bounds_of(self, level: Level, node_ids: list[int]) -> tuple[float, ...] | None:
        """Bounding box (local metres) of some nodes of a level, or None."""
        geo = self.levels.get(level)
        if geo is None:
            return None
        rows = geo.row_of(node_ids)
        if len(rows) == 0:
            return None
        return tuple(float(v) for v in shapely.total_bounds(geo.geoms[rows]))

    def level_of_id(self, node_id: int) -> Level | None:
        """Which level a node id belongs to (None when unknown)."""
        for level, geo in self.levels.items():
            if len(geo.row_of([node_id])):
                return level
        return None

    def hit(self, level: Level, x: float, y: float, tolerance: float) -> list[int]:
        """Ids of the level's features under map point (x, y), smallest first."""
        geo = self.levels.get(level)
        if geo is None:
            return []
        point = shapely.Point(x, y)
        rows = geo.tree.query(point, predicate="intersects")
        if len(rows) == 0 and tolerance > 0:
            rows = geo.tree.query(point, predicate="dwithin", distance=tolerance)
        rows = sorted(rows, key=lambda r: geo.size[r])
        return [int(geo.ids[r]) for r in rows]

    def hit_box(self, level: Level, box: tuple[float, float, float, float]) -> list[int]:
        """Ids of the level's features intersecting a box (local metres)."""
        geo = self.levels.get(level)
        if geo is None:
            return []
        rows = geo.tree.query(shapely.box(*box), predicate="intersects")
        return [int(geo.ids[r]) for r in np.sort(rows)]


def build_map_data(project: Project, rollups: pd.DataFrame) -> MapData:
    """Project every level, the buildings and the reference lines once."""
    crs = project.measuring_crs()
    forward = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
    backward = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
    minx, miny, maxx, maxy = project.nodes.total_bounds if len(project.nodes) else (0, 0, 0, 0)
    cx, cy = forward.transform((minx + maxx) / 2, (miny + maxy) / 2)
    origin = (round(float(cx), -3), round(float(cy), -3))

    def to_local(geoms: np.ndarray) -> np.ndarray:
        def move(coords: np.ndarray) -> np.ndarray:
            x, y = forward.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([np.asarray(x) - origin[0], np.asarray(y) - origin[1]])

        return shapely.transform(geoms, move)

    levels = {level: level_geometry(project, level, to_local) for level in LEVELS}
    buildings = project.buildings
    bxy = shapely.get_coordinates(buildings.geometry.values.to_numpy())
    if len(bxy):
        bx, by = forward.transform(bxy[:, 0], bxy[:, 1])
        bxy = np.column_stack([np.asarray(bx) - origin[0], np.asarray(by) - origin[1]])
    reference: dict[str, Rings] = {}
    lines = project.reference_lines
    for kind in sorted(set(lines["kind"].dropna())) if len(lines) else []:
        geoms = to_local(lines[lines["kind"] == kind].geometry.values.to_numpy())
        reference[str(kind)] = rings_of(geoms, lines=True)
    all_geoms = np.concatenate([g.geoms for g in levels.values()]) if levels else np.array([])
    extent = (
        tuple(float(v) for v in shapely.total_bounds(all_geoms))
        if len(all_geoms)
        else (-1000.0, -1000.0, 1000.0, 1000.0)
    )
    return MapData(
        crs=crs,
        origin=origin,
        levels=levels,
        building_xy=np.ascontiguousarray(bxy, dtype=np.float64).reshape(-1, 2),
        building_households=buildings["households"].to_numpy(dtype=np.int64),
        building_ids=buildings.index.to_numpy(dtype=np.int64),
        building_index=PointIndex.of(np.asarray(bxy, dtype=np.float64).reshape(-1, 2)),
        reference=reference,
        attributes=build_attributes(project, rollups, levels),
        extent=extent,  # type: ignore[arg-type]
        _to_lonlat=backward,
        _from_lonlat=forward,
    )


def level_geometry(
    project: Project, level: Level, to_local: Callable[[np.ndarray], np.ndarray]
) -> LevelGeometry:
    """One level's polygons projected to local metres, indexed."""
    nodes = project.nodes
    frame = nodes[nodes["level"] == level.value]
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    geoms = shapely.orient_polygons(to_local(frame.geometry.values.to_numpy()))
    return LevelGeometry(
        level=level,
        ids=frame.index.to_numpy(dtype=np.int64),
        geoms=geoms,
        rings=rings_of(geoms),
        tree=shapely.STRtree(geoms),
        label_xy=shapely.get_coordinates(shapely.point_on_surface(geoms)).reshape(-1, 2),
        size=np.sqrt(shapely.area(geoms)),
    )


def build_attributes(
    project: Project,
    rollups: pd.DataFrame,
    levels: dict[Level, LevelGeometry],
    previous: MapData | None = None,
) -> Attributes:
    """Names, rollups and categorical colours per level, aligned with the geometry."""
    nodes = project.nodes
    out: dict[str, dict[Level, np.ndarray]] = {
        k: {}
        for k in ("names", "households", "workers", "ratio", "deviation", "dedicated", "colour")
    }
    for level, geo in levels.items():
        ids = geo.ids
        frame = rollups.reindex(ids)
        names = nodes["name"].reindex(ids).fillna("").astype(str)
        out["names"][level] = names.to_numpy(dtype=object)
        out["households"][level] = frame["households"].fillna(0).to_numpy(dtype=np.int64)
        out["workers"][level] = frame["workers"].fillna(0).to_numpy(dtype=np.float64)
        out["ratio"][level] = frame["households_per_worker"].to_numpy(dtype=np.float64)
        out["deviation"][level] = frame["deviation"].to_numpy(dtype=np.float64)
        out["dedicated"][level] = (
            nodes["kind"].reindex(ids) == NodeKind.DEDICATED.value
        ).to_numpy()
        kept = previous is not None and previous.levels.get(level) is geo
        out["colour"][level] = (
            previous.attributes.colour[level] if kept else _greedy_colours(geo)  # type: ignore[union-attr]
        )
    grid_row = grid_rows(nodes, levels[Level.GRID_UNIT], levels[Level.GRID])
    return Attributes(grid_row=grid_row, **out)  # type: ignore[arg-type]


def grid_rows(nodes: pd.DataFrame, units: LevelGeometry, grids: LevelGeometry) -> np.ndarray:
    """For every unit (row of ``units``): the row of its grid in ``grids`` (-1: none)."""
    parents = nodes["parent_id"].reindex(units.ids)
    grid_row = np.full(len(units.ids), -1, dtype=np.int64)
    has = parents.notna().to_numpy()
    if has.any() and len(grids.ids):
        parent_ids = parents[has].astype("int64").to_numpy()
        order = np.argsort(grids.ids)
        pos = np.clip(np.searchsorted(grids.ids[order], parent_ids), 0, len(order) - 1)
        ok = grids.ids[order][pos] == parent_ids
        grid_row[np.flatnonzero(has)] = np.where(ok, order[pos], -1)
    return grid_row


PALETTE_SIZE = 8


def _greedy_colours(geo: LevelGeometry) -> np.ndarray:
    """A colour index per feature so that touching features differ (greedy, by degree)."""
    n = len(geo.ids)
    colours = np.zeros(n, dtype=np.int64)
    if n < 2:
        return colours
    left, right = geo.tree.query(geo.geoms, predicate="intersects")
    pairs = left != right
    left, right = left[pairs], right[pairs]
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        neighbours[a].append(b)
    order = np.argsort(-np.bincount(left, minlength=n), kind="stable")
    colours[:] = -1
    for row in order.tolist():
        used = {int(colours[k]) for k in neighbours[row]}
        colour = next(c for c in itertools.count() if c not in used)
        colours[row] = colour % PALETTE_SIZE
    return colours
