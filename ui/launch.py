"""Start the app fast: a splash within a fraction of a second, the heavy imports after it.

``gridplanner app`` calls :func:`launch`. Only Qt is imported before the splash is on
screen (≈0.3 s); geopandas, shapely, pyproj and the window's modules (≈3 s cold) load
while it shows, with what is happening written on it. Then the window appears with the
size, position and dock layout it had when last closed, and the project opens in the
background (with progress and cancel).
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen

STARTED = time.perf_counter()
TITLE = "网格化管理规划工具 · gridplanner"


def _splash_pixmap() -> QPixmap:
    pixmap = QPixmap(520, 220)
    pixmap.fill(QColor(246, 245, 240))
    painter = QPainter(pixmap)
    painter.setPen(QColor(30, 90, 170))
    painter.drawRect(0, 0, 519, 219)
    font = QFont()
    font.setPointSizeF(17)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, 40, 0, -120), Qt.AlignmentFlag.AlignHCenter, TITLE)
    painter.end()
    return pixmap


def _timing(message: str) -> None:
    if os.environ.get("GRIDPLANNER_STARTUP_TIMING"):
        print(f"{time.perf_counter() - STARTED:6.2f} s  {message}", file=sys.stderr, flush=True)


def launch(project: str | None, screenshot: str | None = None) -> int:
    """The desktop app: splash first, then the window (``screenshot``: render and exit)."""
    if screenshot:
        from gridplanner.ui.app import run_app

        return run_app(project, screenshot=screenshot)
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    QCoreApplication.setApplicationName("gridplanner")
    QCoreApplication.setOrganizationName("gridplanner")
    splash = QSplashScreen(_splash_pixmap())
    splash.show()
    status = Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter
    splash.showMessage("正在启动… / Starting…", status, QColor(60, 60, 60))
    qt_app.processEvents()
    _timing("splash shown")
    from gridplanner.ui.app import run_app  # the heavy imports, while the splash shows

    _timing("modules loaded")
    splash.showMessage("正在打开窗口… / Opening the window…", status, QColor(60, 60, 60))
    qt_app.processEvents()
    return run_app(project, splash=splash, on_shown=lambda: _timing("window shown"))
