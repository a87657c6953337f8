"""One writer per project file: an OS lock held for a whole read-modify-write.

Two `gridplanner import` runs into one project used to both "succeed" with one import
lost. Now every command that changes a project, and the app while a project is open,
holds :func:`project_lock` — an exclusive ``flock`` on a small file beside the project
(``.NAME.gpkg.lock``) that also says who holds it (pid, program, host, since). The OS
releases it when its holder exits, however it exits, so a crash never leaves a stale
lock. A second writer is refused at once with that holder named — or waits, with
``wait`` seconds (`--wait`). Within one process the lock is re-entrant.

A save also checks that the file is still the one that was loaded (size, modification
time, inode): a project changed under you by a program that ignores the lock (QGIS
editing the GeoPackage) is not overwritten. Files a killed save left beside the project
(``.NAME.saving-*.gpkg``) are removed when the project is next opened and nobody holds
the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gridplanner.errors import ProjectFileError


class ProjectLocked(ProjectFileError):
    """The project is being changed by another program (the holder is named)."""


class ProjectChanged(ProjectFileError):
    """The project file changed on disk since it was loaded."""


@dataclass(frozen=True)
class Holder:
    """Who holds a project's lock."""

    pid: int
    program: str
    host: str
    since: str

    def words(self) -> tuple[str, str]:
        zh = f"pid {self.pid}，{self.program}，{self.host}，自 {self.since} 起"
        en = f"pid {self.pid}, {self.program} on {self.host}, since {self.since}"
        return zh, en


_held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, depth) held by this process


def lock_path(project: str | Path) -> Path:
    """The lock file beside ``project``."""
    path = Path(project).resolve()
    return path.with_name(f".{path.name}.lock")


def holder_of(project: str | Path) -> Holder | None:
    """Who holds the lock of ``project`` right now (None: nobody)."""
    path = lock_path(project)
    if path in _held:
        return _me()
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


#: Looks again (20 ms apart) when the lock is held but its holder's line is empty.
UNNAMED_RETRIES = 25


@contextlib.contextmanager
def project_lock(project: str | Path, wait: float = 0.0) -> Iterator[Holder]:
    """Hold the project's write lock for the ``with`` block; refuses at once (or after
    ``wait`` seconds) with :class:`ProjectLocked` naming the holder. A shared store
    (``postgresql://…``) has no file to lock: its saves are checked row by row."""
    from gridplanner.pgstore.credentials import is_database_url

    if is_database_url(project):
        yield _me()
        return
    path = lock_path(project)
    acquire(project, wait)
    try:
        yield _me()
    finally:
        release(path)


def acquire(project: str | Path, wait: float = 0.0) -> None:
    """Take the lock (re-entrant within this process); see :func:`project_lock`."""
    path = lock_path(project)
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        return
    if not path.parent.exists():
        raise ProjectFileError(f"{project}: folder {path.parent} does not exist")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ProjectFileError(
            f"{project}: 无法锁定项目（{exc.strerror}）：文件夹可能是只读的 / cannot lock the "
            f"project ({exc.strerror}): is the folder read-only?"
        ) from exc
    deadline = time.monotonic() + max(0.0, wait)
    unnamed = 0  # the holder's line is written just after taking and cleared just
    while True:  # before giving back the lock: an empty one means "look again"
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _read_holder(path)
                if holder is None and unnamed < UNNAMED_RETRIES:
                    unnamed += 1
                    time.sleep(0.02)
                    continue
                os.close(fd)
                zh, en = holder.words() if holder else ("未知程序", "an unknown program")
                raise ProjectLocked(
                    f"{project}: 项目正被另一个程序编辑（{zh}）；稍后再试，或加 --wait 等待 / "
                    f"the project is being edited by another program ({en})"
                ) from None
            time.sleep(0.05)
    me = _me(datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(me.__dict__, ensure_ascii=False).encode(), 0)
    _held[path] = (fd, 1)


def release(lock: Path) -> None:
    """Give back one level of the lock (the file lock goes when the last one does)."""
    fd, depth = _held[lock]
    if depth > 1:
        _held[lock] = (fd, depth - 1)
        return
    del _held[lock]
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def holds(project: str | Path) -> bool:
    """Whether this process holds the project's lock."""
    return lock_path(project) in _held


def clean_stale_saves(project: str | Path) -> list[Path]:
    """Remove what killed saves left beside ``project`` (only when nobody holds its lock:
    a save in progress always does). Returns the files removed."""
    path = Path(project).resolve()
    if holder_of(path) is not None and not holds(path):
        return []
    removed: list[Path] = []
    for leftover in path.parent.glob(f".{path.stem}.saving-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


# -- the change check ----------------------------------------------------------------
def fingerprint(path: str | Path) -> tuple[int, int, int] | None:
    """(size, modification time, inode) of a file, None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def check_unchanged(path: str | Path, loaded: tuple[int, int, int] | None) -> None:
    """Refuse to overwrite ``path`` when it is no longer the file that was loaded."""
    now = fingerprint(path)
    if loaded is not None and now is not None and now != loaded:
        raise ProjectChanged(
            f"{path}: 项目文件在打开后被其他程序修改过，为免覆盖别人的修改未保存；请另存为新文件 / "
            "the file changed on disk since it was opened; not overwritten (save as a new file)"
        )


def _me(since: str | None = None) -> Holder:
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if len(sys.argv) > 1:
        program += " " + sys.argv[1]
    return Holder(os.getpid(), program, socket.gethostname(), since or _started)


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text("utf-8") or "{}")
        return Holder(int(data["pid"]), str(data["program"]), str(data["host"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_started = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
