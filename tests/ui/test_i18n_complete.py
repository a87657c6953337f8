"""Every string the window shows in Chinese has its English translation in the
catalogue (``ui/i18n/gridplanner_en.ts``), so the English switch leaves nothing behind."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Strings passed to t() through a table rather than literally.
TABLES = ("阻断", "警告", "提示")


def test_every_window_string_has_english() -> None:
    found: set[str] = set(TABLES)
    for folder in ("ui", "layers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) == "t"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    catalogue = ET.parse(ROOT / "ui" / "i18n" / "gridplanner_en.ts")
    english = {m.findtext("source"): m.findtext("translation") for m in catalogue.iter("message")}
    missing = sorted(s for s in found if not english.get(s))
    assert not missing, missing
    for source in found:
        if "/" in source and any(c.isascii() and c.isalpha() for c in source):
            continue  # a label written in both languages on purpose (语言 / Language)
        assert not any("\u4e00" <= c <= "\u9fff" for c in english[source] or ""), source
