"""One writer per project: concurrent imports either land or are refused with the lock
message, never lost; a file changed under you is not overwritten; what a killed save
left behind is cleaned at the next open."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gridplanner.errors import ProjectFileError
from gridplanner.project_lock import (
    ProjectChanged,
    ProjectLocked,
    holder_of,
    project_lock,
)
from gridplanner.store import load_project, save_project

CLI = [str(Path(sys.executable).parent / "gridplanner")]


def _csv(folder: Path, name: str, lon: float) -> Path:
    """Four buildings inside the sample street (a GBK CSV, as planners deliver)."""
    rows = ["楼栋名称,户数,人口,经度,纬度"]
    rows += [f"{name}-{k},10,25,{lon + 0.0002 * k:.4f},39.7010" for k in range(4)]
    path = folder / f"{name}.csv"
    path.write_bytes("\n".join(rows).encode("gbk"))
    return path


def _import(project: Path, source: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "import", str(project), str(source), "--level", "building", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_ten_concurrent_import_pairs_lose_nothing(sample_street_path: Path, tmp_path: Path) -> None:
    project = tmp_path / "street.gpkg"
    shutil.copy(sample_street_path, project)
    before = len(load_project(project).buildings)
    landed = refused = 0
    for pair in range(10):
        a, b = _csv(tmp_path, f"甲{pair}", 122.9705), _csv(tmp_path, f"乙{pair}", 122.9715)
        runs = [_import(project, a), _import(project, b)]
        for run in runs:
            _out, err = run.communicate(timeout=120)
            if run.returncode == 0:
                landed += 1
            else:
                assert run.returncode == 2, err
                assert "项目正被另一个程序编辑" in err and "pid" in err, err
                refused += 1
    after = load_project(project).buildings
    assert len(after) == before + 4 * landed  # every import that said so landed
    assert landed + refused == 20 and landed >= 10


@pytest.mark.slow
def test_with_wait_both_imports_land(sample_street_path: Path, tmp_path: Path) -> None:
    project = tmp_path / "street.gpkg"
    shutil.copy(sample_street_path, project)
    before = len(load_project(project).buildings)
    runs = [
        _import(project, _csv(tmp_path, "丙", 122.9705), "--wait", "60"),
        _import(project, _csv(tmp_path, "丁", 122.9715), "--wait", "60"),
    ]
    for run in runs:
        _out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
    assert len(load_project(project).buildings) == before + 8


def test_a_held_lock_names_its_holder_and_is_released(tmp_path: Path) -> None:
    project = tmp_path / "plan.gpkg"
    code = (
        "import sys, time; from gridplanner.project_lock import project_lock\n"
        f"with project_lock({str(project)!r}):\n"
        "    print('held', flush=True); time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        holder = holder_of(project)
        assert holder is not None and holder.pid == child.pid
        with pytest.raises(ProjectLocked) as refused, project_lock(project):
            pass
        assert f"pid {child.pid}" in str(refused.value)
    finally:
        child.kill()  # however the holder dies, the OS frees the lock
        child.wait()
    assert holder_of(project) is None
    with project_lock(project):
        assert holder_of(project) is not None  # ours now


def test_a_file_changed_under_you_is_not_overwritten(
    sample_street_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    mine = load_project(path)
    theirs = load_project(path)
    theirs.name = "别人的修改"
    save_project(theirs, path)  # another program saved meanwhile
    before = path.read_bytes()
    with pytest.raises(ProjectChanged):
        save_project(mine, path)
    assert path.read_bytes() == before
    save_project(mine, tmp_path / "mine.gpkg")  # save-as still works
    save_project(theirs, path)  # the one that saved last can save again
    assert isinstance(ProjectChanged("x"), ProjectFileError)


def test_leftovers_of_a_killed_save_are_cleaned_at_open(
    sample_street_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    leftover = tmp_path / ".plan.saving-0badf00d.gpkg"
    leftover.write_bytes(b"half a save")
    journal = tmp_path / ".plan.saving-0badf00d.gpkg-journal"
    journal.write_bytes(b"")
    load_project(path)
    assert not leftover.exists() and not journal.exists()


def test_a_file_another_program_holds_open_is_named_as_locked(
    sample_street_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    code = (
        "import sqlite3, time\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(ProjectLocked) as locked:
            load_project(path)
        assert "锁定" in str(locked.value) and "QGIS" in str(locked.value)
    finally:
        child.kill()
        child.wait()
    assert len(load_project(path).nodes) > 0
