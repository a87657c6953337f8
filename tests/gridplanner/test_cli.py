"""The command line: sample and info work; every failure is one clear line, exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gridplanner.cli import main
from gridplanner.store import save_project

GRIDPLANNER = str(Path(sys.executable).with_name("gridplanner"))


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a planner would."""
    return subprocess.run(
        [GRIDPLANNER, *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_info_prints_the_tree_in_chinese(
    sample_street_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(sample_street_path), "--depth", "grid"]) == 0
    out = capsys.readouterr().out
    assert "区县 210283 示例庄河市" in out and "户数" in out and "网格员" in out
    assert "网格单元 210283" not in out  # depth stops at grids
    assert "个下级节点未列出" in out


def test_info_in_english(sample_street_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(sample_street_path), "--lang", "en", "--depth", "community"]) == 0
    out = capsys.readouterr().out
    assert "District 210283" in out and "households" in out and "Community " in out


def _totals(out: str) -> tuple[list[int], list[int], list[int]]:
    line = next(x for x in out.splitlines() if x.startswith(("合计", "Total")))
    numbers = [int(n) for n in re.findall(r"\d+", line)]
    total, root, loose = numbers[0:3], numbers[3:6], numbers[6:9]
    return total, root, loose


def test_info_totals_match_the_buildings(
    sample_street_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridplanner.store import load_project

    project = load_project(sample_street_path)
    assert main(["info", str(sample_street_path)]) == 0
    total, root, loose = _totals(capsys.readouterr().out)
    b = project.buildings
    assert total == [len(b), int(b["households"].sum()), int(b["population"].sum())]
    assert [r + lo for r, lo in zip(root, loose, strict=True)] == total
    assert loose[0] == 3


def test_sample_then_info_through_the_console_script(tmp_path: Path) -> None:
    out = tmp_path / "示例.gpkg"
    done = run("sample", "--size", "street", "--seed", "3", str(out))
    assert done.returncode == 0, done.stderr
    assert out.exists() and (tmp_path / "示例.defects.json").exists()
    info = run("info", str(out), "--depth", "street")
    assert info.returncode == 0 and "示例庄河市" in info.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["info", "missing.gpkg"], "missing.gpkg: no such file"),
        (["info", "."], "is a folder"),
        (["info", "bad.gpkg"], "bad.gpkg: not a readable GeoPackage"),
        (["info", "plan.gpkg", "--depth", "province"], "unknown level 'province'"),
        (["sample", "nofolder/x.gpkg"], "does not exist"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, tiny_project: object, args: list[str], fragment: str
) -> None:
    (tmp_path / "bad.gpkg").write_bytes(b"\x00garbage" * 10)
    save_project(tiny_project, tmp_path / "plan.gpkg")  # type: ignore[arg-type]
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and fragment in lines[0], done.stderr


def test_bad_arguments_exit_nonzero(tmp_path: Path) -> None:
    done = run("sample", "--size", "planet", "x.gpkg", cwd=tmp_path)
    assert (
        done.returncode == 2 and "invalid choice" in done.stderr and "Traceback" not in done.stderr
    )


@pytest.mark.slow
def test_county_sample_and_info(tmp_path: Path) -> None:
    out = tmp_path / "county.gpkg"
    done = run("sample", "--size", "county", str(out))
    assert done.returncode == 0, done.stderr
    info = run("info", str(out))
    assert info.returncode == 0, info.stderr
    from gridplanner.store import load_project

    project = load_project(out)
    assert project.counts()["grid_unit"] >= 3_500 and project.counts()["building"] >= 80_000
    total, root, loose = _totals(info.stdout)
    b = project.buildings
    assert total == [len(b), int(b["households"].sum()), int(b["population"].sum())]
    assert [r + lo for r, lo in zip(root, loose, strict=True)] == total


def test_info_names_towns_and_villages_as_what_they_are(sample_street_path, capsys) -> None:
    from gridplanner.cli import main as cli_main

    assert cli_main(["info", str(sample_street_path), "--depth", "community"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.strip().startswith("镇 ") and "示例桃林镇" in line for line in lines)
    assert any(line.strip().startswith("村 ") and "吉石村" in line for line in lines)
    assert any(line.strip().startswith("社区 ") and "山源社区" in line for line in lines)
