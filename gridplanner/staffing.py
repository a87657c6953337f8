"""Staffing rules, each written once: the in-band test, the load figures, the sizing of a
node's scope and how many workers a group of households needs.

Every path that asks "is this grid inside its band?" or "which sizing applies here?" —
the rollups, the live editing tallies, the plan model the balancer works on and the
audit's staffing checks — calls these functions, so the answer cannot differ between
the tree, the tally dock, the balance report and the audit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gridplanner.settings import Settings, Sizing

FloatArray = npt.NDArray[np.float64]


def within_band(ratio: Any, band_min: Any, band_max: Any, exempt: Any = False) -> Any:
    """The one in-band rule: ``band_min ≤ households per worker ≤ band_max`` (inclusive),
    or exempt (a dedicated grid, 专属网格). A missing ratio (no worker) is out of band.

    Works on scalars and on numpy arrays alike (element-wise)."""
    r = np.asarray(ratio, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        inside = (r >= band_min) & (r <= band_max)
    out = inside | np.asarray(exempt, dtype=bool)
    return bool(out) if out.ndim == 0 else out


def load_figures(
    households: Any, workers: Any, target: Any, band_min: Any, band_max: Any, exempt: Any = False
) -> tuple[Any, Any, Any]:
    """Households per worker (NaN without a worker), the deviation from the target and
    the in-band flag — scalars or arrays, the same formulas everywhere."""
    h = np.asarray(households, dtype=np.float64)
    w = np.asarray(workers, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, h / np.where(w > 0, w, 1.0), np.nan)
        deviation = ratio / np.asarray(target, dtype=np.float64) - 1.0
    in_band = within_band(ratio, band_min, band_max, exempt)
    if ratio.ndim == 0:
        return float(ratio), float(deviation), bool(in_band)
    return ratio, deviation, in_band


def scope_sizing(settings: Settings, code: str, inherited: Sizing) -> Sizing:
    """The one sizing lookup step: a node's own scope sizing if it has one, else what it
    inherits from its parent (so the nearest scope wins: community before street before
    district before the project default)."""
    return settings.sizing_by_scope.get(code, inherited)


def sizing_for_chain(settings: Settings, ancestor_codes: Iterable[str]) -> Sizing:
    """The sizing at the end of a chain of codes from the root down."""
    sizing = settings.sizing
    for code in ancestor_codes:
        sizing = scope_sizing(settings, str(code), sizing)
    return sizing


def sizing_of_nodes(
    settings: Settings,
    nodes: Iterable[int],
    parent_of: Mapping[int, int | None],
    code_of: Mapping[int, Any],
) -> dict[int, Sizing]:
    """The sizing of every node in ``nodes`` (memoised walk up the tree)."""
    memo: dict[int, Sizing] = {}

    def sizing(node: int) -> Sizing:
        found = memo.get(node)
        if found is not None:
            return found
        chain = []
        current: int | None = node
        while current is not None and current not in memo:
            chain.append(current)
            current = parent_of.get(current)
        inherited = settings.sizing if current is None else memo[current]
        for member in reversed(chain):
            inherited = scope_sizing(settings, str(code_of.get(member, "")), inherited)
            memo[member] = inherited
        return memo[node]

    return {int(n): sizing(int(n)) for n in nodes}


@dataclass(frozen=True)
class StaffingNeed:
    """How many more workers (capacity, full-time equivalents) a set of grids needs.

    ``for_band``: the fewest that bring households per worker down to the band's upper
    edge; ``for_target``: how many bring it to about the target; ``surplus``: workers
    beyond what keeps it above the band's lower edge (over-staffed)."""

    households: float
    workers: float
    for_band: int
    for_target: int
    surplus: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "households": self.households,
            "workers": self.workers,
            "workers_needed": self.for_band,
            "workers_needed_for_target": self.for_target,
            "workers_surplus": self.surplus,
        }


def staffing_need(households: float, workers: float, sizing: Sizing) -> StaffingNeed:
    """Workers needed for ``households`` served by ``workers`` under ``sizing``."""
    h, w = float(households), float(workers)
    if h <= 0:
        return StaffingNeed(h, w, 0, 0, 0)
    band_workers = math.ceil(h / sizing.band_max - 1e-9)
    target_workers = max(1, round(h / sizing.target))
    most = math.floor(h / sizing.band_min + 1e-9)
    return StaffingNeed(
        h,
        w,
        max(0, math.ceil(band_workers - w - 1e-9)),
        max(0, math.ceil(target_workers - w - 1e-9)),
        max(0, math.floor(w - most + 1e-9)),
    )
