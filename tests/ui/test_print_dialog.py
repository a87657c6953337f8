"""The 打印布局 dialog (Ctrl+P): it proposes the selected grid's name and tallies, shows
a preview, prints the chosen paper, orientation and scale off the GUI thread, and its
buttons are Chinese."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from gridplanner.layers.print_jobs import heading
from gridplanner.levels import Level
from gridplanner.ui.print_dialog import layout_dialog_for


def _dialog(gp_app, sample_street_path: Path, select: bool = True):
    assert gp_app.controller.open(sample_street_path)
    project = gp_app.controller.project
    grid = project.by_code("210283101002002002")
    if select:
        gp_app.selection.set(Level.GRID, [grid], "test")
    request = gp_app.window.canvas.request()
    dialog = layout_dialog_for(
        project, gp_app.controller.rollups, gp_app.selection, request, "王规划", gp_app.window
    )
    return dialog, project, grid


def test_the_dialog_proposes_the_selected_grid_and_previews_it(
    gp_app, qtbot, sample_street_path
) -> None:
    dialog, project, grid = _dialog(gp_app, sample_street_path)
    assert dialog.title.text() == heading(project, grid)
    assert "户数" in dialog.subtitle.text() and dialog.producer.text() == "王规划"
    assert dialog.scope_box.count() == 3 and dialog.scope_box.currentIndex() == 0
    qtbot.waitUntil(lambda: dialog.previews_shown >= 1, timeout=10_000)
    first = dialog.preview.pixmap().size()
    dialog.orientation.setCurrentIndex(1)  # portrait: the preview turns
    qtbot.waitUntil(lambda: dialog.previews_shown >= 2, timeout=10_000)
    turned = dialog.preview.pixmap().size()
    assert first.width() > first.height() and turned.width() < turned.height()
    texts = [b.text().replace("&", "") for b in dialog.findChildren(QDialogButtonBox)[0].buttons()]
    assert texts and not [t for t in texts if re.search(r"[A-Za-z]{2,}", t)], texts


@pytest.mark.parametrize("scope", [0, 1, 2])
def test_each_scope_prints_at_the_chosen_paper_and_scale(
    gp_app, qtbot, sample_street_path, tmp_path, scope
) -> None:
    dialog, _, _ = _dialog(gp_app, sample_street_path)
    dialog.scope_box.setCurrentIndex(scope)
    dialog.paper.setCurrentText("A4")
    dialog.orientation.setCurrentIndex(1)
    dialog.scale.setCurrentText("1:5,000")
    dialog.title.setText("山源社区网格调整方案（征求意见稿）")
    task = dialog.print_to(tmp_path / "sheet.pdf")
    task.start()
    task.wait(60)
    pdf = task.result()
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "山源社区网格调整方案（征求意见稿）" in text
    assert "比例尺 1:5,000" in text and "图例" in text and "王规划" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    assert re.search(r"Page size:\s+595(\.\d+)? x 842", info.stdout), info.stdout


def test_png_at_the_chosen_dpi_and_fit_to_scope(gp_app, sample_street_path, tmp_path) -> None:
    dialog, _, _ = _dialog(gp_app, sample_street_path, select=False)
    assert dialog.scope_box.count() == 2  # nothing selected: the view or the whole plan
    assert dialog.chosen_scale() is None  # 适合范围
    dialog.dpi.setValue(96)
    dialog.paper.setCurrentText("A4")
    task = dialog.print_to(tmp_path / "sheet.png")
    task.start()
    task.wait(60)
    image = QImage(str(task.result()))
    assert (image.width(), image.height()) == (1123, 794)
    dialog.scale.setCurrentText("1：2000")  # typed with a full-width colon
    assert dialog.chosen_scale() == 2000
