"""Starting fast and as it was left: the launcher shows its splash before any heavy
import, and the window comes back with its size, position and dock layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from gridplanner.ui.app import create_app, restore_layout, save_layout

HEAVY = ("geopandas", "shapely", "pandas", "pyproj", "pyogrio", "scipy", "gridplanner.model")


def test_the_launcher_imports_only_qt_before_its_splash() -> None:
    code = (
        "import sys, gridplanner.ui.launch as launch; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_window_size_and_docks_come_back(qtbot: Any, tmp_path: Path) -> None:
    first = create_app(tmp_path / "config", lang="zh")
    window = first.window
    window.show()
    window.resize(1010, window.minimumSizeHint().height())
    window.docks["tree"].setFloating(False)
    window.docks["findings"].close()  # the planner closes a dock with its ×
    qtbot.waitUntil(lambda: window.width() == 1010)
    save_layout(first)
    first.settings.sync()
    window.close()
    stored = QSettings(str(tmp_path / "config" / "gridplanner.ini"), QSettings.Format.IniFormat)
    assert stored.value("window/state")
    second = create_app(tmp_path / "config", lang="zh")
    assert restore_layout(second)
    second.window.show()
    # Qt fits a restored window on the screen (offscreen's is 800 px wide)
    room = second.window.screen().availableGeometry().width()
    qtbot.waitUntil(lambda: abs(second.window.width() - min(1010, room)) <= 5)
    assert not second.window.docks["findings"].isVisible()
    assert second.window.docks["tree"].isVisible()
    second.window.close()
