"""Autosave and crash recovery: a copy of the open plan beside the user's data.

The autosave of ``/x/plan.gpkg`` is ``<dir>/<hash>.gpkg`` with a ``.json`` note of
the original path. It is written atomically (the project store's save) in the
background from a copy of the project, and deleted after a clean save or close.
When a plan is opened and its autosave is newer than the file, the app offers to
recover it.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from gridplanner.model import Project
from gridplanner.store import save_project


class Autosaver:
    """Where autosaves live and how they are written, found and discarded."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path_for(self, project_path: str | Path) -> Path:
        key = hashlib.sha1(str(Path(project_path).resolve()).encode("utf-8")).hexdigest()[:16]
        return self.folder / f"{key}.gpkg"

    def write(self, project: Project, project_path: str | Path) -> Path:
        """Save ``project`` (already a copy) as the autosave of ``project_path``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(project_path)
        save_project(project, target)
        note = {"source": str(Path(project_path).resolve()), "time": time.time()}
        target.with_suffix(".json").write_text(
            json.dumps(note, ensure_ascii=False), encoding="utf-8"
        )
        return target

    def recovery_for(self, project_path: str | Path) -> Path | None:
        """The autosave of ``project_path`` if it is newer than the file itself."""
        target = self.path_for(project_path)
        if not target.exists():
            return None
        source = Path(project_path)
        if source.exists() and source.stat().st_mtime >= target.stat().st_mtime:
            return None
        return target

    def discard(self, project_path: str | Path) -> None:
        target = self.path_for(project_path)
        for path in (target, target.with_suffix(".json")):
            path.unlink(missing_ok=True)
