"""Exceptions raised by the balancing core.

They are deliberately independent of ``gridplanner.errors`` (the algorithms layer
imports nothing from the rest of the package); callers may wrap them.
"""

from __future__ import annotations

from collections.abc import Sequence

REASON_CODES = (
    "island",
    "unit_too_large",
    "too_many_parts",
    "locks_conflict",
    "choke_point",
    "bad_input",
)


class InfeasibleError(Exception):
    """A balancing request that cannot be met, with a machine-readable reason.

    ``reason_code`` is one of :data:`REASON_CODES`; ``units`` names the unit
    indices involved (a component, the oversized unit, the locked units, the
    articulation unit) and ``parts`` the part indices involved, so the UI can
    show the failing constraint on the map.
    """

    def __init__(
        self,
        reason_code: str,
        message: str,
        units: Sequence[int] = (),
        parts: Sequence[int] = (),
    ) -> None:
        if reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {reason_code!r}")
        super().__init__(f"[{reason_code}] {message}")
        self.reason_code = reason_code
        self.message = message
        self.units: tuple[int, ...] = tuple(int(u) for u in units)
        self.parts: tuple[int, ...] = tuple(int(p) for p in parts)

    def __reduce__(self) -> tuple[type[InfeasibleError], tuple[object, ...]]:
        # Picklable, so errors cross process boundaries in balance_nested.
        return (InfeasibleError, (self.reason_code, self.message, self.units, self.parts))


class Cancelled(Exception):
    """Raised when the caller's ``cancel()`` callback returned True."""


def format_units(units: Sequence[int], limit: int = 12) -> str:
    """Short human list of unit indices: ``3, 4, 9 … (+20 more)``."""
    items = [str(int(u)) for u in units]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" … (+{len(items) - limit} more)"
