"""The app's balance dialog gives the plan of `gridplanner balance` for the same request:
the widgets set as a planner would, the request resolved by the core, the preview
accepted as one undo step; the project in the window then equals the CLI's output
(the QGIS algorithm is held to the same CLI plans in tests/qgis_plugin)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from balance_cases import CASES, assignment, cli_args, comparable

from gridplanner.balance_request import Mode
from gridplanner.levels import Level
from gridplanner.store import load_project
from gridplanner.ui.balance_dialog import MODES, TIERS


def _cli(project: Path, case: dict[str, Any], out: Path, report: Path) -> None:
    script = Path(sys.executable).parent / "gridplanner"
    done = subprocess.run(
        [str(script), "balance", str(project), *cli_args(case), "--out", str(out),
         "--report", str(report)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _fill_dialog(dialog: Any, case: dict[str, Any]) -> None:
    """Set the dialog's widgets as a planner would for ``case``."""
    index = dialog.scope.findData(case["scope"])
    if index >= 0:
        dialog.scope.setCurrentIndex(index)
    else:
        dialog.scope.setEditText(case["scope"])
    dialog.tier.setCurrentIndex(TIERS.index(Level(case["tier"])))
    dialog.mode.setCurrentIndex(MODES.index(Mode(case["mode"])))
    if case.get("target") is not None:
        dialog.target.setValue(round(case["target"]))
    if case.get("count") is not None:
        dialog.parts.setValue(case["count"])
    dialog.min_change.setChecked(bool(case.get("min_change")))
    dialog.tolerance.setValue(0.0)  # automatic, as the CLI without --tolerance
    dialog.locks.setText(",".join(case.get("locked", ())))
    dialog.vacancies.setChecked("all" in case.get("vacancies", ()))


@pytest.mark.parametrize("name", list(CASES))
def test_dialog_gives_the_cli_plan(
    gp_app: Any, sample_street_path: Path, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    path = tmp_path / "street.gpkg"
    shutil.copy(sample_street_path, path)
    cli_out, cli_report = tmp_path / "cli.gpkg", tmp_path / "cli.json"
    _cli(path, case, cli_out, cli_report)

    assert gp_app.controller.open(path)
    dialog = gp_app.editor.balance_dialog()
    _fill_dialog(dialog, case)
    assert dialog.scope_code() == case["scope"]
    dialog.start()
    dialog.task.wait(120)
    assert dialog.preview is not None, dialog.message.text()
    ours = comparable(dialog.preview.result.to_dict())
    theirs = comparable(json.loads(cli_report.read_text("utf-8")))
    assert json.loads(json.dumps(ours["groups"], default=str)) == theirs["groups"]
    dialog.accept()
    gp_app.controller.edits.flush()
    assert gp_app.controller.undo_stack.count() == 1
    assert assignment(gp_app.controller.project) == assignment(load_project(cli_out))
