"""``gridplanner app PROJECT --screenshot`` (printing is in test_print_dialog)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def test_cli_screenshot_of_sample(sample_street_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", GRIDPLANNER_CONFIG_DIR=str(tmp_path / "cfg")
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gridplanner.cli",
            "app",
            str(sample_street_path),
            "--screenshot",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600


def test_cli_app_refuses_missing_project(tmp_path: Path) -> None:
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", GRIDPLANNER_CONFIG_DIR=str(tmp_path / "cfg")
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gridplanner.cli",
            "app",
            str(tmp_path / "nope.gpkg"),
            "--screenshot",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
