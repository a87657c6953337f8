"""Generate a sample project: geography → units → hierarchy → atoms → defects → project."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridplanner.codes import CodeScheme, number_in_reading_order
from gridplanner.crs import STORAGE_CRS, gauss_kruger_epsg
from gridplanner.levels import AreaKind, Level, NodeKind
from gridplanner.model import FULL_TIME, Project
from gridplanner.sample import atoms
from gridplanner.sample.defects import bite, bulge, move_points_out, sibling_pair
from gridplanner.sample.geography import make_geography
from gridplanner.sample.grouping import rook_neighbours
from gridplanner.sample.hierarchy import Groups, group_units, make_split_grid, skew_community
from gridplanner.sample.naming import area_kinds, name_nodes, urban_rural_codes
from gridplanner.sample.roads import add_sample_roads
from gridplanner.sample.sizes import SIZES

DISTRICT_CODE = "210283"
DISTRICT_NAME = "示例庄河市"
CENTRE_LONLAT = (122.97, 39.70)


@dataclass(frozen=True)
class Defect:
    """A defect the generator built in on purpose, for the audit to find."""

    kind: str  # gap | overlap | building_outside | split_grid | community_out_of_band | ...
    level: str
    codes: tuple[str, ...]
    lon: float
    lat: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["codes"] = list(self.codes)
        return out


def generate_sample(size: str = "street", seed: int = 0) -> tuple[Project, list[Defect]]:
    """Build the sample project of ``size`` ("street", "county" or "city") for ``seed``."""
    spec = SIZES[size]
    rng = np.random.default_rng([seed, len(size)])
    epsg = gauss_kruger_epsg(CENTRE_LONLAT[0])
    to_metres = Transformer.from_crs(STORAGE_CRS, f"EPSG:{epsg}", always_xy=True)
    centre = to_metres.transform(*CENTRE_LONLAT)
    geo = make_geography(spec, centre, rng)
    cells = geo.cells.copy()
    n = len(cells)
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))

    town_units = np.flatnonzero(geo.is_town)
    institutions = np.sort(
        rng.choice(town_units, size=min(spec.institutions, len(town_units)), replace=False)
    )
    is_institution = np.zeros(n, dtype=bool)
    is_institution[institutions] = True
    bx, by, bhh, bunit, bnames = atoms.buildings_for_units(
        cells,
        geo.is_town,
        is_institution,
        spec.apartments_per_compound,
        spec.houses_per_village,
        rng,
    )
    unit_hh = np.bincount(bunit, weights=bhh, minlength=n)
    neighbours = rook_neighbours(cells, geo.side)
    counts = (spec.streets, spec.communities, spec.comprehensive_grids, spec.grids)
    groups = group_units(n, counts, neighbours, unit_hh, xy, institutions, rng)

    defects: list[Defect] = []
    # Staff every grid for its balanced households, then plant the grouping defects.
    grid_hh = np.bincount(groups.unit_grid, weights=unit_hh, minlength=len(groups.grid_comp))
    staff = [atoms.staff_for(h, g in groups.grid_dedicated) for g, h in enumerate(grid_hh)]
    split = make_split_grid(groups, neighbours)
    communities = _ordinary_communities(groups)
    skewed_community, short_community = (
        communities[len(communities) // 3],
        communities[2 * len(communities) // 3],
    )
    skewed_grids = skew_community(groups, skewed_community, neighbours, unit_hh, xy, rng)
    short_grids = np.flatnonzero(
        np.isin(groups.grid_comp, np.flatnonzero(groups.comp_community == short_community))
    )
    for g in short_grids.tolist():
        staff[g] = [] if g == short_grids[0] else ["part_time"]
    # ... and its housing doubled since it was staffed (new towers, same staff).
    bhh[np.isin(bunit, np.flatnonzero(np.isin(groups.unit_grid, short_grids)))] *= 2

    # Geometry of every level from the (clean) units, before unit-level defects.
    geoms = _level_geometries(cells, groups)
    gap_a, gap_b = sibling_pair(
        groups.unit_grid, neighbours, {split[0]} if split else set(), n // 2
    )
    over_a, over_b = sibling_pair(
        groups.unit_grid, neighbours, {gap_a, gap_b, *([split[0]] if split else [])}, n // 3
    )
    radius = 12.0
    gap = bite(cells, gap_a, gap_b, radius)
    overlap = bulge(cells, over_a, over_b, radius)
    in_a = bunit == gap_a
    move_points_out(bx, by, in_a, gap, cells[gap_a])
    move_points_out(bx, by, bunit == over_b, overlap, shapely.difference(cells[over_b], overlap))
    geoms[Level.GRID_UNIT] = cells

    # Buildings outside every unit: one in the gap, two beyond the northern border.
    north = shapely.get_coordinates(geo.land.exterior)
    top = north[int(np.argmax(north[:, 1]))]
    gap_pt = gap.point_on_surface()
    stray_x = np.array([gap_pt.x, top[0], top[0] + 40.0])
    stray_y = np.array([gap_pt.y, top[1] + 60.0, top[1] + 90.0])
    stray_hh = np.array([3, 1, 2])

    project = Project(name=f"{DISTRICT_NAME}网格方案(示例, {size})")
    to_lonlat = Transformer.from_crs(f"EPSG:{epsg}", STORAGE_CRS, always_xy=True)
    lonlat = {lv: _transform(g, to_lonlat) for lv, g in geoms.items()}
    kinds = area_kinds(groups, geo.is_town)
    # Numbered as edits renumber: the one reading order, on the stored lon/lat outlines.
    codes = _assign_codes(project.settings.code_scheme, groups, lonlat, kinds, epsg)
    first_id = _fill_nodes(project, groups, codes, lonlat, geo.is_town, kinds, rng)
    _fill_buildings(
        project,
        first_id[Level.GRID_UNIT],
        bx,
        by,
        bhh,
        bunit,
        bnames,
        (stray_x, stray_y, stray_hh),
        to_lonlat,
        rng,
    )
    _fill_workers(project, first_id[Level.GRID], staff, rng)
    _fill_reference_lines(project, geo, geoms, to_lonlat)
    add_sample_roads(project, geo, geoms, to_lonlat, seed)
    project.record_version("gridplanner sample", f"生成示例数据 (size={size}, seed={seed})")

    def at(x: float, y: float) -> tuple[float, float]:
        lon, lat = to_lonlat.transform(x, y)
        return float(lon), float(lat)

    ucode = codes[Level.GRID_UNIT]
    gcode = codes[Level.GRID]
    defects.append(
        Defect(
            "gap",
            "grid_unit",
            (ucode[gap_a], ucode[gap_b]),
            *at(gap_pt.x, gap_pt.y),
            f"gap of {gap.area:.0f} m² between units in grid {gcode[groups.unit_grid[gap_a]]}",
        )
    )
    op = overlap.point_on_surface()
    defects.append(
        Defect(
            "overlap",
            "grid_unit",
            (ucode[over_a], ucode[over_b]),
            *at(op.x, op.y),
            f"overlap of {overlap.area:.0f} m² between sibling units",
        )
    )
    for x, y in zip(stray_x, stray_y, strict=True):
        defects.append(
            Defect("building_outside", "building", (), *at(x, y), "building in no grid unit")
        )
    if split:
        unit, _, to_grid = split
        defects.append(
            Defect(
                "split_grid",
                "grid",
                (gcode[to_grid],),
                *at(*xy[unit]),
                f"grid in two pieces: unit {ucode[unit]} lies apart from the rest",
            )
        )
    ccode = codes[Level.COMMUNITY]
    c_xy = shapely.get_coordinates(
        shapely.point_on_surface(geoms[Level.COMMUNITY][short_community])
    )[0]
    defects.append(
        Defect(
            "community_out_of_band",
            "community",
            (ccode[short_community],),
            *at(*c_xy),
            "too few workers: households per worker far above the band",
        )
    )
    defects.append(
        Defect(
            "grid_without_worker",
            "grid",
            (gcode[short_grids[0]],),
            *at(
                *shapely.get_coordinates(
                    shapely.point_on_surface(geoms[Level.GRID][short_grids[0]])
                )[0]
            ),
            "grid has no worker",
        )
    )
    s_xy = shapely.get_coordinates(
        shapely.point_on_surface(geoms[Level.COMMUNITY][skewed_community])
    )[0]
    defects.append(
        Defect(
            "unbalanced_community",
            "community",
            (ccode[skewed_community],),
            *at(*s_xy),
            f"grids far from equal households ({len(skewed_grids)} grids); rebalance it",
        )
    )
    return project, defects


def _ordinary_communities(groups: Groups) -> list[int]:
    """Communities with ≥3 ordinary grids in one comprehensive grid, in index order."""
    found = []
    for community in np.unique(groups.comp_community).tolist():
        comps = np.flatnonzero(groups.comp_community == community)
        sizes = [
            sum(
                1
                for g in np.flatnonzero(groups.grid_comp == c).tolist()
                if g not in groups.grid_dedicated
            )
            for c in comps
        ]
        if max(sizes, default=0) >= 3:
            found.append(community)
    return found


def _level_geometries(cells: np.ndarray, groups: Groups) -> dict[Level, np.ndarray]:
    def dissolve(parts: np.ndarray, parent: np.ndarray, count: int) -> np.ndarray:
        series = gpd.GeoSeries(parts).groupby(parent).agg(lambda g: shapely.union_all(g.to_numpy()))
        out = np.empty(count, dtype=object)
        out[series.index.to_numpy()] = series.to_numpy()
        return shapely.set_precision(out, 0.01)

    grids = dissolve(cells, groups.unit_grid, len(groups.grid_comp))
    comps = dissolve(grids, groups.grid_comp, len(groups.comp_community))
    communities = dissolve(comps, groups.comp_community, len(groups.community_street))
    streets = dissolve(communities, groups.community_street, int(groups.community_street.max()) + 1)
    district = np.array([shapely.union_all(streets)], dtype=object)
    return {
        Level.DISTRICT: district,
        Level.STREET: streets,
        Level.COMMUNITY: communities,
        Level.COMPREHENSIVE_GRID: comps,
        Level.GRID: grids,
        Level.GRID_UNIT: cells.copy(),
    }


def _assign_codes(
    scheme: CodeScheme,
    groups: Groups,
    geoms: dict[Level, np.ndarray],
    kinds: tuple[list[AreaKind], list[AreaKind]],
    epsg: int,
) -> dict[Level, list[str]]:
    """Codes in reading order among siblings (:func:`number_in_reading_order`), streets
    and communities in their kind's NBS range (街道 001…, 镇 101…, 乡 201…; 社区 001…,
    村 201…)."""
    kind_of = {Level.STREET: kinds[0], Level.COMMUNITY: kinds[1]}
    parents = {
        Level.STREET: np.zeros(len(geoms[Level.STREET]), dtype=np.int64),
        Level.COMMUNITY: groups.community_street,
        Level.COMPREHENSIVE_GRID: groups.comp_community,
        Level.GRID: groups.grid_comp,
        Level.GRID_UNIT: groups.unit_grid,
    }
    codes: dict[Level, list[str]] = {Level.DISTRICT: [DISTRICT_CODE]}
    for level, parent_of in parents.items():
        parent_level = level.parent
        assert parent_level is not None
        level_kinds = kind_of.get(level)
        out = [""] * len(parent_of)
        order = np.argsort(parent_of, kind="stable")
        bounds = np.flatnonzero(np.diff(parent_of[order])) + 1
        for members in np.split(order, bounds):
            parent_code = codes[parent_level][int(parent_of[members[0]])]
            fresh = number_in_reading_order(
                scheme,
                parent_code,
                level,
                geoms[level][members],
                kinds=None if level_kinds is None else [level_kinds[m] for m in members],
                crs=epsg,
            )
            for index, code in zip(members.tolist(), fresh, strict=True):
                out[index] = code
        codes[level] = out
    return codes


def _transform(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    def xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, xy)


def _fill_nodes(
    project: Project,
    groups: Groups,
    codes: dict[Level, list[str]],
    geoms: dict[Level, np.ndarray],
    is_town: np.ndarray,
    area: tuple[list[AreaKind], list[AreaKind]],
    rng: np.random.Generator,
) -> dict[Level, int]:
    names, kinds, dedicated = name_nodes(groups, codes, is_town, area, rng)
    urban_rural = {Level.COMMUNITY: urban_rural_codes(groups, is_town, *area)}
    parent_of = {
        Level.STREET: np.zeros(len(codes[Level.STREET]), dtype=np.int64),
        Level.COMMUNITY: groups.community_street,
        Level.COMPREHENSIVE_GRID: groups.comp_community,
        Level.GRID: groups.grid_comp,
        Level.GRID_UNIT: groups.unit_grid,
    }
    frames = []
    first_id: dict[Level, int] = {}
    for level in geoms:
        count = len(codes[level])
        ids = project.new_ids(count)
        first_id[level] = int(ids[0])
        parents = (
            pd.array([None], dtype="Int64")
            if level is Level.DISTRICT
            else pd.array(parent_of[level] + first_id[level.parent], dtype="Int64")  # type: ignore[index]
        )
        frames.append(
            gpd.GeoDataFrame(
                {
                    "code": pd.Series(codes[level], dtype=object).to_numpy(),
                    "name": pd.Series(names[level], dtype=object).to_numpy(),
                    "level": level.value,
                    "parent_id": parents,
                    "kind": pd.Series(
                        kinds.get(level, [NodeKind.ORDINARY.value] * count), dtype=object
                    ).to_numpy(),
                    "dedicated_type": pd.Series(
                        dedicated.get(level, [None] * count), dtype=object
                    ).to_numpy(),
                    "urban_rural_code": pd.Series(
                        urban_rural.get(level, [None] * count), dtype=object
                    ).to_numpy(),
                },
                index=pd.Index(ids, name="id"),
                geometry=geoms[level],
                crs=STORAGE_CRS,
            )
        )
    project.nodes = pd.concat(frames)  # type: ignore[assignment]
    return first_id


def _fill_buildings(
    project: Project,
    first_unit: int,
    bx: np.ndarray,
    by: np.ndarray,
    bhh: np.ndarray,
    bunit: np.ndarray,
    bnames: list[str],
    strays: tuple[np.ndarray, np.ndarray, np.ndarray],
    to_lonlat: Transformer,
    rng: np.random.Generator,
) -> None:
    sx, sy, shh = strays
    x = np.concatenate([bx, sx])
    y = np.concatenate([by, sy])
    households = np.concatenate([bhh, shh]).astype(np.int64)
    unit_ids = pd.array(np.concatenate([bunit + first_unit, np.full(len(sx), -1)]), dtype="Int64")
    unit_ids[len(bx) :] = pd.NA
    population = np.round(households * rng.uniform(2.1, 3.0, len(households))).astype(np.int64)
    lon, lat = to_lonlat.transform(x, y)
    ids = project.new_ids(len(x))
    project.buildings = gpd.GeoDataFrame(
        {
            "name": pd.Series([*bnames, *["无主楼栋"] * len(sx)], dtype=object).to_numpy(),
            "households": households,
            "population": population,
            "unit_id": unit_ids,
        },
        index=pd.Index(ids, name="id"),
        geometry=shapely.points(lon, lat),
        crs=STORAGE_CRS,
    )


def _fill_workers(
    project: Project, first_grid: int, staff: list[list[str]], rng: np.random.Generator
) -> None:
    rows = []
    part_capacity = project.settings.part_time_capacity
    for grid, employments in enumerate(staff):
        for employment in employments:
            role = (
                "专职网格员" if employment == FULL_TIME else str(rng.choice(atoms.PART_TIME_ROLES))
            )
            capacity = 1.0 if employment == FULL_TIME else part_capacity
            rows.append(
                (
                    atoms.person_name(rng),
                    role,
                    employment,
                    capacity,
                    first_grid + grid,
                    atoms.fake_phone(rng),
                )
            )
    ids = project.new_ids(len(rows))
    frame = pd.DataFrame(
        rows, columns=["name", "role", "employment", "capacity", "grid_id", "phone"]
    )
    frame.index = pd.Index(ids, name="id")
    frame["grid_id"] = frame["grid_id"].astype("Int64")
    frame["capacity"] = frame["capacity"].astype("float64")
    project.workers = frame


def _fill_reference_lines(
    project: Project, geo: Any, geoms: dict[Level, np.ndarray], to_lonlat: Transformer
) -> None:
    district = geoms[Level.DISTRICT][0]
    edge = district.boundary.buffer(2.0)
    river = shapely.intersection(geo.river, district)
    internal = shapely.union_all(shapely.boundary(geoms[Level.COMMUNITY]))
    roads = shapely.difference(shapely.difference(internal, edge), river.buffer(2.0))
    lines = [("river", "示例河"), ("coast", "示例海岸线"), ("road", "主干道")]
    shapes = np.array([river, geo.coast, roads], dtype=object)
    project.reference_lines = gpd.GeoDataFrame(
        {"kind": [k for k, _ in lines], "name": [n for _, n in lines]},
        geometry=_transform(shapes, to_lonlat),
        crs=STORAGE_CRS,
    )
