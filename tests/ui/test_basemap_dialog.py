"""The basemap dialog: a WMTS read in the background fills its lists; a token typed or
pasted in a URL goes to the keyring, never to the settings file; arrivals reach the
GUI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from tile_server import MemoryKeyring, geoserver_4490, serving, tianditu_c, tile_colour

from gridplanner.layers.basemap import WMTSSource, XYZSource
from gridplanner.layers.tile_fetch import KEYRING_SERVICE, TOKEN_ENV
from gridplanner.ui.basemap_dialog import BasemapDialog, BasemapNotifier, make_basemap


@pytest.fixture
def ring(monkeypatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


def settings_at(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gridplanner.ini"), QSettings.Format.IniFormat)


def test_wmts_from_a_file_token_to_the_keyring(qtbot, tmp_path: Path, ring) -> None:
    document = tmp_path / "dalian.xml"
    document.write_bytes(
        geoserver_4490(
            "http://10.1.2.3/gwc/rest/dalian:basemap/{Style}/{TileMatrixSet}/{TileMatrix}"
            "/{TileRow}/{TileCol}.png",
            kvp_href="http://10.1.2.3/gwc/service/wmts?",
        )
    )
    settings = settings_at(tmp_path)
    dialog = BasemapDialog(settings, cache_dir=tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.mode.setCurrentIndex(dialog.mode.findData("wmts"))
    assert dialog.form.isRowVisible(3) and not dialog.form.isRowVisible(1)
    dialog.wmts_url.setText(str(document))
    dialog.load_capabilities()
    assert dialog.task is not None
    dialog.task.wait(10)
    assert dialog.layer.currentData() == "dalian:basemap"
    assert dialog.matrix_set.currentText() == "EPSG:4490 (EPSG::4490)"
    assert (
        dialog.format.currentData() == "image/png" and dialog.style_combo.currentData() == "default"
    )
    assert "1" in dialog.status.text()
    dialog.request.setCurrentIndex(dialog.request.findData("rest"))
    dialog.token.setText("tok-123")
    dialog.gcj02.setChecked(True)
    dialog._save()
    assert dialog.result() == BasemapDialog.DialogCode.Accepted
    text = (tmp_path / "gridplanner.ini").read_text()
    assert "dalian" in text and "tok-123" not in text
    assert ring.secrets == {(KEYRING_SERVICE, "basemap"): "tok-123"}
    source = make_basemap(settings, lambda: None, tmp_path / "cache")
    assert isinstance(source, WMTSSource)
    assert source.fetcher.token == "tok-123" and source.gcj02
    assert source.choice == ("dalian:basemap", "EPSG:4490", "default", "image/png", "rest")
    source.close()


def test_a_broken_document_is_one_line_in_the_dialog(qtbot, tmp_path: Path, ring) -> None:
    (tmp_path / "broken.xml").write_text("<Capabilities>", encoding="utf-8")
    dialog = BasemapDialog(settings_at(tmp_path), cache_dir=tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.wmts_url.setText(str(tmp_path / "broken.xml"))
    dialog.load_capabilities()
    assert dialog.task is not None
    dialog.task.wait(10)
    assert "broken.xml" in dialog.status.text() and "WMTS" in dialog.status.text()
    assert dialog.layer.count() == 0 and dialog.load_button.isEnabled()


def test_a_pasted_token_and_an_old_plain_key_move_to_the_keyring(
    qtbot, tmp_path: Path, ring
) -> None:
    settings = settings_at(tmp_path)
    dialog = BasemapDialog(settings, cache_dir=tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.mode.setCurrentIndex(dialog.mode.findData("xyz"))
    dialog.template.setText("http://tiles.example.cn/{z}/{x}/{y}.png?style=7&tk=pasted-999")
    dialog._save()
    text = (tmp_path / "gridplanner.ini").read_text()
    assert "pasted-999" not in text and "style=7" in text
    assert ring.secrets[(KEYRING_SERVICE, "tiles.example.cn")] == "pasted-999"
    # a key an older version kept in plain text
    settings.setValue("basemap/key", "legacy-1")
    settings.setValue("basemap/template", "http://old.example.cn/{z}/{x}/{y}.png?k={key}")
    settings.sync()
    source = make_basemap(settings, lambda: None, tmp_path / "cache")
    assert isinstance(source, XYZSource) and source.fetcher.token == "legacy-1"
    source.close()
    assert "legacy-1" not in (tmp_path / "gridplanner.ini").read_text()
    assert ring.secrets[(KEYRING_SERVICE, "old.example.cn")] == "legacy-1"


def test_notifier_brings_arrivals_to_the_gui_thread(qtbot) -> None:
    seen: list[threading.Thread] = []
    errors: list[object] = []
    notifier = BasemapNotifier(lambda: seen.append(threading.current_thread()), errors.append)
    worker = threading.Thread(target=lambda: (notifier.tileArrived.emit(), notifier.failed.emit(1)))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen) and bool(errors), timeout=2000)
    assert seen == [threading.main_thread()] and errors == [1]


def test_the_app_draws_wmts_tiles_as_they_arrive(
    gp_app, sample_street_path: Path, tmp_path: Path, monkeypatch, ring
) -> None:
    """Configured through the dialog's settings, fetched off the GUI thread, redrawn on
    arrival (the notifier), and a dead server is one line in the status bar."""
    monkeypatch.setattr("gridplanner.ui.basemap_dialog.tile_cache_dir", lambda: tmp_path / "tiles")
    monkeypatch.setattr(BasemapDialog, "exec", lambda self: True)
    app, canvas = gp_app, gp_app.window.canvas
    assert app.controller.open(sample_street_path)
    canvas.wait_while_rendering()
    with serving() as server:
        server.documents["/vec_c/wmts"] = tianditu_c(f"{server.base}/vec_c/wmts?")
        for key, value in {
            "basemap/mode": "wmts",
            "basemap/capabilities": f"{server.base}/vec_c/wmts",
            "basemap/layer": "vec",
        }.items():
            app.settings.setValue(key, value)
        app.window.actions_by_key["basemap"].trigger()
        assert isinstance(canvas.basemap, WMTSSource)
        colours = {tile_colour(level, 0, 0)[2] for level in range(1, 19)}  # blue: the level

        def tiles_shown() -> bool:
            canvas.wait_while_rendering()
            image = canvas.image
            if image is None:
                return False
            blue = image.pixel(image.width() // 2, image.height() // 2) & 255
            return any(abs(blue - c) <= 40 for c in colours) and len(server.requests) > 1

        qtbot_wait(tiles_shown)
        assert any("TILEMATRIX=" in r for r in server.requests)
    messages: list[str] = []
    monkeypatch.setattr(app.window, "show_status", messages.append)
    app.settings.setValue("basemap/capabilities", "http://127.0.0.1:9/wmts")
    app.settings.setValue("basemap/layer", "vec")
    app.window.actions_by_key["basemap"].trigger()
    canvas.refresh()
    qtbot_wait(lambda: bool(messages))
    assert "127.0.0.1:9/wmts" in messages[0] and len(messages) == 1


def qtbot_wait(condition, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        QApplication.processEvents()
        time.sleep(0.02)


def test_a_missing_mbtiles_file_is_a_message_not_a_crash(qtbot, tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    settings.setValue("basemap/mode", "mbtiles")
    settings.setValue("basemap/mbtiles", str(tmp_path / "absent.mbtiles"))
    errors: list[object] = []
    notifier = BasemapNotifier(lambda: None, errors.append)
    assert make_basemap(settings, notifier, tmp_path / "cache") is None
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    assert "cannot open the MBTiles file" in errors[0].message("en")
    assert str(tmp_path / "absent.mbtiles") in errors[0].message("zh")
