"""A checkout of the shared store opened in the app: the scope can be edited, the
neighbouring ring is read-only (the commit would refuse it), the status bar says
whose scope it is. Needs PostgreSQL + PostGIS (the ``pg_cluster`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgcluster import PgCluster

from gridplanner.cli import main
from gridplanner.editing import assign_units
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.pgstore.checkout import check_out, checkout_scope, write_checkout
from gridplanner.store import load_project


def test_the_ring_of_a_checkout_is_read_only_in_the_app(
    gp_app, pg_cluster: PgCluster, sample_street_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url = pg_cluster.new_database()
    assert main(["db", "load", str(sample_street_path), url]) == 0
    code = sorted(load_project(url).level(Level.COMMUNITY)["code"])[0]
    local = tmp_path / "zhang.gpkg"
    write_checkout(check_out(url, code, "张三"), local)
    scope = checkout_scope(local)
    assert scope is not None and scope.code == code and scope.owner == "张三"
    warnings: list[str] = []
    monkeypatch.setattr(gp_app.window, "show_warning", warnings.append)
    controller = gp_app.controller
    assert controller.open(local)
    assert controller.checkout_guard is not None and code in controller.checkout_guard.status()
    plan = controller.project
    shapes = plan.nodes.geometry
    inside = [u for u in plan.level(Level.GRID_UNIT).index if u in scope.editable]
    ring = [u for u in plan.level(Level.GRID_UNIT).index if u not in scope.editable]
    pairs = [
        (u, int(plan.nodes.at[n, "parent_id"]))
        for u in ring
        for n in units_near(plan, shapes[u])
        if n in scope.editable and shapes[u].intersection(shapes[n]).length > 0
    ]
    unit, grid = pairs[0]
    edits = controller.edits
    assert not edits.plan(lambda: assign_units(plan, [unit], grid, allow_cross_community=True))
    assert warnings and "只读" in warnings[-1]
    assert controller.project.nodes.at[unit, "parent_id"] != grid  # nothing applied
    for mine in inside:  # painting inside the scope works as ever
        home = int(plan.nodes.at[mine, "parent_id"])
        community = plan.ancestors(mine)[2]
        near = {int(plan.nodes.at[n, "parent_id"]) for n in units_near(plan, shapes[mine])}
        targets = [g for g in near - {home} if g in scope.editable
                   and plan.ancestors(g)[2] == community]  # fmt: skip
        if targets:
            assert edits.push(assign_units(plan, [mine], targets[0]))
            break
    else:
        raise AssertionError("no unit to paint inside the scope")
