"""Background work: one base class with progress, cancel and errors re-raised on the GUI thread.

A :class:`BackgroundTask` runs a function ``work(progress, cancelled)`` on a worker
thread. The work gets ``progress(fraction, message)`` and ``cancelled()`` callables and never
touches a widget; results, progress and errors travel back through queued
signals. On the GUI thread, :meth:`result` returns the value or re-raises the
worker's exception (qgis_plugin_tools' pattern), so a failure is never lost.

    task = BackgroundTask(lambda progress, cancelled: balance_scope(...))
    task.signals.finished.connect(on_done)   # on_done(task) on the GUI thread
    task.start()

The worker is a plain Python thread, not a QThreadPool runnable: a pool thread gets
a fresh Python thread state for every run, and pyproj keeps its PROJ context per
Python thread — the second CRS built on a reused pool thread crashes (seen with
pyproj 3.7 when auditing twice). Qt's queued signals work the same from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication


class TaskCancelled(Exception):
    """Raised inside work() when the user cancelled."""


class TaskSignals(QObject):
    progressed = Signal(float, str)
    finished = Signal(object)  # the task


Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class BackgroundTask:
    """Runs ``work(progress, cancelled)`` off the GUI thread; :meth:`start` it from the GUI."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        self._finished = threading.Event()  # work() returned or raised
        self._done = threading.Event()  # ... and the finished signal is posted
        self._value: Any = None
        self._error: BaseException | None = None

    # -- control (GUI thread) --------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="background-task", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The work's value; re-raises the worker's exception here, on the caller's thread."""
        if not self._finished.wait(5.0):
            raise RuntimeError("the task has not finished")
        if self._error is not None:
            raise self._error
        return self._value

    @property
    def error(self) -> BaseException | None:
        return self._error

    def wait(self, timeout_s: float = 60.0) -> None:
        """Process events until finished (tests, scripted runs)."""
        deadline = time.monotonic() + timeout_s
        while not self._done.is_set() and time.monotonic() < deadline:
            QApplication.processEvents()
            self._done.wait(0.005)
        QApplication.processEvents()

    # -- the worker thread ---------------------------------------------------------------
    def run(self) -> None:
        try:
            self._value = self.work(self._progress, self._cancel.is_set)
        except BaseException as error:  # handed to the GUI thread, re-raised by result()
            self._error = error
        finally:
            self._finished.set()
            self.signals.finished.emit(self)  # queued to the GUI thread
            self._done.set()

    def _progress(self, fraction: float, message: str) -> None:
        if self._cancel.is_set():
            raise TaskCancelled(message)
        self.signals.progressed.emit(float(fraction), str(message))
