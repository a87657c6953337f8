"""Everything the checks share: metric geometry, the tree, rollups and labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gridplanner.audit.catalog import CHECKS
from gridplanner.audit.finding import Finding
from gridplanner.errors import GridPlannerError, ModelError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups

#: A gap or overlap piece thinner than this (mean width 2·area/perimeter) is a sliver.
SLIVER_WIDTH_M = 2.0
#: A community whose grids' households-per-worker vary more than this (coefficient of
#: variation) is unbalanced.
UNBALANCED_CV = 0.5

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


class AuditCancelled(GridPlannerError):
    """The audit was cancelled before it finished."""


@dataclass
class AuditContext:
    """Prepared inputs of one audit run (geometry in the measuring CRS, metres)."""

    project: Project
    nodes: gpd.GeoDataFrame  # the audited nodes (whole plan or the scope's subtree)
    geom: pd.Series  # node id -> metric geometry (made valid for computing)
    raw_geom: pd.Series  # node id -> metric geometry as stored
    buildings: gpd.GeoDataFrame  # metric, the audited buildings
    rollups: pd.DataFrame
    tolerance: float
    measuring_crs: str
    community_of: dict[int, int | None] = field(default_factory=dict)
    street_of: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def build(cls, project: Project, scope: str | None = None) -> AuditContext:
        """Prepare the project (or the subtree of the node coded ``scope``)."""
        crs = project.measuring_crs()
        nodes = project.nodes
        buildings = project.buildings
        if scope is not None:
            try:
                scope_id = project.by_code(scope)
            except ModelError as exc:
                raise GridPlannerError(f"核查范围 {scope}: {exc}") from None
            keep = project.subtree(scope_id)
            nodes = nodes.loc[keep]
            area = nodes.at[scope_id, "geometry"]
            units = nodes.index[nodes["level"] == Level.GRID_UNIT.value]
            inside = buildings["unit_id"].isin(units).to_numpy(dtype=bool)
            if area is not None:
                inside |= shapely.intersects(area, buildings.geometry.to_numpy())
            buildings = buildings[inside]
        metric = nodes.geometry.to_crs(crs)
        raw = pd.Series(metric.to_numpy(), index=nodes.index, dtype=object)
        fixed = raw.copy()
        values = fixed.to_numpy().copy()
        bad = ~shapely.is_valid(values) & ~shapely.is_missing(values)
        if bad.any():
            values[bad] = [polygonal(shapely.make_valid(g)) for g in values[bad]]
            fixed = pd.Series(values, index=nodes.index, dtype=object)
        ctx = cls(
            project=project,
            nodes=nodes,
            geom=fixed,
            raw_geom=raw,
            buildings=buildings.to_crs(crs),
            rollups=compute_rollups(project).loc[nodes.index],
            tolerance=float(project.settings.tolerance_m2),
            measuring_crs=crs,
        )
        ctx._index_ancestors()
        return ctx

    # -- the tree ------------------------------------------------------------------
    def _index_ancestors(self) -> None:
        """The street and community above every audited node (vectorised, level by level)."""
        all_nodes = self.project.nodes
        parent = all_nodes["parent_id"]
        level = all_nodes["level"]
        current = pd.Series(self.nodes.index.to_numpy(), index=self.nodes.index, dtype="Int64")
        street = pd.Series(pd.NA, index=self.nodes.index, dtype="Int64")
        community = street.copy()
        for _ in range(len(Level) + 1):
            known = current.notna() & current.isin(all_nodes.index)
            if not known.any():
                break
            ids = current[known].astype("int64")
            lv = level.reindex(ids.to_numpy()).to_numpy()
            is_c = lv == Level.COMMUNITY.value
            is_s = lv == Level.STREET.value
            community[ids.index[is_c]] = ids.to_numpy()[is_c]
            street[ids.index[is_s]] = ids.to_numpy()[is_s]
            nxt = parent.reindex(ids.to_numpy()).to_numpy()
            current = pd.Series(pd.NA, index=self.nodes.index, dtype="Int64")
            current[ids.index] = nxt
        self.community_of = {int(k): (None if pd.isna(v) else int(v)) for k, v in community.items()}
        self.street_of = {int(k): (None if pd.isna(v) else int(v)) for k, v in street.items()}

    def ids_at(self, level: Level) -> pd.Index:
        """Ids of the audited nodes at ``level``."""
        return self.nodes.index[self.nodes["level"] == level.value]

    def code(self, node_id: int) -> str:
        """A node's code (from the whole plan)."""
        return str(self.project.nodes.at[node_id, "code"])

    def name(self, node_id: int) -> str:
        """A node's name."""
        return str(self.project.nodes.at[node_id, "name"])

    def label(self, node_id: int, lang: str) -> str:
        """ "网格 210283…001 幸福社区1-1网格" — level, code and name."""
        level = Level(self.project.nodes.at[node_id, "level"])
        return f"{level.label(lang)} {self.code(node_id)} {self.name(node_id)}"

    # -- findings ------------------------------------------------------------------
    def finding(
        self,
        check_id: str,
        node_ids: tuple[int, ...],
        zh: str,
        en: str,
        geometry: BaseGeometry | None,
        *,
        level: str | None = None,
        area_m2: float | None = None,
        value: float | None = None,
        building_ids: tuple[int, ...] = (),
        place: int | None = None,
    ) -> Finding:
        """A finding about ``node_ids``; the rule is appended to both messages."""
        rule = CHECKS[check_id]
        first = place if place is not None else (node_ids[0] if node_ids else None)
        street = community = None
        if first is not None:
            s, c = self.street_of.get(first), self.community_of.get(first)
            street = self.code(s) if s is not None else None
            community = self.code(c) if c is not None else None
        lv = level or (str(self.project.nodes.at[node_ids[0], "level"]) if node_ids else "")
        return Finding(
            check=check_id,
            level=lv,
            node_ids=node_ids,
            codes=tuple(self.code(n) for n in node_ids),
            names=tuple(self.name(n) for n in node_ids),
            message_zh=f"{zh}(规则: {rule.rule_zh})",
            message_en=f"{en} (rule: {rule.rule_en})",
            geometry=geometry,
            area_m2=area_m2,
            value=value,
            building_ids=building_ids,
            street=street,
            community=community,
        )


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geometry`` (empty polygon when there is none)."""
    if geometry is None:
        return shapely.Polygon()
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    return shapely.Polygon()


def pieces(geometry: BaseGeometry, min_area: float) -> list[BaseGeometry]:
    """The polygons of ``geometry`` larger than ``min_area``."""
    poly = polygonal(geometry)
    if poly.is_empty:
        return []
    parts = list(poly.geoms) if poly.geom_type == "MultiPolygon" else [poly]
    return [p for p in parts if p.area > min_area]


def mean_width(geometry: BaseGeometry) -> float:
    """2·area/perimeter: the width of a long thin strip."""
    length = float(geometry.length)
    return 2.0 * float(geometry.area) / length if length > 0 else 0.0


def is_sliver(geometry: BaseGeometry) -> bool:
    """True when no point of ``geometry`` is more than half :data:`SLIVER_WIDTH_M` inside.

    (An erosion test: robust to hairline spurs that inflate the perimeter.)
    """
    return bool(geometry.buffer(-SLIVER_WIDTH_M / 2.0, quad_segs=2).is_empty)


def as_array(series: pd.Series, ids: pd.Index | list[int] | np.ndarray) -> np.ndarray:
    """The geometries of ``ids`` as a numpy object array."""
    return np.asarray(series.loc[ids].to_numpy(), dtype=object)
