"""After any run of edits (and undo/redo), the window's incremental refresh leaves the
tree, the tally table, the rollups and the map snapshot exactly as a rebuild from the
plan would — with Qt's own model tester watching every row signal — and an edit on the
county refreshes only the rows it changed."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtTest import QAbstractItemModelTester
from random_edits import OPERATIONS

from gridplanner.editing import EditError, assign_units
from gridplanner.layers.snapshot import build_map_data
from gridplanner.rollups import compute_rollups
from gridplanner.ui.tally_panel import TallyModel
from gridplanner.ui.tree_panel import WORKER_OFFSET, HierarchyModel

MODE = QAbstractItemModelTester.FailureReportingMode.Warning  # FAIL! lines, read below


def _tree_equals_rebuild(app: Any) -> None:
    project, rollups = app.controller.project, app.controller.rollups
    model = app.window.tree_panel.model
    fresh = HierarchyModel()
    fresh.reset(project, rollups)
    live = {k: v for k, v in model._children.items() if v}
    assert live == {k: v for k, v in fresh._children.items() if v}
    for key, row in fresh._row.items():
        assert model._row[key] == row and model._parent[key] == fresh._parent[key]
    for node in project.nodes.index[:: max(1, len(project.nodes) // 300)]:
        index, other = model.index_of(node), fresh.index_of(node)
        for column in range(5):
            assert model.data(index.siblingAtColumn(column)) == fresh.data(
                other.siblingAtColumn(column)
            ), (node, column)


def _tallies_equal_rebuild(app: Any) -> None:
    project = app.controller.project
    expected = compute_rollups(project)
    live = app.controller.rollups.reindex(expected.index)
    pd.testing.assert_frame_equal(live, expected, check_exact=True)
    table = app.window.tally_panel.model
    grids = project.nodes.index[project.nodes["level"] == "grid"]
    fresh = TallyModel()
    fresh.set_frame(project, expected.reindex(grids))
    mine = dict(zip(table.ids.tolist(), zip(table.names, table.households.tolist(),
                                            table.ratio.tolist(), strict=True), strict=True))
    theirs = dict(zip(fresh.ids.tolist(), zip(fresh.names, fresh.households.tolist(),
                                              fresh.ratio.tolist(), strict=True), strict=True))
    assert mine.keys() == theirs.keys()
    for grid, (name, households, ratio) in theirs.items():
        got = mine[grid]
        assert got[0] == name and got[1] == households
        assert got[2] == ratio or (np.isnan(got[2]) and np.isnan(ratio))


def _map_equals_rebuild(app: Any) -> None:
    project, data = app.controller.project, app.controller.data
    fresh = build_map_data(project, compute_rollups(project))
    for level, geo in fresh.levels.items():
        live = data.levels[level]
        assert sorted(live.ids.tolist()) == sorted(geo.ids.tolist()), level
        rows = live.row_of(geo.ids)
        assert np.array_equal(live.ids[rows], geo.ids)
        assert live.rings.ring_count == geo.rings.ring_count
        assert np.allclose(live.label_xy[rows], geo.label_xy, atol=1e-6)
        for key in ("households", "names", "dedicated"):
            assert np.array_equal(
                getattr(data.attributes, key)[level][rows], getattr(fresh.attributes, key)[level]
            ), (level, key)
        assert np.allclose(
            data.attributes.deviation[level][rows], fresh.attributes.deviation[level],
            equal_nan=True,
        )  # fmt: skip
        assert len(data.attributes.colour[level]) == len(live.ids)
    units, grids = data.levels["grid_unit"], data.levels["grid"]  # type: ignore[index]
    parents = project.nodes["parent_id"].reindex(units.ids).to_numpy()
    rows = data.attributes.grid_row
    assert all(grids.ids[r] == p for r, p in zip(rows, parents, strict=True) if r >= 0)


@pytest.fixture
def street_app(gp_app: Any, sample_street_path: Path, tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "street.gpkg"
    shutil.copy(sample_street_path, path)
    assert gp_app.controller.open(path)
    gp_app.tree_tester = QAbstractItemModelTester(gp_app.window.tree_panel.model, MODE)
    gp_app.tally_tester = QAbstractItemModelTester(gp_app.window.tally_panel.model, MODE)
    failures: list[str] = []

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if "FAIL" in message:
            failures.append(message)

    previous = qInstallMessageHandler(handler)
    gp_app.model_failures = failures
    yield gp_app
    qInstallMessageHandler(previous)
    assert failures == [], failures[:5]


@settings(
    max_examples=int(os.environ.get("GRIDPLANNER_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, len(OPERATIONS) - 1), st.integers(0, 2**32)),
        min_size=2,
        max_size=6,
    ),
    flush_each=st.booleans(),
)
def test_refresh_equals_rebuild_after_any_edits(
    street_app: Any, steps: list[tuple[int, int]], flush_each: bool
) -> None:
    app = street_app
    controller = app.controller
    stack = controller.undo_stack
    start = stack.index()
    for op, seed in steps:
        try:
            edit = OPERATIONS[op](controller.project, random.Random(seed))
        except EditError:
            continue
        controller.edits.push(edit)
        if flush_each:  # otherwise several edits pile up into one refresh
            controller.edits.flush()
    controller.edits.flush()
    assert app.model_failures == [], app.model_failures[:5]
    _tree_equals_rebuild(app)
    _tallies_equal_rebuild(app)
    _map_equals_rebuild(app)
    while stack.index() > start:
        stack.undo()
    controller.edits.flush()
    _tree_equals_rebuild(app)
    _tallies_equal_rebuild(app)
    _map_equals_rebuild(app)


def test_worker_moves_and_renames_refresh_their_rows(street_app: Any) -> None:
    from gridplanner import editing

    app = street_app
    project = app.controller.project
    worker = int(project.workers.index[0])
    home = int(project.workers.at[worker, "grid_id"])
    there = int(project.nodes.index[(project.nodes["level"] == "grid")][-1])
    app.controller.edits.push(editing.move_worker(project, worker, there))
    app.controller.edits.push(editing.rename_node(project, there, "改名后的网格"))
    app.controller.edits.flush()
    model = app.window.tree_panel.model
    assert model._parent[WORKER_OFFSET + worker] == there
    assert model.data(model.index_of(there)) == "改名后的网格"
    assert home in app.controller.edits.last_change.tallies
    _tree_equals_rebuild(app)
    _tallies_equal_rebuild(app)


@pytest.mark.slow
def test_a_county_edit_refreshes_only_its_rows(gp_app: Any, tmp_path: Path) -> None:
    from gridplanner.sample import generate_sample
    from gridplanner.store import save_project

    path = tmp_path / "county.gpkg"
    save_project(generate_sample("county", 0)[0], path)
    assert gp_app.controller.open(path)
    project = gp_app.controller.project
    nodes = project.nodes
    unit = int(nodes.index[nodes["level"] == "grid_unit"][100])
    home = int(nodes.at[unit, "parent_id"])
    sibling = next(
        int(g) for g in nodes.index[nodes["parent_id"] == nodes.at[home, "parent_id"]]
        if g != home
    )  # fmt: skip
    gp_app.controller.edits.push(assign_units(project, [unit], sibling))
    gp_app.controller.edits.flush()
    tree = gp_app.window.tree_panel.model
    table = gp_app.window.tally_panel.model
    change = gp_app.controller.edits.last_change
    # the unit, its two grids and their ancestors — not the county's 5,900 rows
    assert 0 < tree.rows_refreshed <= len(change.tallies | change.nodes) <= 12
    assert table.rows_refreshed == 2
    assert tree._parent[unit] == sibling
    _tallies_equal_rebuild(gp_app)
