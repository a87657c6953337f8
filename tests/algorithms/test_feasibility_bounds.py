"""The whole-units bound: valid (never above the best plan, found by brute force over
every assignment of units to parts) and tight where whole units decide it."""

from __future__ import annotations

import itertools
import random

import pytest

from gridplanner.algorithms.feasibility import whole_units_bound


def _best_plan(weights: list[int], targets: list[float]) -> float:
    best = float("inf")
    for labels in itertools.product(range(len(targets)), repeat=len(weights)):
        sums = [0.0] * len(targets)
        for w, label in zip(weights, labels, strict=True):
            sums[label] += w
        if min(sums) <= 0:
            continue
        best = min(best, max(abs(s - t) / t for s, t in zip(sums, targets, strict=True)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_never_above_the_best_plan(seed: int) -> None:
    rng = random.Random(seed)
    weights = [rng.choice([2, 4, 6, 3, 9, 5]) for _ in range(rng.randint(3, 7))]
    k = rng.randint(2, 3)
    shares = [rng.uniform(0.5, 1.5) for _ in range(k)]
    targets = [sum(weights) * s / sum(shares) for s in shares]
    assert whole_units_bound(weights, targets) <= _best_plan(weights, targets) + 1e-9


def test_equal_units_into_parts_that_do_not_divide_them() -> None:
    # 4,109 zones of weight 1 into 67 parts: 61 or 62 zones each, 62/61.33 - 1 = 1.09%
    assert whole_units_bound([1] * 4109, [4109 / 67] * 67) == pytest.approx(0.01095, abs=1e-4)
    assert whole_units_bound([1] * 4109, [4109 / 134] * 134) == pytest.approx(0.02166, abs=1e-4)
    assert whole_units_bound([2] * 10, [10.0, 10.0]) == 0.0  # 5 + 5 units: exact
    assert whole_units_bound([2] * 10, [8.0, 12.0]) == 0.0
    assert whole_units_bound([2] * 3, [3.0, 3.0]) == pytest.approx(1 / 3, abs=1e-6)
    assert whole_units_bound([1.5, 2.5], [2.0, 2.0]) == 0.0  # not whole: no claim
