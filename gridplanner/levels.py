"""The six levels of the grid-management hierarchy (网格化管理), root first."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """A level of the hierarchy. The value is the name used in files and the CLI."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    COMPREHENSIVE_GRID = "comprehensive_grid"
    GRID = "grid"
    GRID_UNIT = "grid_unit"

    @property
    def depth(self) -> int:
        """0 for the district, 5 for a grid unit."""
        return LEVELS.index(self)

    @property
    def parent(self) -> Level | None:
        """The level above, or None for the district."""
        return None if self is Level.DISTRICT else LEVELS[self.depth - 1]

    @property
    def child(self) -> Level | None:
        """The level below, or None for a grid unit."""
        return None if self is Level.GRID_UNIT else LEVELS[self.depth + 1]

    @property
    def zh(self) -> str:
        """The planners' word for the level."""
        return LEVEL_NAMES_ZH[self]

    @property
    def en(self) -> str:
        """An English label for the level."""
        return LEVEL_NAMES_EN[self]

    def label(self, lang: str = "zh") -> str:
        """The level's label in ``lang`` ("zh" or "en")."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def parse(cls, text: str) -> Level:
        """Accept the code name, an alias such as ``unit``, or the Chinese word."""
        key = text.strip().lower()
        for level in cls:
            if key in (level.value, level.zh, level.en.lower()):
                return level
        if key in ALIASES:
            return ALIASES[key]
        names = ", ".join(level.value for level in cls)
        raise ValueError(f"unknown level {text!r}; expected one of: {names}")


LEVELS: tuple[Level, ...] = tuple(Level)

LEVEL_NAMES_ZH = {
    Level.DISTRICT: "区县",
    Level.STREET: "街道",
    Level.COMMUNITY: "社区",
    Level.COMPREHENSIVE_GRID: "综合网格",
    Level.GRID: "网格",
    Level.GRID_UNIT: "网格单元",
}

LEVEL_NAMES_EN = {
    Level.DISTRICT: "District",
    Level.STREET: "Street",
    Level.COMMUNITY: "Community",
    Level.COMPREHENSIVE_GRID: "Comprehensive grid",
    Level.GRID: "Grid",
    Level.GRID_UNIT: "Grid unit",
}

ALIASES = {
    "unit": Level.GRID_UNIT,
    "comprehensive": Level.COMPREHENSIVE_GRID,
    "township": Level.STREET,
    "county": Level.DISTRICT,
    "village": Level.COMMUNITY,
    "乡镇": Level.STREET,
    "村": Level.COMMUNITY,
    "区": Level.DISTRICT,
    "县": Level.DISTRICT,
}


class NodeKind(StrEnum):
    """Ordinary grids carry the household band; dedicated grids (专属网格) are exempt.

    The value is what files, the exchange package and its schema carry; people read
    :meth:`label` (普通网格 / 专属网格)."""

    ORDINARY = "ordinary"
    DEDICATED = "dedicated"

    def label(self, lang: str = "zh") -> str:
        """The kind's label in ``lang`` ("zh" or "en")."""
        zh, en = KIND_LABELS[self]
        return en if lang == "en" else zh


#: How the grid kinds read on paper and in exports (zh, en).
KIND_LABELS = {
    NodeKind.ORDINARY: ("普通网格", "ordinary grid"),
    NodeKind.DEDICATED: ("专属网格", "dedicated grid"),
}


def kind_label(value: object, lang: str = "zh") -> str | None:
    """A stored kind value (``ordinary``/``dedicated``) as people read it; None stays
    None and an unknown value is shown as it is."""
    if _missing(value):
        return None
    try:
        return NodeKind(str(value)).label(lang)
    except ValueError:
        return str(value)


def parse_kind(text: str) -> NodeKind | None:
    """The kind a cell names exactly: the value or a label in either language
    (``dedicated``, 专属网格, ``Dedicated grid``); None for anything else."""
    key = str(text).strip().lower()
    for kind, labels in KIND_LABELS.items():
        if key == kind.value or key in (label.lower() for label in labels):
            return kind
    return None


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA (a cell left empty)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA refuses to be a bool
        return True
