"""Where the gridplanner core lives: QGIS's own Python or a configured environment.

QGIS runs on PyQt5; the gridplanner core is Qt-free, so it can be installed into a
virtual environment created from QGIS's Python (``python3 -m venv
--system-site-packages``) and pointed at from the plugin's settings. Its
``site-packages`` folder is added with :func:`site.addsitedir`, so editable
installs (``.pth`` files) work too.
"""

from __future__ import annotations

import importlib
import os
import site
import sys
from pathlib import Path

from ._tools import settings, tr

SETTING_KEY = "core_site_packages"
ENV_VAR = "GRIDPLANNER_SITE_PACKAGES"
CORE_MODULES = (
    "gridplanner.layer_partition",
    "gridplanner.audit",
    "gridplanner.exchange.export",
    "gridplanner.exchange.importing",
    "gridplanner.store",
)


class CoreMissing(RuntimeError):
    """The gridplanner core cannot be imported; the message says what to do."""


def configured_paths() -> list[str]:
    """Folders to add: the ``GRIDPLANNER_SITE_PACKAGES`` variable, then the setting."""
    raw = [os.environ.get(ENV_VAR, ""), str(settings.get_setting(SETTING_KEY, "", str) or "")]
    paths: list[str] = []
    for value in raw:
        paths += [p for p in value.split(os.pathsep) if p.strip()]
    return paths


def site_packages_of(folder: str) -> str:
    """A venv folder's site-packages (lib/pythonX.Y/site-packages), else ``folder`` itself."""
    base = Path(folder)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (
        base / "lib" / version / "site-packages",
        base / "Lib" / "site-packages",
    ):
        if candidate.is_dir():
            return str(candidate)
    return str(base)


def activate(paths: list[str] | None = None) -> list[str]:
    """Add the configured folders to ``sys.path``; returns the folders added."""
    added = []
    for folder in configured_paths() if paths is None else paths:
        target = site_packages_of(folder)
        if target not in sys.path and Path(target).is_dir():
            site.addsitedir(target)
            added.append(target)
    if added:
        importlib.invalidate_caches()
    return added


def core_status() -> tuple[bool, str]:
    """Whether the core imports, and a one-line description (version or the problem)."""
    activate()
    try:
        for name in CORE_MODULES:
            importlib.import_module(name)
    except ImportError as exc:
        return False, str(exc)
    import gridplanner

    where = Path(gridplanner.__file__).resolve().parent
    return True, tr("gridplanner 核心: {where}", where=str(where))


def require_core() -> None:
    """Import the core or raise :class:`CoreMissing` with instructions."""
    ok, detail = core_status()
    if ok:
        return
    raise CoreMissing(
        tr(
            "找不到 gridplanner 核心({detail})。请把核心安装到 QGIS 使用的 Python 中, "
            "或在 插件 → gridplanner → 设置 中指定装有核心的 Python 环境 (site-packages)。",
            detail=detail,
        )
    )
