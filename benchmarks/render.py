"""Map rendering on the generated county: full redraw, a 1:10,000 building view, a pan frame.

    .venv/bin/python benchmarks/render.py [--project county.gpkg] [--size 1200x800]

Without ``--project`` the county sample is generated in memory (≈6–10 s). Prints
cold (first, builds the path caches) and warm timings, ending with one line
``full_redraw_ms=… building_view_ms=… pan_frame_ms=…`` (warm medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _median_ms(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", help="a county project (default: generate one)")
    parser.add_argument("--size", default="1200x800", help="view size in pixels")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))

    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from gridplanner.layers.renderer import PathCache, RenderRequest, render_image
    from gridplanner.layers.selection import Selection
    from gridplanner.layers.snapshot import build_map_data
    from gridplanner.layers.style import default_layers
    from gridplanner.layers.view import MapView
    from gridplanner.rollups import compute_rollups
    from gridplanner.ui.canvas import MapCanvas

    app = QApplication.instance() or QApplication(sys.argv[:1])
    started = time.perf_counter()
    if args.project:
        from gridplanner.store import load_project

        project = load_project(args.project)
    else:
        from gridplanner.sample import generate_sample

        project, _ = generate_sample("county", 0)
    print(f"project: {project.counts()} ({time.perf_counter() - started:.1f} s to load/generate)")
    started = time.perf_counter()
    rollups = compute_rollups(project)
    data = build_map_data(project, rollups)
    snapshot_ms = (time.perf_counter() - started) * 1000
    print(f"snapshot (rollups + projection + STRtrees): {snapshot_ms:.0f} ms")

    layers = default_layers()
    cache = PathCache()
    full = MapView(0, 0, 1, width, height).fitted(data.extent, 0.03)
    request = RenderRequest(data, full, layers)
    cold_full = _median_ms(lambda: render_image(request, cache), 1)
    warm_full = _median_ms(lambda: render_image(request, cache), args.repeat)
    print(
        f"full extent 1:{full.scale_denominator():,.0f}: "
        f"cold {cold_full:.1f} ms, warm {warm_full:.1f} ms"
    )

    # 1:10,000 over the densest town (most buildings in a 3 km cell).
    xy = data.building_xy
    cells = (xy // 3000).astype(int)
    keys, counts = __import__("numpy").unique(cells, axis=0, return_counts=True)
    cx, cy = (keys[counts.argmax()] + 0.5) * 3000
    town = MapView(float(cx), float(cy), 1, width, height).at_scale(10_000)
    request = RenderRequest(data, town, layers)
    from gridplanner.layers.renderer import visible_buildings

    shown = len(visible_buildings(data, town))
    cold_town = _median_ms(lambda: render_image(request, cache), 1)
    warm_town = _median_ms(lambda: render_image(request, cache), args.repeat)
    print(f"1:10,000 with {shown} buildings: cold {cold_town:.1f} ms, warm {warm_town:.1f} ms")

    canvas = MapCanvas(Selection())
    canvas.resize(width, height)
    canvas.view = canvas.view.resized(width, height)
    canvas.set_data(data)
    canvas.set_view(full)
    canvas.wait_while_rendering()
    frame = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)

    def pan_frame() -> None:
        canvas.view = canvas.view.panned(37, -21)  # a drag step; the image is reused
        painter = QPainter(frame)
        canvas.paint_frame(painter)
        painter.end()

    pan = _median_ms(pan_frame, 30)
    print(f"pan frame from the cached image: {pan:.2f} ms")
    print(f"full_redraw_ms={warm_full:.1f} building_view_ms={warm_town:.1f} pan_frame_ms={pan:.2f}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
