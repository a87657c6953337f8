"""The legend of the visible layers as data — the layer panel's legend and the printed
map's legend are drawn from the same entries (zh or en)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from gridplanner.layers.renderer import BUILDING_COLOUR, REFERENCE_STYLE
from gridplanner.layers.style import (
    BASEMAP,
    BUILDINGS,
    CATEGORICAL_PALETTE,
    DEDICATED_COLOUR,
    GRADUATED_CLASSES,
    LEVEL_COLOURS,
    NO_WORKER_COLOUR,
    REFERENCE,
    LayerState,
    Style,
)


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a filled box, a line or a dot, and its text."""

    text: str
    fill: QColor | None = None
    line: QColor | None = None
    dot: bool = False
    indent: bool = False


WORDS = {
    "road": ("道路", "Roads"),
    "river": ("河流", "Rivers"),
    "coast": ("海岸线", "Coast"),
    "buildings": ("楼栋", "Buildings"),
    "by_grid": ("按网格分类", "one colour per grid"),
    "deviation": ("户/人偏差", "households per worker vs target"),
    "far_below": ("低于目标 40% 以上", "more than 40% below target"),
    "below": ("低于目标 15–40%", "15–40% below target"),
    "near": ("接近目标 ±15%", "within ±15% of target"),
    "above": ("高于目标 15–40%", "15–40% above target"),
    "far_above": ("高于目标 40% 以上", "more than 40% above target"),
    "no_worker": ("无网格员", "no worker"),
    "dedicated": ("专属网格（免考核）", "dedicated grid (exempt)"),
}


def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


def legend_entries(states: tuple[LayerState, ...], lang: str = "zh") -> list[LegendEntry]:
    """The legend of the visible layers, top layer first."""
    out: list[LegendEntry] = []
    for state in reversed(states):
        if not state.visible or state.key == BASEMAP:
            continue
        if state.key == BUILDINGS:
            out.append(LegendEntry(word("buildings", lang), fill=BUILDING_COLOUR, dot=True))
        elif state.key == REFERENCE:
            for kind, (colour, _) in REFERENCE_STYLE.items():
                out.append(LegendEntry(word(kind, lang), line=colour))
        elif state.level is not None:
            title = state.level.label(lang)
            if state.style is Style.LEVEL:
                out.append(LegendEntry(title, line=LEVEL_COLOURS[state.level]))
            elif state.style is Style.CATEGORICAL:
                text = f"{title} · {word('by_grid', lang)}"
                out.append(LegendEntry(text, fill=CATEGORICAL_PALETTE[0]))
            else:
                out.append(LegendEntry(f"{title} · {word('deviation', lang)}"))
                for key, _, _, colour in GRADUATED_CLASSES:
                    out.append(LegendEntry(word(key, lang), fill=colour, indent=True))
                out.append(LegendEntry(word("no_worker", lang), fill=NO_WORKER_COLOUR, indent=True))
                out.append(LegendEntry(word("dedicated", lang), fill=DEDICATED_COLOUR, indent=True))
    return out


__all__ = ["LegendEntry", "legend_entries", "word"]
