"""The window and the project lock: it holds the lock of the project it shows; a
project another program is changing opens read-only, saying who holds it; "save" is
refused with that reason, "save as" works."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from gridplanner.project_lock import holder_of


def test_a_locked_project_opens_read_only(gp_app, sample_street_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    code = (
        "import time; from gridplanner.project_lock import project_lock\n"
        f"with project_lock({str(path)!r}):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        controller = gp_app.controller
        assert controller.open(path)
        assert controller.read_only is not None and f"pid {child.pid}" in controller.read_only
        assert "只读" in gp_app.window.windowTitle()
        before = path.read_bytes()
        assert not controller.save()
        assert gp_app.errors and "另存为" in gp_app.errors[-1]
        assert path.read_bytes() == before
        other = tmp_path / "mine.gpkg"
        assert controller.save_as(other)
        assert controller.read_only is None and holder_of(other) is not None  # ours now
    finally:
        child.kill()
        child.wait()


def test_the_window_holds_the_lock_of_what_it_shows(
    gp_app, sample_street_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.gpkg"
    shutil.copy(sample_street_path, path)
    assert gp_app.controller.open(path)
    code = (
        "import sys; from gridplanner.project_lock import project_lock, ProjectLocked\n"
        f"try:\n    with project_lock({str(path)!r}): print('free')\n"
        "except ProjectLocked as e: print('locked', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.startswith("locked") and "项目正被另一个程序编辑" in done.stdout
    assert gp_app.controller.close()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.startswith("free")
