"""Fictional names (示例) for every node of the sample hierarchy, the streets' and
communities' kinds (街道/镇/乡, 社区/村) and the communities' urban-rural codes."""

from __future__ import annotations

import numpy as np

from gridplanner.levels import AreaKind, Level, NodeKind
from gridplanner.sample import atoms
from gridplanner.sample.hierarchy import Groups

#: Share of the rural streets (the most rural first) that are 乡 rather than 镇.
TOWNSHIP_SHARE = 0.2
#: At most this many of one kind per district: the NBS range holds 99 街道 and 100 镇.
MOST_PER_KIND = 99
SUFFIX = {
    AreaKind.SUBDISTRICT: "街道",
    AreaKind.TOWN: "镇",
    AreaKind.TOWNSHIP: "乡",
    AreaKind.RESIDENTS_COMMITTEE: "社区",
    AreaKind.VILLAGERS_COMMITTEE: "村",
}


def town_shares(groups: Groups, is_town: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of town units (apartment compounds) of each street and community."""
    unit_town = is_town.astype(float)
    grid_town = _share(unit_town, groups.unit_grid, len(groups.grid_comp))
    comp_town = _share(grid_town, groups.grid_comp, len(groups.comp_community))
    community_town = _share(comp_town, groups.comp_community, len(groups.community_street))
    street_town = _share(
        community_town, groups.community_street, int(groups.community_street.max()) + 1
    )
    return street_town, community_town


def area_kinds(groups: Groups, is_town: np.ndarray) -> tuple[list[AreaKind], list[AreaKind]]:
    """Streets mostly of compounds are 街道, the others 镇, the most rural fifth of those
    乡; communities mostly of compounds are 社区, the others 村 (every community of a 乡
    is a 村, its seat included)."""
    street_town, community_town = town_shares(groups, is_town)
    streets = [
        AreaKind.SUBDISTRICT if share > 0.5 else AreaKind.TOWN for share in street_town.tolist()
    ]
    rural = [
        s for s in np.argsort(street_town, kind="stable").tolist() if streets[s] is AreaKind.TOWN
    ]
    townships = max(int(len(rural) * TOWNSHIP_SHARE), len(rural) - MOST_PER_KIND)
    for street in rural[:townships]:
        streets[street] = AreaKind.TOWNSHIP
    communities = [
        AreaKind.RESIDENTS_COMMITTEE
        if share > 0.5 and streets[int(street)] is not AreaKind.TOWNSHIP
        else AreaKind.VILLAGERS_COMMITTEE
        for share, street in zip(
            community_town.tolist(), groups.community_street.tolist(), strict=True
        )
    ]
    return streets, communities


def urban_rural_codes(
    groups: Groups,
    is_town: np.ndarray,
    streets: list[AreaKind],
    communities: list[AreaKind],
) -> list[str]:
    """城乡分类代码 per community: 社区 111 in a 街道, 121 in a 镇; 村 220 (村庄), or 210
    (乡中心区) for a 乡's village that has compounds."""
    _, community_town = town_shares(groups, is_town)
    codes = []
    for community, kind in enumerate(communities):
        street = streets[int(groups.community_street[community])]
        if kind is AreaKind.RESIDENTS_COMMITTEE:
            codes.append("111" if street is AreaKind.SUBDISTRICT else "121")
        elif street is AreaKind.TOWNSHIP and community_town[community] > 0:
            codes.append("210")
        else:
            codes.append("220")
    return codes


def name_nodes(
    groups: Groups,
    codes: dict[Level, list[str]],
    is_town: np.ndarray,
    area: tuple[list[AreaKind], list[AreaKind]],
    rng: np.random.Generator,
) -> tuple[dict[Level, list[str]], dict[Level, list[str]], dict[Level, list[str | None]]]:
    """Names per level (the streets' and communities' suffixes from their ``area``
    kinds), node kinds and dedicated types (grids only)."""
    from gridplanner.sample.generate import DISTRICT_NAME

    used: set[str] = set()
    street_kinds, community_kinds = area
    streets = [f"示例{atoms.place_name(rng, used)}{SUFFIX[kind]}" for kind in street_kinds]
    communities = [f"{atoms.place_name(rng, used)}{SUFFIX[kind]}" for kind in community_kinds]
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
    node_kinds = {
        Level.STREET: [k.value for k in street_kinds],
        Level.COMMUNITY: [k.value for k in community_kinds],
        Level.GRID: kinds,
    }
    return names, node_kinds, {Level.GRID: dedicated}


def _share(values: np.ndarray, parent: np.ndarray, count: int) -> np.ndarray:
    total = np.bincount(parent, weights=values, minlength=count)
    size = np.bincount(parent, minlength=count)
    return total / np.maximum(size, 1)
