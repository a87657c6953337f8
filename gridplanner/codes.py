"""The code scheme: district 6 digits, then a fixed number of digits per level.

Defaults (PRODUCT.md): district 6 (GB/T 2260), street +3 = 9 and community +3 = 12
(统计用区划代码), comprehensive grid +3 = 15, grid +3 = 18, grid unit +3 = 21.
A child's code always starts with its parent's code. Every segment is checked: no
segment is 0, and with the national widths (6+3+3) the district and the street and
village parts follow the rulebook (:mod:`gridplanner.code_rules`). A retired code is
never reused. New sequence numbers follow one reading order
(:func:`reading_order`: rows north→south, each west→east, in metres).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from gridplanner import code_rules
from gridplanner.code_rules import Violation
from gridplanner.crs import STORAGE_CRS, measuring_epsg
from gridplanner.errors import CodeError
from gridplanner.levels import LEVELS, Level

DEFAULT_WIDTHS: dict[Level, int] = {
    Level.DISTRICT: 6,
    Level.STREET: 3,
    Level.COMMUNITY: 3,
    Level.COMPREHENSIVE_GRID: 3,
    Level.GRID: 3,
    Level.GRID_UNIT: 3,
}


@dataclass(frozen=True)
class CodeScheme:
    """How many digits each level adds to its parent's code."""

    widths: Mapping[Level, int] = field(default_factory=lambda: dict(DEFAULT_WIDTHS))

    def __post_init__(self) -> None:
        for level in LEVELS:
            width = self.widths.get(level)
            if not isinstance(width, int) or width < 1:
                raise CodeError(f"code width for level {level.value} must be a positive integer")

    def length(self, level: Level) -> int:
        """Total number of digits of a code at ``level``."""
        return sum(self.widths[lv] for lv in LEVELS[: level.depth + 1])

    def level_of(self, code: str) -> Level:
        """The level a code belongs to, from its length."""
        for level in LEVELS:
            if len(code) == self.length(level):
                return level
        lengths = ", ".join(f"{lv.value}={self.length(lv)}" for lv in LEVELS)
        raise CodeError(f"code {code!r} has {len(code)} digits; expected one of {lengths}")

    @property
    def national(self) -> bool:
        """True when district, street and community have the national widths (6, 3, 3),
        so the GB/T 2260 and NBS rules apply to those segments."""
        return (
            self.widths[Level.DISTRICT] == 6
            and self.widths[Level.STREET] == 3
            and self.widths[Level.COMMUNITY] == 3
        )

    def violations(
        self,
        code: object,
        level: Level,
        parent_code: str | None = None,
        kind: object = None,
    ) -> list[Violation]:
        """Every rule ``code`` breaks as a node at ``level`` of ``kind`` (empty when it
        is well formed): format and every segment, the GB/T 2260 district structure,
        the NBS ranges of the street and village parts and of the stated kind, the
        parent's prefix. The GB/T 2260 list and name-implied kinds are not checked
        here (they warn; see :mod:`gridplanner.code_rules`)."""
        if not isinstance(code, str):
            text = f"code {code!r} is not text (codes keep their leading zeros as text)"
            return [Violation("format", f"编码 {code!r} 不是文本(编码须以文本保存前导零)", text)]
        found: list[Violation] = []
        if not code.isascii() or not code.isdigit():
            found.append(
                Violation(
                    "format",
                    f"编码 {code!r} 只能包含数字",
                    f"code {code!r} must contain digits only",
                )
            )
        want = self.length(level)
        if len(code) != want:
            found.append(
                Violation(
                    "format",
                    f"编码 {code!r} 有 {len(code)} 位; {level.zh}编码应为 {want} 位",
                    f"code {code!r} has {len(code)} digits; a {level.value} code has {want}",
                )
            )
        elif code.isascii() and code.isdigit():
            found.extend(self._segment_violations(code, level, kind))
        if parent_code is not None and not code.startswith(parent_code):
            found.append(
                Violation(
                    "prefix",
                    f"编码 {code!r} 不以上级编码 {parent_code!r} 开头",
                    f"code {code!r} does not start with its parent's code {parent_code!r}",
                )
            )
        return found

    def _segment_violations(self, code: str, level: Level, kind: object) -> list[Violation]:
        found: list[Violation] = []
        if self.national:
            found.extend(code_rules.district_violations(code[:6]))
        for lv in LEVELS[1 : level.depth + 1]:
            sequence = self.sequence(code, lv)
            if sequence == 0:
                found.append(_zero_segment(code, lv, lv is level, self.national))
            elif self.national:
                found.extend(code_rules.part_violations(lv, sequence))
        if self.national and code_rules.nbs.applies(level):
            found.extend(code_rules.kind_violations(level, self.sequence(code, level), kind))
        return found

    def problems(
        self, code: object, level: Level, parent_code: str | None = None, kind: object = None
    ) -> list[str]:
        """Every way ``code`` breaks the scheme (empty when it is well formed), in
        English (:meth:`violations` has both languages and the rule)."""
        return [v.en for v in self.violations(code, level, parent_code, kind)]

    def validate(
        self, code: object, level: Level, parent_code: str | None = None, kind: object = None
    ) -> str:
        """Return ``code`` if it is well formed, else raise :class:`CodeError`."""
        found = self.problems(code, level, parent_code, kind)
        if found:
            raise CodeError("; ".join(found))
        assert isinstance(code, str)
        return code

    def parent_code(self, code: str, level: Level) -> str | None:
        """The prefix that is the parent's code (None for a district)."""
        if level.parent is None:
            return None
        return code[: self.length(level.parent)]

    def sequence(self, code: str, level: Level) -> int:
        """The sequence number a level adds (the district's whole code for the root)."""
        return int(code[self.length(level) - self.widths[level] : self.length(level)])

    def child_code(self, parent_code: str, child_level: Level, sequence: int) -> str:
        """Compose a child's code from its parent's code and a sequence number."""
        width = self.widths[child_level]
        if not 1 <= sequence < 10**width:
            raise CodeError(
                f"sequence {sequence} does not fit {width} digits under {parent_code!r}"
            )
        return f"{parent_code}{sequence:0{width}d}"

    def next_free_code(
        self,
        parent_code: str,
        child_level: Level,
        used: Iterable[str] = (),
        retired: Iterable[str] = (),
        kind: object = None,
    ) -> str:
        """The first child code under ``parent_code`` that is neither in use nor retired."""
        return self.free_codes(parent_code, child_level, 1, used, retired, kind)[0]

    def free_codes(
        self,
        parent_code: str,
        child_level: Level,
        count: int,
        used: Iterable[str] = (),
        retired: Iterable[str] = (),
        kind: object = None,
    ) -> list[str]:
        """``count`` new child codes in ascending order, skipping used and retired codes.

        A street or community of a stated kind takes codes from its NBS range (a 镇
        from 101, a 村 from 201); other levels from 1."""
        taken = set(used) | set(retired)
        width = self.widths[child_level]
        allowed = (
            code_rules.sequence_range(child_level, kind, width)
            if self.national
            else code_rules.SequenceRange(1, 10**width - 1, 1)
        )
        out: list[str] = []
        for sequence in allowed.numbering():
            code = f"{parent_code}{sequence:0{width}d}"
            if code not in taken:
                out.append(code)
                if len(out) == count:
                    return sorted(out)
        raise CodeError(
            f"no free {child_level.value} code left under {parent_code!r} "
            f"({width} digits, {allowed.text}, {len(taken)} used or retired)"
        )


def _zero_segment(code: str, level: Level, own: bool, national: bool) -> Violation:
    if own:
        zh = f"编码 {code!r} 的{level.zh}序号为 0; 序号从 1 开始"
        en = f"code {code!r} ends in sequence 0; sequences start at 1"
    else:
        zh = f"编码 {code!r} 中的{level.zh}段为 0; 每一段序号都从 1 开始"
        en = f"code {code!r} has {level.value} part 0; every part's sequence starts at 1"
    if national and code_rules.nbs.applies(level):
        zh += "(NBS 统计用区划代码中 000 是汇总行, 不是区划)"
        en += " (000 is the NBS total row, not an area)"
    return Violation("format", zh, en)


def reading_order(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    heights: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """Indices in the order local standards number siblings: rows north→south, each
    west→east. ``x``/``y`` are in metres (see :func:`reading_order_of` for lon/lat).

    A row starts at its northernmost item and takes every item whose centre lies
    less than half a row height below it; the row height is the median of the
    siblings' north–south ``heights`` (without them, the typical item size: the
    square root of the bounding box area per item). So neighbours at nearly the same
    latitude share a row whatever the band edges, and a row never drifts south.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    n = len(xs)
    if n == 0:
        return np.zeros(0, dtype=int)
    sizes = np.asarray(heights, dtype=float) if heights is not None else np.zeros(0)
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    if len(sizes):
        row_height = float(np.median(sizes))
    else:
        width = float(xs.max() - xs.min())
        height = float(ys.max() - ys.min())
        row_height = float(np.sqrt(max(width, 1e-12) * max(height, 1e-12) / n))
    reach = max(row_height, 1e-12) / 2.0
    rows = np.empty(n, dtype=np.int64)
    row, top = -1, np.inf
    for index in np.lexsort((xs, -ys)).tolist():  # north first, then west
        if row < 0 or top - ys[index] >= reach:
            row, top = row + 1, ys[index]
        rows[index] = row
    return np.lexsort((-ys, xs, rows))


def reading_order_of(geometries: Sequence[Any] | np.ndarray, crs: object = None) -> np.ndarray:
    """:func:`reading_order` of lon/lat (CGCS2000) polygons or points: centroids and
    north–south extents projected to the CGCS2000 3° Gauss–Krüger zone ``crs`` (an
    EPSG code or ``"EPSG:4550"``; None: the zone of the geometries). Missing or empty
    geometries come last, in the order given."""
    geoms = np.asarray(list(geometries), dtype=object)
    if len(geoms) == 0:
        return np.zeros(0, dtype=int)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    have = np.flatnonzero(present)
    if len(have) == 0:
        return np.arange(len(geoms))
    shown = geoms[have]
    bounds = shapely.bounds(shown)
    centres = shapely.centroid(shown)
    lon, lat = shapely.get_x(centres), shapely.get_y(centres)
    epsg = _epsg(crs) if crs is not None else measuring_epsg(shapely.total_bounds(shown))
    to_metres = _to_metres(epsg)
    x, y = to_metres.transform(lon, lat)
    _, south = to_metres.transform(lon, bounds[:, 1])
    _, north = to_metres.transform(lon, bounds[:, 3])
    order = have[reading_order(x, y, np.asarray(north) - np.asarray(south))]
    return np.concatenate([order, np.flatnonzero(~present)])


def number_in_reading_order(
    scheme: CodeScheme,
    parent_code: str,
    child_level: Level,
    geometries: Sequence[Any] | np.ndarray,
    used: Iterable[str] = (),
    retired: Iterable[str] = (),
    kinds: Sequence[object] | None = None,
    crs: object = None,
) -> list[str]:
    """New codes for children with these lon/lat ``geometries``, in reading order
    (:func:`reading_order_of`); streets and communities of a stated kind are numbered
    in their kind's NBS range (社区 001…, 村 201…), each range in reading order."""
    order = reading_order_of(geometries, crs).tolist()
    taken = set(used)
    codes = [""] * len(order)
    groups: dict[object, list[int]] = {}
    for index in order:
        kind = kinds[index] if kinds is not None else None
        groups.setdefault(code_rules.stated_kind(child_level, kind), []).append(index)
    for kind, members in groups.items():
        fresh = scheme.free_codes(parent_code, child_level, len(members), taken, retired, kind)
        for index, code in zip(members, fresh, strict=True):
            codes[index] = code
        taken.update(fresh)
    return codes


def _epsg(crs: object) -> int:
    text = str(crs).strip().upper()
    return int(text.removeprefix("EPSG:"))


@lru_cache(maxsize=8)
def _to_metres(epsg: int) -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, f"EPSG:{epsg}", always_xy=True)
