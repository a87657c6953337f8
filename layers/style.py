"""Layer states and styles: what each map layer shows and in which colours.

A :class:`LayerState` is a frozen value (visible, opacity, style, labels), so a
render job can take the whole tuple of states as part of its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
from PySide6.QtGui import QColor

from gridplanner.layers.snapshot import PALETTE_SIZE, MapData
from gridplanner.levels import LEVELS, Level


class Style(StrEnum):
    """How a polygon layer is coloured."""

    LEVEL = "level"  # outline in the level's colour, no fill
    CATEGORICAL = "categorical"  # fill: one colour per grid (neighbours differ)
    GRADUATED = "graduated"  # fill: households-per-worker deviation classes


BASEMAP = "basemap"
BUILDINGS = "building"
REFERENCE = "reference"
#: Drawing order, bottom first.
LAYER_KEYS: tuple[str, ...] = (
    BASEMAP,
    *(lv.value for lv in reversed(LEVELS)),
    REFERENCE,
    BUILDINGS,
)


@dataclass(frozen=True)
class LayerState:
    """One layer's user-visible settings."""

    key: str
    visible: bool = True
    opacity: float = 1.0
    style: Style = Style.LEVEL
    labels: bool = True
    #: Scale-dependent visibility, as QGIS's: drawn (with its labels) only when the map
    #: scale is 1:max_scale or larger, i.e. zoomed in at least that far (0: always).
    max_scale: int = 0

    @property
    def level(self) -> Level | None:
        try:
            return Level(self.key)
        except ValueError:
            return None

    def in_scale(self, scale_denominator: float) -> bool:
        """Whether the layer is drawn at the map scale 1:``scale_denominator``."""
        return self.max_scale <= 0 or scale_denominator <= self.max_scale


#: Default scale ranges (1:N, 0 = always): a prefecture city at full extent (≈1:1,000,000)
#: shows its streets, rivers and coast; communities and the grids' colours from
#: 1:600,000 (a county's overview is ≈1:300,000), grid units from 1:100,000, buildings
#: from 1:15,000.
DEFAULT_MAX_SCALE: dict[str, int] = {
    Level.COMMUNITY.value: 600_000,
    Level.COMPREHENSIVE_GRID.value: 300_000,
    Level.GRID.value: 600_000,
    Level.GRID_UNIT.value: 100_000,
    "building": 15_000,
}


def default_layers() -> tuple[LayerState, ...]:
    """The layers a new window shows."""
    states = []
    for key in LAYER_KEYS:
        scale = DEFAULT_MAX_SCALE.get(key, 0)
        if key == BASEMAP:
            states.append(LayerState(key, visible=False, labels=False))
        elif key == Level.GRID.value:
            states.append(LayerState(key, opacity=0.55, style=Style.CATEGORICAL, max_scale=scale))
        elif key == Level.COMPREHENSIVE_GRID.value:
            states.append(LayerState(key, visible=False, max_scale=scale))
        elif key in (BUILDINGS, REFERENCE):
            states.append(LayerState(key, labels=False, max_scale=scale))
        else:
            states.append(LayerState(key, max_scale=scale))
    return tuple(states)


def with_state(
    states: tuple[LayerState, ...], key: str, **changes: object
) -> tuple[LayerState, ...]:
    """A copy of ``states`` with one layer changed."""
    return tuple(replace(s, **changes) if s.key == key else s for s in states)  # type: ignore[arg-type]


def state_of(states: tuple[LayerState, ...], key: str) -> LayerState:
    """The state of layer ``key``."""
    for state in states:
        if state.key == key:
            return state
    raise KeyError(key)


# -- colours -------------------------------------------------------------------------
LEVEL_COLOURS: dict[Level, QColor] = {
    Level.DISTRICT: QColor(40, 40, 40),
    Level.STREET: QColor(120, 30, 120),
    Level.COMMUNITY: QColor(200, 60, 40),
    Level.COMPREHENSIVE_GRID: QColor(230, 130, 20),
    Level.GRID: QColor(30, 90, 170),
    Level.GRID_UNIT: QColor(120, 120, 120),
}
#: Outline width (pixels) per level.
LEVEL_WIDTHS: dict[Level, float] = {
    Level.DISTRICT: 2.6,
    Level.STREET: 2.0,
    Level.COMMUNITY: 1.4,
    Level.COMPREHENSIVE_GRID: 1.2,
    Level.GRID: 1.0,
    Level.GRID_UNIT: 0.6,
}
#: Level of detail: a level's outlines are drawn only where its typical feature (the
#: median) is at least this many pixels across; smaller, its fill alone shows (no grey
#: mush of outlines at small scales).
OUTLINE_MIN_PX = 14.0

CATEGORICAL_PALETTE: tuple[QColor, ...] = tuple(
    QColor(h)
    for h in (
        "#8dd3c7",
        "#ffffb3",
        "#bebada",
        "#fb8072",
        "#80b1d3",
        "#fdb462",
        "#b3de69",
        "#fccde5",
    )
)
assert len(CATEGORICAL_PALETTE) == PALETTE_SIZE

#: Graduated classes: (key, low, high, colour); deviation is ratio / target - 1.
GRADUATED_CLASSES: tuple[tuple[str, float, float, QColor], ...] = (
    ("far_below", -np.inf, -0.4, QColor("#2c7bb6")),
    ("below", -0.4, -0.15, QColor("#abd9e9")),
    ("near", -0.15, 0.15, QColor("#a6d96a")),
    ("above", 0.15, 0.4, QColor("#fdae61")),
    ("far_above", 0.4, np.inf, QColor("#d7191c")),
)
NO_WORKER_CLASS = len(GRADUATED_CLASSES)
DEDICATED_CLASS = NO_WORKER_CLASS + 1
NO_WORKER_COLOUR = QColor("#7f7f7f")
DEDICATED_COLOUR = QColor("#c2a5cf")


def fill_classes(data: MapData, level: Level, style: Style) -> tuple[np.ndarray, list[QColor]]:
    """A class index per feature of ``level`` and the colour of each class."""
    attrs = data.attributes
    if style is Style.CATEGORICAL:
        if level is Level.GRID_UNIT:
            grid_colour = attrs.colour[Level.GRID]
            rows = attrs.grid_row
            classes = np.where(rows >= 0, grid_colour[np.maximum(rows, 0)], 0)
        else:
            classes = attrs.colour[level]
        return classes.astype(np.int64), list(CATEGORICAL_PALETTE)
    if level is Level.GRID_UNIT:
        rows = attrs.grid_row
        safe = np.maximum(rows, 0)
        deviation = np.where(rows >= 0, attrs.deviation[Level.GRID][safe], np.nan)
        dedicated = np.where(rows >= 0, attrs.dedicated[Level.GRID][safe], False)
    else:
        deviation = attrs.deviation[level]
        dedicated = attrs.dedicated[level]
    classes = np.full(len(deviation), NO_WORKER_CLASS, dtype=np.int64)
    for index, (_, low, high, _) in enumerate(GRADUATED_CLASSES):
        classes[(deviation >= low) & (deviation < high)] = index
    classes[dedicated.astype(bool)] = DEDICATED_CLASS
    colours = [c for *_, c in GRADUATED_CLASSES] + [NO_WORKER_COLOUR, DEDICATED_COLOUR]
    return classes, colours
