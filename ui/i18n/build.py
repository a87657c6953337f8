"""Compile the ``.ts`` catalogues to ``.qm`` with PySide6's lrelease; list missing strings.

``python -m gridplanner.ui.i18n`` (or ``python ui/i18n/build.py``) compiles;
``--check`` lists the ``t("…")`` strings of the ui package that have no English yet.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
UI = HERE.parent


def lrelease_command() -> list[str] | None:
    """How to run lrelease: PySide6's bundled binary, else one on PATH."""
    try:
        import PySide6

        base = Path(PySide6.__file__).parent
        for candidate in (base / "lrelease", base / "Qt" / "libexec" / "lrelease"):
            if candidate.exists():
                return [str(candidate)]
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        pass
    for name in ("pyside6-lrelease", "lrelease"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def compile_all(folder: Path = HERE) -> list[Path]:
    """Compile every ``.ts`` in ``folder``; returns the ``.qm`` files written."""
    command = lrelease_command()
    if command is None:
        raise RuntimeError("lrelease not found (it ships with PySide6)")
    written = []
    for ts in sorted(folder.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        subprocess.run([*command, "-silent", str(ts), "-qm", str(qm)], check=True)
        written.append(qm)
    return written


def source_strings(folder: Path = UI) -> set[str]:
    """Every literal passed to ``t(...)`` in the ui package."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def missing_translations() -> list[str]:
    """Source strings without an English translation in ``gridplanner_en.ts``."""
    from gridplanner.ui.i18n import TsTranslator

    known = {source for _, source in TsTranslator(HERE / "gridplanner_en.ts").messages}
    return sorted(source_strings() - known)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="list untranslated strings")
    args = parser.parse_args(argv)
    if args.check:
        missing = missing_translations()
        for text in missing:
            print(text)
        return 1 if missing else 0
    for qm in compile_all():
        print(qm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
