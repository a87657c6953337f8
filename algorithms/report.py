"""The balancing report: a plain dataclass with ``to_dict()`` for UI and files."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from gridplanner.algorithms.adjacency import UnitGraph
from gridplanner.algorithms.metrics import (
    cut_length,
    households_moved,
    part_contiguity,
    part_tallies,
    polsby_popper,
)
from gridplanner.algorithms.objective import ObjectiveTerms


@dataclass
class PartReport:
    part: int
    units: int
    households: float
    capacity: float
    target: float
    ratio: float  # households per capacity unit (户/人)
    deviation: float  # (households - target) / target
    contiguous: bool
    polsby_popper: float


@dataclass
class PartitionReport:
    parts: list[PartReport]
    band: float
    target_per_capacity: float
    max_abs_deviation: float
    within_band: bool
    all_contiguous: bool
    mean_polsby_popper: float
    cut_length: float
    households_moved: float
    units_moved: int
    best_achievable_deviation: float
    objective: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    # proven: no contiguous plan puts every part inside the band (the bound says
    # how close one can get); False when not proven, or when the plan is inside
    band_impossible: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    graph: UnitGraph,
    weights: np.ndarray,
    labels: np.ndarray,
    capacities: np.ndarray,
    target_per_capacity: float,
    band: float,
    existing: np.ndarray | None,
    best_achievable: float,
    terms: ObjectiveTerms,
    seconds: float,
    band_impossible: bool = False,
) -> PartitionReport:
    K = len(capacities)
    tal = part_tallies(labels, weights, capacities, target_per_capacity)
    contig = part_contiguity(graph, labels, K)
    pp = polsby_popper(graph, labels, K)
    counts = np.bincount(labels[labels >= 0], minlength=K)
    parts = [
        PartReport(
            part=k,
            units=int(counts[k]),
            households=float(tal.households[k]),
            capacity=float(tal.capacity[k]),
            target=float(tal.target[k]),
            ratio=float(tal.ratio[k]),
            deviation=float(tal.deviation[k]),
            contiguous=bool(contig[k]),
            polsby_popper=float(pp[k]),
        )
        for k in range(K)
    ]
    max_dev = float(np.max(np.abs(tal.deviation))) if K else 0.0
    moved = 0.0 if existing is None else households_moved(labels, existing, weights)
    units_moved = 0 if existing is None else int(((existing >= 0) & (labels != existing)).sum())
    return PartitionReport(
        parts=parts,
        band=band,
        target_per_capacity=float(target_per_capacity),
        max_abs_deviation=max_dev,
        within_band=max_dev <= band + 1e-12,
        all_contiguous=all(contig),
        mean_polsby_popper=float(pp.mean()) if K else 0.0,
        cut_length=cut_length(graph, labels),
        households_moved=moved,
        units_moved=units_moved,
        best_achievable_deviation=best_achievable,
        objective={
            "total": terms.total,
            "band_violation": terms.band_violation,
            "balance": terms.balance,
            "compactness": terms.compactness,
            "disruption": terms.disruption,
        },
        seconds=seconds,
        band_impossible=band_impossible and max_dev > band + 1e-12,
    )
