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


class AreaKind(StrEnum):
    """What kind of statistical area a street or a community is: the types the
    National Bureau of Statistics' 统计用区划代码 encodes in the code's ranges
    (:mod:`gridplanner.code_rules`). Stored in the nodes' ``kind`` column, where a
    grid keeps :class:`NodeKind`; an empty kind (or ``ordinary``) on a street or
    community means "not stated" and the name's suffix (…街道, …镇, …村) is read."""

    SUBDISTRICT = "subdistrict"  # 街道 (street part 001–099)
    TOWN = "town"  # 镇 (100–199)
    TOWNSHIP = "township"  # 乡, 民族乡, 苏木 (200–399)
    TOWNSHIP_LIKE = "township_like"  # 类似乡级单位: 地区办事处, 农场, 开发区 … (400–599)
    RESIDENTS_COMMITTEE = "residents_committee"  # 社区 / 居委会 (village part 001–199)
    VILLAGERS_COMMITTEE = "villagers_committee"  # 村 / 村委会 (200–399)
    VILLAGE_LIKE = "village_like"  # 类似村级单位: 生活区 … (400–599)

    @property
    def level(self) -> Level:
        """The level the kind belongs to (street or community)."""
        return Level.STREET if self in STREET_KINDS else Level.COMMUNITY

    def label(self, lang: str = "zh") -> str:
        """The kind's label in ``lang`` ("zh" or "en")."""
        zh, en = AREA_KIND_LABELS[self][:2]
        return en if lang == "en" else zh


STREET_KINDS = (
    AreaKind.SUBDISTRICT,
    AreaKind.TOWN,
    AreaKind.TOWNSHIP,
    AreaKind.TOWNSHIP_LIKE,
)
COMMUNITY_KINDS = (
    AreaKind.RESIDENTS_COMMITTEE,
    AreaKind.VILLAGERS_COMMITTEE,
    AreaKind.VILLAGE_LIKE,
)

#: How the area kinds read (zh, en), then other words a file may use for them.
AREA_KIND_LABELS: dict[AreaKind, tuple[str, ...]] = {
    AreaKind.SUBDISTRICT: ("街道", "subdistrict", "街道办事处", "街道办"),
    AreaKind.TOWN: ("镇", "town"),
    AreaKind.TOWNSHIP: ("乡", "township", "民族乡", "苏木", "民族苏木"),
    AreaKind.TOWNSHIP_LIKE: ("类似乡级单位", "township-level unit", "政企合一单位"),
    AreaKind.RESIDENTS_COMMITTEE: (
        "社区",
        "residents' committee",
        "居委会",
        "居民委员会",
        "社区居委会",
    ),
    AreaKind.VILLAGERS_COMMITTEE: ("村", "villagers' committee", "村委会", "村民委员会", "嘎查"),
    AreaKind.VILLAGE_LIKE: ("类似村级单位", "village-level unit"),
}


def kind_label(value: object, lang: str = "zh") -> str | None:
    """A stored kind value (``ordinary``/``dedicated`` on grids, ``town``/… on streets
    and communities) as people read it; None stays None and an unknown value is shown
    as it is."""
    if _missing(value):
        return None
    for enum in (NodeKind, AreaKind):
        try:
            return enum(str(value)).label(lang)
        except ValueError:
            continue
    return str(value)


def parse_kind(text: str) -> NodeKind | AreaKind | None:
    """The kind a cell names exactly: the value or a label in either language
    (``dedicated``, 专属网格, ``Dedicated grid``; ``town``, 镇, 村委会); None for
    anything else."""
    key = str(text).strip().lower()
    for kind, labels in KIND_LABELS.items():
        if key == kind.value or key in (label.lower() for label in labels):
            return kind
    for area, words in AREA_KIND_LABELS.items():
        if key == area.value or key in (word.lower() for word in words):
            return area
    return None


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA (a cell left empty)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA refuses to be a bool
        return True
