"""A planner who knows QGIS, on the sample street: right-click menus on the tree, the
map and the layers; the attribute table (filter → select → the map's selection, and
back); the measure tool against a geodesic distance and area; the 户/人 histogram
following a paint."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from gridplanner.levels import Level
from gridplanner.ui.context_menus import layer_menu, map_menu, tree_menu
from gridplanner.ui.edit_tools import PaintTool
from gridplanner.ui.map_tools import MapEvent
from gridplanner.ui.measure_tool import MeasureTool

GRID_1_2 = "210283101002002002"  # 山源社区2-2网格
SHANYUAN = "210283101002"
CGCS2000 = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (flattening differs by 1e-10)


def _event(canvas, lon: float, lat: float, button: str = "left") -> MapEvent:
    x, y = canvas.data.from_lonlat(np.array([lon]), np.array([lat]))
    px, py = canvas.view.to_pixel(float(x[0]), float(y[0]))
    return canvas.resolve(MapEvent(float(x[0]), float(y[0]), px, py, button))


def _action(menu: QMenu, name: str):
    [action] = [a for a in menu.actions() if a.objectName() == name]
    return action


def _settle(app) -> None:
    app.controller.edits.flush()
    app.window.canvas.wait_while_rendering()


def test_context_menus(gp_app, qtbot, sample_street_path) -> None:
    app = gp_app
    assert app.controller.open(sample_street_path)
    project, canvas = app.controller.project, app.window.canvas
    community = project.by_code(SHANYUAN)
    # the tree: 缩放到 / 重新平衡 / 核查此范围 on a community
    menu = tree_menu(app, community)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["缩放到", "重新平衡…", "核查此范围"] and "打印布局…" in texts
    assert app.selection.ids == (community,)
    _action(menu, "zoom").trigger()
    x0, y0, x1, y1 = canvas.view.extent()
    bounds = canvas.data.bounds_of(Level.COMMUNITY, [community])
    assert x0 <= bounds[0] and y0 <= bounds[1] and x1 >= bounds[2] and y1 >= bounds[3]
    assert (x1 - x0) < 0.5 * (canvas.data.extent[2] - canvas.data.extent[0])
    _action(menu, "audit_scope").trigger()
    app.audit.task.wait(60)
    scoped = len(app.audit.rows)
    assert app.window.findings_panel.table.rowCount() == scoped
    app.audit.run_audit().wait(60)
    assert 0 < scoped < len(app.audit.rows)  # the community's findings only
    # the map: right-click with the pan tool asks for the menu; 选择 selects under it
    grid = project.by_code(GRID_1_2)
    spot = project.nodes.at[grid, "geometry"].representative_point()
    asked: list[MapEvent] = []
    canvas.contextRequested.connect(asked.append)
    assert canvas.active_level is Level.GRID  # the layer list's current layer
    canvas.tool.press(_event(canvas, spot.x, spot.y, button="right"))
    assert len(asked) == 1
    menu = map_menu(app, asked[0])
    assert [a.text() for a in menu.actions() if a.text()][:2] == ["识别", "选择"]
    _action(menu, "select").trigger()
    assert app.selection.level is Level.GRID and app.selection.ids == (grid,)
    # the layers: 打开属性表 on 网格单元 opens the table on units
    _action(layer_menu(app, "grid_unit"), "attributes").trigger()
    assert app.window.attribute_table.key == "grid_unit"
    assert app.window.docks["attributes"].isVisible()


def test_attribute_table_filter_select_and_sync(
    gp_app, qtbot, sample_street_path, monkeypatch
) -> None:
    app = gp_app
    monkeypatch.setattr("gridplanner.ui.attribute_table.INLINE_ROWS", 1_000)  # buildings: 5,000
    assert app.controller.open(sample_street_path)
    project, table = app.controller.project, app.window.attribute_table
    _action(tree_menu(app, project.by_code(SHANYUAN)), "attributes").trigger()
    assert table.key == "community"
    table.show_table("grid")
    assert table.model.rowCount() == len(project.level(Level.GRID)) == 120
    table.filter.setText("山源社区2-2")
    qtbot.waitUntil(lambda: table.model.rowCount() == 1, timeout=3_000)
    assert "1 / 120" in table.count.text()
    table.view.selectRow(0)
    grid = project.by_code(GRID_1_2)
    assert app.selection.level is Level.GRID and app.selection.ids == (grid,)
    assert app.window.canvas.selection is app.selection  # what the map draws
    # sort by households, largest first
    table.filter.clear()
    qtbot.waitUntil(lambda: table.model.rowCount() == 120, timeout=3_000)
    column = list(table.model.table.frame.columns).index("户数")
    table.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    top = int(table.model.data(table.model.index(0, column)))
    assert top == int(
        app.controller.rollups.loc[project.level(Level.GRID).index, "households"].max()
    )
    # the map selects → the table follows (rows of the selected grids, scrolled to)
    others = project.level(Level.GRID).index[:3].tolist()
    app.selection.set(Level.GRID, others, "map")
    chosen = {i.row() for i in table.view.selectionModel().selectedRows()}
    assert sorted(table.model.features_of(sorted(chosen))) == sorted(others)
    # buildings: a row selects its grid unit on the map
    table.show_table("building")
    assert table.model.rowCount() == len(project.buildings)
    table.view.selectRow(5)
    unit = int(project.buildings["unit_id"].iloc[int(table.model.order[5])])
    assert app.selection.level is Level.GRID_UNIT and app.selection.ids == (unit,)
    # the filter text of a big table is prepared in the background, then filters
    table._search_task.wait(30)
    unit_name = project.nodes.at[unit, "name"]
    table.filter.setText(unit_name)
    expected = int((project.buildings["unit_id"] == unit).sum())
    qtbot.waitUntil(lambda: table.model.rowCount() < len(project.buildings), timeout=3_000)
    assert table.model.rowCount() >= expected


def test_measure_distance_and_area_in_metres(gp_app, sample_street_path) -> None:
    app = gp_app
    assert app.controller.open(sample_street_path)
    canvas = app.window.canvas
    lon0, lat0, lon1, lat1 = app.controller.project.nodes.total_bounds
    a = (lon0 + 0.3 * (lon1 - lon0), lat0 + 0.3 * (lat1 - lat0))
    b = (lon0 + 0.7 * (lon1 - lon0), lat0 + 0.6 * (lat1 - lat0))
    c = (a[0], b[1])
    shown: list[str] = []
    canvas.measured.connect(shown.append)
    app.window.actions_by_key["measure_distance"].trigger()
    tool = canvas.tool
    assert isinstance(tool, MeasureTool) and not tool.area
    tool.snapping = False  # the known points, exactly (snapping is for drawing on features)
    tool.press(_event(canvas, *a))
    tool.press(_event(canvas, *b))
    tool.press(_event(canvas, *b, button="right"))
    _, _, metres = CGCS2000.inv(*a, *b)
    assert metres > 1000
    assert abs(tool.length_m() - metres) / metres < 0.005
    assert shown[-1].startswith("距离 ") and app.window.statusBar().currentMessage() == shown[-1]
    app.window.actions_by_key["measure_area"].trigger()
    tool = canvas.tool
    assert isinstance(tool, MeasureTool) and tool.area
    tool.snapping = False
    for point in (a, b, c):
        tool.press(_event(canvas, *point))
    tool.finish()
    area, perimeter = CGCS2000.polygon_area_perimeter(*zip(a, b, c, strict=True))
    assert abs(tool.area_m2() - abs(area)) / abs(area) < 0.005
    assert abs(tool.length_m() - perimeter) / perimeter < 0.005
    assert "公顷" in shown[-1] and "周长" in shown[-1]


def test_histogram_follows_a_paint(gp_app, sample_street_path) -> None:
    app = gp_app
    assert app.controller.open(sample_street_path)
    project, canvas, panel = app.controller.project, app.window.canvas, app.window.histogram_panel
    before = panel.histogram
    assert before is not None and before.drawn + before.exempt + before.no_worker == 120
    assert before.counts.sum() == before.drawn and "区间内" in panel.caption()
    grid = project.by_code(GRID_1_2)
    home = project.by_code("210283101002002001")
    unit = project.children(home).index[0]
    updates = panel.updates
    app.selection.set(Level.GRID, [grid], "test")
    both = shapely.union_all(project.nodes.loc[[grid, home], "geometry"].to_numpy())
    canvas.zoom_to_bounds(tuple(canvas.data.project_geometry(both).bounds), 0.6)
    _settle(app)
    app.window.actions_by_key["tool_paint"].trigger()
    tool = canvas.tool
    assert isinstance(tool, PaintTool)
    spot = project.nodes.at[unit, "geometry"].representative_point()
    tool.press(_event(canvas, spot.x, spot.y))
    tool.release(_event(canvas, spot.x + 1e-5, spot.y))
    _settle(app)
    assert int(project.nodes.at[unit, "parent_id"]) == grid
    assert panel.updates > updates
    after = panel.histogram
    ratios = app.controller.rollups.loc[[grid, home], "households_per_worker"]
    assert after is not None
    changed = not np.array_equal(after.counts, before.counts) or after.in_band != before.in_band
    assert changed, "the histogram did not change after the paint"
    for ratio in ratios.dropna():  # both grids' new loads are counted in their bins
        k = np.searchsorted(after.edges, ratio, side="right") - 1
        assert after.counts[min(k, len(after.counts) - 1)] >= 1
