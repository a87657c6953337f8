"""Fictional names (示例) for every node of the sample hierarchy."""

from __future__ import annotations

import numpy as np

from gridplanner.levels import Level, NodeKind
from gridplanner.sample import atoms
from gridplanner.sample.hierarchy import Groups


def name_nodes(
    groups: Groups, codes: dict[Level, list[str]], is_town: np.ndarray, rng: np.random.Generator
) -> tuple[dict[Level, list[str]], dict[Level, list[str]], dict[Level, list[str | None]]]:
    """Names per level, node kinds and dedicated types (grids only)."""
    from gridplanner.sample.generate import DISTRICT_NAME

    used: set[str] = set()
    unit_town = is_town.astype(float)
    grid_town = _share(unit_town, groups.unit_grid, len(groups.grid_comp))
    comp_town = _share(grid_town, groups.grid_comp, len(groups.comp_community))
    community_town = _share(comp_town, groups.comp_community, len(groups.community_street))
    street_town = _share(
        community_town, groups.community_street, int(groups.community_street.max()) + 1
    )

    streets = [
        f"示例{atoms.place_name(rng, used)}{'街道' if share > 0.5 else '镇'}"
        for share in street_town
    ]
    communities = [
        f"{atoms.place_name(rng, used)}{'社区' if share > 0.5 else '村'}"
        for share in community_town
    ]
    comps = [
        f"{communities[c]}第{int(code[-3:])}综合网格"
        for c, code in zip(
            groups.comp_community.tolist(), codes[Level.COMPREHENSIVE_GRID], strict=True
        )
    ]
    grids: list[str] = []
    kinds: list[str] = []
    dedicated: list[str | None] = []
    institution_no = 0
    for g, code in enumerate(codes[Level.GRID]):
        community = communities[int(groups.comp_community[groups.grid_comp[g]])]
        if g in groups.grid_dedicated:
            kind, template = atoms.INSTITUTIONS[institution_no % len(atoms.INSTITUTIONS)]
            institution_no += 1
            grids.append(template.format(n=institution_no) + "专属网格")
            kinds.append(NodeKind.DEDICATED.value)
            dedicated.append(kind)
        else:
            grids.append(f"{community}{int(code[-6:-3])}-{int(code[-3:])}网格")
            kinds.append(NodeKind.ORDINARY.value)
            dedicated.append(None)
    units = [
        f"{atoms.place_name(rng, used)}{'小区' if town else '屯'}" for town in is_town.tolist()
    ]
    for g, unit in groups.grid_dedicated.items():
        units[unit] = grids[g].removesuffix("专属网格")
    names = {
        Level.DISTRICT: [DISTRICT_NAME],
        Level.STREET: streets,
        Level.COMMUNITY: communities,
        Level.COMPREHENSIVE_GRID: comps,
        Level.GRID: grids,
        Level.GRID_UNIT: units,
    }
    return names, {Level.GRID: kinds}, {Level.GRID: dedicated}


def _share(values: np.ndarray, parent: np.ndarray, count: int) -> np.ndarray:
    total = np.bincount(parent, weights=values, minlength=count)
    size = np.bincount(parent, minlength=count)
    return total / np.maximum(size, 1)
