"""Synthetic geography: a coastal district, a river, towns and unit cells.

Everything here works in projected metres (the CGCS2000 Gauss–Krüger zone of the
sample's centre); the generator transforms to EPSG:4490 at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.ops import split

from gridplanner.sample.sizes import SampleSize

PRECISION_M = 0.01


@dataclass(frozen=True)
class Geography:
    """The land, sea, river and the grid-unit cells carved from them."""

    land: Polygon
    coast: shapely.Geometry
    river: LineString
    towns: np.ndarray  # (k, 2) town centres; row 0 is the county seat
    cells: np.ndarray  # shapely polygons, one per grid unit
    is_town: np.ndarray  # bool per cell: urban compound (else rural village)
    side: np.ndarray  # int per cell: which bank of the river it lies on


def make_geography(
    size: SampleSize, centre: tuple[float, float], rng: np.random.Generator
) -> Geography:
    """Outline, coast, river, towns, then Voronoi cells split by the river."""
    cx, cy = centre
    outline = _noisy_outline(cx, cy, size.radius_m, rng)
    sea = _sea(cx, cy, size.radius_m, rng)
    land = _largest(outline.difference(sea))
    coast = shapely.intersection(land.boundary, sea.buffer(1.0))
    river = _river(land, size.radius_m, rng)
    towns = _towns(land, size, rng)
    seeds, is_town = _seeds(land, towns, size, rng)
    banks = [_largest(p) for p in split(land, river).geoms] if river.intersects(land) else [land]
    cells, town_flags, sides = _cells(land, river, banks, seeds, is_town)
    return Geography(land, coast, river, towns, cells, town_flags, sides)


def _noisy_outline(cx: float, cy: float, radius: float, rng: np.random.Generator) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 9):
        r += rng.uniform(0.02, 0.12) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r *= radius
    return Polygon(np.column_stack([cx + r * np.cos(theta), cy + 0.8 * r * np.sin(theta)]))


def _sea(cx: float, cy: float, radius: float, rng: np.random.Generator) -> Polygon:
    """Everything south of a wavy coastline about 0.55 radius south of the centre."""
    xs = np.linspace(cx - 2 * radius, cx + 2 * radius, 200)
    phase = rng.uniform(0, 2 * np.pi, 3)
    ys = (
        cy
        - 0.55 * radius
        + radius
        * (
            0.06 * np.sin(xs / radius * 3 + phase[0])
            + 0.03 * np.sin(xs / radius * 9 + phase[1])
            + 0.012 * np.sin(xs / radius * 27 + phase[2])
        )
    )
    line = list(zip(xs, ys, strict=True))
    return Polygon([*line, (xs[-1], cy - 3 * radius), (xs[0], cy - 3 * radius)])


def _river(land: Polygon, radius: float, rng: np.random.Generator) -> LineString:
    """A meandering river from beyond the northern border into the sea."""
    minx, miny, maxx, maxy = land.bounds
    start_x = minx + (maxx - minx) * rng.uniform(0.35, 0.65)
    ys = np.linspace(maxy + 0.1 * radius, miny - 0.3 * radius, 120)
    drift = np.cumsum(rng.normal(0, 0.012 * radius, len(ys)))
    meander = 0.05 * radius * np.sin(np.linspace(0, 5 * np.pi, len(ys)) + rng.uniform(0, 6))
    return LineString(np.column_stack([start_x + drift + meander, ys]))


def _towns(land: Polygon, size: SampleSize, rng: np.random.Generator) -> np.ndarray:
    """Town centres spread over the land; the first (county seat) near the coast centre."""
    interior = land.buffer(-0.08 * size.radius_m)
    interior = interior if not interior.is_empty else land
    points = _uniform_in(interior, size.towns * 30, rng)
    chosen = [points[np.argmin(points[:, 1] - 0.3 * np.abs(points[:, 0] - points[:, 0].mean()))]]
    while len(chosen) < size.towns:  # farthest-point sampling: evenly spread towns
        dist = np.min(np.linalg.norm(points[:, None, :] - np.array(chosen)[None], axis=2), axis=1)
        chosen.append(points[int(np.argmax(dist))])
    return np.array(chosen)


def _seeds(
    land: Polygon, towns: np.ndarray, size: SampleSize, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Unit seed points: jittered lattices around towns, sparse points in the country."""
    n_town = round(size.units * size.town_fraction)
    n_rural = size.units - n_town
    weights = np.ones(len(towns))
    weights[0] = 4.0  # the county seat is the biggest town
    per_town = np.maximum(1, np.round(n_town * weights / weights.sum())).astype(int)
    area = land.area
    rural_spacing = np.sqrt(area / max(n_rural, 1))
    block = rural_spacing * 0.22  # town compounds are far smaller than villages
    town_pts = []
    for (tx, ty), count in zip(towns, per_town, strict=True):
        side = int(np.ceil(np.sqrt(count)))
        angle = rng.uniform(0, np.pi / 2)
        gx, gy = np.meshgrid(np.arange(side) - (side - 1) / 2, np.arange(side) - (side - 1) / 2)
        lattice = np.column_stack([gx.ravel(), gy.ravel()])
        lattice = lattice[np.argsort(np.hypot(lattice[:, 0], lattice[:, 1]), kind="stable")][:count]
        lattice = lattice + rng.uniform(-0.3, 0.3, lattice.shape)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        town_pts.append(lattice @ rot.T * block + [tx, ty])
    town_xy = np.vstack(town_pts)
    town_xy = town_xy[shapely.contains_xy(land, town_xy[:, 0], town_xy[:, 1])]
    town_area = shapely.unary_union(shapely.buffer(shapely.points(town_xy), block * 0.9))
    rural_xy = _uniform_in(land, int(n_rural * 1.6) + 10, rng, spacing=rural_spacing)
    keep = ~shapely.contains_xy(town_area, rural_xy[:, 0], rural_xy[:, 1])
    rural_xy = rural_xy[keep][: size.units - len(town_xy)]
    seeds = np.vstack([town_xy, rural_xy])
    is_town = np.zeros(len(seeds), dtype=bool)
    is_town[: len(town_xy)] = True
    return seeds, is_town


def _uniform_in(
    poly: shapely.Geometry, count: int, rng: np.random.Generator, spacing: float | None = None
) -> np.ndarray:
    """``count`` points inside ``poly``: a jittered lattice when spacing is given."""
    minx, miny, maxx, maxy = poly.bounds
    if spacing is None:
        pts = np.empty((0, 2))
        while len(pts) < count:
            cand = rng.uniform([minx, miny], [maxx, maxy], (count * 3, 2))
            pts = np.vstack([pts, cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]])
        return pts[:count]
    step = spacing * 0.8
    gx, gy = np.meshgrid(np.arange(minx, maxx, step), np.arange(miny, maxy, step))
    pts = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-0.45, 0.45, (gx.size, 2)) * step
    pts = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]
    return pts[rng.permutation(len(pts))]


def _cells(
    land: Polygon,
    river: LineString,
    banks: list[Polygon],
    seeds: np.ndarray,
    is_town: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Voronoi cells clipped to the land, split where the river crosses them."""
    voronoi = shapely.voronoi_polygons(
        MultiPoint(seeds), extend_to=land.envelope.buffer(1000), ordered=True
    )
    cells = shapely.intersection(np.asarray(voronoi.geoms), land)
    cells = shapely.set_precision(cells, PRECISION_M)
    out_cells: list[shapely.Geometry] = []
    out_town: list[bool] = []
    crosses = shapely.intersects(cells, river)
    for cell, town, cross in zip(cells, is_town, crosses, strict=True):
        parts = list(split(cell, river).geoms) if cross else [cell]
        for part in parts:
            for poly in getattr(part, "geoms", [part]):
                if poly.geom_type == "Polygon" and poly.area > 1.0:
                    out_cells.append(poly)
                    out_town.append(bool(town))
    geoms = shapely.set_precision(np.array(out_cells, dtype=object), PRECISION_M)
    points = shapely.point_on_surface(geoms)
    side = np.zeros(len(geoms), dtype=np.int64)
    for index, bank in enumerate(banks):
        side[shapely.contains(bank.buffer(-0.05), points)] = index
    return geoms, np.array(out_town), side


def _largest(geom: shapely.Geometry) -> Polygon:
    """The largest polygon of a (multi)polygon."""
    if geom.geom_type == "Polygon":
        return geom
    return max(getattr(geom, "geoms", []), key=lambda g: g.area)
