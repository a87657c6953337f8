"""Exporting the map at a scale, and ``gridplanner app PROJECT --screenshot``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from gridplanner.layers.renderer import RenderRequest
from gridplanner.layers.snapshot import build_map_data
from gridplanner.layers.style import default_layers
from gridplanner.layers.view import MapView
from gridplanner.rollups import compute_rollups
from gridplanner.ui.export_dialog import export_map


def test_export_png_and_pdf_at_scale(qapp, tiny_project, tmp_path: Path) -> None:
    data = build_map_data(tiny_project, compute_rollups(tiny_project))
    view = MapView(0, 0, 1, 400, 300).fitted(data.extent)
    request = RenderRequest(data, view, default_layers())
    png = export_map(
        request, tmp_path / "地图.png", 2_000, dpi=100, size_mm=(100, 80), title="测试"
    )
    image = QImage(str(png))
    assert (image.width(), image.height()) == (394, 315)
    pdf = export_map(request, tmp_path / "map.pdf", 2_000, dpi=150, size_mm=(100, 80))
    assert pdf.read_bytes().startswith(b"%PDF")


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
