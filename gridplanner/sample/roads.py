"""Secondary and branch roads for the sample (示例), so units can follow roads.

The sample's only roads used to be the community boundaries (主干道). Real towns
have a street grid between compounds and country roads between villages, and
both run along compound walls, never through buildings. Here they run along the
edges between unit cells (the compounds and natural villages the generator drew):

* 次干道 where neighbouring cells fall in different blocks of a rotated lattice —
  blocks of about 2.6 compounds across in towns, 2.6 villages across in the country
  (so roads cross grid and comprehensive-grid boundaries as real ones do);
* 支路 on about 40 % of the other edges between two town compounds.

Edges on a community boundary (already a 主干道) or along the river are left out.
Every road is ``kind="road"`` with its class in ``road_class``; the river, the
coast and the other layers are not touched, and the sample's random stream is
not used (a generator of its own, from the seed).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridplanner.crs import STORAGE_CRS
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.sample.atoms import place_name

BLOCK_CELLS = 2.6  # a block is this many cells across
BRANCH_SHARE = 0.4  # share of in-block town edges that are 支路
MAJOR = "主干道"


def add_sample_roads(
    project: Project,
    geo: Any,
    geoms: dict[Level, np.ndarray],
    to_lonlat: Transformer,
    seed: int,
) -> None:
    """Append the sample's 次干道 and 支路 to ``project.reference_lines`` and give every
    road its ``road_class`` (the existing community-boundary roads are 主干道)."""
    rng = np.random.default_rng([seed, 18])
    cells, is_town = geo.cells, np.asarray(geo.is_town, dtype=bool)
    block = _blocks(cells, is_town, rng)
    left, right, edges = _shared_edges(cells)
    # Not on a community boundary (a 主干道 already) nor along the river (banks differ).
    community = _community_of(cells, geoms[Level.COMMUNITY])
    inside = (community[left] == community[right]) & (geo.side[left] == geo.side[right])
    secondary = (block[left] != block[right]) & inside
    branch = (block[left] == block[right]) & inside & is_town[left] & is_town[right]
    branch &= rng.random(len(left)) < BRANCH_SHARE
    rows: list[tuple[str, str, Any]] = []
    used: set[str] = set()
    for road_class, chosen, suffix in (("次干道", secondary, "路"), ("支路", branch, "巷")):
        lines = shapely.line_merge(shapely.union_all(edges[chosen]))
        for line in shapely.get_parts(lines):
            if line.geom_type == "LineString" and line.length > 30.0:
                rows.append((road_class, f"示例{place_name(rng, used)}{suffix}", line))
    lines = project.reference_lines.copy()
    lines["road_class"] = pd.Series(
        [
            MAJOR if k == "road" and n == MAJOR else None
            for k, n in zip(lines["kind"], lines["name"], strict=True)
        ],
        index=lines.index,
        dtype=object,
    )
    if not rows:
        project.reference_lines = lines
        return
    shapes = np.array([r[2] for r in rows], dtype=object)
    lon_lat = shapely.transform(
        shapes, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
    )
    added = gpd.GeoDataFrame(
        {
            "kind": ["road"] * len(rows),
            "name": [r[1] for r in rows],
            "road_class": [r[0] for r in rows],
        },
        geometry=lon_lat,
        crs=STORAGE_CRS,
    )
    project.reference_lines = gpd.GeoDataFrame(
        pd.concat([lines, added], ignore_index=True), crs=STORAGE_CRS
    )


def _blocks(cells: np.ndarray, is_town: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A block label per cell: its square of a rotated lattice (town and country apart)."""
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))
    angle = rng.uniform(0.0, np.pi / 2)
    rotated = xy @ np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    areas = shapely.area(cells)
    labels = np.empty(len(cells), dtype=object)
    for town in (True, False):
        mask = is_town == town
        if not mask.any():
            continue
        size = BLOCK_CELLS * float(np.sqrt(np.median(areas[mask])))
        offset = rng.uniform(0.0, size, 2)
        ij = np.floor((rotated[mask] + offset) / size).astype(np.int64)
        found = np.empty(len(ij), dtype=object)
        found[:] = [(town, int(i), int(j)) for i, j in ij]
        labels[mask] = found
    return labels


def _community_of(cells: np.ndarray, communities: np.ndarray) -> np.ndarray:
    """The community each cell lies in (by a point inside it)."""
    tree = shapely.STRtree(communities)
    cell, hit = tree.query(shapely.point_on_surface(cells), predicate="intersects")
    out = np.full(len(cells), -1, dtype=np.int64)
    out[cell] = hit
    return out


def _shared_edges(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of neighbouring cells and the line they share."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(cells)
    shared = shapely.intersection(boundaries[left], boundaries[right])
    parts, index = shapely.get_parts(shared, return_index=True)
    is_line = np.isin(shapely.get_type_id(parts), (1, 2))  # not a corner touch
    parts, index = parts[is_line], index[is_line]
    lines = np.empty(len(shared), dtype=object)
    for pair, line in zip(index.tolist(), parts.tolist(), strict=True):
        lines[pair] = line if lines[pair] is None else shapely.union(lines[pair], line)
    keep = ~shapely.is_missing(lines)
    keep[keep] = shapely.length(lines[keep]) > 1.0
    return left[keep], right[keep], lines[keep]
