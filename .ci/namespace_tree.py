"""Lay the one ``gridplanner`` namespace out as a plain folder tree (a copy).

setup.py maps several repository folders into ``gridplanner.*``. Tools that walk
the file system from a package's folder (mypy, import-linter's grimp) can't see
through setuptools' editable import hook (and grimp does not follow symlinked
folders), so they run on this copy instead — the layout a wheel has.

Usage: python .ci/namespace_tree.py DEST  (DEST/gridplanner is created)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAPPED = ("algorithms", "layers", "ui", "sample_data")


def build(dest: Path) -> Path:
    """Create ``dest/gridplanner`` and return it."""
    package = dest / "gridplanner"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.gpkg", "*.qm")
    shutil.copytree(REPO / "gridplanner", package, ignore=skip)
    for folder in MAPPED:
        shutil.copytree(REPO / folder, package / folder, ignore=skip)
    return package


if __name__ == "__main__":
    build(Path(sys.argv[1]))
