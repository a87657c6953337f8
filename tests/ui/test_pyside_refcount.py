"""Regression guard for the PySide6 pin (see setup.py).

PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every call of a
method that returns nothing, aborting the process after a few thousand calls
("Fatal Python error: none_dealloc"). This calls such methods 100,000 times in a
child process and checks that ``sys.getrefcount(None)`` does not fall.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPolygonF
app = QGuiApplication([])
image = QImage(16, 16, QImage.Format.Format_ARGB32)
painter = QPainter(image)
polygon = QPolygonF([QPointF(0, 0), QPointF(8, 0), QPointF(8, 8)])
point = QPointF()
before = sys.getrefcount(None)
for i in range(100_000):
    point.setX(float(i))
    painter.drawPolygon(polygon)
after = sys.getrefcount(None)
painter.end()
print(before, after)
"""


def test_methods_returning_nothing_keep_none_alive() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = (int(x) for x in done.stdout.split())
    assert after >= before - 100, f"refcount of None fell from {before} to {after}"


def test_pyside_is_pinned_below_6_12() -> None:
    import PySide6

    major, minor = (int(x) for x in PySide6.__version__.split(".")[:2])
    assert (major, minor) == (6, 11), PySide6.__version__
