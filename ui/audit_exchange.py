"""Audit from the window (findings dock, fixes as undoable commands), export and push.

The audit, the fix suggestions, the export and the push run in background tasks
on a copy of the plan; results come back to the GUI thread, where a fix becomes
one Edit on the undo stack. Export of the exchange package and push both go
through the audit gate: blocking findings refuse unless the user overrides.
Push goes only to the URL the user types.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gridplanner.audit import run_audit
from gridplanner.audit.fixes import FixSuggestion, fix_edit, suggest_fixes
from gridplanner.editing.sameness import copy_plan
from gridplanner.exchange.audit_status import audit_status
from gridplanner.exchange.export import EXPORT_FORMATS, PROJECTABLE_FORMATS, export_project
from gridplanner.exchange.problems import BlockingFindings
from gridplanner.exchange.publish import push_project
from gridplanner.store import load_project
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask

if TYPE_CHECKING:
    from gridplanner.ui.app import App


@dataclass
class FindingRow:
    """A finding as the dock shows it, with its suggested fix (if any)."""

    id: str
    severity: str
    message: str
    geometry: Any
    fix: FixSuggestion | None = None


class AuditWorkflow:
    """Runs the audit and exports/pushes for the app; keeps the running task alive."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.task: BackgroundTask | None = None
        self.rows: list[FindingRow] = []

    # -- audit ----------------------------------------------------------------------
    def run_audit(self, scope: str | None = None) -> BackgroundTask | None:
        """Audit the plan, or the subtree of the node coded ``scope`` (核查此范围)."""
        project = self.app.controller.project
        if project is None:
            return None
        plan = copy_plan(project)

        def work(progress: Any, cancelled: Any) -> list[FindingRow]:
            result = run_audit(plan, scope, progress, cancelled)
            fixes = {s.finding_id: s for s in suggest_fixes(plan, result)}
            lang = current_language()
            return [
                FindingRow(f.id, str(f.severity), f.message(lang), f.geometry, fixes.get(f.id))
                for f in result.findings
            ]

        self.app.window.show_status(t("正在核查…"))
        return self._start(BackgroundTask(work), self._audited)

    def _audited(self, task: BackgroundTask) -> None:
        try:
            self.rows = task.result()
        except Exception as error:
            self.app.window.show_error(t("核查失败") + f": {error}")
            return
        self.app.show_findings(self.rows)  # type: ignore[arg-type]
        blocking = sum(1 for r in self.rows if r.severity == "blocking")
        self.app.window.show_status(
            f"{t('核查完成')}: {len(self.rows)} {t('个问题')}，{blocking} {t('个阻断')}"
        )

    def apply_fix(self, row: FindingRow) -> bool:
        """Apply a finding's suggested fix as one undoable command."""
        project = self.app.controller.project
        if project is None or row.fix is None:
            self.app.window.show_status(t("该问题没有可自动应用的修复建议"))
            return False
        edit = fix_edit(
            project, row.fix.changes, t("修复") + f": {row.fix.summary(current_language())}"
        )
        if not self.app.controller.edits.push(edit):
            return False
        self.rows = [r for r in self.rows if r is not row]
        self.app.show_findings(self.rows)  # type: ignore[arg-type]
        self.app.window.canvas.set_highlight(None)  # the fixed finding is gone from the map
        return True

    # -- export and push ---------------------------------------------------------------
    def export(
        self,
        fmt: str,
        out: str,
        include_personal: bool,
        allow_blocking: bool,
        profile: str = "default",
        crs: str | None = None,
    ) -> Any:
        """Export in a background task; the package goes through the audit gate (its
        manifest records the audit). ``profile``: ``cjt349`` adds CJ/T 349 grid codes;
        ``crs``: ``gk``/``gk-zone`` projects GeoPackage, Shapefile and GeoJSON."""
        project = self.app.controller.project
        if project is None:
            return None
        plan = copy_plan(project)
        lang = current_language()  # the spreadsheet reads in the window's language

        def work(progress: Any, cancelled: Any) -> list[Path]:
            audit = None
            if fmt == "package":  # the gate's audit is the one the manifest records
                audit = audit_status(plan)
                if audit.messages and not allow_blocking:
                    raise RuntimeError(
                        t("方案有阻断性核查问题，拒绝导出数据交换包")
                        + f" ({len(audit.messages)}): "
                        + audit.messages[0]
                    )
            return export_project(
                plan, fmt, out, include_personal, lang=lang, audit=audit, profile=profile,
                crs=crs if fmt in PROJECTABLE_FORMATS else None,
            )  # fmt: skip

        return self._start(BackgroundTask(work), self._exported)

    def _exported(self, task: BackgroundTask) -> None:
        try:
            written = task.result()
        except Exception as error:
            self.app.window.show_error(t("导出失败") + f": {error}")
            return
        self.app.window.show_status(t("已导出") + f" {len(written)} {t('个文件')}")

    def push(self, url: str, token: str | None, allow_blocking: bool) -> Any:
        """Save, then push the saved project to ``url`` (audit gate in push_project)."""
        controller = self.app.controller
        if controller.database is not None:  # the receipt would need its own rows there
            self.app.window.show_error(
                t("推送失败") + ": " + t("数据库方案请用命令推送：gridplanner push 数据库地址 …")
            )
            return None
        if controller.project is None or not controller.save() or controller.path is None:
            return None
        path = controller.path

        def work(progress: Any, cancelled: Any) -> dict[str, Any]:
            return push_project(
                path, url, allow_blocking=allow_blocking, token=token or None,
                progress=progress, cancel=cancelled,
            )  # fmt: skip

        return self._start(BackgroundTask(work), self._pushed)

    def _pushed(self, task: BackgroundTask) -> None:
        controller = self.app.controller
        try:
            receipt = task.result()
        except BlockingFindings as refused:  # the audit gate, in the window's words
            self.app.window.show_error(
                t("推送失败")
                + ": "
                + t("方案有阻断性核查问题，未推送；请先修复，或勾选“忽略阻断性核查问题”")
                + f" ({len(refused.blocking)}): "
                + refused.blocking[0]
            )
            return
        except Exception as error:
            self.app.window.show_error(t("推送失败") + f": {error}")
            return
        if controller.project is not None and controller.path is not None:
            controller.project.history = load_project(controller.path).history
        self.app.window.show_status(t("推送成功") + f": {receipt.get('receipt_id', '')}")

    def _start(self, task: BackgroundTask, done: Any) -> BackgroundTask:
        task.signals.finished.connect(done)
        task.signals.progressed.connect(
            lambda fraction, message: self.app.window.show_status(f"{fraction:4.0%} {message}")
        )
        self.task = task
        task.start()
        return task


def format_titles() -> dict[str, str]:
    """The export formats as a person reads them."""
    return {
        "package": t("交换包（上报平台）"),
        "geojson": "GeoJSON",
        "gpkg": "GeoPackage",
        "shapefile": t("Shapefile（GBK 编码）"),
        "xlsx": t("Excel 表格"),
    }


class ExportDataDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("导出数据"))
        self.format = QComboBox()
        titles = format_titles()
        for key in EXPORT_FORMATS:
            self.format.addItem(titles.get(key, key), key)
        self.out = QLineEdit()
        self.out.setPlaceholderText(t("选择一个输出文件夹"))
        self.out.setMinimumWidth(320)
        browse = QPushButton(t("浏览…"))
        browse.clicked.connect(self._browse)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        self.personal = QCheckBox(t("包含网格员联系电话"))
        self.allow = QCheckBox(t("忽略阻断性核查问题（记录在案）"))
        self.profile = QComboBox()
        self.profile.addItem(t("默认"), "default")
        self.profile.addItem(t("CJ/T 349-2010 网格编码"), "cjt349")
        self.crs = QComboBox()
        self.crs.addItem(t("经纬度（CGCS2000）"), None)
        self.crs.addItem(t("高斯-克吕格 3° 带"), "gk")
        self.crs.addItem(t("高斯-克吕格 3° 带（加带号）"), "gk-zone")
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        _form(self, [(t("格式"), self.format), (t("输出文件夹"), where),
                     (t("编码规范"), self.profile), (t("坐标系"), self.crs),
                     ("", self.personal), ("", self.allow)])  # fmt: skip

    def chosen_format(self) -> str:
        return str(self.format.currentData())

    def chosen_profile(self) -> str:
        return str(self.profile.currentData())

    def chosen_crs(self) -> str | None:
        """``gk``/``gk-zone`` for a projectable format, else None (lon/lat)."""
        value = self.crs.currentData()
        return str(value) if value and self.chosen_format() in PROJECTABLE_FORMATS else None

    def _format_changed(self) -> None:
        self.crs.setEnabled(self.chosen_format() in PROJECTABLE_FORMATS)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, t("输出文件夹"), self.out.text())
        if folder:
            self.out.setText(folder)


class PushDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("推送到上级平台"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…/api/v1")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.allow = QCheckBox(t("忽略阻断性核查问题（记录在回执中）"))
        _form(self, [(t("平台地址"), self.url), (t("令牌"), self.token), ("", self.allow)])


def _form(dialog: QDialog, rows: list[tuple[str, QWidget]]) -> None:
    layout = QFormLayout(dialog)
    for label, widget in rows:
        layout.addRow(label, widget)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addRow(buttons)
