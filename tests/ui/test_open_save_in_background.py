"""Opening a project (read, roll up, project the map) and saving it run off the GUI
thread behind a progress dialog (cancel for opening); the window keeps painting
(a prefecture city takes ~12 s to open and ~9 s to save)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from gridplanner.store import load_project


def _slow_load(seconds: float, threads: list[str]):
    def load(path: str | Path):
        threads.append(threading.current_thread().name)
        time.sleep(seconds)
        return load_project(path)

    return load


def test_open_runs_off_the_gui_thread_and_the_loop_keeps_turning(
    gp_app, sample_street_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    monkeypatch.setattr("gridplanner.ui.controller.load_project", _slow_load(0.8, threads))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    assert gp_app.controller.open(sample_street_path), gp_app.errors
    timer.stop()
    assert threads and threads[0] != threading.main_thread().name
    assert len(ticks) >= 15  # ~40 expected over 0.8 s: the GUI thread was not blocked
    gp_app.window.canvas.wait_while_rendering()
    assert gp_app.controller.project is not None
    # the snapshot's transformers work on the GUI thread (rebound after the worker built it)
    lon, lat = gp_app.controller.data.to_lonlat(0.0, 0.0)
    assert 120 < lon < 126 and 38 < lat < 42


def test_cancelling_an_open_keeps_the_current_project(
    gp_app, sample_street_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gp_app.controller.open(sample_street_path)
    before = gp_app.controller.project
    monkeypatch.setattr("gridplanner.ui.controller.load_project", _slow_load(0.6, []))

    def press_cancel() -> None:
        dialogs = gp_app.window.findChildren(QProgressDialog)
        assert dialogs
        button = dialogs[-1].findChild(QPushButton)  # the newest dialog's 取消 button
        assert button is not None and button.text() == "取消"
        button.click()

    QTimer.singleShot(100, press_cancel)
    assert not gp_app.controller.open(sample_street_path)
    assert gp_app.controller.project is before
    assert "已取消打开" in gp_app.window.statusBar().currentMessage()
    assert not any(d.isVisible() for d in gp_app.window.findChildren(QProgressDialog))


def test_a_broken_file_still_names_the_file(gp_app, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage at all")
    assert not gp_app.controller.open(broken)
    assert gp_app.errors and "broken.gpkg" in gp_app.errors[-1]


def test_save_runs_off_the_gui_thread(
    gp_app, sample_street_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridplanner.store import save_project

    assert gp_app.controller.open(sample_street_path)
    threads: list[str] = []

    def slow_save(project, path) -> None:
        threads.append(threading.current_thread().name)
        time.sleep(0.6)
        save_project(project, path)

    monkeypatch.setattr("gridplanner.ui.controller.save_project", slow_save)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    out = tmp_path / "saved.gpkg"
    assert gp_app.controller.save_as(out), gp_app.errors
    timer.stop()
    assert threads and threads[0] != threading.main_thread().name
    assert len(ticks) >= 10
    assert load_project(out).nodes.equals(gp_app.controller.project.nodes)
    assert gp_app.controller.undo_stack.isClean()


def test_a_real_save_keeps_the_loop_turning_throughout(
    gp_app, sample_street_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sleep: the real write (in blocks, see store.BLOCK_ROWS) of the street's 5,000
    buildings; a 20 ms timer ticks through the whole save, not just before and after."""
    import gridplanner.store as store

    assert gp_app.controller.open(sample_street_path)
    monkeypatch.setattr(store, "BLOCK_ROWS", 1_000)  # several blocks even on the street
    threads: list[str] = []
    real = store.save_project

    def save(project, path) -> None:
        threads.append(threading.current_thread().name)
        spans.append(time.monotonic())
        real(project, path)
        spans.append(time.monotonic())

    spans: list[float] = []
    monkeypatch.setattr("gridplanner.ui.controller.save_project", save)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    assert gp_app.controller.save_as(tmp_path / "real.gpkg"), gp_app.errors
    timer.stop()
    assert threads and threads[0] != threading.main_thread().name
    start, end = spans
    during = [t for t in ticks if start <= t <= end]
    # It kept ticking throughout: no stall longer than a few frames, from the tick
    # before the save to the tick after it (the count alone was at the mercy of GIL
    # scheduling on a busy 2-core machine).
    around = [t for t in ticks if t < start][-1:] + during + [t for t in ticks if t > end][:1]
    assert len(during) >= 3 and max(np.diff(around)) < 0.25, np.diff(around)
