"""The jobs behind ``gridplanner print``: one map sheet per scope element, or one
notice board per grid, drawn with the same painter code as the app's 打印 dialog.

Runs without a window: a ``QGuiApplication`` on the offscreen platform when there is
no display. Each sheet greys everything outside its element and outlines the element.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPen

from gridplanner.errors import GridPlannerError
from gridplanner.layers.notice_board import Board, print_board
from gridplanner.layers.print_layout import Sheet, print_sheet
from gridplanner.layers.renderer import selection_path
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.layers.style import BUILDINGS, LayerState, Style, default_layers, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.model import EMPLOYMENT_LABELS, Project
from gridplanner.rollups import compute_rollups

#: How much of the surroundings a sheet shows around its element (fraction of its size).
CONTEXT = 0.12


def ensure_gui() -> QGuiApplication:
    """A Qt GUI application for painting; offscreen when there is no display."""
    app = QGuiApplication.instance()
    if app is None:
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if headless and sys.platform.startswith("linux"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1])
    return app  # type: ignore[return-value]


def run(args: argparse.Namespace) -> int:
    """``gridplanner print``: write the sheets, print one line per file, return 0."""
    from gridplanner.report import current_scope_code
    from gridplanner.store import load_project

    ensure_gui()
    project = load_project(args.project)
    args.scope = current_scope_code(project, args.scope)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.notice_boards:
        paths = notice_boards(project, args.scope, out, include_personal=args.include_personal)
    else:
        paper = Sheet(
            title="",
            paper=args.paper,
            landscape=not args.portrait,
            dpi=args.dpi,
            lang=args.lang,
            scale=args.scale,
            **({"producer": args.producer} if args.producer else {}),
        )
        per = Level(args.per) if args.per else None
        paths = batch_maps(project, args.scope, per, paper, out, args.format, args.title)
    for path in paths:
        print(path)
    print(f"{len(paths)} file(s) in {out}", file=sys.stderr)
    return 0


def elements(project: Project, scope_code: str, per: Level | None) -> list[int]:
    """The nodes to print: the scope itself, or its descendants at ``per``."""
    scope = project.by_code(scope_code)
    if per is None:
        return [scope]
    level = project.node_level(scope)
    if per.depth < level.depth:
        raise GridPlannerError(
            f"--per {per.value}: {scope_code} is a {level.value}, which is below "
            f"{per.value}; choose a level under it"
        )
    found = project.descendants_at(scope, per) if per != level else [scope]
    if not found:
        raise GridPlannerError(f"{scope_code} has no {per.value} to print")
    return sorted(found, key=lambda n: str(project.nodes.at[n, "code"]))


def batch_maps(
    project: Project,
    scope_code: str,
    per: Level | None,
    paper: Sheet,
    out: Path,
    fmt: str = "pdf",
    title: str | None = None,
) -> list[Path]:
    """One map sheet per element; returns the files written."""
    rollups = compute_rollups(project)
    data = build_map_data(project, rollups)
    paths = []
    for node in elements(project, scope_code, per):
        level = project.node_level(node)
        sheet = replace(
            paper,
            title=title or heading(project, node, paper.lang),
            subtitle=facts(project, rollups, node, paper.lang),
        )
        layers = sheet_layers(level)
        extent = element_extent(data, level, node)
        path = out / f"{file_stem(project, node)}.{fmt}"
        print_sheet(data, layers, extent, sheet, path, overlay=highlight(data, level, node))
        paths.append(path)
    return paths


def notice_boards(
    project: Project, scope_code: str, out: Path, include_personal: bool = False
) -> list[Path]:
    """One A4 网格公示牌 per grid under the scope; returns the files written."""
    rollups = compute_rollups(project)
    data = build_map_data(project, rollups)
    when = date.today().isoformat()
    layers = sheet_layers(Level.GRID)
    paths = []
    for grid in elements(project, scope_code, Level.GRID):
        community = _ancestor_name(project, grid, Level.COMMUNITY)
        board = Board(
            grid_name=str(project.nodes.at[grid, "name"]),
            grid_code=str(project.nodes.at[grid, "code"]),
            community=community,
            households=int(rollups.at[grid, "households"]),
            population=int(rollups.at[grid, "population"]),
            workers=board_workers(project, grid),
            when=when,
            include_personal=include_personal,
        )
        path = out / f"{file_stem(project, grid)}_公示牌.pdf"
        extent = element_extent(data, Level.GRID, grid)
        print_board(data, layers, extent, board, path, overlay=highlight(data, Level.GRID, grid))
        paths.append(path)
    return paths


def board_workers(project: Project, grid: int) -> list[tuple[str, str, str, str | None]]:
    """The grid's workers, then its comprehensive grid's leader(s) as 网格长."""
    rows = []
    workers = project.workers
    parent = project.nodes.at[grid, "parent_id"]
    for holder, leader in ((grid, False), (parent, True)):
        if pd.isna(holder):
            continue
        mine = workers[workers["grid_id"] == int(holder)]
        for _, w in mine.sort_values(["employment", "name"]).iterrows():
            role = str(w["role"])
            role = f"网格长（{role}）" if leader else role
            employment = EMPLOYMENT_LABELS.get(str(w["employment"]), ("", ""))[0]
            phone = None if pd.isna(w["phone"]) else str(w["phone"])
            rows.append((str(w["name"]), role, employment, phone))
    return rows


def heading(project: Project, node: int, lang: str = "zh") -> str:
    """ "山源社区（210283101002）网格规划图" — names first, codes second."""
    name, code = project.nodes.at[node, "name"], project.nodes.at[node, "code"]
    level = project.node_level(node)
    if lang == "en":
        return f"{name} ({code}) — {level.en} plan"
    return f"{name}（{code}）{level.zh}规划图"


def facts(project: Project, rollups: pd.DataFrame, node: int, lang: str = "zh") -> str:
    """The subtitle: where it sits, households, population, workers and the load."""
    row = rollups.loc[node]
    households, population = int(row["households"]), int(row["population"])
    workers = float(row["workers"])
    ratio = row.get("households_per_worker", np.nan)
    above = " · ".join(
        str(project.nodes.at[a, "name"])
        for a in project.ancestors(node)
        if a != node and project.node_level(a).depth >= Level.STREET.depth
    )
    if lang == "en":
        load = "no worker" if not np.isfinite(ratio) else f"{ratio:.0f} households per worker"
        return (
            f"{above} · {households} households · population {population} · "
            f"{workers:g} workers · {load}"
        ).lstrip(" ·")
    load = "无网格员" if not np.isfinite(ratio) else f"{ratio:.0f} 户/人"
    return (
        f"{above} · 户数 {households} 户 · 人口 {population} 人 · 网格员 {workers:g} 人 · {load}"
    ).lstrip(" ·")


def sheet_layers(level: Level) -> tuple[LayerState, ...]:
    """The layers a printed sheet shows: the app's defaults, with the grids coloured by
    grid and the printed element's own level shown and labelled."""
    layers = with_state(default_layers(), Level.GRID.value, style=Style.CATEGORICAL)
    layers = with_state(layers, level.value, visible=True, labels=True)
    if level.depth <= Level.COMMUNITY.depth:
        layers = with_state(layers, BUILDINGS, visible=False)
    return layers


def element_extent(
    data: MapData, level: Level, nodes: int | list[int]
) -> tuple[float, float, float, float]:
    """The extent of ``nodes`` (local metres) with some of their surroundings."""
    geo = data.levels[level]
    rows = geo.row_of([nodes] if isinstance(nodes, int) else nodes)
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geo.geoms[rows]))
    pad = CONTEXT * max(x1 - x0, y1 - y0, 50.0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def highlight(
    data: MapData, level: Level, nodes: int | list[int]
) -> Callable[[QPainter, MapView], None]:
    """An overlay that greys everything outside ``nodes`` and outlines them."""
    outline = selection_path(data, level, [nodes] if isinstance(nodes, int) else nodes)

    def draw(painter: QPainter, view: MapView) -> None:
        x0, y0, x1, y1 = view.extent()
        outside = QPainterPath()
        outside.addRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        outside = outside.subtracted(outline)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 150))
        painter.drawPath(outside)
        pen = QPen(QColor(200, 30, 30), 0)
        pen.setCosmetic(True)
        pen.setWidthF(max(2.0, view.width / 600))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)

    return draw


def file_stem(project: Project, node: int) -> str:
    """ "210283101002002_山源社区第2综合网格" — safe on Windows and Linux."""
    code, name = project.nodes.at[node, "code"], project.nodes.at[node, "name"]
    return re.sub(r'[\\/:*?"<>|\s]+', "_", f"{code}_{name}")


def _ancestor_name(project: Project, node: int, level: Level) -> str:
    for a in project.ancestors(node):
        if project.node_level(a) == level:
            return str(project.nodes.at[a, "name"])
    return ""
