"""Plain-text reports of a plan: the hierarchy tree with rollups (Chinese or English)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import TextIO

import pandas as pd

from gridplanner.code_rules.nbs import kind_from_name, stated_kind
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.timefmt import local_time

TEXT = {
    "zh": {
        "households": "户数",
        "population": "人口",
        "buildings": "楼栋",
        "workers": "网格员",
        "ratio": "户/人",
        "deviation": "偏差",
        "out_of_band": "超出范围",
        "dedicated": "专属",
        "total": "合计",
        "unassigned": "未归属任何网格单元",
        "counts": "节点数",
        "project": "方案",
        "history": "最近版本",
        "more": "另有 {n} 个下级节点未列出 (用 --depth 展开)",
    },
    "en": {
        "households": "households",
        "population": "population",
        "buildings": "buildings",
        "workers": "workers",
        "ratio": "hh/worker",
        "deviation": "dev",
        "out_of_band": "OUT OF BAND",
        "dedicated": "dedicated",
        "total": "Total",
        "unassigned": "in no grid unit",
        "counts": "Nodes",
        "project": "Project",
        "history": "Latest version",
        "more": "{n} more nodes below not listed (use --depth)",
    },
}


def tree_lines(project: Project, lang: str = "zh", depth: Level = Level.GRID_UNIT) -> Iterator[str]:
    """The project's tree, one node a line, with households, workers and load."""
    t = TEXT["en" if lang == "en" else "zh"]
    rollups = compute_rollups(project)
    nodes = project.nodes
    counts = project.counts()
    yield f"{t['project']}: {project.name}"
    yield (
        f"{t['counts']}: "
        + ", ".join(f"{lv.label(lang)} {counts[lv.value]}" for lv in Level)
        + f", {t['buildings']} {counts['building']}, {t['workers']} {counts['worker']}"
    )
    if project.history:
        v = project.history[-1]
        yield f"{t['history']}: v{v.version} {local_time(v.time)} {v.author} — {v.summary}"
    hidden = 0
    for level_depth, node_id in project.iter_tree():
        level = Level(nodes.at[node_id, "level"])
        if level.depth > depth.depth:
            hidden += 1
            continue
        yield "  " * level_depth + _node_line(project, rollups, node_id, level, lang)
    if hidden:
        yield t["more"].format(n=hidden)
    yield from totals_lines(project, rollups, lang)


def totals_lines(project: Project, rollups: pd.DataFrame, lang: str = "zh") -> Iterator[str]:
    """Totals over all buildings, split into assigned and unassigned."""
    t = TEXT["en" if lang == "en" else "zh"]
    buildings = project.buildings
    units = project.level(Level.GRID_UNIT).index
    loose = buildings[buildings["unit_id"].isna() | ~buildings["unit_id"].isin(units)]
    root = rollups.loc[project.root_id]
    households = int(buildings["households"].sum())
    population = int(buildings["population"].sum())
    yield (
        f"{t['total']}: {t['buildings']} {len(buildings)}, {t['households']} {households}, "
        f"{t['population']} {population}"
        f" = {lv_name(project, lang)} {int(root['buildings'])}/{int(root['households'])}/"
        f"{int(root['population'])} + {t['unassigned']} {len(loose)}/"
        f"{int(loose['households'].sum())}/{int(loose['population'].sum())}"
    )


def lv_name(project: Project, lang: str) -> str:
    """The district's name, for the totals line."""
    return str(project.nodes.at[project.root_id, "name"]) if lang != "en" else Level.DISTRICT.en


def _node_line(
    project: Project, rollups: pd.DataFrame, node_id: int, level: Level, lang: str
) -> str:
    t = TEXT["en" if lang == "en" else "zh"]
    row = rollups.loc[node_id]
    node = project.nodes.loc[node_id]
    word = level.label(lang)
    if lang != "en" and level in (Level.STREET, Level.COMMUNITY):  # 镇, 乡, 村 … not 街道/社区
        area = stated_kind(level, node["kind"]) or kind_from_name(level, node["name"])
        word = area.label(lang) if area is not None else word
    parts = [
        f"{word} {node['code']} {node['name']}",
        f"{t['households']} {int(row['households'])}",
        f"{t['population']} {int(row['population'])}",
    ]
    if level is not Level.GRID_UNIT:
        ratio = row["households_per_worker"]
        parts.append(f"{t['workers']} {_capacity(row['workers'])}")
        parts.append(f"{t['ratio']} {'—' if math.isnan(ratio) else f'{ratio:.0f}'}")
        if not math.isnan(ratio):
            parts.append(f"{t['deviation']} {row['deviation']:+.0%}")
    else:
        parts.append(f"{t['buildings']} {int(row['buildings'])}")
    if node["kind"] == NodeKind.DEDICATED.value:
        parts.append(f"[{t['dedicated']}:{node['dedicated_type']}]")
    elif level is Level.GRID and not bool(row["in_band"]):
        parts.append(f"[{t['out_of_band']}]")
    return "  ".join(parts)


def _capacity(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def current_scope_code(project: Project, code: str, stream: TextIO | None = None) -> str:
    """The code a command's ``--scope`` means today: itself, or — for a code since
    changed (renumbered to the code rules, or listed in an imported 代码变更对照表) —
    the area's current code, said on ``stream`` (stderr) so the planner knows."""
    code = str(code).strip()
    renamed = project.renamed_code(code)
    if renamed is None:
        return code
    name = project.nodes.at[project.by_code(renamed), "name"]
    print(
        f"gridplanner: 注意：代码 {code} 已变更为 {renamed}（{name}）/ "
        f"note: code {code} is now {renamed} ({name})",
        file=stream if stream is not None else sys.stderr,
    )
    return renamed
