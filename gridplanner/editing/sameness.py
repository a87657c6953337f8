"""Exact comparison of two plans (for undo tests: "undoing every step restores the
original plan exactly") and a cheap copy to compare against."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gridplanner.model import Project


def copy_plan(project: Project) -> Project:
    """An independent copy of the plan (:meth:`Project.copy`)."""
    return project.copy()


def plan_differences(a: Project, b: Project) -> list[str]:
    """Every way ``b`` differs from ``a``: values, dtypes, row order, exact geometry,
    retired codes (with their order) and the id counter. Empty when identical."""
    found: list[str] = []
    for table in ("nodes", "buildings", "workers"):
        found.extend(_frame_differences(table, getattr(a, table), getattr(b, table)))
    if list(a.retired_codes.items()) != list(b.retired_codes.items()):
        extra = set(b.retired_codes.items()) ^ set(a.retired_codes.items())
        found.append(f"retired codes differ: {sorted(extra)[:5]}")
    if a.next_id != b.next_id:
        found.append(f"next_id differs: {a.next_id} != {b.next_id}")
    return found


def _frame_differences(table: str, a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    if list(a.columns) != list(b.columns):
        return [f"{table}: columns {list(a.columns)} != {list(b.columns)}"]
    if not a.index.equals(b.index) or a.index.dtype != b.index.dtype:
        return [f"{table}: row ids or their order differ"]
    found = []
    if not a.dtypes.equals(b.dtypes):
        found.append(f"{table}: dtypes differ: {dict(a.dtypes)} != {dict(b.dtypes)}")
    geometry = getattr(a, "_geometry_column_name", None)
    plain = [c for c in a.columns if c != geometry]
    try:
        pd.testing.assert_frame_equal(a[plain], b[plain], check_exact=True)
    except AssertionError as error:
        found.append(f"{table}: {str(error).splitlines()[0]} {str(error)[-300:]}")
    if geometry is not None:
        ga, gb = a[geometry].to_numpy(), b[geometry].to_numpy()
        missing = shapely.is_missing(ga) | shapely.is_missing(gb)
        same = np.zeros(len(ga), dtype=bool)
        same[~missing] = shapely.equals_exact(ga[~missing], gb[~missing], tolerance=0.0)
        same[missing] = shapely.is_missing(ga[missing]) & shapely.is_missing(gb[missing])
        if not same.all():
            bad = a.index[~same].tolist()
            found.append(f"{table}: geometry of {len(bad)} row(s) differs, e.g. id {bad[0]}")
        if a.crs != b.crs:
            found.append(f"{table}: CRS {a.crs} != {b.crs}")
    return found
