"""The code change table (代码变更对照表): old codes keep naming their areas in every
command (with a notice) and are never reused; bad tables are refused row by row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gridplanner.cli import main
from gridplanner.code_changes import CodeChangesRefused, read_code_changes, record_code_changes
from gridplanner.errors import CodeError
from gridplanner.levels import Level
from gridplanner.store import load_project


def test_the_bundled_sample_still_answers_to_its_first_edition_codes(
    qapp: object, sample_street_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # qapp first: the print job would otherwise make a bare QGuiApplication that the
    # widget tests later in the run can't use
    project = load_project(sample_street_path)
    shanyuan = project.nodes.index[project.nodes["name"] == "山源社区"][0]
    # the first edition numbered 山源社区 210283001008 (its 镇 at 001, against the NBS rules)
    assert project.by_code("210283001008") == shanyuan
    assert project.renamed_code("210283001008") == project.nodes.at[shanyuan, "code"]
    assert project.renamed_code(str(project.nodes.at[shanyuan, "code"])) is None
    out = tmp_path / "maps"
    status = main(
        [
            "print",
            str(sample_street_path),
            "--scope",
            "210283001008",
            "--per",
            "grid",
            "--paper",
            "A4",
            "--dpi",
            "50",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    assert "已变更为" in capsys.readouterr().err
    grids = project.nodes[
        (project.nodes["level"] == Level.GRID.value)
        & project.nodes["code"].str.startswith(str(project.nodes.at[shanyuan, "code"]))
    ]
    assert len(list(out.glob("*.pdf"))) == len(grids) > 0


def test_a_change_table_in_gbk_is_recorded_and_old_codes_are_never_reused(
    sample_street_path: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, plan)
    project = load_project(plan)
    unit = int(project.level(Level.GRID_UNIT).index[0])
    code = str(project.nodes.at[unit, "code"])
    grid = int(project.nodes.at[unit, "parent_id"])
    old = str(project.nodes.at[grid, "code"]) + "999"  # a well-formed code, free today
    table = tmp_path / "变更.csv"
    table.write_bytes(f"旧代码,新代码\n{old},{code}\n".encode("gbk"))
    assert main(["codes", "changes", str(plan), str(table)]) == 0
    project = load_project(plan)
    assert project.by_code(old) == unit
    assert project.history[-1].summary.startswith("代码变更对照表")
    with pytest.raises(CodeError, match="retired"):
        project.add_node(
            Level.GRID_UNIT, old, "新单元", project.nodes.at[unit, "geometry"], parent_id=grid
        )
    assert read_code_changes(table) == [(old, code)]


def test_bad_rows_are_refused_naming_the_row(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    codes = project.nodes["code"].astype(str).tolist()
    with pytest.raises(CodeChangesRefused) as refused:
        record_code_changes(
            project,
            [("", codes[1]), ("111", "000"), (codes[2], codes[1]), ("210283001008", codes[3])],
            "t.csv",
        )
    message = str(refused.value)
    assert "t.csv row 2" in message and "row 3: new code 000" in message
    assert "still in use" in message and "already names another area" in message
