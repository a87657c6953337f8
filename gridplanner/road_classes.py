"""Road classes (道路等级) and which barrier lines cut grid units.

A road layer carries a class per line — the words of the road survey or a city's
GIS (主干道, 次干道, 支路 …; 主干路 and 次干路 are the same classes), or OpenStreetMap's
``fclass`` values (primary, secondary, residential …). Roads of the *cutting*
classes bound enclosures; a unit never spans a *major* road, a river, a railway or
the coast, but it may span a minor road (a cutting class that is not major) when a
too-small block joins its neighbour.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: A unit never spans one of these (and they always cut).
MAJOR_CLASSES: tuple[str, ...] = ("高速公路", "快速路", "国道", "省道", "主干道")
#: Roads of these classes bound enclosures by default.
CUT_CLASSES: tuple[str, ...] = (*MAJOR_CLASSES, "次干道", "县道")
#: The class of a road line whose class is not given.
UNCLASSIFIED = "未分级"
#: Line kinds that are barriers whatever the options (never spanned).
HARD_KINDS: tuple[str, ...] = ("river", "railway", "coast")
ROAD = "road"

SYNONYMS: dict[str, str] = {
    "主干路": "主干道",
    "城市主干道": "主干道",
    "城市主干路": "主干道",
    "次干路": "次干道",
    "城市次干道": "次干道",
    "城市次干路": "次干道",
    "支道": "支路",
    "城市支路": "支路",
    "高速": "高速公路",
    "快速道路": "快速路",
    "motorway": "高速公路",
    "trunk": "快速路",
    "primary": "主干道",
    "secondary": "次干道",
    "tertiary": "支路",
    "residential": "支路",
    "living_street": "支路",
    "service": "支路",
    "unclassified": UNCLASSIFIED,
}


def normalise(value: object) -> str:
    """The class a cell names (synonyms and OSM's words folded; empty: 未分级)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return UNCLASSIFIED
    text = str(value).strip()
    if not text:
        return UNCLASSIFIED
    key = text.lower().removesuffix("_link")
    return SYNONYMS.get(key, SYNONYMS.get(text, text))


def parse_classes(text: str | Iterable[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """Classes from a comma list (``主干道,次干道``, also 、，；), normalised; ``default``
    when nothing is given."""
    if text is None:
        return default
    if isinstance(text, str):
        for sep in ("，", "、", "；", ";"):
            text = text.replace(sep, ",")
        words: Iterable[str] = text.split(",")
    else:
        words = text
    out = tuple(dict.fromkeys(normalise(w) for w in words if str(w).strip()))
    return out or default
