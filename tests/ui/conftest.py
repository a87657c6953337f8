"""Fixtures for the app tests: an isolated config folder and a wired app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def gp_app(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A wired app with its settings and autosaves under tmp_path, Chinese UI."""
    monkeypatch.setenv("GRIDPLANNER_CONFIG_DIR", str(tmp_path / "config"))
    from gridplanner.ui.app import create_app

    app = create_app(tmp_path / "config", lang="zh")
    # Never block on a modal question in a test.
    monkeypatch.setattr(app.window, "ask_save_changes", lambda: "discard")
    monkeypatch.setattr(app.window, "ask_yes_no", lambda question: False)
    monkeypatch.setattr(app.window, "show_error", lambda message: app.errors.append(message))
    app.errors = []  # type: ignore[attr-defined]
    app.window.resize(1200, 800)
    app.window.show()
    yield app
    app.controller.undo_stack.setClean()
    app.window.canvas.wait_while_rendering()
    app.set_language("zh")
    app.window.close()
    app.window.deleteLater()
