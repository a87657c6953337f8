"""The application controller: open, save, autosave, recovery, undo — talking to a passive view.

The view (the main window, or a fake in tests) offers a few verbs (see
:class:`View`); everything else — the project, its rollups and render snapshot,
the undo stack, recent files — lives here.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, SupportsInt

import pandas as pd
from PySide6.QtCore import (
    QObject,
    QSettings,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QUndoCommand, QUndoStack

from gridplanner import editing
from gridplanner.editing import Tallies
from gridplanner.editing.change import PlanChange
from gridplanner.errors import GridPlannerError, ProjectFileError
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.levels import NodeKind
from gridplanner.model import Project
from gridplanner.pgstore.credentials import database_location, is_database_url, public_url
from gridplanner.project_lock import ProjectLocked, acquire, lock_path, release
from gridplanner.rollups import compute_rollups
from gridplanner.settings import Sizing
from gridplanner.store import load_project, save_project
from gridplanner.ui.autosave import Autosaver
from gridplanner.ui.checkout_guard import CheckoutGuard
from gridplanner.ui.edit_session import EditSession
from gridplanner.ui.history import keep_version_snapshot, record_snapshot
from gridplanner.ui.i18n import t
from gridplanner.ui.tasks import BackgroundTask, TaskCancelled
from gridplanner.ui.tree_panel import TreeState, tree_state

MAX_RECENT = 8
AUTOSAVE_MS = 120_000


@dataclass
class Opened:
    """A project read and prepared in the background: everything proportional to its
    size that the window shows, so the GUI thread only swaps it in."""

    project: Project
    rollups: pd.DataFrame
    data: MapData
    tallies: Tallies
    tree: TreeState


class View(Protocol):
    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str) -> None: ...
    def show_warning(self, message: str) -> None: ...
    def ask_open_path(self) -> str | None: ...
    def ask_save_path(self, suggested: str) -> str | None: ...
    def ask_yes_no(self, question: str) -> bool: ...
    def ask_save_changes(self) -> str: ...  # "save" | "discard" | "cancel"
    def show_project(
        self, project: Project, rollups: pd.DataFrame, data: MapData, tree: TreeState | None
    ) -> None: ...
    def update_attributes(
        self, project: Project, rollups: pd.DataFrame, data: MapData, change: PlanChange
    ) -> None: ...
    def set_title(self, title: str) -> None: ...
    def set_recent(self, paths: list[str]) -> None: ...
    def run_with_progress(
        self, task: BackgroundTask, label: str, cancellable: bool = True
    ) -> object: ...


def _int_value(value: object) -> int:
    """``int(value)`` for a QSettings value (typed ``object`` by PySide6)."""
    if not isinstance(value, str | bytes | bytearray | SupportsInt):
        raise TypeError(f"int() argument must be a string or a number, not {type(value).__name__}")
    return int(value)


def _run_and_report(work: Callable[[], object], done: SignalInstance) -> None:
    """Run ``work`` (on a worker thread) and report "" or the error through ``done``."""
    try:
        work()
        done.emit("")
    except Exception:
        done.emit(traceback.format_exc(limit=3))


class AppController(QObject):
    projectChanged = Signal()
    readOnlyChanged = Signal()  # the checkout guard was (re)read: repaint the read-only scopes
    _autosaved = Signal(str)

    def __init__(self, view: View, settings: QSettings, autosaver: Autosaver) -> None:
        super().__init__()
        self.view = view
        self.settings = settings
        self.autosaver = autosaver
        self.project: Project | None = None
        self.path: Path | None = None  # the project file, or None for a database:
        self.database: str | None = None  # the postgresql:// plan shown (no file)
        self.rollups: pd.DataFrame | None = None
        self.data: MapData | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(_int_value(settings.value("autosave_ms", AUTOSAVE_MS)))
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._autosaving = False
        self._locked: Path | None = None  # the project whose write lock this window holds
        self.read_only: str | None = None  # why the shown project can't be saved over
        self.checkout_guard: CheckoutGuard | None = None  # a shared-store checkout's scope
        self._autosave_thread: threading.Thread | None = None
        self._autosaved.connect(self._on_autosaved)
        self.edits = EditSession(self, view)
        self.view.set_recent(self.recent_files())

    # -- files -------------------------------------------------------------------------
    def open(self, path: str | Path | None = None) -> bool:
        """Open a project (asking for the path when none is given); False if not opened."""
        if not self.maybe_save():
            return False
        if path is None:
            chosen = self.view.ask_open_path()
            if not chosen:
                return False
            path = chosen
        if is_database_url(path):
            return self._open_database(str(database_location(path)))
        path = Path(path)
        source = path
        recovery = self.autosaver.recovery_for(path)
        if recovery is not None and self.view.ask_yes_no(
            t("发现该方案未保存的自动备份（程序上次可能异常退出）。是否恢复？")
        ):
            source = recovery
        loaded = self._load(source)
        if loaded is None:
            return False
        self.set_project(
            loaded.project, path, loaded.rollups, loaded.data.for_this_thread(), loaded
        )
        self._hold(path)
        self.checkout_guard = CheckoutGuard.for_path(path)  # nodes outside it: read-only
        self.readOnlyChanged.emit()
        if self.checkout_guard is not None:
            self.view.show_status(self.checkout_guard.status())
        if source != path:
            self.undo_stack.resetClean()
            self.undo_stack.push(_Marker(t("从自动备份恢复")))
            self.view.show_status(t("已从自动备份恢复，请保存"))
        else:
            self.autosaver.discard(path)
        self.add_recent(path)
        return True

    def _open_database(self, url: str) -> bool:
        """Open the plan of a shared store: no file lock (the store's row versions guard
        it), autosave to the local cache, saves written through the store."""
        set_aside = self.autosaver.set_aside(url)  # a crashed session's unsaved edits
        loaded = self._load(url)
        if loaded is None:
            return False
        self._hold(None)
        self.set_project(
            loaded.project, None, loaded.rollups, loaded.data.for_this_thread(), loaded
        )
        self.database = url
        self._update_title()
        self._read_leases()
        if set_aside is not None:
            self.view.show_warning(
                t("发现该数据库方案上次未保存的自动备份（程序可能异常退出），已另存为本地文件；"
                  "它不能直接保存回数据库：请打开它查看，把修改重做到数据库方案中")
                + f": {set_aside}"
            )  # fmt: skip
        self.add_recent(url)
        return True

    def _read_leases(self) -> None:
        """Which scopes of the open database plan other planners have checked out."""
        assert self.database is not None
        try:
            self.checkout_guard = CheckoutGuard.for_database(self.database, self.author())
        except GridPlannerError as exc:  # the plan is read; only the leases are unknown
            self.checkout_guard = None
            self.view.show_warning(t("无法读取签出情况") + f": {exc}")
        self.readOnlyChanged.emit()
        if self.checkout_guard is not None:
            self.view.show_status(self.checkout_guard.status())

    def _load(self, source: Path | str) -> Opened | None:
        """Read and prepare ``source`` in the background (None: failed or cancelled)."""
        steps = (t("读取方案文件…"), t("汇总户数与人员…"), t("准备地图…"))

        def load(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> Any:
            # everything proportional to the plan is built here, off the GUI thread
            progress(0.0, steps[0])
            project = load_project(source)
            progress(0.55, steps[1])
            rollups = compute_rollups(project)
            tallies = Tallies(project, rollups)
            tree = tree_state(project, rollups)
            progress(0.7, steps[2])
            data = build_map_data(project, rollups)
            return Opened(project, rollups, data, tallies, tree)

        try:  # off the GUI thread (a prefecture city takes ~12 s); the window keeps painting
            loaded = self.view.run_with_progress(BackgroundTask(load), t("正在打开方案…"))
        except TaskCancelled:
            self.view.show_status(t("已取消打开"))
            return None
        except GridPlannerError as exc:
            self.view.show_error(str(exc))
            return None
        assert isinstance(loaded, Opened)
        return loaded

    def set_project(
        self,
        project: Project,
        path: Path | None,
        rollups: pd.DataFrame | None = None,
        data: MapData | None = None,
        opened: Opened | None = None,
    ) -> None:
        """Show ``project`` (with its rollups, map snapshot, tallies and tree when already
        built off the GUI thread, as :meth:`open` does)."""
        self.project, self.path, self.database = project, path, None
        self.undo_stack.clear()
        self.rollups = compute_rollups(project) if rollups is None else rollups
        self.edits.reset(opened.tallies if opened else None)
        self.data = build_map_data(project, self.rollups) if data is None else data
        self.view.show_project(project, self.rollups, self.data, opened.tree if opened else None)
        # The plan's many small objects are long-lived: keep the cyclic GC from rescanning
        # them (a full collection over a county can pause the event loop ~100 ms; the
        # young generations only take milliseconds).
        gc.collect(1)
        gc.freeze()
        self._update_title()
        self.projectChanged.emit()

    def save(self) -> bool:
        if self.project is None:
            return False
        if self.database is not None:
            return self._write(self.database)
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if self.project is None:
            return False
        if path is None:
            chosen = self.view.ask_save_path(str(self.path or "方案.gpkg"))
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        old = self.path or self.database
        if self._write(path):
            if old is not None and old != path:
                self.autosaver.discard(old)
            self.path, self.database = path, None
            if self.checkout_guard is not None and self.checkout_guard.scope is None:
                self.checkout_guard = None  # a local copy: nobody's lease applies to it
                self.readOnlyChanged.emit()
            self._hold(path)
            self.add_recent(path)
            self._update_title()
            return True
        return False

    def _write(self, path: Path | str) -> bool:
        assert self.project is not None
        database = isinstance(path, str)
        if self.read_only is not None and path == self.path:
            self.view.show_error(
                t("项目正被另一个程序编辑，不能保存到原文件；请用“另存为”") + f"\n{self.read_only}"
            )
            return False
        self.edits.flush()
        recorded = None
        if not self.undo_stack.isClean() or not self.project.history:
            recorded = self.project.record_version(self.author(), self.unsaved_summary())
        project = self.project

        def write(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> None:
            if isinstance(path, str):  # the store keeps the history and the versions
                save_project(project, path)
                return
            keep_version_snapshot(path, project)
            save_project(project, path)
            record_snapshot(path, project)

        try:  # off the GUI thread (a prefecture city takes ~9 s); the dialog is modal
            self.view.run_with_progress(BackgroundTask(write), t("正在保存…"), cancellable=False)
        except (GridPlannerError, OSError) as exc:
            if recorded is not None and recorded in self.project.history:
                self.project.history.remove(recorded)
            if database:  # the plan in the window is untouched: nothing lost
                self.view.show_error(
                    t("保存被拒绝，数据库未作任何修改；你的修改仍保留在窗口中"
                      "（可“另存为”本地文件，重新打开数据库后重做）")
                    + f"\n{exc}"
                )  # fmt: skip
            else:
                self.view.show_error(str(exc))
            return False
        self.undo_stack.setClean()
        self.autosaver.discard(path)
        shown = public_url(path) if isinstance(path, str) else path
        self.view.show_status(t("已保存") + f" {shown}")
        if isinstance(path, str) and path == self.database:
            self._read_leases()
        return True

    def maybe_save(self) -> bool:
        """Before closing or opening: save, discard or cancel unsaved changes."""
        if self.project is None or self.undo_stack.isClean():
            return True
        answer = self.view.ask_save_changes()
        if answer == "save":
            return self.save()
        if answer == "discard":
            if self.path is not None or self.database is not None:
                self.autosaver.discard(self.path or self.database or "")
            return True
        return False

    def close(self) -> bool:
        if not self.maybe_save():
            return False
        self.autosave_timer.stop()
        self.wait_for_autosave(10.0)
        self._hold(None)
        return True

    # -- one writer per project ----------------------------------------------------------
    def _hold(self, path: Path | None) -> None:
        """Hold the write lock of the project now shown (and give back the previous
        one's); a project another program holds opens read-only, its holder named."""
        if self._locked is not None and self._locked != path:
            with contextlib.suppress(KeyError):
                release(lock_path(self._locked))
            self._locked = None
        self.read_only = None
        if path is None or self._locked == path:
            self._update_title()
            return
        try:
            acquire(path)
            self._locked = path
        except (ProjectLocked, ProjectFileError) as exc:  # held elsewhere, or a read-only folder
            self.read_only = str(exc)
            self.view.show_warning(t("以只读方式打开") + f": {exc}")
        self._update_title()

    def author(self) -> str:
        """Who saves: the "author" setting, else the login name."""
        name = str(self.settings.value("author", "") or "")
        return name or os.environ.get("USER") or os.environ.get("USERNAME") or "gridplanner"

    def unsaved_summary(self) -> str:
        """The undo entries since the last save, as one line for the history."""
        stack = self.undo_stack
        clean = stack.cleanIndex()
        start = clean if 0 <= clean <= stack.index() else 0
        texts = [stack.text(i) for i in range(start, stack.index())]
        if not texts:
            return t("保存")
        head = "；".join(texts[:6])
        more = f" …（{t('共')} {len(texts)} {t('步')}）" if len(texts) > 6 else ""
        return head + more

    # -- autosave ------------------------------------------------------------------------
    def autosave(self) -> bool:
        """Write a background copy if there are unsaved changes; True if one started."""
        target = self.path or self.database  # a database plan: to the local cache
        if self.project is None or target is None or self.undo_stack.isClean() or self._autosaving:
            return False
        self._autosaving = True
        snapshot = self.project.copy()
        # A plain thread, not QThreadPool: pyproj's per-thread PROJ context crashes on a
        # reused pool thread (see ui/tasks.py); the GeoPackage write builds CRS objects.
        self._autosave_thread = threading.Thread(
            target=_run_and_report,
            args=(lambda: self.autosaver.write(snapshot, target), self._autosaved),
            name="autosave",
            daemon=True,
        )
        self._autosave_thread.start()
        return True

    def wait_for_autosave(self, timeout_s: float = 30.0) -> None:
        """Block until a running background autosave has finished (tests, closing)."""
        if self._autosave_thread is not None:
            self._autosave_thread.join(timeout_s)

    def _on_autosaved(self, error: str) -> None:
        self._autosaving = False
        if error:
            self.view.show_status(t("自动备份失败") + ": " + error.strip().splitlines()[-1])
        else:
            self.view.show_status(t("已自动备份"))

    # -- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        if not value:
            return []
        if not isinstance(value, Iterable):
            raise TypeError(f"'{type(value).__name__}' object is not iterable")
        return [str(v) for v in value]

    def add_recent(self, path: Path | str) -> None:
        entry = public_url(path) if isinstance(path, str) else str(path.resolve())
        recent = [entry, *[p for p in self.recent_files() if p != entry]][:MAX_RECENT]
        self.settings.setValue("recent_files", recent)
        self.view.set_recent(recent)

    # -- edits (every change is an Edit on the undo stack, see EditSession) ------------
    def rename(self, node_id: int, name: str) -> None:
        project = self.project
        if project is not None and name != str(project.nodes.at[node_id, "name"]):
            self.edits.plan(lambda: editing.rename_node(project, node_id, name))

    def set_kind(self, node_id: int, kind: str, dedicated_type: str) -> None:
        project = self.project
        if project is None:
            return
        nodes = project.nodes
        current_type = nodes.at[node_id, "dedicated_type"]
        current_type = "" if pd.isna(current_type) else str(current_type)
        wanted_type = dedicated_type if kind == NodeKind.DEDICATED.value else ""
        if kind == nodes.at[node_id, "kind"] and wanted_type == current_type:
            return
        self.edits.plan(
            lambda: editing.set_kind(project, node_id, NodeKind(kind), dedicated_type or None)
        )

    def set_sizing(self, code: str, sizing: Sizing | None) -> None:
        project = self.project
        if project is None or project.settings.sizing_by_scope.get(code) == sizing:
            return
        self.edits.plan(lambda: editing.set_scope_sizing(project, code, sizing))

    def _update_title(self) -> None:
        name = self.path.name if self.path else (self.project.name if self.project else "")
        if self.database is not None:
            name = public_url(self.database)
        dirty = "" if self.undo_stack.isClean() else " *"
        if self.read_only is not None and name:
            dirty += f" [{t('只读')}]"
        self.view.set_title(
            f"{name}{dirty} — {t('网格化管理规划工具')}" if name else t("网格化管理规划工具")
        )


class _Marker(QUndoCommand):
    """An undo entry that only marks the plan as changed (e.g. recovered from autosave)."""

    def redo(self) -> None:
        pass

    def undo(self) -> None:
        pass
