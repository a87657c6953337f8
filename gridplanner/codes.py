"""The code scheme: district 6 digits, then a fixed number of digits per level.

Defaults (PRODUCT.md): district 6 (GB/T 2260), street +3 = 9 and community +3 = 12
(统计用区划代码), comprehensive grid +3 = 15, grid +3 = 18, grid unit +3 = 21.
A child's code always starts with its parent's code. Sequence numbers run
west→east within rows that run north→south. A retired code is never reused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

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

    def problems(self, code: object, level: Level, parent_code: str | None = None) -> list[str]:
        """Every way ``code`` breaks the scheme (empty when it is well formed)."""
        if not isinstance(code, str):
            return [f"code {code!r} is not text (codes keep their leading zeros as text)"]
        found: list[str] = []
        if not code.isascii() or not code.isdigit():
            found.append(f"code {code!r} must contain digits only")
        want = self.length(level)
        if len(code) != want:
            found.append(f"code {code!r} has {len(code)} digits; a {level.value} code has {want}")
        elif level is not Level.DISTRICT and code.isdigit() and self.sequence(code, level) == 0:
            found.append(f"code {code!r} ends in sequence 0; sequences start at 1")
        if parent_code is not None and not code.startswith(parent_code):
            found.append(f"code {code!r} does not start with its parent's code {parent_code!r}")
        return found

    def validate(self, code: object, level: Level, parent_code: str | None = None) -> str:
        """Return ``code`` if it is well formed, else raise :class:`CodeError`."""
        found = self.problems(code, level, parent_code)
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
    ) -> str:
        """The lowest child code under ``parent_code`` that is neither in use nor retired."""
        return self.free_codes(parent_code, child_level, 1, used, retired)[0]

    def free_codes(
        self,
        parent_code: str,
        child_level: Level,
        count: int,
        used: Iterable[str] = (),
        retired: Iterable[str] = (),
    ) -> list[str]:
        """``count`` new child codes in ascending order, skipping used and retired codes."""
        taken = set(used) | set(retired)
        width = self.widths[child_level]
        out: list[str] = []
        for sequence in range(1, 10**width):
            code = f"{parent_code}{sequence:0{width}d}"
            if code not in taken:
                out.append(code)
                if len(out) == count:
                    return out
        raise CodeError(
            f"no free {child_level.value} code left under {parent_code!r} "
            f"({width} digits, {len(taken)} used or retired)"
        )


def reading_order(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> np.ndarray:
    """Indices sorted the way local standards number grids: rows north→south, west→east.

    Rows are bands of the typical item size (the square root of the bounding box
    area per item), so a slightly higher neighbour to the east still comes after.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    n = len(xs)
    if n == 0:
        return np.zeros(0, dtype=int)
    width = float(xs.max() - xs.min())
    height = float(ys.max() - ys.min())
    row_height = max(np.sqrt(max(width, 1e-12) * max(height, 1e-12) / n), 1e-12)
    rows = np.floor((ys.max() - ys) / row_height).astype(np.int64)
    return np.lexsort((xs, rows))


def number_in_reading_order(
    scheme: CodeScheme,
    parent_code: str,
    child_level: Level,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    used: Iterable[str] = (),
    retired: Iterable[str] = (),
) -> list[str]:
    """New codes for children at (x, y), numbered west→east, north→south."""
    order = reading_order(x, y)
    fresh = (
        scheme.free_codes(parent_code, child_level, len(order), used, retired) if len(order) else []
    )
    codes = [""] * len(order)
    for rank, index in enumerate(order):
        codes[int(index)] = fresh[rank]
    return codes
