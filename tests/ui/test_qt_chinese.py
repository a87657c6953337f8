"""With the app in Chinese, Qt's own buttons are Chinese too (the qtbase catalogue):
the balance, export and unsaved-changes dialogs show no English button."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

LATIN = re.compile(r"[A-Za-z]{2,}")


def _texts(box: QDialogButtonBox) -> list[str]:
    return [b.text().replace("&", "") for b in box.buttons()]


def test_standard_buttons_are_chinese(gp_app, sample_street_path: Path) -> None:
    from gridplanner.ui.audit_exchange import ExportDataDialog

    assert gp_app.controller.open(sample_street_path)
    balance = gp_app.editor.balance_dialog()
    texts = _texts(balance.buttons)
    export = ExportDataDialog(gp_app.window)
    texts += [t for box in export.findChildren(QDialogButtonBox) for t in _texts(box)]
    ask = QMessageBox(gp_app.window)
    ask.setStandardButtons(
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )  # fmt: skip
    texts += [b.text().replace("&", "") for b in ask.buttons()]
    assert texts and not [t for t in texts if LATIN.search(t)], texts
    gp_app.set_language("en")
    english = QMessageBox(gp_app.window)
    english.setStandardButtons(QMessageBox.StandardButton.Cancel)
    assert english.buttons()[0].text().replace("&", "") == "Cancel"
    gp_app.set_language("zh")
