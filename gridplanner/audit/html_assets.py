"""Leaflet's JS and CSS for offline pages, read from an installed package at run time.

The ``django-js-lib-leaflet`` distribution (no dependencies) ships Leaflet's
``leaflet.js`` and ``leaflet.css`` as package data (``js_lib_leaflet/static``);
nothing third-party is copied into this repository. Images the CSS names are
inlined as data: URIs (the layer switcher) or dropped (marker icons: the report
draws circle markers), so the page makes no request.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from gridplanner.errors import GridPlannerError

PACKAGE = "js_lib_leaflet"
PIP_NAME = "django-js-lib-leaflet"


@dataclass(frozen=True)
class LeafletAssets:
    """Leaflet's script and stylesheet, ready to inline."""

    js: str
    css: str
    version: str


@lru_cache(maxsize=1)
def leaflet_assets() -> LeafletAssets:
    """Read Leaflet from the installed registry package (cached)."""
    try:
        root = resources.files(PACKAGE).joinpath("static", PACKAGE)
        js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise GridPlannerError(
            f"the HTML report needs Leaflet from the package {PIP_NAME!r} "
            f"(pip install {PIP_NAME}): {exc}"
        ) from None
    images = root.joinpath("images")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("layers"):
            data = base64.b64encode(images.joinpath(name).read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{data})"
        return "none"

    css = re.sub(r"url\(images/([\w.-]+)\)", inline, css)
    version = re.search(r"Leaflet (\d+\.\d+\.\d+)", js)
    return LeafletAssets(js, css, version.group(1) if version else "?")
