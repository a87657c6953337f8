"""统计用区划代码编制规则 (National Bureau of Statistics): what the street and village
parts of a 12-digit statistical code say about the unit.

The 12 digits are the GB/T 2260 county code (6), the township-level part (3) and
the village-level part (3). The township-level part's range names the unit's type:
001–099 街道, 100–199 镇, 200–399 乡 (民族乡, 苏木), 400–599 similar units
(地区办事处, 农场, 开发区 …, formerly 政企合一单位). The village-level part: 001–199
居民委员会 (社区), 200–399 村民委员会 (村); the NBS tables also use 400–599 for units
like 生活区 under farms and corps (类似村级单位). 000 is the NBS total row of the
level above, never an area.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from gridplanner.code_rules.rule import Violation
from gridplanner.levels import COMMUNITY_KINDS, STREET_KINDS, AreaKind, Level, NodeKind

STANDARD_ZH = "NBS 统计用区划代码"
STANDARD_EN = "NBS statistical division code (统计用区划代码)"


@dataclass(frozen=True)
class SequenceRange:
    """Sequences ``low``–``high`` (inclusive); new codes start at ``first``."""

    low: int
    high: int
    first: int

    def __contains__(self, sequence: object) -> bool:
        return isinstance(sequence, int) and self.low <= sequence <= self.high

    @property
    def text(self) -> str:
        """As the rules write it: 100–199."""
        return f"{self.low:03d}–{self.high:03d}"

    def numbering(self) -> Iterator[int]:
        """Sequences in the order new codes take them: from ``first`` up, then the
        rest of the range (100 for a 镇 once 101–199 are taken)."""
        return chain(range(self.first, self.high + 1), range(self.low, self.first))


#: The range of each kind. The first code of a range that starts at x00 is x01, as
#: counties number them (镇 101, 乡 201, 村 201); x00 stays valid.
RANGES: dict[AreaKind, SequenceRange] = {
    AreaKind.SUBDISTRICT: SequenceRange(1, 99, 1),
    AreaKind.TOWN: SequenceRange(100, 199, 101),
    AreaKind.TOWNSHIP: SequenceRange(200, 399, 201),
    AreaKind.TOWNSHIP_LIKE: SequenceRange(400, 599, 401),
    AreaKind.RESIDENTS_COMMITTEE: SequenceRange(1, 199, 1),
    AreaKind.VILLAGERS_COMMITTEE: SequenceRange(200, 399, 201),
    AreaKind.VILLAGE_LIKE: SequenceRange(400, 599, 401),
}
#: Every sequence the rules define for the part (000 and 600–999 are none of them).
PART_RANGE = SequenceRange(1, 599, 1)
PART_WORDS = {
    Level.STREET: ("乡级代码", "township-level part"),
    Level.COMMUNITY: ("村级代码", "village-level part"),
}
KINDS_OF_LEVEL = {Level.STREET: STREET_KINDS, Level.COMMUNITY: COMMUNITY_KINDS}

#: Name endings → kind, longest first when matching (地区办事处 before 办事处).
NAME_SUFFIXES: dict[Level, tuple[tuple[str, AreaKind], ...]] = {
    Level.STREET: (
        *((s, AreaKind.TOWNSHIP_LIKE) for s in ("地区办事处", "农场", "林场", "牧场", "渔场")),
        *((s, AreaKind.TOWNSHIP_LIKE) for s in ("开发区", "园区", "管委会", "管理委员会")),
        *((s, AreaKind.TOWNSHIP_LIKE) for s in ("管理区", "示范区")),
        *((s, AreaKind.SUBDISTRICT) for s in ("街道办事处", "街道办", "街道", "办事处")),
        ("镇", AreaKind.TOWN),
        ("乡", AreaKind.TOWNSHIP),
        ("苏木", AreaKind.TOWNSHIP),
    ),
    Level.COMMUNITY: (
        *((s, AreaKind.RESIDENTS_COMMITTEE) for s in ("社区居民委员会", "居民委员会")),
        *((s, AreaKind.RESIDENTS_COMMITTEE) for s in ("社区居委会", "居委会", "社区")),
        *((s, AreaKind.VILLAGERS_COMMITTEE) for s in ("村民委员会", "村委会", "村", "嘎查")),
        ("生活区", AreaKind.VILLAGE_LIKE),
    ),
}


def applies(level: Level) -> bool:
    """True for the levels whose part the NBS rules define (street, community)."""
    return level in KINDS_OF_LEVEL


def stated_kind(level: Level, value: object) -> AreaKind | None:
    """The area kind a node's ``kind`` value states for ``level``; None when it states
    none (empty, ``ordinary``) — a kind of another level is refused by
    :func:`kind_violations`, not here."""
    try:
        kind = AreaKind(str(value))
    except ValueError:
        return None
    return kind if kind in KINDS_OF_LEVEL.get(level, ()) else None


def unstated(kind: object) -> bool:
    """True when a street's or community's ``kind`` states nothing: empty, or the
    ``ordinary`` every node got before streets and communities had kinds."""
    if kind is None:
        return True
    try:
        if kind != kind:  # NaN
            return True
    except TypeError:  # pandas.NA
        return True
    return str(kind).strip() in ("", NodeKind.ORDINARY.value)


def kind_from_name(level: Level, name: object) -> AreaKind | None:
    """The kind a name's ending implies (…街道, …镇, …乡, …社区, …村), or None."""
    if not applies(level) or not isinstance(name, str):
        return None
    text = name.strip()
    for suffix, kind in sorted(NAME_SUFFIXES[level], key=lambda p: -len(p[0])):
        if text.endswith(suffix):
            return kind
    return None


def kind_of_sequence(level: Level, sequence: int) -> AreaKind | None:
    """The kind a sequence's range names at ``level`` (None outside every range)."""
    for kind in KINDS_OF_LEVEL.get(level, ()):
        if sequence in RANGES[kind]:
            return kind
    return None


def sequence_range(level: Level, kind: object, width: int) -> SequenceRange:
    """The sequences a new code of ``kind`` at ``level`` may take (every sequence of
    ``width`` digits for a level or kind the rules leave open)."""
    area = stated_kind(level, kind)
    if area is not None and width == 3:
        return RANGES[area]
    return SequenceRange(1, 10**width - 1, 1)


def part_violations(level: Level, sequence: int) -> list[Violation]:
    """The part outside every range the rules define (600–999; 000 is a format error)."""
    if not applies(level) or sequence == 0 or sequence in PART_RANGE:
        return []
    zh_part, en_part = PART_WORDS[level]
    ranges_zh = "、".join(f"{RANGES[k].text} {k.label()}" for k in KINDS_OF_LEVEL[level])
    ranges_en = ", ".join(f"{RANGES[k].text} {k.label()}" for k in KINDS_OF_LEVEL[level])
    return [
        Violation(
            "nbs_range",
            f"{STANDARD_ZH}: {zh_part} {sequence:03d} 不在规定范围内({ranges_zh})",
            f"{STANDARD_EN}: {en_part} {sequence:03d} is outside every range ({ranges_en})",
        )
    ]


def kind_violations(level: Level, sequence: int, kind: object) -> list[Violation]:
    """A stated kind whose range the sequence is not in (a 镇 coded 001), or a kind of
    another level (a community marked 镇)."""
    if not applies(level) or sequence == 0:
        return []
    try:
        area = AreaKind(str(kind))
    except ValueError:
        return []
    if area.level is not level:
        return [
            Violation(
                "nbs_range",
                f"{STANDARD_ZH}: 类型「{area.label()}」属于{area.level.zh}, 不能用于{level.zh}",
                f"{STANDARD_EN}: kind {area.value} ({area.label()}) is a "
                f"{area.level.value}'s, not a {level.value}'s",
            )
        ]
    return _range_violation(level, sequence, area, None)


def name_violations(level: Level, sequence: int, kind: object, name: object) -> list[Violation]:
    """Only when no kind is stated: the kind the name implies disagrees with the range
    (示例桃林镇 coded 001). A warning: names are read, not declared."""
    if not applies(level) or sequence == 0 or not unstated(kind):
        return []  # a stated kind is checked by kind_violations
    implied = kind_from_name(level, name)
    if implied is None:
        return []
    return _range_violation(level, sequence, implied, str(name))


def _range_violation(
    level: Level, sequence: int, kind: AreaKind, name: str | None
) -> list[Violation]:
    allowed = RANGES[kind]
    if sequence in allowed or sequence not in PART_RANGE:
        return []
    zh_part, en_part = PART_WORDS[level]
    if name is None:
        zh = f"{STANDARD_ZH}: {kind.label()} 的{zh_part}应在 {allowed.text}, 此处为 {sequence:03d}"
        en = (
            f"{STANDARD_EN}: a {kind.label('en')} ({kind.label()}) has its {en_part} in "
            f"{allowed.text}, not {sequence:03d}"
        )
        return [Violation("nbs_range", zh, en)]
    zh = (
        f"{STANDARD_ZH}: 名称「{name}」表明是{kind.label()}, {kind.label()} 的{zh_part}应在 "
        f"{allowed.text}, 此处为 {sequence:03d}(或在类型中注明)"
    )
    en = (
        f"{STANDARD_EN}: the name {name!r} says {kind.label()} ({kind.label('en')}), whose "
        f"{en_part} is {allowed.text}, not {sequence:03d} (or state the kind)"
    )
    return [Violation("nbs_name", zh, en, blocking=False)]
