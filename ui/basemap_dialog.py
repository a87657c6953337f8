"""Basemap settings (底图设置): none, XYZ tiles, an OGC WMTS service, or an MBTiles file.

The choices are ``basemap/…`` keys of the user's settings file
(:class:`~gridplanner.layers.basemap_config.BasemapConfig`); a token typed here, or
pasted inside a URL, goes to the system keyring and never into that file. A WMTS
capabilities document (URL or file) is read in the background (读取) to fill the
layer, tile matrix set, style and format lists; the window never waits for a server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gridplanner.errors import GridPlannerError, Words
from gridplanner.layers.basemap import BasemapError, TileSource, fetch_capabilities
from gridplanner.layers.basemap_config import (
    LEGACY_KEY,
    MBTILES,
    NONE,
    WMTS,
    XYZ,
    BasemapConfig,
    make_source,
)
from gridplanner.layers.tile_fetch import resolve_token, split_token, store_token
from gridplanner.layers.wmts import AUTO, KVP, REST, Capabilities
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask

TIANDITU_XYZ_EXAMPLE = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk={key}"
)
TIANDITU_WMTS_EXAMPLE = "https://t0.tianditu.gov.cn/vec_c/wmts?request=GetCapabilities"
TIANDITU_EXAMPLE = TIANDITU_XYZ_EXAMPLE  # the name older code imports


def tile_cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base or Path.home() / ".cache" / "gridplanner") / "tiles"


def read_config(settings: QSettings) -> BasemapConfig:
    return BasemapConfig.from_items(settings.value)


def write_config(settings: QSettings, config: BasemapConfig) -> None:
    for key, value in config.to_items().items():
        settings.setValue(key, value)
    settings.sync()


def migrate_legacy_key(settings: QSettings, config: BasemapConfig) -> str:
    """Move a key kept in plain text by older versions into the keyring; returns it
    when the keyring can't take it (it is then still used, and still in the file)."""
    legacy = str(settings.value(LEGACY_KEY, "") or "").strip()
    if not legacy:
        return ""
    try:
        store_token(config.url, legacy)
    except BasemapError:
        return legacy
    settings.remove(LEGACY_KEY)
    settings.sync()
    return ""


class BasemapNotifier(QObject):
    """Carries a source's callbacks from its download threads to the GUI thread."""

    tileArrived = Signal()
    failed = Signal(object)  # BasemapError

    def __init__(
        self,
        on_tile: Callable[[], None],
        on_error: Callable[[BasemapError], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_tile = on_tile
        self._on_error = on_error
        self.tileArrived.connect(self._tile, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def _tile(self) -> None:
        self._on_tile()

    @Slot(object)
    def _failed(self, error: BasemapError) -> None:
        if self._on_error is not None:
            self._on_error(error)


def make_basemap(
    settings: QSettings,
    on_tile: Callable[[], None] | BasemapNotifier,
    cache_dir: Path | None = None,
) -> TileSource | None:
    """The configured tile source, or None (the default: no basemap, no network). With a
    :class:`BasemapNotifier`, arrivals and failures reach the GUI thread."""
    config = read_config(settings)
    legacy = migrate_legacy_key(settings, config)
    if isinstance(on_tile, BasemapNotifier):
        tile, error = on_tile.tileArrived.emit, on_tile.failed.emit
    else:
        tile, error = on_tile, None
    try:
        return make_source(config, cache_dir or tile_cache_dir(), tile, error, legacy)
    except Exception as exc:  # a missing or broken MBTiles file, an unusable folder
        if error is not None:
            words = Words(f"底图无法使用：{exc}", f"the basemap can't be used: {exc}")
            error(exc if isinstance(exc, BasemapError) else BasemapError(words))
        return None


class BasemapDialog(QDialog):
    def __init__(
        self, settings: QSettings, parent: QWidget | None = None, cache_dir: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.cache_dir = cache_dir or tile_cache_dir()
        self.capabilities: Capabilities | None = None
        self.task: BackgroundTask | None = None
        config = read_config(settings)
        self.setWindowTitle(t("底图设置"))
        self.setMinimumWidth(560)
        self.mode = QComboBox()
        for label, mode in (
            (t("无底图"), NONE),
            (t("在线瓦片 (XYZ)"), XYZ),
            (t("WMTS 服务"), WMTS),
            (t("离线 MBTiles 文件"), MBTILES),
        ):
            self.mode.addItem(label, mode)
        self.mode.setCurrentIndex(max(self.mode.findData(config.mode), 0))
        self.template = QLineEdit(config.template)
        self.template.setPlaceholderText(TIANDITU_XYZ_EXAMPLE)
        self.wmts_url = QLineEdit(config.capabilities)
        self.wmts_url.setPlaceholderText(TIANDITU_WMTS_EXAMPLE)
        self.load_button = QPushButton(t("读取"))
        self.load_button.clicked.connect(self.load_capabilities)
        self.layer, self.matrix_set, self.style_combo, self.format = (QComboBox() for _ in range(4))
        for combo, value in (
            (self.layer, config.layer),
            (self.matrix_set, config.matrix_set),
            (self.style_combo, config.style),
            (self.format, config.format),
        ):
            if value:
                combo.addItem(value, value)
        self.layer.currentIndexChanged.connect(self._layer_chosen)
        self.request = QComboBox()
        for label, kind in ((t("自动"), AUTO), ("KVP", KVP), ("REST", REST)):
            self.request.addItem(label, kind)
        self.request.setCurrentIndex(max(self.request.findData(config.request), 0))
        self.token_param = QLineEdit(config.token_param)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.clear_token = QCheckBox(t("清除已保存的密钥"))
        self.gcj02 = QCheckBox(t("瓦片为 GCJ-02 坐标（高德等），纠偏后显示"))
        self.gcj02.setChecked(config.gcj02)
        self.mbtiles = QLineEdit(config.mbtiles)
        self.cache_mb = QSpinBox()
        self.cache_mb.setRange(10, 100_000)
        self.cache_mb.setSuffix(" MB")
        self.cache_mb.setValue(config.cache_mb)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._layout(config)
        self.mode.currentIndexChanged.connect(self._show_rows)
        self._show_rows()

    def _layout(self, config: BasemapConfig) -> None:
        browse_wmts = QPushButton(t("浏览…"))
        browse_wmts.clicked.connect(self._browse_capabilities)
        wmts_row = QHBoxLayout()
        for widget in (self.wmts_url, browse_wmts, self.load_button):
            wmts_row.addWidget(widget)
        browse = QPushButton(t("浏览…"))
        browse.clicked.connect(self._browse)
        mbtiles_row = QHBoxLayout()
        mbtiles_row.addWidget(self.mbtiles)
        mbtiles_row.addWidget(browse)
        self.form = form = QFormLayout(self)
        form.addRow(t("类型"), self.mode)
        form.addRow(t("URL 模板"), self.template)
        form.addRow(t("能力文档 (URL 或文件)"), wmts_row)
        form.addRow(t("WMTS 图层"), self.layer)
        form.addRow(t("瓦片矩阵集"), self.matrix_set)
        form.addRow(t("样式"), self.style_combo)
        form.addRow(t("格式"), self.format)
        form.addRow(t("请求方式"), self.request)
        form.addRow(t("密钥参数名"), self.token_param)
        form.addRow(t("密钥 (key)"), self.token)
        form.addRow("", self.clear_token)
        form.addRow("", self.gcj02)
        form.addRow(t("MBTiles 文件"), mbtiles_row)
        form.addRow(t("缓存上限"), self.cache_mb)
        form.addRow(self.status)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        if config.url and resolve_token(config.url):
            self.token.setPlaceholderText(t("已保存在系统钥匙串中"))

    def _show_rows(self) -> None:
        mode = self.mode.currentData()
        online = mode in (XYZ, WMTS)
        shown = [mode == XYZ] + [mode == WMTS] * 6 + [online] * 3 + [mode != NONE]
        shown += [mode == MBTILES, online]
        for row, visible in enumerate(shown, start=1):  # row 0 is the type
            self.form.setRowVisible(row, visible)

    # -- WMTS --------------------------------------------------------------------------
    def load_capabilities(self) -> None:
        """Read the capabilities document in the background and fill the lists."""
        location = self.wmts_url.text().strip()
        if not location:
            return
        param = self.token_param.text().strip() or "tk"
        token = self.token.text().strip() or resolve_token(location)
        cache_dir = self.cache_dir
        self.load_button.setEnabled(False)
        self.status.setText(t("正在读取能力文档…"))
        self.task = BackgroundTask(
            lambda progress, cancelled: fetch_capabilities(location, cache_dir, token, param)
        )
        self.task.signals.finished.connect(self._loaded)
        self.task.start()

    def _loaded(self, task: BackgroundTask) -> None:
        self.load_button.setEnabled(True)
        try:
            capabilities = task.result()
        except GridPlannerError as error:
            self.status.setText(_message(error))
            return
        self.capabilities = capabilities
        wanted = self.layer.currentData()
        self.layer.blockSignals(True)
        self.layer.clear()
        for layer in capabilities.layers.values():
            label = f"{layer.title} ({layer.identifier})" if layer.title else layer.identifier
            self.layer.addItem(label, layer.identifier)
        self.layer.setCurrentIndex(max(self.layer.findData(wanted), 0))
        self.layer.blockSignals(False)
        self._layer_chosen()
        self.status.setText(t("能力文档已读取：{0} 个图层").format(len(capabilities.layers)))

    def _layer_chosen(self) -> None:
        if self.capabilities is None or self.layer.currentData() is None:
            return
        layer = self.capabilities.layers.get(str(self.layer.currentData()))
        if layer is None:
            return
        crs = self.capabilities.crs_of
        _fill(self.matrix_set, [(f"{name} ({crs(name)})", name) for name in layer.matrix_sets])
        _fill(self.style_combo, [(s, s) for s in layer.styles], layer.default_style)
        _fill(self.format, [(f, f) for f in layer.formats])
        kinds = self.capabilities.kinds(layer)
        for index in range(self.request.count()):
            kind = self.request.itemData(index)
            model = cast(QStandardItemModel, self.request.model())
            model.item(index).setEnabled(kind == AUTO or kind in kinds)

    def _browse_capabilities(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t("能力文档 (URL 或文件)"), "", "WMTS (*.xml);;* (*)"
        )
        if path:
            self.wmts_url.setText(path)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("MBTiles 文件"), "", "MBTiles (*.mbtiles)")
        if path:
            self.mbtiles.setText(path)

    # -- saving ------------------------------------------------------------------------
    def config(self) -> tuple[BasemapConfig, str]:
        """The configuration shown, and the token to keep (typed, or pasted in a URL)."""
        param = self.token_param.text().strip() or "tk"
        template, pasted_xyz = split_token(self.template.text().strip(), param)
        capabilities, pasted_wmts = split_token(self.wmts_url.text().strip(), param)
        config = BasemapConfig(
            mode=str(self.mode.currentData()),
            template=template,
            mbtiles=self.mbtiles.text().strip(),
            capabilities=capabilities,
            layer=str(self.layer.currentData() or ""),
            matrix_set=str(self.matrix_set.currentData() or ""),
            style=str(self.style_combo.currentData() or ""),
            format=str(self.format.currentData() or ""),
            request=str(self.request.currentData() or AUTO),
            token_param=param,
            gcj02=self.gcj02.isChecked(),
            cache_mb=self.cache_mb.value(),
        )
        pasted = pasted_xyz if config.mode == XYZ else pasted_wmts
        return config, self.token.text().strip() or pasted

    def _save(self) -> None:
        config, token = self.config()
        try:
            if config.url and (token or self.clear_token.isChecked()):
                store_token(config.url, "" if self.clear_token.isChecked() else token)
        except BasemapError as error:
            self.status.setText(_message(error))
            return
        write_config(self.settings, config)
        self.settings.remove(LEGACY_KEY)
        self.settings.sync()
        self.accept()


def _fill(combo: QComboBox, items: list[tuple[str, str]], preferred: str = "") -> None:
    wanted = combo.currentData() or preferred
    combo.clear()
    for label, value in items:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(wanted), 0))


def _message(error: GridPlannerError) -> str:
    if isinstance(error, BasemapError):
        return error.message(current_language())
    return str(error)
