"""Assemble the hierarchy: group units top-down, then plant the built-in defects."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridplanner.sample.grouping import components, split_region


@dataclass
class Groups:
    """Parent index of every node, level by level (indices are positions, not ids)."""

    unit_grid: np.ndarray
    grid_comp: np.ndarray
    comp_community: np.ndarray
    community_street: np.ndarray
    grid_dedicated: dict[int, int] = field(default_factory=dict)  # grid -> institution unit


def group_units(
    n_units: int,
    counts: tuple[int, int, int, int],
    neighbours: list[list[int]],
    households: np.ndarray,
    xy: np.ndarray,
    institutions: np.ndarray,
    rng: np.random.Generator,
) -> Groups:
    """Split all units into streets → communities → comprehensive grids → grids."""
    n_streets, n_communities, n_comps, n_grids = counts
    coarse = households + max(float(households.mean()), 1.0)
    everything = np.arange(n_units)
    streets = split_region(everything, n_streets, neighbours, coarse, xy, rng)
    communities = _split_each(streets, n_communities, neighbours, coarse, xy, rng)
    comps = _split_each([c for cs in communities for c in cs], n_comps, neighbours, coarse, xy, rng)
    flat_comps = [g for gs in comps for g in gs]
    institution_set = set(institutions.tolist())
    ordinary = [
        np.array([u for u in comp if u not in institution_set], dtype=int) for comp in flat_comps
    ]
    dedicated_counts = np.array(
        [len(comp) - len(o) for comp, o in zip(flat_comps, ordinary, strict=True)]
    )
    grid_counts = _allocate_children(ordinary, households, n_grids - int(dedicated_counts.sum()))
    unit_grid = np.full(n_units, -1, dtype=np.int64)
    grid_comp: list[int] = []
    grid_dedicated: dict[int, int] = {}
    for comp_index, (comp, members) in enumerate(zip(flat_comps, ordinary, strict=True)):
        for unit in comp:
            if unit in institution_set:
                grid_dedicated[len(grid_comp)] = int(unit)
                unit_grid[unit] = len(grid_comp)
                grid_comp.append(comp_index)
        if len(members) == 0:
            continue
        for group in split_region(
            members, int(grid_counts[comp_index]), neighbours, households, xy, rng
        ):
            unit_grid[group] = len(grid_comp)
            grid_comp.append(comp_index)
    comp_community = np.concatenate([[i] * len(c) for i, c in enumerate(comps)]).astype(np.int64)
    community_street = np.concatenate([[i] * len(c) for i, c in enumerate(communities)]).astype(
        np.int64
    )
    return Groups(
        unit_grid=unit_grid,
        grid_comp=np.array(grid_comp, dtype=np.int64),
        comp_community=comp_community,
        community_street=community_street,
        grid_dedicated=grid_dedicated,
    )


def _split_each(
    parents: list[np.ndarray],
    total: int,
    neighbours: list[list[int]],
    weight: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> list[list[np.ndarray]]:
    counts = _allocate_children(parents, weight, total)
    return [
        split_region(members, int(k), neighbours, weight, xy, rng)
        for members, k in zip(parents, counts, strict=True)
    ]


def _allocate_children(parents: list[np.ndarray], weight: np.ndarray, total: int) -> np.ndarray:
    from gridplanner.sample.grouping import allocate

    totals = np.array([weight[p].sum() if len(p) else 0.0 for p in parents], dtype=float)
    caps = np.array([max(len(p), 1) for p in parents])
    return allocate(totals, max(total, len(parents)), caps)


def make_split_grid(groups: Groups, neighbours: list[list[int]]) -> tuple[int, int, int] | None:
    """Move one unit into a non-adjacent grid of the same comprehensive grid.

    Returns (unit, from_grid, to_grid): ``to_grid`` then lies in two pieces.
    """
    unit_grid = groups.unit_grid
    for comp in np.unique(groups.grid_comp).tolist():
        grids = [
            g
            for g in np.flatnonzero(groups.grid_comp == comp).tolist()
            if g not in groups.grid_dedicated
        ]
        if len(grids) < 3:
            continue
        for to_grid in grids:
            for from_grid in grids:
                if from_grid == to_grid:
                    continue
                members = np.flatnonzero(unit_grid == from_grid)
                if len(members) < 2:
                    continue
                for unit in members.tolist():
                    if any(unit_grid[nb] == to_grid for nb in neighbours[unit]):
                        continue
                    rest = members[members != unit]
                    if len(components(rest, neighbours)) != 1:
                        continue
                    unit_grid[unit] = to_grid
                    return unit, from_grid, to_grid
    return None


def skew_community(
    groups: Groups,
    community: int,
    neighbours: list[list[int]],
    households: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> list[int]:
    """Regroup one community's ordinary grids so their households are far from equal.

    The grids keep their identity (and workers); only their units change: units in
    the west weigh four times as much while growing, so western grids end up small
    and eastern grids large. Returns the affected grid indices.
    """
    comps = np.flatnonzero(groups.comp_community == community)
    grids = [
        g
        for g in np.flatnonzero(np.isin(groups.grid_comp, comps)).tolist()
        if g not in groups.grid_dedicated
    ]
    by_comp: dict[int, list[int]] = {}
    for g in grids:
        by_comp.setdefault(int(groups.grid_comp[g]), []).append(g)
    for comp_grids in by_comp.values():
        members = np.flatnonzero(np.isin(groups.unit_grid, comp_grids))
        x = xy[members, 0]
        span = max(float(x.max() - x.min()), 1.0)
        skewed = households.astype(float).copy()
        skewed[members] = households[members] * (1.0 + 3.0 * (x.max() - x) / span)
        parts = split_region(members, len(comp_grids), neighbours, skewed, xy, rng)
        parts = sorted(parts, key=lambda p: float(xy[p, 0].mean()))
        ordered = sorted(comp_grids, key=lambda g: float(xy[groups.unit_grid == g, 0].mean()))
        for grid, part in zip(ordered, parts, strict=False):
            groups.unit_grid[part] = grid
    return grids
