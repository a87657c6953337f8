"""Fix suggestions: reviewable, reversible change objects, never applied silently.

Each suggestion answers one finding with a list of :class:`Change` objects (a
table, a row, a column, the value before and after). ``auto`` suggestions are
mechanical (a gap joins the neighbour with the longest shared boundary, an overlap
goes to the side that stays most compact, a sliver is absorbed the same way,
invalid geometry goes through ``make_valid``, a building takes the unit it lies
in); the rest (a building outside every unit: extend the nearest unit?) need a
human decision. :func:`fix_edit` turns changes into one reversible Edit (the app
pushes it on the undo stack); :func:`apply_changes` returns a new project and
:func:`revert_changes` undoes it; :func:`fix_project` applies the ``auto``
ones round by round until none is left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gridplanner.audit.context import polygonal
from gridplanner.audit.finding import AuditResult, Finding
from gridplanner.audit.findings import run_audit
from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit
from gridplanner.model import Project

#: A unit reaching out of its parent by less than this share of its area is clipped
#: automatically; more needs a decision.
AUTO_CLIP_SHARE = 0.10
#: Piece vertices this close to a unit's vertices are snapped onto them before joining
#: (metres), so a joined gap leaves no pinched ring.
SNAP_M = 0.05
#: Half-width of the corridor that extends a unit to a stray building (metres).
REACH_HALF_WIDTH_M = 3.0


@dataclass(frozen=True)
class Change:
    """One cell of the plan changed: ``table`` row ``row_id`` column ``column``."""

    table: str  # "nodes" | "buildings"
    row_id: int
    column: str  # "geometry" | "unit_id"
    before: Any
    after: Any

    def describe(self) -> str:
        """A one-line description (geometry changes give the area in degrees² only)."""
        if self.column == "geometry":
            return f"{self.table}[{self.row_id}].geometry reshaped"
        return f"{self.table}[{self.row_id}].{self.column}: {self.before} → {self.after}"


@dataclass(frozen=True)
class FixSuggestion:
    """A proposed answer to one finding."""

    finding_id: str
    check: str
    auto: bool
    summary_zh: str
    summary_en: str
    changes: tuple[Change, ...]

    def summary(self, lang: str = "zh") -> str:
        """The summary in ``lang``."""
        return self.summary_en if lang == "en" else self.summary_zh


@dataclass
class FixOutcome:
    """What :func:`fix_project` did: the new project, the fixes applied, the re-audit."""

    project: Project
    applied: list[FixSuggestion]
    result: AuditResult
    rounds: int


class _Geo:
    """Moves geometry between storage and metres and reads the current node shapes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        metric = project.measuring_crs()
        storage = project.settings.storage_crs
        self.tolerance = float(project.settings.tolerance_m2)
        self._to_m = Transformer.from_crs(storage, metric, always_xy=True)
        self._to_s = Transformer.from_crs(metric, storage, always_xy=True)

    def metres(self, geometry: BaseGeometry) -> BaseGeometry:
        return _apply(self._to_m, geometry)

    def storage(self, geometry: BaseGeometry) -> BaseGeometry:
        return _apply(self._to_s, geometry)

    def node(self, node_id: int) -> BaseGeometry:
        return self.metres(self.project.nodes.at[node_id, "geometry"])

    def clean(self, geometry: BaseGeometry) -> BaseGeometry:
        """Valid, polygonal, without parts at or below the area tolerance."""
        poly = polygonal(shapely.make_valid(geometry))
        parts = list(poly.geoms) if poly.geom_type == "MultiPolygon" else [poly]
        kept = [p for p in parts if p.area > self.tolerance]
        if not kept:
            return poly
        return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)

    def reshape(self, node_id: int, metric_after: BaseGeometry) -> Change:
        before = self.project.nodes.at[node_id, "geometry"]
        after = self.storage(metric_after)
        if not (after.is_valid and self.metres(after).is_valid):  # a spike can fold over
            repaired = polygonal(shapely.make_valid(after))
            parts = list(repaired.geoms) if repaired.geom_type == "MultiPolygon" else [repaired]
            kept = [q for q in parts if self.metres(q).area > self.tolerance] or parts
            after = kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)
        return Change("nodes", node_id, "geometry", before, after)


def _apply(transformer: Transformer, geometry: BaseGeometry) -> BaseGeometry:
    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, xy)


def _compactness(geometry: BaseGeometry) -> float:
    """Polsby–Popper: 4πA/P² (1 for a disc)."""
    length = float(geometry.length)
    return 4 * math.pi * float(geometry.area) / length**2 if length else 0.0


def suggest_fixes(project: Project, result: AuditResult) -> list[FixSuggestion]:
    """A suggestion for every finding that has one (``auto`` or for review)."""
    geo = _Geo(project)
    out: list[FixSuggestion] = []
    for finding in result.findings:
        suggestion = _suggest(geo, finding)
        if suggestion is not None:
            out.append(suggestion)
    return out


def _suggest(geo: _Geo, f: Finding) -> FixSuggestion | None:
    nodes = geo.project.nodes
    piece = geo.metres(f.geometry) if f.geometry is not None else None
    if f.check in ("gap", "sliver") and "parent_id" in f.extra and piece is not None:
        around = [n for n in f.node_ids if n != f.extra["parent_id"]]
        if not around:
            return None
        target = around[0]
        shape = geo.node(target)
        after = geo.clean(shapely.union(shape, shapely.snap(piece, shape, SNAP_M)))
        code = nodes.at[target, "code"]
        return FixSuggestion(
            f.id, f.check, True,
            f"将 {f.area_m2:.0f} 平方米缝隙并入共享边界最长的相邻单元 {code}",
            f"join the {f.area_m2:.0f} m² gap to {code}, the neighbour with the longest "
            "shared boundary",
            (geo.reshape(target, after),),
        )  # fmt: skip
    if f.check in ("overlap", "sliver") and len(f.node_ids) == 2 and piece is not None:
        a, b = f.node_ids
        ga, gb = geo.node(a), geo.node(b)
        a_cut = geo.clean(ga.difference(shapely.snap(piece, ga, SNAP_M)))
        b_cut = geo.clean(gb.difference(shapely.snap(piece, gb, SNAP_M)))
        keep_b = _compactness(a_cut) + _compactness(gb) >= _compactness(ga) + _compactness(b_cut)
        loser, winner, after = (a, b, a_cut) if keep_b else (b, a, b_cut)
        return FixSuggestion(
            f.id, f.check, True,
            f"重叠的 {f.area_m2:.0f} 平方米归 {nodes.at[winner, 'code']}, "
            f"从 {nodes.at[loser, 'code']} 中扣除",
            f"the {f.area_m2:.0f} m² overlap goes to {nodes.at[winner, 'code']} and is cut "
            f"from {nodes.at[loser, 'code']}",
            (geo.reshape(loser, after),),
        )  # fmt: skip
    if f.check == "invalid_geometry" and f.node_ids:
        node = f.node_ids[0]
        after = geo.clean(geo.node(node))
        if after.is_empty:
            return None
        return FixSuggestion(
            f.id, f.check, True, "用 make_valid 修复图形", "repair the polygon with make_valid",
            (geo.reshape(node, after),),
        )  # fmt: skip
    if f.check == "outside_parent" and len(f.node_ids) == 2:
        child, parent = f.node_ids
        after = geo.clean(geo.node(child).intersection(geo.node(parent)))
        small = (f.value or 1.0) < AUTO_CLIP_SHARE
        return FixSuggestion(
            f.id, f.check, small,
            f"把 {nodes.at[child, 'code']} 裁剪到上级边界内(去掉 {f.area_m2:.0f} 平方米)",
            f"clip {nodes.at[child, 'code']} to its parent (drops {f.area_m2:.0f} m²)",
            (geo.reshape(child, after),),
        )  # fmt: skip
    if f.check == "building_unit_mismatch" and f.building_ids and f.node_ids:
        bid, unit = f.building_ids[0], f.node_ids[0]
        before = geo.project.buildings.at[bid, "unit_id"]
        return FixSuggestion(
            f.id, f.check, True,
            f"楼栋 {bid} 改归其所在单元 {nodes.at[unit, 'code']}",
            f"building {bid} goes to the unit it lies in, {nodes.at[unit, 'code']}",
            (Change("buildings", bid, "unit_id", None if pd.isna(before) else int(before), unit),),
        )  # fmt: skip
    if f.check == "building_outside" and f.building_ids and f.extra.get("nearest_unit"):
        return _reach(geo, f)
    return None


def _reach(geo: _Geo, f: Finding) -> FixSuggestion:
    """Extend the nearest unit to take in a stray building (for review: it may cross a border)."""
    bid, unit = f.building_ids[0], int(f.extra["nearest_unit"])
    point = geo.metres(geo.project.buildings.at[bid, "geometry"])
    shape = geo.node(unit)
    line = shapely.shortest_line(shape, point)
    corridor = line.buffer(REACH_HALF_WIDTH_M).union(point.buffer(REACH_HALF_WIDTH_M * 2))
    others = geo.project.nodes
    level = others[others["level"] == others.at[unit, "level"]]
    hits = level.sindex.query(geo.storage(corridor), predicate="intersects")
    near = [geo.node(int(s)) for s in level.index[hits] if s != unit]
    blocked = shapely.union_all([g for g in near if g.intersects(corridor)] or [shapely.Polygon()])
    after = geo.clean(shape.union(corridor.difference(blocked)))
    before = geo.project.buildings.at[bid, "unit_id"]
    code = others.at[unit, "code"]
    return FixSuggestion(
        f.id, f.check, False,
        f"需人工确认: 把单元 {code} 延伸 {f.value or 0:.0f} 米覆盖楼栋 {bid} 并改归该单元"
        "(可能越出上级边界)",
        f"needs a decision: extend unit {code} by {f.value or 0:.0f} m to take in building "
        f"{bid} and assign it there (may cross the parent's boundary)",
        (
            geo.reshape(unit, after),
            Change("buildings", bid, "unit_id", None if pd.isna(before) else int(before), unit),
        ),
    )  # fmt: skip


def fix_edit(project: Project, changes: Iterable[Change], label: str = "核查修复") -> Edit:
    """The changes as one reversible Edit through the editing core: exactly these cells
    (a fix answers one finding; the re-audit finds what it leaves at other levels)."""
    draft = Draft(project, label)
    for change in changes:
        if change.table == "buildings" and change.column == "unit_id":
            draft.set_building_unit(change.row_id, change.after)
        elif change.table == "nodes":
            draft.set(change.row_id, change.column, change.after)
        else:
            raise ValueError(f"a fix can't change {change.table}.{change.column}")
    return draft.finish(redissolve=False)


def apply_changes(project: Project, changes: Iterable[Change]) -> Project:
    """A new project with ``changes`` applied (``project`` is not modified)."""
    return fix_edit(project, changes).apply(project.copy())


def revert_changes(project: Project, changes: Iterable[Change]) -> Project:
    """A new project with ``changes`` undone (``project`` being the fixed plan)."""
    undo = [Change(c.table, c.row_id, c.column, c.after, c.before) for c in changes]
    return fix_edit(project, reversed(undo)).apply(project.copy())


def fix_project(project: Project, max_rounds: int = 4) -> FixOutcome:
    """Apply every ``auto`` suggestion, re-audit, repeat until none is left.

    Two suggestions touching the same cell never run in the same round: the second
    waits for the next round's fresh audit. Returns the fixed copy, the applied
    suggestions in order and the final audit.
    """
    current = project
    applied: list[FixSuggestion] = []
    result = run_audit(current)
    rounds = 0
    for _ in range(max_rounds):
        chosen: list[FixSuggestion] = []
        touched: set[tuple[str, int, str]] = set()
        for suggestion in suggest_fixes(current, result):
            keys = {(c.table, c.row_id, c.column) for c in suggestion.changes}
            if not suggestion.auto or keys & touched:
                continue
            touched |= keys
            chosen.append(suggestion)
        if not chosen:
            break
        rounds += 1
        current = apply_changes(current, [c for s in chosen for c in s.changes])
        applied.extend(chosen)
        result = run_audit(current)
    return FixOutcome(current, applied, result, rounds)
