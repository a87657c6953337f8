"""File → 打开数据库…: ask for a shared store's ``postgresql://`` address.

The password is never asked for nor kept: it comes from ``PGPASSWORD``,
``~/.pgpass`` or the system keyring (``gridplanner db password URL``), see
:mod:`gridplanner.pgstore.credentials`. An address typed with a password in it is
refused, so it can't end up in the recent files or the title.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from gridplanner.pgstore.credentials import is_database_url, secrets_in
from gridplanner.ui.i18n import t

EXAMPLE = "postgresql://planner@db.city.gov.cn:5432/city"


def check_database_url(text: str) -> str | None:
    """Why ``text`` can't be opened as a shared store (None: it can)."""
    if not is_database_url(text):
        return t("数据库地址应以 postgresql:// 开头，例如") + f" {EXAMPLE}"
    if secrets_in(text):
        return t(
            "地址中不要写密码：密码从 PGPASSWORD、~/.pgpass 或系统密钥环读取"
            "（gridplanner db password 地址）"
        )
    return None


def ask_database_url(parent: QWidget, recent: list[str]) -> str | None:
    """The address the user typed (None: cancelled), starting from the last database."""
    last = next((r for r in recent if is_database_url(r)), EXAMPLE)
    text = last
    while True:
        text, ok = QInputDialog.getText(
            parent,
            t("打开数据库"),
            t("共享数据库地址（不含密码；密码从 PGPASSWORD、~/.pgpass 或系统密钥环读取）："),
            QLineEdit.EchoMode.Normal,
            text,
        )
        text = text.strip()
        if not ok or not text:
            return None
        problem = check_database_url(text)
        if problem is None:
            return text
        QMessageBox.warning(parent, t("打开数据库"), problem)
