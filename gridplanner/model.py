"""The domain model: one hierarchy of nodes, the buildings and the workers.

A project holds three tables, all free of Qt:

* ``nodes`` — every district, street, community, comprehensive grid, grid and grid
  unit, indexed by a stable integer id that never changes (a unit moved to another
  grid gets a new code but keeps its id);
* ``buildings`` — the atoms (楼栋/户) with households and population, each assigned
  to the grid unit it lies in (``unit_id``; missing when it lies in none);
* ``workers`` — the grid workers (网格员) with role, employment and capacity.

Geometry is CGCS2000 longitude/latitude (EPSG:4490); measure in
:meth:`Project.measuring_crs`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from gridplanner.crs import STORAGE_CRS, measuring_epsg
from gridplanner.errors import CodeError, ModelError
from gridplanner.levels import LEVELS, AreaKind, Level, NodeKind
from gridplanner.settings import Settings

NODE_COLUMNS = [
    "code",
    "name",
    "level",
    "parent_id",
    "kind",
    "dedicated_type",
    "urban_rural_code",
]
BUILDING_COLUMNS = ["name", "households", "population", "unit_id"]
WORKER_COLUMNS = ["name", "role", "employment", "capacity", "grid_id", "phone"]
#: Worker fields that are personal data: excluded from exports unless asked for.
PERSONAL_WORKER_FIELDS = ("phone",)

#: Roles of the people who staff grids, as planners write them.
WORKER_ROLES = (
    "专职网格员",
    "兼职网格员",
    "社区工作者",
    "村(社区)两委成员",
    "民警",
    "辅警",
    "八大员",
    "下沉干部",
    "党员",
    "志愿者",
)
FULL_TIME = "full_time"
PART_TIME = "part_time"
#: How the employment values read on paper and in exports (zh, en).
EMPLOYMENT_LABELS = {FULL_TIME: ("专职", "full-time"), PART_TIME: ("兼职", "part-time")}


def employment_label(value: object, lang: str = "zh") -> str | None:
    """A stored employment value (``full_time``/``part_time``) as people read it; an
    empty cell is None and an unknown value is shown as it is."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    labels = EMPLOYMENT_LABELS.get(str(value))
    if labels is None:
        return str(value)
    return labels[1] if lang == "en" else labels[0]


def parse_employment(text: str) -> str | None:
    """The employment value a cell names exactly: the value or a label in either
    language (``part_time``, 兼职, ``Part-time``); None for anything else."""
    key = str(text).strip().lower()
    for value, labels in EMPLOYMENT_LABELS.items():
        if key == value or key in (label.lower() for label in labels):
            return value
    return None


@dataclass(frozen=True)
class Version:
    """One entry of the plan's history."""

    version: int
    time: str
    author: str
    summary: str


def empty_nodes() -> gpd.GeoDataFrame:
    """A node table with the right columns and dtypes and no rows."""
    frame = pd.DataFrame(
        {
            "code": pd.Series(dtype=object),
            "name": pd.Series(dtype=object),
            "level": pd.Series(dtype=object),
            "parent_id": pd.Series(dtype="Int64"),
            "kind": pd.Series(dtype=object),
            "dedicated_type": pd.Series(dtype=object),
            "urban_rural_code": pd.Series(dtype=object),
        },
        index=pd.Index([], dtype="int64", name="id"),
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)


def empty_buildings() -> gpd.GeoDataFrame:
    """A building table with no rows."""
    frame = pd.DataFrame(
        {
            "name": pd.Series(dtype=object),
            "households": pd.Series(dtype="int64"),
            "population": pd.Series(dtype="int64"),
            "unit_id": pd.Series(dtype="Int64"),
        },
        index=pd.Index([], dtype="int64", name="id"),
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)


def empty_reference_lines() -> gpd.GeoDataFrame:
    """Reference lines (roads, rivers, railways, coast) shown on the map and usable as
    barriers; a road's class (主干道, 次干道, 支路 …) is in ``road_class``."""
    frame = pd.DataFrame(
        {
            "kind": pd.Series(dtype=object),
            "name": pd.Series(dtype=object),
            "road_class": pd.Series(dtype=object),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)


def empty_workers() -> pd.DataFrame:
    """A worker roster with no rows."""
    return pd.DataFrame(
        {
            "name": pd.Series(dtype=object),
            "role": pd.Series(dtype=object),
            "employment": pd.Series(dtype=object),
            "capacity": pd.Series(dtype="float64"),
            "grid_id": pd.Series(dtype="Int64"),
            "phone": pd.Series(dtype=object),
        },
        index=pd.Index([], dtype="int64", name="id"),
    )


@dataclass
class Project:
    """A whole plan: the hierarchy, its atoms, its staff, settings and history."""

    name: str = "未命名方案"
    nodes: gpd.GeoDataFrame = field(default_factory=empty_nodes)
    buildings: gpd.GeoDataFrame = field(default_factory=empty_buildings)
    workers: pd.DataFrame = field(default_factory=empty_workers)
    settings: Settings = field(default_factory=Settings)
    history: list[Version] = field(default_factory=list)
    reference_lines: gpd.GeoDataFrame = field(default_factory=empty_reference_lines)
    retired_codes: dict[str, int] = field(default_factory=dict)  # code -> node id it named
    next_id: int = 1
    #: The file it was loaded from or last saved to, and that file's fingerprint then
    #: (size, mtime, inode): a save over it refuses when the file changed meanwhile.
    origin: tuple[str, tuple[int, int, int] | None] | None = field(
        default=None, compare=False, repr=False
    )

    # -- ids and lookup -------------------------------------------------------------
    def new_ids(self, count: int) -> np.ndarray:
        """``count`` fresh ids, never used before in this project."""
        ids = np.arange(self.next_id, self.next_id + count, dtype=np.int64)
        self.next_id += count
        return ids

    @property
    def root_id(self) -> int:
        """The district node's id."""
        roots = self.nodes.index[self.nodes["level"] == Level.DISTRICT.value]
        if len(roots) != 1:
            raise ModelError(f"a project has exactly one district; this one has {len(roots)}")
        return int(roots[0])

    @property
    def district_code(self) -> str:
        """The district's administrative code (e.g. 210283)."""
        return str(self.nodes.at[self.root_id, "code"])

    def level(self, level: Level) -> gpd.GeoDataFrame:
        """The nodes at one level (a view-like copy, in id order)."""
        return self.nodes[self.nodes["level"] == level.value]

    def node_level(self, node_id: int) -> Level:
        """The level of a node, raising :class:`ModelError` for an unknown id."""
        try:
            return Level(self.nodes.at[node_id, "level"])
        except KeyError:
            raise ModelError(f"no node with id {node_id}") from None

    def children(self, node_id: int) -> gpd.GeoDataFrame:
        """The direct children of a node."""
        return self.nodes[self.nodes["parent_id"] == node_id]

    def ancestors(self, node_id: int) -> list[int]:
        """Ids from the root down to (and including) ``node_id``."""
        chain: list[int] = []
        current: object = node_id
        while current is not None and not pd.isna(current):
            chain.append(int(current))  # type: ignore[call-overload]
            current = self.nodes.at[int(current), "parent_id"]  # type: ignore[call-overload]
        return chain[::-1]

    def subtree(self, node_id: int) -> list[int]:
        """``node_id`` and every node below it (top down, level by level)."""
        parents = self.nodes["parent_id"]
        found = [node_id]
        frontier = [node_id]
        while frontier:
            kids = parents.index[parents.isin(frontier)].tolist()
            found.extend(kids)
            frontier = kids
        return found

    def descendants_at(self, node_id: int, level: Level) -> list[int]:
        """Ids at ``level`` under ``node_id`` (itself if it is at that level), by code."""
        ids = [node_id]
        depth = self.node_level(node_id).depth
        if depth > level.depth:
            return []
        for _ in range(level.depth - depth):
            ids = self.nodes.index[self.nodes["parent_id"].isin(ids)].tolist()
        codes = self.nodes["code"]
        return sorted(ids, key=lambda i: str(codes.at[i]))

    def by_code(self, code: str) -> int:
        """The id of the node with ``code`` (codes are unique in a valid plan); a code
        since changed (renumbered, or listed in an imported 代码变更对照表) still finds
        its area while the area exists — :meth:`renamed_code` says what it is now."""
        hits = self.nodes.index[self.nodes["code"] == code]
        if len(hits) == 0:
            successor = self.retired_codes.get(code)
            if successor is not None and successor in self.nodes.index:
                return int(successor)
            if successor is not None:
                raise ModelError(f"code {code!r} was retired; the area it named is gone")
            raise ModelError(f"no node has code {code!r}")
        return int(hits[0])

    def renamed_code(self, code: str) -> str | None:
        """The current code of the area an old (retired) ``code`` named, or None when
        ``code`` is in use or names nothing that still exists."""
        if (self.nodes["code"] == code).any():
            return None
        successor = self.retired_codes.get(code)
        if successor is None or successor not in self.nodes.index:
            return None
        return str(self.nodes.at[successor, "code"])

    def iter_tree(self) -> Iterator[tuple[int, int]]:
        """(depth, id) pairs in depth-first order, children sorted by code."""
        kids: dict[int, list[int]] = {}
        ordered = self.nodes.sort_values("code", kind="stable")
        for node_id, parent in zip(ordered.index, ordered["parent_id"], strict=True):
            if not pd.isna(parent):
                kids.setdefault(int(parent), []).append(int(node_id))
        stack = [(0, self.root_id)]
        while stack:
            depth, node_id = stack.pop()
            yield depth, node_id
            stack.extend((depth + 1, kid) for kid in reversed(kids.get(node_id, [])))

    # -- editing -------------------------------------------------------------------
    def add_node(
        self,
        level: Level,
        code: str,
        name: str,
        geometry: BaseGeometry | None,
        parent_id: int | None = None,
        kind: NodeKind | AreaKind = NodeKind.ORDINARY,
        dedicated_type: str | None = None,
        urban_rural_code: str | None = None,
    ) -> int:
        """Add one node after checking its level, parent and code; returns its id.

        A street's or community's ``kind`` may state its type (:class:`AreaKind`: 街道,
        镇, 乡 …; 社区, 村), checked against the code's NBS range; a community may carry
        its urban-rural classification code (城乡分类代码, e.g. ``111``)."""
        scheme = self.settings.code_scheme
        parent_code = None
        if level is Level.DISTRICT:
            if parent_id is not None:
                raise ModelError("a district has no parent")
            if (self.nodes["level"] == Level.DISTRICT.value).any():
                raise ModelError("the project already has a district")
        else:
            if parent_id is None or parent_id not in self.nodes.index:
                raise ModelError(f"{level.value} {code!r} needs an existing parent")
            if self.node_level(parent_id) is not level.parent:
                raise ModelError(
                    f"{level.value} {code!r} must sit under a {level.parent.value}"  # type: ignore[union-attr]
                )
            parent_code = str(self.nodes.at[parent_id, "code"])
        scheme.validate(code, level, parent_code, kind.value)
        if (self.nodes["code"] == code).any():
            raise CodeError(f"code {code!r} is already used")
        if code in self.retired_codes:
            raise CodeError(f"code {code!r} was retired and is never reused for a new area")
        node_id = int(self.new_ids(1)[0])
        row = gpd.GeoDataFrame(
            {
                "code": [code],
                "name": [name],
                "level": [level.value],
                "parent_id": pd.array([parent_id], dtype="Int64"),
                "kind": [kind.value],
                "dedicated_type": [dedicated_type],
                "urban_rural_code": [urban_rural_code],
            },
            index=pd.Index([node_id], dtype="int64", name="id"),
            geometry=[geometry],
            crs=STORAGE_CRS,
        )
        self.nodes = row if self.nodes.empty else pd.concat([self.nodes, row])  # type: ignore[assignment]
        return node_id

    def record_version(self, author: str, summary: str) -> Version:
        """Append a version to the history (the store writes it with the next save)."""
        number = self.history[-1].version + 1 if self.history else 1
        version = Version(number, datetime.now(UTC).isoformat(timespec="seconds"), author, summary)
        self.history.append(version)
        return version

    # -- measuring -----------------------------------------------------------------
    def measuring_crs(self) -> str:
        """The CRS areas and lengths are measured in (settings, else the data's zone)."""
        if self.settings.measuring_epsg:
            return f"EPSG:{self.settings.measuring_epsg}"
        frame = self.nodes if not self.nodes.empty else self.buildings
        return f"EPSG:{measuring_epsg(frame.total_bounds)}"

    def copy(self) -> Project:
        """An independent copy: edits to its tables never reach this project.

        Geometries are shared (shapely geometries are immutable)."""
        return Project(
            name=self.name,
            nodes=self.nodes.copy(),
            buildings=self.buildings.copy(),
            workers=self.workers.copy(),
            settings=self.settings,
            history=list(self.history),
            reference_lines=self.reference_lines.copy(),
            retired_codes=dict(self.retired_codes),
            next_id=self.next_id,
            origin=self.origin,
        )

    def counts(self) -> dict[str, int]:
        """Number of nodes per level, buildings and workers."""
        by_level = self.nodes["level"].value_counts()
        out = {lv.value: int(by_level.get(lv.value, 0)) for lv in LEVELS}
        out["building"] = len(self.buildings)
        out["worker"] = len(self.workers)
        return out
