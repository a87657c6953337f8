"""CJ/T 349-2010 grid codes (数字社区管理与服务 网格划分与编码规则) for the export profile.

A CJ/T 349 grid code has 20 digits (clause 5, figure 1)::

    positions  1–6   管理或服务对象代码  object code, CJ/T 348-2010 (a major class ends in 00)
               7–12  行政区划代码        county-level (or higher) division, GB/T 2260
              13–15  街道(乡镇)代码      street / township, GB/T 10114 (001–599)
              16–18  社区代码            the community's own code (001–599); a grid made by
                                         merging two or more communities: 601, 602, …
                                         numbered left→right, top→bottom (5.6)
              19–20  专业网格顺序码      the grid's number inside its community, left→right,
                                         top→bottom, from 01; 00 when the community is
                                         not subdivided (5.7)

Our hierarchy maps onto it as follows: the CJ/T 349 grid is our **grid** (网格, the
staffed unit); the district, street and community segments are the last digits of
the codes of the grid's district, street and community (so street and community
codes must be 3 digits each, as the default code scheme has them). A community
holding exactly one grid is not subdivided (sequence 00); one without grids is
listed as a whole (00) too. Grids never span communities in our tree, so merged
communities (601…) only arise when the exporter names them (``merge``); all grids of
merged communities then map to the merged grid's code. The object code comes from
CJ/T 348-2010, whose table we do not ship: it is a parameter (default ``000000``,
"not stated", which the platform replaces with its own), recorded in ``cjt349.json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import shapely

from gridplanner.codes import reading_order_of
from gridplanner.exchange.problems import ExchangeError
from gridplanner.levels import Level
from gridplanner.model import Project

STANDARD = "CJ/T 349-2010"
FILE_NAME = "cjt349.json"
COLUMN = "cjt349_code"
DEFAULT_OBJECT_CODE = "000000"
FIRST_MERGED = 601
#: The segments of a code: name, digits, 中文.
SEGMENTS = (
    ("object", 6, "管理或服务对象代码 (CJ/T 348-2010)"),
    ("district", 6, "县级及县级以上行政区划代码 (GB/T 2260)"),
    ("street", 3, "街道(乡镇)代码 (GB/T 10114)"),
    ("community", 3, "社区代码 (CJ/T 213); 合并社区从 601 起"),
    ("sequence", 2, "专业网格顺序码; 社区未细分为 00"),
)
LENGTH = sum(width for _, width, _ in SEGMENTS)
#: GB/T 2260 province-level prefixes (the first two digits of every division code).
PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36"),
        *("37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62"),
        *("63", "64", "65", "71", "81", "82"),
    }
)
SUBDIVIDED, UNDIVIDED, MERGED = "subdivided", "undivided", "merged"


def split_code(code: str) -> dict[str, str]:
    """The segments of a 20-digit code by name."""
    out, start = {}, 0
    for name, width, _ in SEGMENTS:
        out[name] = code[start : start + width]
        start += width
    return out


def code_problems(code: object) -> list[str]:
    """Every way ``code`` breaks the CJ/T 349-2010 structure (empty when it validates)."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        return [f"CJ/T 349 code {code!r} must be 20 ASCII digits"]
    if len(code) != LENGTH:
        return [f"CJ/T 349 code {code} has {len(code)} digits, not {LENGTH}"]
    part = split_code(code)
    found = []
    district = part["district"]
    if district[:2] not in PROVINCES:
        found.append(f"{code}: positions 7–12 ({district}) are no GB/T 2260 division code")
    street = int(part["street"])
    if not 1 <= street <= 599:
        found.append(f"{code}: street code {part['street']} is outside 001–599 (GB/T 10114)")
    community = int(part["community"])
    sequence = int(part["sequence"])
    if community == 0 or community == 600:
        found.append(f"{code}: community code {part['community']} is not used by CJ/T 349")
    if community >= FIRST_MERGED and sequence != 0:
        found.append(
            f"{code}: a grid of merged communities ({part['community']}) is not subdivided; "
            "its sequence must be 00"
        )
    return found


def table_problems(codes: Iterable[str]) -> list[str]:
    """Problems of a whole set of grid codes: structure, uniqueness, 00 alone in its
    community, sequences 01…n and merged numbers 601…n without gaps."""
    counts = Counter(codes)
    unique = sorted(counts)
    found = [p for code in unique for p in code_problems(code)]
    found += [f"CJ/T 349 code {c} is given to {n} grids" for c, n in counts.items() if n > 1]
    if found:
        return found
    by_community: dict[str, list[int]] = {}
    merged: dict[str, list[int]] = {}
    for code in unique:
        part = split_code(code)
        community = int(part["community"])
        key = code[:18]
        by_community.setdefault(key, []).append(int(part["sequence"]))
        if community >= FIRST_MERGED:
            merged.setdefault(code[:15], []).append(community)
    for key, sequences in sorted(by_community.items()):
        if 0 in sequences and len(sequences) > 1:
            found.append(f"community {key}: sequence 00 (not subdivided) beside numbered grids")
        elif 0 not in sequences and sorted(sequences) != list(range(1, len(sequences) + 1)):
            found.append(f"community {key}: grid sequences {sorted(sequences)} are not 01…n")
    for key, numbers in sorted(merged.items()):
        if sorted(numbers) != list(range(FIRST_MERGED, FIRST_MERGED + len(numbers))):
            found.append(f"street {key}: merged community numbers {sorted(numbers)} skip")
    return found


@dataclass(frozen=True)
class CJT349Options:
    """The object code and the groups of community codes merged into one grid."""

    object_code: str = DEFAULT_OBJECT_CODE
    merged: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def make(
        cls, object_code: str | None = None, merge: Sequence[Sequence[str]] = ()
    ) -> CJT349Options:
        """Checked options (a bad object code or group raises :class:`ExchangeError`)."""
        code = DEFAULT_OBJECT_CODE if object_code is None else str(object_code).strip()
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ExchangeError(
                f"--object-code {code!r}: the CJ/T 348-2010 object code has 6 digits"
            )
        groups = tuple(tuple(dict.fromkeys(str(c).strip() for c in g)) for g in merge)
        return cls(code, groups)


@dataclass(frozen=True)
class CJT349Grid:
    """One CJ/T 349 grid: its code, how it was formed, and our codes it covers."""

    code: str
    convention: str
    name: str
    community_codes: tuple[str, ...]
    codes: tuple[str, ...]  # our grid codes (a community's own code when it has no grid)


@dataclass
class CJT349Mapping:
    """Every CJ/T 349 grid of a plan, and our code → CJ/T 349 code."""

    options: CJT349Options
    district_code: str
    grids: list[CJT349Grid] = field(default_factory=list)

    def code_of(self) -> dict[str, str]:
        """Our code (a grid's; a community's own when it has no grid) → CJ/T 349 code."""
        return {ours: grid.code for grid in self.grids for ours in grid.codes}

    def add_column(self, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``table`` (a hierarchy table) with a ``cjt349_code`` column on grid rows."""
        mapping = self.code_of()
        out = table.copy()
        grid = out["level"] == Level.GRID.value
        out[COLUMN] = [
            mapping.get(str(c)) if g else None for c, g in zip(out["code"], grid, strict=True)
        ]
        return out

    def problems(self) -> list[str]:
        """The validator run over every code of the mapping."""
        return table_problems(g.code for g in self.grids)

    def document(self) -> dict[str, Any]:
        """``cjt349.json``: the structure, the grids and the mapping table."""
        start = 1
        structure = []
        for name, width, words in SEGMENTS:
            structure.append(
                {
                    "segment": name,
                    "positions": [start, start + width - 1],
                    "digits": width,
                    "description": words,
                }
            )
            start += width
        return {
            "standard": STANDARD,
            "object_code": self.options.object_code,
            "grid_level": Level.GRID.value,
            "district_code": self.district_code,
            "structure": structure,
            "grids": [
                {
                    "cjt349_code": g.code,
                    "convention": g.convention,
                    "name": g.name,
                    "community_codes": list(g.community_codes),
                    "codes": list(g.codes),
                }
                for g in self.grids
            ],
            "mapping": [
                {"code": ours, "cjt349_code": code} for ours, code in sorted(self.code_of().items())
            ],
        }


def cjt349_mapping(project: Project, options: CJT349Options | None = None) -> CJT349Mapping:
    """The CJ/T 349 grids of ``project``; raises :class:`ExchangeError` when the plan
    cannot be coded (code widths, more than 99 grids in a community, bad merges)."""
    options = options or CJT349Options()
    scheme = project.settings.code_scheme
    for level in (Level.STREET, Level.COMMUNITY):
        if scheme.widths[level] != 3:
            raise ExchangeError(
                f"CJ/T 349 codes need 3-digit {level.value} codes; this plan's have "
                f"{scheme.widths[level]}"
            )
    if len(project.district_code) != 6:
        raise ExchangeError(
            f"CJ/T 349 codes need the 6-digit GB/T 2260 district code, not "
            f"{project.district_code!r}"
        )
    street_length = scheme.length(Level.STREET)
    nodes = project.nodes
    metric = project.measuring_crs()
    communities = project.level(Level.COMMUNITY)
    by_code = {str(c): int(i) for i, c in zip(communities.index, communities["code"], strict=True)}
    merged_of = _check_merges(options.merged, by_code, nodes, street_length)
    mapping = CJT349Mapping(options, project.district_code)
    prefix = options.object_code + project.district_code
    for street_code in sorted(str(c) for c in project.level(Level.STREET)["code"]):
        street_part = street_code[-3:]
        groups = [g for g in options.merged if g[0][:street_length] == street_code]
        areas = [shapely.union_all([nodes.geometry.at[by_code[c]] for c in g]) for g in groups]
        for rank, index in enumerate(_ordered(areas, metric)):
            group = groups[index]
            code = f"{prefix}{street_part}{FIRST_MERGED + rank:03d}00"
            grids = [g for c in group for g in _grid_codes(project, by_code[c])] or list(group)
            names = "、".join(str(nodes.at[by_code[c], "name"]) for c in group)
            mapping.grids.append(CJT349Grid(code, MERGED, names, group, tuple(grids)))
        for community_code in sorted(c for c in by_code if c[:street_length] == street_code):
            if community_code in merged_of:
                continue
            mapping.grids += _community_grids(project, by_code[community_code], prefix, metric)
    found = mapping.problems()
    if found:
        raise ExchangeError(f"CJ/T 349 codes do not validate: {found[0]}")
    return mapping


def _community_grids(
    project: Project, community_id: int, prefix: str, metric: str
) -> list[CJT349Grid]:
    nodes = project.nodes
    code = str(nodes.at[community_id, "code"])
    base = f"{prefix}{code[-6:-3]}{code[-3:]}"
    grid_ids = project.descendants_at(community_id, Level.GRID)
    if len(grid_ids) <= 1:
        ours = tuple(str(nodes.at[i, "code"]) for i in grid_ids) or (code,)
        name = str(nodes.at[grid_ids[0] if grid_ids else community_id, "name"])
        return [CJT349Grid(f"{base}00", UNDIVIDED, name, (code,), ours)]
    if len(grid_ids) > 99:
        raise ExchangeError(
            f"community {code} has {len(grid_ids)} grids; CJ/T 349 numbers at most 99 "
            "(2 digits) in one community"
        )
    order = _ordered([nodes.geometry.at[i] for i in grid_ids], metric)
    out = []
    for rank, index in enumerate(order):
        grid_id = grid_ids[index]
        out.append(
            CJT349Grid(
                f"{base}{rank + 1:02d}",
                SUBDIVIDED,
                str(nodes.at[grid_id, "name"]),
                (code,),
                (str(nodes.at[grid_id, "code"]),),
            )
        )
    return out


def _grid_codes(project: Project, community_id: int) -> list[str]:
    return [
        str(project.nodes.at[i, "code"]) for i in project.descendants_at(community_id, Level.GRID)
    ]


def _ordered(shapes: list[object], metric: str) -> list[int]:
    """Indices left→right, top→bottom: the one numbering rule of the codes module (rows
    in metres, the row height from the siblings' north–south sizes)."""
    return [int(i) for i in reading_order_of(shapes, metric)] if shapes else []


def _check_merges(
    groups: tuple[tuple[str, ...], ...],
    by_code: dict[str, int],
    nodes: gpd.GeoDataFrame,
    street_length: int,
) -> dict[str, int]:
    seen: dict[str, int] = {}
    for number, group in enumerate(groups):
        if len(group) < 2:
            raise ExchangeError(f"--merge-communities {','.join(group)}: name two or more")
        for code in group:
            if code not in by_code:
                raise ExchangeError(f"--merge-communities: {code} is not a community of the plan")
            if code in seen:
                raise ExchangeError(f"--merge-communities: {code} is in two groups")
            seen[code] = number
        if len({c[:street_length] for c in group}) > 1:
            raise ExchangeError(
                f"--merge-communities {','.join(group)}: the communities lie in different "
                "streets; a CJ/T 349 grid has one street code"
            )
        union = shapely.union_all([nodes.geometry.at[by_code[c]] for c in group])
        if shapely.get_num_geometries(union) > 1:
            raise ExchangeError(
                f"--merge-communities {','.join(group)}: the communities do not touch; "
                "a merged grid is one area"
            )
    return seen
