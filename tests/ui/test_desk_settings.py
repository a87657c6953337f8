"""The desk's settings and small habits: snapping options (vertices / edges / off,
tolerance in pixels, remembered), the author used for versions, the tallies dock's
search and 仅显示选中范围 and its scroll to the edited grid, the export dialog's
formats and folder, and the canvas's scale bar and north arrow."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QInputDialog

from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.ui.audit_exchange import ExportDataDialog
from gridplanner.ui.canvas_overlay import paint_furniture
from gridplanner.ui.snapping import SnapSettings

SHANYUAN = "210283101002"


def _vertex_and_edge_point(project):
    unit = project.level(Level.GRID_UNIT).index[0]
    ring = np.asarray(project.nodes.at[unit, "geometry"].exterior.coords)
    vertex = ring[0]
    edge = (ring[0] + ring[1]) / 2
    return vertex, edge


def test_snapping_modes_and_tolerance(gp_app, sample_street_path) -> None:
    app = gp_app
    assert app.controller.open(sample_street_path)
    editor, canvas = app.editor, app.window.canvas
    project = app.controller.project
    vertex, edge = _vertex_and_edge_point(project)
    near = vertex + np.array([2e-6, 0])  # ~0.2 m from a vertex
    assert editor.snap(*near, 5.0)[2] == "vertex"
    editor.set_snapping(SnapSettings(vertices=False, edges=True, pixels=4))
    assert editor.snap(*near, 5.0)[2] == "edge"  # vertices off: the edge through it
    assert canvas.snap_pixels == 4
    editor.set_snapping(SnapSettings(vertices=True, edges=False, pixels=4))
    assert editor.snap(*(edge + np.array([0, 1e-6])), 0.5)[2] == "none"  # edges off
    editor.set_snapping(SnapSettings(enabled=False))
    assert editor.snap(*near, 5.0) is None
    assert SnapSettings.load(app.settings) == SnapSettings(enabled=False)  # remembered


def test_author_setting_is_used_for_versions(gp_app, monkeypatch, sample_street_path) -> None:
    app = gp_app
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("李规划", True))
    app.window.actions_by_key["author"].trigger()
    assert app.controller.author() == "李规划"
    assert "作者…" in [a.text() for a in app.window.menus["settings"].actions()]


def test_tallies_search_selection_filter_and_scroll(gp_app, qtbot, sample_street_path) -> None:
    app = gp_app
    assert app.controller.open(sample_street_path)
    panel, project = app.window.tally_panel, app.controller.project

    def shown() -> list[int]:
        return [int(panel.model.ids[r]) for r in range(panel.model.rowCount())
                if not panel.view.isRowHidden(r)]  # fmt: skip

    assert len(shown()) == 120
    panel.search.setText("山源社区2-")
    assert len(shown()) == 7 and all("山源社区2-" in project.nodes.at[g, "name"] for g in shown())
    panel.search.setText("210283101002001")  # codes too
    assert len(shown()) == 8
    panel.search.clear()
    community = project.by_code(SHANYUAN)
    app.selection.set(Level.COMMUNITY, [community], "tree")
    assert len(shown()) == 120  # not filtered until asked
    panel.only_selection.setChecked(True)
    assert sorted(shown()) == sorted(project.descendants_at(community, Level.GRID))
    assert "15 / 120" in panel.shown_label.text()
    panel.view.sortByColumn(2, panel.view.horizontalHeader().sortIndicatorOrder())
    assert sorted(shown()) == sorted(project.descendants_at(community, Level.GRID))  # kept
    app.selection.clear("test")
    assert len(shown()) == 120  # nothing selected: everything
    # names first, codes second
    header = panel.view.horizontalHeader()
    assert header.visualIndex(1) == 0 and header.visualIndex(0) == 1
    # an edit scrolls to the edited grid
    panel.only_selection.setChecked(False)
    grid = project.by_code("210283101002002002")
    app.selection.set(Level.GRID, [grid], "test")
    app.controller.rename(grid, "山源社区2-2网格（新）")
    app.controller.edits.flush()
    assert panel.edited_grid == grid
    assert panel.view.selectionModel().isRowSelected(panel.row_of(grid))


def test_export_dialog_reads_as_a_person_would(gp_app) -> None:
    dialog = ExportDataDialog(gp_app.window)
    texts = [dialog.format.itemText(i) for i in range(dialog.format.count())]
    assert "交换包（上报平台）" in texts and "package" not in texts
    dialog.format.setCurrentIndex(texts.index("Excel 表格"))
    assert dialog.chosen_format() == "xlsx"


def test_canvas_scale_bar_and_north_arrow() -> None:
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_furniture(painter, MapView(0, 0, 5.0, 400, 300), "zh")  # 5 m per pixel
    painter.end()
    dark = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(300, 400) & 0xFFFFFF
    dark = dark < 0x404040
    assert dark[-25:, :200].sum() > 100  # the bar, bottom left (500 m = 100 px)
    assert dark[:45, -45:].sum() > 20  # the arrow, top right
