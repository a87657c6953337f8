"""Translations: Chinese source strings, an English catalogue (``gridplanner_en.ts``).

Every user-visible string is written ``t("中文")``, so with no catalogue loaded the
window is Simplified Chinese. :func:`install_language` loads the compiled
``gridplanner_en.qm`` when present; without it the ``.ts`` XML is read directly by
:class:`TsTranslator`, so the English switch works even before ``lrelease`` ran.
Compile with ``python -m gridplanner.ui.i18n`` (see :mod:`gridplanner.ui.i18n.build`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

CONTEXT = "gridplanner"
HERE = Path(__file__).resolve().parent
LANGUAGES = ("zh", "en")
_installed: list[QTranslator] = []
_current = ["zh"]


def current_language() -> str:
    """ "zh" or "en": the language the window is showing."""
    return _current[0]


def t(text: str) -> str:
    """Translate a Chinese source string into the current language."""
    return QCoreApplication.translate(CONTEXT, text)


class TsTranslator(QTranslator):
    """Reads a Qt Linguist ``.ts`` file directly (fallback when no ``.qm`` is built)."""

    def __init__(self, ts_path: Path) -> None:
        super().__init__()
        self.messages: dict[tuple[str, str], str] = {}
        root = ET.parse(ts_path).getroot()
        for context in root.iter("context"):
            name = context.findtext("name", "")
            for message in context.iter("message"):
                source = message.findtext("source")
                translation = message.find("translation")
                if source is None or translation is None or not translation.text:
                    continue
                if translation.get("type") in ("unfinished", "obsolete", "vanished"):
                    continue
                self.messages[(name, source)] = translation.text

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return self.messages.get((context, source), "")

    def isEmpty(self) -> bool:
        return not self.messages


def install_language(lang: str) -> str:
    """Switch the application's language ("zh" or "en"); returns the language now in use."""
    app = QCoreApplication.instance()
    for installed in _installed:
        if app is not None:
            QCoreApplication.removeTranslator(installed)
    _installed.clear()
    _current[0] = "en" if lang == "en" else "zh"
    if lang != "en":
        # Qt's own strings (OK/Cancel/Save/Discard, the file dialog's "Look in", …) in
        # Chinese: the qtbase catalogue ships with PySide6.
        qt = QTranslator()
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load("qtbase_zh_CN", folder):
            QCoreApplication.installTranslator(qt)
            _installed.append(qt)
        return "zh"
    translator: QTranslator = QTranslator()
    qm = HERE / "gridplanner_en.qm"
    if not (qm.exists() and translator.load(str(qm))):
        translator = TsTranslator(HERE / "gridplanner_en.ts")
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return "en"
