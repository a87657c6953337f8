"""Checkouts of the shared store: leases, commits, conflicts named, border edits refused
in words, offline editing with the normal tools, a landed-but-unanswered commit taken
in, and the audit of the touched area across scope borders.

Needs PostgreSQL + PostGIS (the ``pg_cluster`` fixture starts a throwaway cluster)."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import shapely
from pgcluster import PgCluster

from gridplanner.cli import main
from gridplanner.editing import assign_units, rename_node
from gridplanner.editing.draft import Draft
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.apply import ChangeConflict
from gridplanner.pgstore.audit_area import audit_nodes
from gridplanner.pgstore.checkout import Checkout, check_out, read_checkout, write_checkout
from gridplanner.pgstore.commit import commit_plan
from gridplanner.pgstore.leases import LeaseRefused
from gridplanner.store import GeoPackageStore, load_project


@pytest.fixture
def street_url(pg_cluster: PgCluster, sample_street_path: Path) -> str:
    url = pg_cluster.new_database()
    assert main(["db", "load", str(sample_street_path), url]) == 0
    return str(url)


def _communities(url: str) -> list[str]:
    plan = load_project(url)
    return sorted(plan.level(Level.COMMUNITY)["code"].tolist())


def _paint_inside(plan: Project, checkout: Checkout, skip: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """Paint one unit of the scope into a neighbouring grid of its community; its id."""
    scope = checkout.scope_ids
    for unit in sorted(i for i in plan.level(Level.GRID_UNIT).index if i in scope):
        if unit in skip:
            continue
        home = int(plan.nodes.at[unit, "parent_id"])
        community = plan.ancestors(unit)[2]
        near = units_near(plan, plan.nodes.at[unit, "geometry"])
        grids = sorted({int(plan.nodes.at[u, "parent_id"]) for u in near} - {home})
        grids = [g for g in grids if g in scope and plan.ancestors(g)[2] == community]
        if grids:
            assign_units(plan, [unit], grids[0]).apply(plan)
            return unit
    raise AssertionError("no unit to paint")


def _row_versions(url: str, table: str, ids: list[int]) -> dict[int, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT id, row_version FROM gridplanner.{table} WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return {int(i): int(v) for i, v in rows}


def test_a_checkout_leases_its_scope_and_commits_back(
    street_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _communities(street_url)[:2]
    local = tmp_path / "zhang.gpkg"
    assert main(["db", "checkout", street_url, "--scope", first, "--owner", "张三",
                 "--out", str(local)]) == 0  # fmt: skip
    checkout = read_checkout(local)
    assert checkout.owner == "张三" and checkout.scope_code == first
    plan = GeoPackageStore().load(local)
    for table, versions in checkout.versions.items():  # every row records its base version
        ids = plan.buildings.index if table == "building" else (
            plan.workers.index if table == "worker" else plan.level(Level(table)).index
        )  # fmt: skip
        assert set(versions) == set(ids.tolist()), table
    street = load_project(street_url).level(Level.STREET)["code"].iloc[0]
    with pytest.raises(LeaseRefused, match="张三"):  # the street holds the leased community
        check_out(street_url, street, "李四")
    check_out(street_url, second, "李四")  # a sibling community is free
    assert main(["db", "status", street_url]) == 0
    status = capsys.readouterr().out
    assert "张三" in status and "李四" in status and first in status

    moved = _paint_inside(plan, checkout)
    GeoPackageStore().save(plan, local)  # what the app does on 保存
    assert main(["db", "commit", str(local), street_url, "-m", "调整网格"]) == 0
    assert "committed" in capsys.readouterr().out
    now = load_project(street_url)
    assert now.nodes.at[moved, "parent_id"] == plan.nodes.at[moved, "parent_id"]
    assert now.nodes.at[moved, "code"] == plan.nodes.at[moved, "code"]
    assert now.history[-1].author == "张三" and "调整网格" in now.history[-1].summary
    when = datetime.fromisoformat(now.history[-1].time)  # written like record_version does
    assert when.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - when).total_seconds() < 600
    assert main(["db", "commit", str(local), street_url]) == 0  # again: nothing new
    assert "nothing to commit" in capsys.readouterr().out


def test_offline_edits_with_the_normal_tools_commit_later(street_url: str, tmp_path: Path) -> None:
    plan = load_project(street_url)
    communities = plan.level(Level.COMMUNITY)
    busiest = max(communities.index, key=lambda c: len(plan.descendants_at(c, Level.GRID)))
    code = str(plan.nodes.at[busiest, "code"])
    local = tmp_path / "offline.gpkg"
    write_checkout(check_out(street_url, code, "王五"), local)
    # no connection needed from here on: the balancer edits the file in place
    assert main(["balance", str(local), "--scope", code, "--out", str(local)]) == 0
    edited = GeoPackageStore().load(local)
    assert main(["db", "commit", str(local), street_url, "--no-audit"]) == 0
    now = load_project(street_url)
    units = edited.descendants_at(busiest, Level.GRID_UNIT)
    assert (
        now.nodes.loc[units, "parent_id"].tolist() == edited.nodes.loc[units, "parent_id"].tolist()
    )
    assert now.nodes.loc[units, "code"].tolist() == edited.nodes.loc[units, "code"].tolist()


def test_a_conflict_names_the_rows_and_who_changed_them_and_writes_nothing(
    street_url: str, tmp_path: Path
) -> None:
    code = _communities(street_url)[0]
    mine = check_out(street_url, code, "张三", hours=1 / 3600)  # a one-second lease
    local = tmp_path / "zhang.gpkg"
    write_checkout(mine, local)
    time.sleep(1.5)
    theirs = check_out(street_url, code, "李四")  # allowed: the lease has ended
    their_plan = theirs.local_plan()
    grid = sorted(i for i in their_plan.level(Level.GRID).index if i in theirs.scope_ids)[0]
    rename_node(their_plan, grid, "李四改的名字").apply(their_plan)
    commit_plan(their_plan, theirs, street_url)
    plan = GeoPackageStore().load(local)
    rename_node(plan, grid, "张三改的名字").apply(plan)
    _paint_inside(plan, mine)
    GeoPackageStore().save(plan, local)
    before_file = local.read_bytes()
    with pytest.raises(LeaseRefused, match="李四"):  # while 李四 holds the scope
        main_commit(local, street_url)
    assert main(["db", "release", street_url, "--scope", code, "--owner", "李四"]) == 0
    versions = _row_versions(street_url, "grid", [grid])
    with pytest.raises(ChangeConflict) as refused:
        main_commit(local, street_url)
    message = str(refused.value)
    assert "李四" in message and str(plan.nodes.at[grid, "code"]) in message
    assert ("grid", grid) in refused.value.rows
    assert _row_versions(street_url, "grid", [grid]) == versions  # nothing written
    assert load_project(street_url).nodes.at[grid, "name"] == "李四改的名字"
    assert local.read_bytes() == before_file  # the planner's edits are kept for a rebase


def main_commit(local: Path, url: str) -> None:
    checkout = read_checkout(local)
    commit_plan(GeoPackageStore().load(local), checkout, url)


def test_border_edits_need_the_neighbours_lease(street_url: str) -> None:
    for code in _communities(street_url):  # a community with a neighbour unit to take
        checkout = check_out(street_url, code, "张三")
        plan = checkout.local_plan()
        ring = [u for u in plan.level(Level.GRID_UNIT).index if u not in checkout.scope_ids]
        shapes = plan.nodes.geometry
        pairs = [
            (u, int(plan.nodes.at[n, "parent_id"]))
            for u in ring
            for n in units_near(plan, shapes[u])
            if n in checkout.scope_ids and shapely.intersection(shapes[u], shapes[n]).length > 0
        ]
        if pairs:
            break
    unit, grid = pairs[0]
    neighbour = plan.ancestors(unit)[2]
    neighbour_code = str(plan.nodes.at[neighbour, "code"])
    assign_units(plan, [unit], grid, allow_cross_community=True).apply(plan)
    versions = _row_versions(street_url, "grid_unit", [unit])
    with pytest.raises(LeaseRefused) as refused:
        commit_plan(plan, checkout, street_url)
    assert neighbour_code in str(refused.value) and "not leased to you" in str(refused.value)
    assert _row_versions(street_url, "grid_unit", [unit]) == versions
    check_out(street_url, neighbour_code, "李四")
    with pytest.raises(LeaseRefused, match="李四"):  # now it is somebody else's
        commit_plan(plan, checkout, street_url)
    assert main(["db", "release", street_url, "--scope", neighbour_code, "--owner", "李四"]) == 0
    check_out(street_url, neighbour_code, "张三")  # the same planner takes the neighbour too
    result = commit_plan(plan, checkout, street_url)
    assert result.committed and unit in result.nodes
    assert load_project(street_url).nodes.at[unit, "parent_id"] == grid


def test_a_checkout_sets_the_sizing_of_its_own_scopes_only(street_url: str) -> None:
    from gridplanner.editing import set_scope_sizing
    from gridplanner.settings import Sizing

    mine, other = _communities(street_url)[:2]
    checkout = check_out(street_url, mine, "张三")
    plan = checkout.local_plan()
    set_scope_sizing(plan, mine, Sizing(250.0, 150.0, 400.0)).apply(plan)
    assert commit_plan(plan, checkout, street_url).committed
    assert load_project(street_url).settings.sizing_by_scope[mine] == Sizing(250.0, 150.0, 400.0)
    set_scope_sizing(plan, other, Sizing(250.0, 150.0, 400.0)).apply(plan)
    with pytest.raises(LeaseRefused, match=other):
        commit_plan(plan, checkout, street_url)
    assert other not in load_project(street_url).settings.sizing_by_scope


def test_a_commit_that_landed_unanswered_is_taken_in(street_url: str) -> None:
    checkout = check_out(street_url, _communities(street_url)[0], "张三")
    plan = checkout.local_plan()
    _paint_inside(plan, checkout)
    twin = copy.deepcopy(checkout)
    landed = commit_plan(plan, twin, street_url)  # the answer never reaches `checkout`
    checkout.pending_commit = landed.commit_id
    result = commit_plan(plan, checkout, street_url)  # the same plan again
    assert result.recovered == landed.commit_id
    assert not result.committed  # nothing sent twice, and no false conflict
    _paint_inside(plan, checkout, skip=landed.nodes)
    assert commit_plan(plan, checkout, street_url).committed


def test_the_audit_after_a_commit_finds_an_overlap_across_a_scope_border(street_url: str) -> None:
    code = _communities(street_url)[0]
    checkout = check_out(street_url, code, "张三")
    plan = checkout.local_plan()
    ring = {u for u in plan.level(Level.GRID_UNIT).index if u not in checkout.scope_ids}
    for unit in sorted(i for i in plan.level(Level.GRID_UNIT).index if i in checkout.scope_ids):
        shape = plan.nodes.at[unit, "geometry"]
        others = [n for n in units_near(plan, shape) if n in ring]
        touching = [
            n for n in others if shape.intersection(plan.nodes.at[n, "geometry"]).length > 0
        ]
        if touching:
            break
    neighbour = touching[0]
    bite = shapely.intersection(
        plan.nodes.at[neighbour, "geometry"], shape.buffer(0.0003)
    )  # a strip of the neighbour's unit, ~25 m wide
    draft = Draft(plan, "越界绘制")
    draft.set(unit, "geometry", shape.union(bite))
    draft.finish().apply(plan)
    result = commit_plan(plan, checkout, street_url)  # only our own unit is written
    assert result.committed and neighbour not in result.nodes
    audit = audit_nodes(street_url, result.nodes)
    ours, theirs = plan.ancestors(unit)[2], plan.ancestors(neighbour)[2]
    overlaps = [f for f in audit.findings if f.check == "overlap"]  # the two communities
    assert any({ours, theirs} <= set(f.node_ids) for f in overlaps), audit.line()
    doubled = [f for f in audit.findings if f.check == "building_multiple"]
    assert any({unit, neighbour} <= set(f.node_ids) for f in doubled)  # buildings in both
    neighbour_code = str(plan.nodes.at[theirs, "code"])
    assert neighbour_code in audit.communities and code in audit.communities
