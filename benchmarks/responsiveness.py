"""Responsiveness of the real main window: the longest event-loop stall of each step.

Not a test. Drives the wired app (``create_app``, the same window a planner gets) on a
generated county and city, offscreen unless ``DISPLAY`` is set, with a 5 ms heartbeat
QTimer: each step is started from the event loop (as a click would be) and the longest
gap between two heartbeats until the step is done — the edit applied, the panels
refreshed and the map redrawn — is its stall. Steps: open (wall time to a drawn map,
and its stall), paint one unit into the neighbouring grid, undo, redo, apply one audit
fix, save. Side by side, the stall of QGIS's own canvas redraw of the same grid_unit
layer (Debian's QGIS through ``/usr/bin/python3``, when it is installed).

    python benchmarks/responsiveness.py                      # county and city (generated)
    python benchmarks/responsiveness.py --sizes county --county county.gpkg

Last line: ``county_paint_ms=… county_undo_ms=… county_fix_ms=… county_save_ms=…
county_open_ms=… city_paint_ms=… … city_open_ms=… qgis_county_redraw_ms=…``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from gridplanner.levels import Level

HEARTBEAT_MS = 5
QGIS_SCRIPT = Path(__file__).with_name("qgis_redraw.py")


class Heartbeat:
    """A 5 ms timer; :meth:`longest_gap` since :meth:`reset` is the longest stall."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.gap = 0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.gap = max(self.gap, now - self.last)
        self.last = now

    def reset(self) -> None:
        QApplication.processEvents()
        self.last = self.clock.elapsed()
        self.gap = 0

    def longest_gap(self) -> int:
        self._tick()
        return int(self.gap)


def settled(app: object) -> bool:
    """No edit refresh pending, no render running, no background task open."""
    controller = app.controller  # type: ignore[attr-defined]
    canvas = app.window.canvas  # type: ignore[attr-defined]
    return not controller.edits.pending() and not canvas.is_rendering()


def run_step(
    heartbeat: Heartbeat, action: Callable[[], object], done: Callable[[], bool],
    timeout_s: float = 600.0,
) -> tuple[int, float]:  # fmt: skip
    """Start ``action`` from the event loop, spin until ``done``; (stall ms, wall s)."""
    heartbeat.reset()
    started = time.perf_counter()
    finished = [False]

    def go() -> None:
        action()
        finished[0] = True

    QTimer.singleShot(0, go)
    deadline = time.monotonic() + timeout_s
    while not (finished[0] and done()) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.001)
    wall = time.perf_counter() - started
    return heartbeat.longest_gap(), wall


def border_move(project: object) -> tuple[int, int]:
    """A grid unit and the neighbouring grid of the same comprehensive grid."""
    from gridplanner.editing.topology import units_near

    nodes = project.nodes  # type: ignore[attr-defined]
    parent = nodes["parent_id"]
    units = nodes.index[nodes["level"] == Level.GRID_UNIT.value].tolist()
    for unit in units[len(units) // 2 :]:
        grid = int(parent.at[unit])
        shape = nodes.at[unit, "geometry"]
        for other in units_near(project, shape):
            there = int(parent.at[other])
            same_group = there != grid and parent.at[there] == parent.at[grid]
            if same_group and shape.touches(nodes.at[other, "geometry"]):
                return int(unit), there
    raise RuntimeError("no border unit found")


def measure(size: str, path: Path, folder: Path) -> dict[str, float]:
    from gridplanner import editing
    from gridplanner.ui.app import create_app

    app = create_app(folder / f"config-{size}", lang="zh")
    window = app.window
    window.ask_save_changes = lambda: "discard"  # type: ignore[method-assign]
    window.ask_yes_no = lambda question: False  # type: ignore[method-assign]
    window.resize(1400, 900)
    window.show()
    heartbeat = Heartbeat()
    out: dict[str, float] = {}

    def opened() -> bool:
        return app.controller.project is not None and settled(app)

    stall, wall = run_step(heartbeat, lambda: app.controller.open(path), opened)
    out["open_ms"], out["open_stall_ms"] = round(1000 * wall), stall
    print(f"{size}: open {wall:.1f} s to a drawn map, longest stall {stall} ms", flush=True)
    project = app.controller.project
    unit, grid = border_move(project)
    stack = app.controller.undo_stack

    def paint() -> None:
        app.controller.edits.plan(lambda: editing.assign_units(project, [unit], grid))

    for name, action in (("paint", paint), ("undo", stack.undo), ("redo", stack.redo)):
        stall, wall = run_step(heartbeat, action, lambda: settled(app))
        out[f"{name}_ms"] = stall
        print(f"{size}: {name} longest stall {stall} ms ({wall:.2f} s to redrawn)", flush=True)

    audit = app.audit
    assert audit is not None
    task = audit.run_audit()
    assert task is not None
    audited = [False]
    task.signals.finished.connect(lambda _task: audited.__setitem__(0, True))  # after the app's
    stall, wall = run_step(heartbeat, lambda: None, lambda: audited[0] and settled(app))
    out["audit_ms"] = stall
    print(f"{size}: audit in the background {wall:.1f} s, longest stall {stall} ms", flush=True)
    rows = [r for r in audit.rows if r.fix is not None and r.fix.auto]
    if rows:
        stall, wall = run_step(heartbeat, lambda: audit.apply_fix(rows[0]), lambda: settled(app))
        out["fix_ms"] = stall
        print(f"{size}: apply one fix longest stall {stall} ms ({wall:.2f} s)", flush=True)
    target = folder / f"{size}-saved.gpkg"
    stall, wall = run_step(
        heartbeat, lambda: app.controller.save_as(target), lambda: settled(app)
    )
    out["save_ms"] = stall
    print(f"{size}: save {wall:.1f} s, longest stall {stall} ms", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_mb"] = round(rss)
    print(f"{size}: peak memory {rss:.0f} MB", flush=True)
    stack.setClean()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    return out


def qgis_redraw(path: Path) -> int | None:
    """QGIS's canvas redraw stall on the same grid_unit layer (None without QGIS)."""
    python = Path("/usr/bin/python3")
    if not python.exists():
        return None
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run(
        [str(python), str(QGIS_SCRIPT), str(path)],
        capture_output=True, text=True, check=False, env=env, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        errors = [x for x in done.stderr.splitlines() if not x.startswith("Warning")]
        print(f"(QGIS reference skipped: {errors[-1:]})")
        return None
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return int(figures["redraw_stall_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["county", "city"])
    parser.add_argument("--county", type=Path, help="an existing county project")
    parser.add_argument("--city", type=Path, help="an existing city project")
    parser.add_argument("--no-qgis", action="store_true")
    args = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="gp-responsiveness-"))
    figures: dict[str, float] = {}
    for size in args.sizes:
        path = getattr(args, size)
        if path is None:
            from gridplanner.sample import generate_sample
            from gridplanner.store import save_project

            path = folder / f"{size}.gpkg"
            started = time.perf_counter()
            save_project(generate_sample(size)[0], path)
            print(f"generated the {size} in {time.perf_counter() - started:.0f} s", flush=True)
        for key, value in measure(size, Path(path), folder).items():
            figures[f"{size}_{key}"] = value
        if not args.no_qgis:
            qgis = qgis_redraw(Path(path))
            if qgis is not None:
                figures[f"qgis_{size}_redraw_ms"] = qgis
                print(f"QGIS: {size} grid_unit layer redraw, longest stall {qgis} ms", flush=True)
    keys = ["paint_ms", "undo_ms", "redo_ms", "fix_ms", "save_ms", "open_ms", "open_stall_ms",
            "audit_ms", "peak_rss_mb"]  # fmt: skip
    line = [
        f"{size}_{key}={figures[f'{size}_{key}']:g}"
        for size in args.sizes for key in keys if f"{size}_{key}" in figures
    ]  # fmt: skip
    line += [f"{k}={v:g}" for k, v in figures.items() if k.startswith("qgis_")]
    print(" ".join(line))


if __name__ == "__main__":
    main()
