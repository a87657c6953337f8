"""The main window on the sample street: open, layers, tree ↔ map, zoom, language, save."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from gridplanner.layers.style import state_of
from gridplanner.levels import Level
from gridplanner.store import load_project


def _open(app, path: Path) -> None:
    assert app.controller.open(path)
    app.window.canvas.wait_while_rendering()


def test_open_sample_shows_map_tree_and_chinese(gp_app, sample_street_path: Path) -> None:
    _open(gp_app, sample_street_path)
    window = gp_app.window
    canvas = window.canvas
    assert canvas.image is not None and not canvas.image.isNull()
    model = window.tree_panel.model
    assert model.rowCount() == 1  # the district
    root = model.index(0, 0)
    assert model.data(root) == "示例庄河市"
    assert model.data(model.index(0, 1)) == "区县"
    assert window.menus["file"].title() == "文件"
    assert window.docks["tree"].windowTitle() == "层级树"
    assert "street.gpkg" in window.windowTitle()
    # The rendered map is not blank: many distinct colours.
    image = canvas.image.scaled(200, 130)
    colours = {image.pixel(x, y) for x in range(200) for y in range(130)}
    assert len(colours) > 20


def test_toggle_layer_changes_rendering(gp_app, sample_street_path: Path) -> None:
    _open(gp_app, sample_street_path)
    canvas = gp_app.window.canvas
    before = canvas.image.copy()
    gp_app.window.layer_panel.set_visible(Level.GRID.value, False)
    canvas.wait_while_rendering()
    assert not state_of(canvas.layers, Level.GRID.value).visible
    assert canvas.image != before
    gp_app.window.layer_panel.set_visible(Level.GRID.value, True)
    canvas.wait_while_rendering()
    assert state_of(canvas.layers, Level.GRID.value).visible


def test_tree_selection_selects_and_zooms_on_map_and_back(
    gp_app, sample_street_path: Path, qtbot
) -> None:
    _open(gp_app, sample_street_path)
    window, canvas, selection = gp_app.window, gp_app.window.canvas, gp_app.selection
    project = gp_app.controller.project
    grid_id = int(project.level(Level.GRID).index[5])
    full_mpp = canvas.view.mpp
    index = window.tree_panel.model.index_of(grid_id)
    window.tree_panel.view.selectionModel().select(
        index,
        window.tree_panel.view.selectionModel().SelectionFlag.ClearAndSelect
        | window.tree_panel.view.selectionModel().SelectionFlag.Rows,
    )
    assert selection.level is Level.GRID and selection.ids == (grid_id,)
    assert canvas.view.mpp < full_mpp / 3  # zoomed in on it
    canvas.wait_while_rendering()
    assert window.properties_panel.name_edit.text() == project.nodes.at[grid_id, "name"]
    # Map → tree: click another grid on the map.
    other = int(project.level(Level.GRID).index[40])
    geo = canvas.data.levels[Level.GRID]
    row = geo.row_of([other])[0]
    canvas.zoom_to_bounds(tuple(geo.geoms[row].bounds))
    canvas.wait_while_rendering()
    px, py = canvas.view.to_pixel(*geo.label_xy[row])
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    assert selection.ids == (other,)
    assert window.tree_panel.selected_ids() == [other]
    # Shift-click adds; a box selects what it touches.
    from gridplanner.ui.map_tools import MapEvent

    gx, gy = geo.label_xy[geo.row_of([grid_id])[0]]
    canvas.select_at(MapEvent(gx, gy, 0, 0, shift=True))
    assert set(selection.ids) == {other, grid_id}
    assert set(window.tree_panel.selected_ids()) == {other, grid_id}
    x, y = geo.label_xy[row]
    canvas.select_box((x - 1, y - 1, x + 1, y + 1))
    assert selection.ids == (other,)


def test_zoom_pan_and_scale(gp_app, sample_street_path: Path, qtbot) -> None:
    _open(gp_app, sample_street_path)
    canvas = gp_app.window.canvas
    view = canvas.view
    canvas.zoom_by(2.0, (100, 100))
    assert abs(canvas.view.mpp - view.mpp / 2) < 1e-9
    # The point under the anchor stays put.
    assert np.allclose(canvas.view.to_map(100, 100), view.to_map(100, 100))
    canvas.setFocus()
    before = canvas.view.cx
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert canvas.view.cx < before
    canvas.set_scale(10_000)
    assert round(canvas.view.scale_denominator()) == 10_000
    canvas.wait_while_rendering()
    assert "1:10,000" in gp_app.window.scale_label.text()
    canvas.zoom_full()
    canvas.wait_while_rendering()
    x0, y0, x1, y1 = canvas.view.extent()
    ex0, ey0, ex1, ey1 = canvas.data.extent
    assert x0 <= ex0 and y0 <= ey0 and x1 >= ex1 and y1 >= ey1


def test_switch_language_to_english_and_back(gp_app, sample_street_path: Path) -> None:
    _open(gp_app, sample_street_path)
    window = gp_app.window
    gp_app.set_language("en")
    assert window.menus["file"].title() == "File"
    assert window.docks["tree"].windowTitle() == "Hierarchy"
    assert window.tree_panel.model.data(window.tree_panel.model.index(0, 1)) == "District"
    assert window.actions_by_key["open"].text() == "Open…"
    view = window.tree_panel.view  # the level column fits the longest English level name
    wide = view.fontMetrics().horizontalAdvance("Comprehensive grid")
    assert view.header().sectionSize(1) >= wide
    gp_app.set_language("zh")
    assert window.menus["file"].title() == "文件"
    assert view.header().sectionSize(1) < wide  # and shrinks back for 综合网格


def test_english_works_without_compiled_qm(gp_app, monkeypatch) -> None:
    import gridplanner.ui.i18n as i18n

    monkeypatch.setattr(i18n, "HERE", Path(i18n.__file__).parent / "missing-folder-with-no-qm")
    real = Path(i18n.__file__).parent / "gridplanner_en.ts"
    translator = i18n.TsTranslator(real)
    assert translator.translate("gridplanner", "文件") == "File"


def test_edit_undo_save_and_reopen(gp_app, sample_street_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "方案.gpkg"
    shutil.copy(sample_street_path, path)
    _open(gp_app, path)
    controller, window = gp_app.controller, gp_app.window
    project = controller.project
    grid_id = int(project.level(Level.GRID).index[3])
    gp_app.selection.set(Level.GRID, [grid_id], "test")
    panel = window.properties_panel
    panel.name_edit.setText("新的网格名")
    panel.name_edit.editingFinished.emit()
    assert project.nodes.at[grid_id, "name"] == "新的网格名"
    assert "*" in window.windowTitle()
    controller.edits.flush()  # the panels refresh once the event loop is free
    assert window.tree_panel.model.data(window.tree_panel.model.index_of(grid_id)) == "新的网格名"
    controller.undo_stack.undo()
    assert project.nodes.at[grid_id, "name"] != "新的网格名"
    controller.undo_stack.redo()
    # Dedicated grid and a community's own sizing, both undoable.
    panel.kind_combo.setCurrentIndex(1)
    assert project.nodes.at[grid_id, "kind"] == "dedicated"
    community = int(project.level(Level.COMMUNITY).index[0])
    gp_app.selection.set(Level.COMMUNITY, [community], "test")
    # a community shows what it is (社区 or 村), not a grid kind
    assert panel.kind_combo.isHidden() and not panel.area_kind_label.isHidden()
    name = str(project.nodes.at[community, "name"])
    assert panel.area_kind_label.text() == ("村" if name.endswith("村") else "社区")
    panel.own_sizing.setChecked(True)
    panel.target.setValue(250)
    panel.band_min.setValue(150)
    panel.band_max.setValue(400)
    panel.apply_sizing.click()
    code = str(project.nodes.at[community, "code"])
    assert project.settings.sizing_by_scope[code].target == 250
    controller.edits.flush()
    assert controller.rollups.at[community, "target"] == 250
    assert controller.save()
    assert "*" not in window.windowTitle()
    reopened = load_project(path)
    assert reopened.nodes.at[grid_id, "name"] == "新的网格名"
    assert reopened.nodes.at[grid_id, "kind"] == "dedicated"
    assert reopened.settings.sizing_by_scope[code].band_max == 400
    _open(gp_app, path)
    assert controller.project.nodes.at[grid_id, "name"] == "新的网格名"
    assert str(path.resolve()) in controller.recent_files()


def test_autosave_and_recovery(
    gp_app, sample_street_path: Path, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    _open(gp_app, path)
    controller = gp_app.controller
    grid_id = int(controller.project.level(Level.GRID).index[0])
    controller.rename(grid_id, "崩溃前的修改")
    assert controller.autosave()
    controller.wait_for_autosave(30.0)
    QApplication.processEvents()
    backup = controller.autosaver.path_for(path)
    assert backup.exists()
    # "Crash": forget the session without saving, then open again and accept recovery.
    controller.undo_stack.setClean()
    monkeypatch.setattr(gp_app.window, "ask_yes_no", lambda question: True)
    _open(gp_app, path)
    assert controller.project.nodes.at[grid_id, "name"] == "崩溃前的修改"
    assert not controller.undo_stack.isClean()
    assert controller.save()
    assert not backup.exists()


def test_findings_dock_zooms_to_finding(gp_app, sample_street_path: Path) -> None:
    from dataclasses import dataclass

    from shapely.geometry import Point

    @dataclass
    class FakeFinding:
        id: str
        severity: str
        message: str
        geometry: object

    _open(gp_app, sample_street_path)
    canvas = gp_app.window.canvas
    unit = gp_app.controller.project.level(Level.GRID_UNIT).iloc[10]
    centre = unit.geometry.representative_point()
    gp_app.show_findings([FakeFinding("F1", "error", "缺口 12 m²", Point(centre.x, centre.y))])
    assert gp_app.window.findings_panel.table.rowCount() == 1
    full = canvas.view.mpp
    gp_app.window.findings_panel.table.cellClicked.emit(0, 2)
    assert canvas.view.mpp < full
    x, y = canvas.data.project_geometry(Point(centre.x, centre.y)).coords[0]
    assert abs(canvas.view.cx - x) < 1 and abs(canvas.view.cy - y) < 1
