"""Autosave and crash recovery: a copy of the open plan beside the user's data.

The autosave of ``/x/plan.gpkg`` is ``<dir>/<hash>.gpkg`` with a ``.json`` note of
the original path. It is written atomically (the project store's save) in the
background from a copy of the project, and deleted after a clean save or close.
When a plan is opened and its autosave is newer than the file, the app offers to
recover it.

A ``postgresql://`` plan is autosaved the same way, keyed by its address without the
password (:func:`~gridplanner.pgstore.credentials.public_url`, which the note keeps
too). An autosave can't be saved back into the store (the row versions it was loaded
with died with the crashed session), so instead of recovering it in place the app
sets it aside as an ordinary file (:meth:`Autosaver.set_aside`) and says where.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from pathlib import Path

from gridplanner.model import Project
from gridplanner.pgstore.credentials import is_database_url, public_url
from gridplanner.store import save_project


class Autosaver:
    """Where autosaves live and how they are written, found and discarded."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path_for(self, project_path: str | Path) -> Path:
        key = hashlib.sha1(_source(project_path).encode("utf-8")).hexdigest()[:16]
        return self.folder / f"{key}.gpkg"

    def write(self, project: Project, project_path: str | Path) -> Path:
        """Save ``project`` (already a copy) as the autosave of ``project_path``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(project_path)
        save_project(project, target)
        note = {"source": _source(project_path), "time": time.time()}
        target.with_suffix(".json").write_text(
            json.dumps(note, ensure_ascii=False), encoding="utf-8"
        )
        return target

    def recovery_for(self, project_path: str | Path) -> Path | None:
        """The autosave of ``project_path`` if it is newer than the file itself."""
        target = self.path_for(project_path)
        if not target.exists():
            return None
        if is_database_url(project_path):
            return target  # a database has no file time: any autosave is unsaved work
        source = Path(project_path)
        if source.exists() and source.stat().st_mtime >= target.stat().st_mtime:
            return None
        return target

    def discard(self, project_path: str | Path) -> None:
        target = self.path_for(project_path)
        for path in (target, target.with_suffix(".json")):
            path.unlink(missing_ok=True)

    def set_aside(self, project_path: str | Path) -> Path | None:
        """Move the autosave of ``project_path`` (if any) to a dated file of its own, so
        the next autosave doesn't overwrite it; returns where it went."""
        target = self.recovery_for(project_path)
        if target is None:
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.stem}-{stamp}-recovered.gpkg")
        target.replace(kept)
        target.with_suffix(".json").unlink(missing_ok=True)
        return kept


def _source(project_path: str | Path) -> str:
    """What an autosave is keyed by: the file's full path, or a database's address
    without its password."""
    if is_database_url(project_path):
        return public_url(str(project_path))
    return str(Path(project_path).resolve())
