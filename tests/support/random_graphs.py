"""Random planar graphs for property tests (on the test path via pytest's pythonpath)."""

from __future__ import annotations

import os

import numpy as np
import shapely
from hypothesis import HealthCheck, settings

from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency


def voronoi_graph(n: int, seed: int) -> UnitGraph:
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 1000, size=(n, 2)))
    box = shapely.box(0, 0, 1000, 1000)
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box)), box
    )
    return build_adjacency(polys)


SETTINGS = settings(
    max_examples=int(os.environ.get("GP_HYPOTHESIS_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
