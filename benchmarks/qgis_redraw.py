"""QGIS's own canvas redraw of a project's grid_unit layer: the reference figure for
``responsiveness.py``. Run with QGIS's Python (``/usr/bin/python3`` on Debian):

    /usr/bin/python3 benchmarks/qgis_redraw.py county.gpkg

A QgsMapCanvas shows the grid_unit layer at full extent; a 5 ms heartbeat timer measures
the longest event-loop stall of the first (cold) redraw and of a second one. Prints one
JSON line: ``{"first_redraw_ms": …, "redraw_ms": …, "redraw_stall_ms": …}``.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsVectorLayer
from qgis.gui import QgsMapCanvas
from qgis.PyQt.QtCore import QElapsedTimer, QTimer


def main() -> None:
    path = sys.argv[1]
    app = QgsApplication([], True)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    layer = QgsVectorLayer(f"{path}|layername=grid_unit", "grid_unit", "ogr")
    if not layer.isValid():
        raise SystemExit(f"{path}: QGIS cannot read the grid_unit layer")
    canvas = QgsMapCanvas()
    canvas.resize(1400, 900)
    canvas.setDestinationCrs(layer.crs())
    canvas.setLayers([layer])
    canvas.setExtent(layer.extent())
    canvas.show()
    clock = QElapsedTimer()
    clock.start()
    state = {"last": 0, "gap": 0, "done": False}

    def tick() -> None:
        now = clock.elapsed()
        state["gap"] = max(state["gap"], now - state["last"])
        state["last"] = now

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(tick)
    heartbeat.start()
    canvas.mapCanvasRefreshed.connect(lambda: state.update(done=True))

    def redraw() -> tuple[float, int]:
        app.processEvents()
        state.update(last=clock.elapsed(), gap=0, done=False)
        started = time.perf_counter()
        canvas.refreshAllLayers()
        while not state["done"] and time.perf_counter() - started < 300:
            app.processEvents()
            time.sleep(0.001)
        tick()
        return time.perf_counter() - started, int(state["gap"])

    first, first_stall = redraw()
    second, stall = redraw()
    print(json.dumps({
        "first_redraw_ms": round(1000 * first), "first_redraw_stall_ms": first_stall,
        "redraw_ms": round(1000 * second), "redraw_stall_ms": max(stall, first_stall),
    }), flush=True)  # fmt: skip
    os._exit(0)  # QGIS's teardown at interpreter exit can crash; the figures are out


if __name__ == "__main__":
    main()
