"""Every export is written beside its target and moved into place only when complete.

A full disk, a killed process or a library error half-way leaves no partial file: the
temporary file (or folder, for the multi-file formats) is removed, and the error names
the target in one line. The previous export, if any, is untouched until the new one is
complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

from gridplanner.errors import GridPlannerError

#: What a writer can fail with: the OS (ENOSPC, EACCES…) and the GDAL driver.
WRITE_ERRORS = (OSError, DataSourceError, DataLayerError, FieldError, GeometryError)


class ExportFailed(GridPlannerError):
    """An export that could not be written (nothing partial is left)."""


@contextlib.contextmanager
def file_beside(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` (same suffix, so drivers know the format);
    renamed over ``target`` on success, removed (with its journals) on failure."""
    temp = target.with_name(f".{target.stem}.part-{uuid.uuid4().hex[:8]}{target.suffix}")
    try:
        yield temp
        os.replace(temp, target)
    except BaseException as exc:
        _remove(temp)
        if isinstance(exc, WRITE_ERRORS):
            raise ExportFailed(_words(target, exc)) from exc
        raise


@contextlib.contextmanager
def folder_beside(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target``; its files move into ``target`` (created if
    needed, same-named files replaced) on success; removed on failure."""
    if target.exists() and not target.is_dir():
        raise ExportFailed(f"{target}: exists and is not a folder")
    temp = target.with_name(f".{target.name}.part-{uuid.uuid4().hex[:8]}")
    temp.mkdir()
    try:
        yield temp
        target.mkdir(exist_ok=True)
        for item in sorted(temp.iterdir()):
            os.replace(item, target / item.name)
        temp.rmdir()
    except BaseException as exc:
        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(exc, WRITE_ERRORS):
            raise ExportFailed(_words(target, exc)) from exc
        raise


def _remove(temp: Path) -> None:
    for extra in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(f"{temp}{extra}").unlink()


def _words(target: Path, exc: BaseException) -> str:
    detail = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    if isinstance(exc, OSError) and exc.strerror:
        detail = exc.strerror
    return (
        f"{target}: 导出失败（{detail}），未留下不完整的文件 / could not write ({detail}); "
        "nothing partial was left"
    )
