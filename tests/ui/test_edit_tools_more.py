"""Editing features the planner-session scenario leaves out, driven offscreen through the
window's real tools and widgets. Each edit is one undo command, keeps the live tallies
equal to a recomputation and undoes back to the original plan exactly."""

from __future__ import annotations

import shutil
import socket
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton
from shapely.geometry import Point, Polygon
from shapely.ops import polylabel

from gridplanner import editing
from gridplanner.editing.geo import area_m2
from gridplanner.editing.sameness import copy_plan, plan_differences
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.rollups import compute_rollups
from gridplanner.ui import edit_tools as tools
from gridplanner.ui.canvas import SNAP_PIXELS
from gridplanner.ui.map_tools import MapEvent
from gridplanner.ui.tree_panel import WORKER_OFFSET


@pytest.fixture
def planner(gp_app, sample_street_path: Path, tmp_path: Path):
    """The app on a copy of the sample street, and a copy of the original plan."""
    path = tmp_path / "street.gpkg"
    shutil.copy(sample_street_path, path)
    assert gp_app.controller.open(path)
    return gp_app, copy_plan(gp_app.controller.project)


def _settle(app) -> None:
    app.controller.edits.flush()
    app.window.canvas.wait_while_rendering()


def _tallies_match(app) -> None:
    _settle(app)
    expected = compute_rollups(app.controller.project)
    live = app.controller.edits.tallies.frame(expected.index)
    pd.testing.assert_frame_equal(live, expected, check_exact=True)


def _one_command_then_undo_all(app, original, commands: int = 1) -> None:
    """``commands`` commands on the stack; the tallies are right; undo restores exactly."""
    stack = app.controller.undo_stack
    assert stack.count() == commands, [stack.text(i) for i in range(stack.count())]
    assert not app.errors
    _tallies_match(app)
    while stack.canUndo():
        stack.undo()
    assert plan_differences(original, app.controller.project) == []
    _tallies_match(app)


def _local(canvas, lon: float, lat: float) -> tuple[float, float]:
    x, y = canvas.data.from_lonlat(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def _at(canvas, x: float, y: float, button: str = "left", **kw) -> MapEvent:
    """A mouse event at local metres (x, y), resolved (and snapped) by the canvas."""
    px, py = canvas.view.to_pixel(x, y)
    return canvas.resolve(MapEvent(x, y, px, py, button, **kw))


def _corners(shape) -> set[tuple[float, float]]:
    return {tuple(c) for c in shapely.get_coordinates(shape).tolist()}


def _look(app, x: float, y: float, mpp: float) -> None:
    canvas = app.window.canvas
    canvas.set_view(replace(canvas.view, cx=x, cy=y, mpp=mpp))
    _settle(app)


def _tool(app, key: str, kind: type):
    app.window.actions_by_key[key].trigger()
    tool = app.window.canvas.tool
    assert isinstance(tool, kind)
    return tool


# -- 1. lasso ------------------------------------------------------------------------------
def _lasso_case(project) -> tuple[int, list[int]]:
    """Two touching units of a big grid, one bordering another grid of the community."""
    nodes = project.nodes
    for grid in project.level(Level.GRID).index.tolist():
        kids = project.children(grid).index.tolist()
        if len(kids) < 4:
            continue
        for a in kids:
            shape = nodes.at[a, "geometry"]
            mates = [b for b in kids if b != a and shape.touches(nodes.at[b, "geometry"])]
            for other in units_near(project, shape) if mates else []:
                target = int(nodes.at[other, "parent_id"])
                same = project.ancestors(target)[2] == project.ancestors(grid)[2]
                if target != grid and same and shape.touches(nodes.at[other, "geometry"]):
                    return target, [a, mates[0]]
    raise AssertionError("no lasso case")


def test_lasso_paints_several_units(planner) -> None:
    app, original = planner
    canvas, project = app.window.canvas, app.controller.project
    target, units = _lasso_case(project)
    both = shapely.union_all(project.nodes.loc[units, "geometry"].to_numpy())
    ring = canvas.data.project_geometry(both).buffer(2.0).exterior
    canvas.zoom_to_bounds(tuple(ring.bounds), 0.2)
    _settle(app)
    app.selection.set(Level.GRID, [target], "test")
    lasso = _tool(app, "tool_lasso", tools.LassoPaintTool)
    path = list(ring.coords)
    lasso.press(_at(canvas, *path[0]))
    for x, y in path[1:]:
        lasso.move(_at(canvas, x, y, button="none"))
    assert len(canvas.overlay.line) == len(path) and canvas.overlay.closed
    lasso.release(_at(canvas, *path[-1]))
    moved = project.nodes.index[project.nodes["parent_id"].ne(original.nodes["parent_id"])]
    assert sorted(moved.tolist()) == sorted(units)
    assert (project.nodes.loc[units, "parent_id"] == target).all()
    _one_command_then_undo_all(app, original)


# -- 2. whole grids into a comprehensive grid -------------------------------------------------
def _grids_case(project) -> tuple[int, list[int]]:
    """A comprehensive grid and two grids of a sibling (which keeps one) bordering it."""
    nodes = project.nodes
    for comm in project.level(Level.COMMUNITY).index.tolist():
        comps = project.children(comm).index.tolist()
        for target in comps:
            outline = nodes.at[target, "geometry"]
            for source in comps:
                grids = project.children(source).index.tolist()
                near = [g for g in grids if nodes.at[g, "geometry"].touches(outline)]
                if source != target and len(grids) >= 3 and len(near) >= 2:
                    return target, near[:2]
    raise AssertionError("no grids case")


def test_paint_whole_grids_into_comprehensive_grid(planner) -> None:
    app, original = planner
    canvas, project = app.window.canvas, app.controller.project
    target, grids = _grids_case(project)
    shapes = [canvas.data.project_geometry(project.nodes.at[g, "geometry"]) for g in grids]
    spots = [polylabel(s, tolerance=1.0) for s in shapes]
    room = min(s.boundary.distance(p) for s, p in zip(shapes, spots, strict=True))
    canvas.zoom_to_bounds(tuple(shapely.union_all(shapes).bounds), 0.05)
    mpp = min(canvas.view.mpp, room / (2 * tools.BRUSH_PIXELS))  # the brush stays inside
    _look(app, canvas.view.cx, canvas.view.cy, mpp)
    app.selection.clear("test")
    brush = _tool(app, "tool_paint_grids", tools.PaintGridsTool)
    # Ctrl-click inside the target comprehensive grid picks it as the target
    inside = canvas.data.project_geometry(project.nodes.at[target, "geometry"])
    pick = polylabel(inside, tolerance=1.0)
    brush.press(_at(canvas, pick.x, pick.y, ctrl=True))
    assert app.editor.target(Level.COMPREHENSIVE_GRID) == target
    brush.press(_at(canvas, spots[0].x, spots[0].y))
    brush.move(_at(canvas, spots[1].x, spots[1].y, button="none"))
    assert brush.stroke == grids
    brush.release(_at(canvas, spots[1].x, spots[1].y))
    code = str(project.nodes.at[target, "code"])
    for grid in grids:
        assert int(project.nodes.at[grid, "parent_id"]) == target
        assert str(project.nodes.at[grid, "code"]).startswith(code)
        for unit in project.children(grid).index:
            assert str(project.nodes.at[unit, "code"]).startswith(project.nodes.at[grid, "code"])
    _one_command_then_undo_all(app, original)


# -- 3. draw a unit, snapped to a neighbour -----------------------------------------------------
def _free_edge(app) -> tuple[int, tuple, tuple, tuple[float, float], float]:
    """A unit's edge (A, B) with free land beyond it: (unit, A, B, outer corner C (local),
    edge length (local metres))."""
    canvas, project = app.window.canvas, app.controller.project
    for unit, shape in project.level(Level.GRID_UNIT).geometry.items():
        for a, b in pairwise(shapely.get_coordinates(shape.exterior).tolist()):
            (ax, ay), (bx, by) = _local(canvas, *a), _local(canvas, *b)
            length = float(np.hypot(bx - ax, by - ay))
            if length < 40:
                continue
            mx, my = (ax + bx) / 2, (ay + by) / 2
            nx, ny = (ay - by) / length, (bx - ax) / length
            for side in (1.0, -1.0):
                cx, cy = mx + side * nx * length / 2, my + side * ny * length / 2
                corner = canvas.data.to_lonlat(cx, cy)
                triangle = Polygon([a, b, corner])
                clear = all(
                    area_m2(triangle.intersection(project.nodes.at[u, "geometry"])) < 1e-6
                    for u in units_near(project, triangle.buffer(1e-3))
                )
                if clear and not units_near(project, Point(corner).buffer(5e-4)):
                    return int(unit), tuple(a), tuple(b), (cx, cy), length
    raise AssertionError("no free edge")


def test_draw_unit_snaps_to_neighbour(planner) -> None:
    app, original = planner
    canvas, project = app.window.canvas, app.controller.project
    neighbour, a, b, corner, length = _free_edge(app)
    grid = int(project.nodes.at[neighbour, "parent_id"])
    (ax, ay), (bx, by) = _local(canvas, *a), _local(canvas, *b)
    mpp = length / 250
    _look(app, (ax + bx + corner[0]) / 3, (ay + by + corner[1]) / 3, mpp)
    app.selection.set(Level.GRID, [grid], "test")
    draw = _tool(app, "tool_draw_unit", tools.DrawUnitTool)
    toward = (corner[0] - (ax + bx) / 2, corner[1] - (ay + by) / 2)
    nudge = 3 * mpp / float(np.hypot(*toward))  # 3 px off the vertex, inside the new unit
    for vertex, (vx, vy) in ((a, (ax, ay)), (b, (bx, by))):
        event = _at(canvas, vx + toward[0] * nudge, vy + toward[1] * nudge)
        assert event.snap == "vertex" and (event.lon, event.lat) == vertex
        draw.move(event)
        assert canvas.overlay.snap == (event.x, event.y, "vertex")
        assert (event.x, event.y) == _local(canvas, *vertex)
        draw.press(event)
    free = _at(canvas, *corner)
    assert free.snap == "none" and SNAP_PIXELS * mpp < length / 4
    draw.press(free)
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    added = project.nodes.index.difference(original.nodes.index)
    assert len(added) == 1, app.errors
    new = int(added[0])
    code, sibling = str(project.nodes.at[new, "code"]), str(project.nodes.at[neighbour, "code"])
    assert project.nodes.at[new, "level"] == Level.GRID_UNIT.value
    assert int(project.nodes.at[new, "parent_id"]) == grid
    assert code.startswith(str(project.nodes.at[grid, "code"])) and len(code) == len(sibling)
    shape = project.nodes.at[new, "geometry"]
    assert a in _corners(shape) and b in _corners(shape)
    assert shape.intersection(project.nodes.at[neighbour, "geometry"]).length > 0
    for other in units_near(project, shape):
        if other != new:
            assert area_m2(shape.intersection(project.nodes.at[other, "geometry"])) < 1e-3
    _one_command_then_undo_all(app, original)


# -- 4. insert and delete a vertex on a shared boundary -----------------------------------------
def _shared_edge(app) -> tuple[tuple[int, int], Point, Point, float]:
    """An edge two units share: (units, its middle, a point beside it (lon/lat) a vertex
    inserted there can move to, edge length in local metres)."""
    canvas, project = app.window.canvas, app.controller.project
    owners: dict[tuple, list[int]] = {}
    for unit, shape in project.level(Level.GRID_UNIT).geometry.items():
        for a, b in pairwise(shapely.get_coordinates(shape.exterior).tolist()):
            owners.setdefault(tuple(sorted((tuple(a), tuple(b)))), []).append(int(unit))
    for (a, b), units in owners.items():
        (ax, ay), (bx, by) = _local(canvas, *a), _local(canvas, *b)
        length = float(np.hypot(bx - ax, by - ay))
        if len(units) != 2 or length < 40:
            continue
        middle = Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        lx, ly = (ax + bx) / 2 + 0.15 * (ay - by), (ay + by) / 2 + 0.15 * (bx - ax)
        to = Point(canvas.data.to_lonlat(lx, ly))
        try:
            edit = editing.insert_vertex(project, middle, to)
        except editing.EditError:
            continue
        if set(edit.nodes["geometry"].ids) >= set(units):
            return (units[0], units[1]), middle, to, length
    raise AssertionError("no shared edge")


def _union_area(project, pair) -> float:
    """The pair's union area, checking they don't overlap (areas add up)."""
    shapes = project.nodes.loc[list(pair), "geometry"].to_numpy()
    union = area_m2(shapely.union_all(shapes))
    assert abs(sum(area_m2(s) for s in shapes) - union) <= 1e-6 * union
    return union


def test_insert_and_delete_shared_vertex(planner) -> None:
    app, original = planner
    canvas, project = app.window.canvas, app.controller.project
    pair, middle, to, length = _shared_edge(app)
    before = project.nodes.loc[list(pair), "geometry"].copy()
    union = _union_area(project, pair)
    mx, my = _local(canvas, middle.x, middle.y)
    _look(app, mx, my, length / 300)
    reshape = _tool(app, "tool_reshape", tools.ReshapeTool)
    press, release = (
        _at(canvas, mx + canvas.view.mpp, my),
        _at(canvas, *_local(canvas, *to.coords[0])),
    )
    assert (press.snap, release.snap) == ("edge", "none")
    reshape.press(press)
    reshape.release(release)
    assert app.controller.undo_stack.count() == 1, app.errors
    vertex = (release.lon, release.lat)
    for unit in pair:  # both units have the new vertex
        shape = project.nodes.at[unit, "geometry"]
        assert not shape.equals(before[unit]) and vertex in _corners(shape)
    assert abs(_union_area(project, pair) - union) <= 1e-6 * union  # no gap, no overlap
    _settle(app)
    # hover over the new vertex and press Delete: one more command, the edge is straight again
    reshape.move(_at(canvas, release.x + canvas.view.mpp, release.y, button="none"))
    assert reshape.hover is not None and reshape.hover.snap == "vertex"
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert app.controller.undo_stack.count() == 2, app.errors
    for unit in pair:
        shape = project.nodes.at[unit, "geometry"]
        assert vertex not in _corners(shape) and shape.equals(before[unit])
    assert abs(_union_area(project, pair) - union) <= 1e-6 * union
    _one_command_then_undo_all(app, original, commands=2)


# -- 5. drag a worker onto another grid in the tree ---------------------------------------------
def test_drag_worker_to_another_grid(planner) -> None:
    app, original = planner
    project, tree = app.controller.project, app.window.tree_panel
    model, view = tree.model, tree.view
    workers = project.workers.dropna(subset=["grid_id"])
    worker = int(workers.index[0])
    home = int(workers.at[worker, "grid_id"])
    siblings = project.children(int(project.nodes.at[home, "parent_id"])).index
    there = next(int(g) for g in siblings if g != home)
    rollups = app.controller.rollups
    source = model.index_of(WORKER_OFFSET + worker)
    assert model.flags(source) & Qt.ItemFlag.ItemIsDragEnabled
    drop_on = model.index_of(there)
    assert model.flags(drop_on) & Qt.ItemFlag.ItemIsDropEnabled
    view.scrollTo(drop_on)
    QApplication.processEvents()
    rect, mime = view.visualRect(drop_on), model.mimeData([source])
    # a drag entering the tree, moving onto the grid's row, and dropping there
    how = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        event = kind(rect.center(), *how)
        QApplication.sendEvent(view.viewport(), event)
        if kind is QDragMoveEvent:
            assert event.isAccepted()
            assert view.dropIndicatorPosition() == view.DropIndicatorPosition.OnItem
    assert int(project.workers.at[worker, "grid_id"]) == there
    _settle(app)
    after = app.controller.rollups
    for grid in (home, there):
        assert after.at[grid, "workers"] != rollups.at[grid, "workers"]
    assert model.index_of(WORKER_OFFSET + worker).parent() == model.index_of(there)
    _one_command_then_undo_all(app, original)
    assert model.index_of(WORKER_OFFSET + worker).parent() == model.index_of(home)


# -- 6. history: compare with an earlier saved version ------------------------------------------
def _click_when_shown(act) -> None:
    """Once a modal dialog is up, let ``act`` fill it in (as a user would)."""

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        try:
            act(dialog)
        finally:  # never leave a modal dialog blocking the test
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, run)


def test_compare_with_saved_version_highlights_changed_grids(planner, monkeypatch) -> None:
    app, original = planner
    canvas, controller, editor = app.window.canvas, app.controller, app.editor
    project = controller.project
    assert controller.save()
    first = project.history[-1].version
    target, units = _lasso_case(project)
    home = int(project.nodes.at[units[0], "parent_id"])
    app.selection.set(Level.GRID, [target], "test")
    assert _tool(app, "tool_paint", tools.PaintTool).paint(units[:1])
    assert controller.undo_stack.count() == 1 and controller.save()
    assert project.history[-1].version > first
    compared: list[set[int]] = []
    real = editor.compare_with
    monkeypatch.setattr(editor, "compare_with", lambda path: compared.append(real(path)))

    def choose_first(dialog) -> None:
        row = next(i for i, v in enumerate(dialog.versions) if v.version == first)
        dialog.table.selectRow(row)
        buttons = dialog.findChildren(QPushButton)
        button = next(b for b in buttons if b.text() == "与所选版本比较")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    _click_when_shown(choose_first)
    app.window.actions_by_key["history"].trigger()
    assert compared == [{home, target}], app.errors
    highlight = canvas._highlight
    for grid in project.level(Level.GRID).index.tolist():
        shape = canvas.data.project_geometry(project.nodes.at[grid, "geometry"])
        inside = shape.representative_point()
        assert highlight.contains(QPointF(inside.x, inside.y)) == (grid in {home, target}), grid
    _one_command_then_undo_all(app, original)


# -- 7. push: the audit gate refuses before any request -----------------------------------------
def test_push_refused_by_audit_gate_without_network(planner, monkeypatch) -> None:
    app, original = planner
    attempts: list[object] = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("the test allows no network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr("gridplanner.exchange.publish.PushClient", no_network)

    def fill(dialog) -> None:
        QTest.keyClicks(dialog.url, "http://127.0.0.1:9/")
        assert not dialog.allow.isChecked()
        box = dialog.findChild(QDialogButtonBox)
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        QTest.mouseClick(ok, Qt.MouseButton.LeftButton)

    _click_when_shown(fill)
    app.window.actions_by_key["push"].trigger()
    app.audit.task.wait(120)
    assert attempts == []
    assert len(app.errors) == 1, app.errors
    message = app.errors[0]
    assert message.startswith("推送失败") and "阻断性核查问题" in message
    assert "忽略阻断性核查问题" in message  # the window's override, not the CLI flag
    project = app.controller.project
    assert not any(v.author == "gridplanner push" for v in project.history)
    assert plan_differences(original, project) == []
