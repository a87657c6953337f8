"""The background render job of :class:`gridplanner.ui.canvas.MapCanvas`."""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QRunnable, Signal

from gridplanner.layers.renderer import PathCache, RenderRequest, render_image


class RenderSignals(QObject):
    """Carries a finished render back to the GUI thread."""

    finished = Signal(int, object, object, str)  # job id, QImage | None, MapView, error


class RenderJob(QRunnable):
    """Renders one request in a pool thread; touches no widget."""

    def __init__(
        self, job_id: int, request: RenderRequest, cache: PathCache, signals: RenderSignals
    ) -> None:
        super().__init__()
        self.job_id = job_id
        self.request = request
        self.cache = cache
        self.signals = signals
        self.cancel = threading.Event()
        self.setAutoDelete(False)

    def run(self) -> None:
        error = ""
        image = None
        try:
            image = render_image(self.request, self.cache, self.cancel.is_set)
        except Exception:  # re-raised on the GUI thread as a message
            error = traceback.format_exc()
        self.signals.finished.emit(self.job_id, image, self.request.view, error)
