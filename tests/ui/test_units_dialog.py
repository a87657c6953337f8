"""The 生成网格单元 dialog: the CLI's units, previewed off the GUI thread, one undo step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gridplanner.cli import main
from gridplanner.levels import Level
from gridplanner.sample import generate_sample
from gridplanner.store import load_project, save_project


@pytest.fixture(scope="module")
def street_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("units") / "street.gpkg"
    save_project(generate_sample("street", 0)[0], path)
    return path


def units(project: Any) -> list[tuple[str, str, float]]:
    frame = project.level(Level.GRID_UNIT)
    return sorted(
        (str(c), str(n), round(g.area, 12))
        for c, n, g in zip(frame["code"], frame["name"], frame.geometry, strict=True)
    )


def test_the_dialog_gives_the_cli_units_as_one_undo_step(
    gp_app: Any, street_file: Path, tmp_path: Path
) -> None:
    project = load_project(street_file)
    scope = str(project.level(Level.COMMUNITY)["code"].iloc[1])
    out = tmp_path / "cli.gpkg"
    assert main(["units", "generate", str(street_file), "--scope", scope, "--out", str(out)]) == 0
    assert gp_app.controller.open(street_file)
    action = gp_app.window.actions_by_key["generate_units"]
    assert action in gp_app.window.menus["plan"].actions()
    from gridplanner.ui.units_dialog import units_dialog

    dialog = units_dialog(gp_app)
    dialog.scope.setCurrentIndex(dialog.scope.findData(scope))
    dialog.start()
    assert not dialog.run_button.isEnabled()  # running in the background
    dialog.task.wait(120)
    assert dialog.preview is not None, dialog.message.text()
    assert "生成" in dialog.message.text()
    assert not dialog.preview.after.isNull() and dialog.preview.after != dialog.preview.before
    before = units(gp_app.controller.project)
    dialog.accept()
    gp_app.controller.edits.flush()
    assert gp_app.controller.undo_stack.count() == 1
    assert units(gp_app.controller.project) == units(load_project(out))
    gp_app.controller.undo_stack.undo()
    assert units(gp_app.controller.project) == before


def test_cancel_stops_the_work_and_leaves_the_plan(gp_app: Any, street_file: Path) -> None:
    assert gp_app.controller.open(street_file)
    from gridplanner.ui.units_dialog import units_dialog

    dialog = units_dialog(gp_app)
    dialog.scope.setCurrentIndex(0)  # the whole district: long enough to cancel
    dialog.start()
    dialog.cancel()
    dialog.task.wait(120)
    assert dialog.preview is None
    assert dialog.message.text() in ("已取消", "Cancelled")
    assert not dialog.buttons.buttons()[0].isEnabled() or dialog.edit is None
    assert gp_app.controller.undo_stack.count() == 0
