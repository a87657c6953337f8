"""A client killed in the middle of a commit: the store holds the whole change set or
none of it, and the planner's next commit goes through (the killed one taken in when
it had landed).

Needs PostgreSQL + PostGIS (the ``pg_cluster`` fixture starts a throwaway cluster)."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import psycopg
import pytest
from pgcluster import PgCluster

from gridplanner.cli import main
from gridplanner.editing import assign_units
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.checkout import Checkout, check_out, read_checkout, write_checkout
from gridplanner.pgstore.commit import commit_checkout, commit_plan
from gridplanner.store import GeoPackageStore, load_project


@pytest.fixture
def street_url(pg_cluster: PgCluster, sample_street_path: Path) -> str:
    url = pg_cluster.new_database()
    assert main(["db", "load", str(sample_street_path), url]) == 0
    return str(url)


def _paint_some(plan: Project, checkout: Checkout, count: int, rng: random.Random) -> None:
    """Paint ``count`` units of the scope into neighbouring grids of their community."""
    units = [u for u in plan.level(Level.GRID_UNIT).index if u in checkout.scope_ids]
    rng.shuffle(units)
    done = 0
    for unit in units:
        home, community = int(plan.nodes.at[unit, "parent_id"]), plan.ancestors(unit)[2]
        near = units_near(plan, plan.nodes.at[unit, "geometry"])
        grids = sorted({int(plan.nodes.at[n, "parent_id"]) for n in near} - {home})
        grids = [g for g in grids if g in checkout.scope_ids and plan.ancestors(g)[2] == community]
        if grids:
            assign_units(plan, [unit], grids[0]).apply(plan)
            done += 1
            if done == count:
                return


def _commit_in_child(local: str, url: str, commit_id: str, marker: str, hang: bool) -> None:
    """The killed client: commits the checkout file; with ``hang``, stops just before
    COMMIT (every row written) and says so in ``marker``."""

    def before_commit() -> None:
        if hang:
            Path(marker).write_text("written")
            time.sleep(120)

    checkout = read_checkout(local)
    plan = GeoPackageStore().load(local)
    from gridplanner.pgstore.checkout import write_record

    commit_plan(plan, checkout, url, commit_id=commit_id, before_commit=before_commit,
                record=lambda c: write_record(c, local))  # fmt: skip


def _state(url: str) -> dict[str, object]:
    """Every node row's version and the commits recorded (to compare before/after)."""
    with psycopg.connect(url) as conn:
        rows = {}
        for level in Level:
            for i, v, c, p in conn.execute(
                f"SELECT id, row_version, code, parent_id FROM gridplanner.{level.value}"
            ).fetchall():
                rows[int(i)] = (int(v), str(c), p)
        commits = [str(c) for (c,) in conn.execute("SELECT commit_id FROM gridplanner.change_set")]
        logged = conn.execute("SELECT count(*) FROM gridplanner.change_log").fetchone()[0]
    return {"rows": rows, "commits": commits, "logged": int(logged)}


def _kill(local: Path, url: str, commit_id: str, marker: Path, hang: bool, delay: float) -> None:
    context = multiprocessing.get_context("fork")
    child = context.Process(
        target=_commit_in_child, args=(str(local), url, commit_id, str(marker), hang)
    )
    child.start()
    deadline = time.monotonic() + 60
    if hang:
        while not marker.exists():
            assert child.is_alive() and time.monotonic() < deadline, "the child never wrote"
            time.sleep(0.02)
    else:
        time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(10)


def test_killed_after_writing_everything_before_commit_leaves_nothing(
    street_url: str, tmp_path: Path
) -> None:
    local = tmp_path / "mine.gpkg"
    code = sorted(load_project(street_url).level(Level.COMMUNITY)["code"])[0]
    checkout = check_out(street_url, code, "张三")
    write_checkout(checkout, local)
    plan = GeoPackageStore().load(local)
    _paint_some(plan, checkout, 4, random.Random(3))
    GeoPackageStore().save(plan, local)
    before = _state(street_url)
    _kill(local, street_url, "00000000-0000-4000-8000-00000000dead", tmp_path / "m", True, 0)
    assert _state(street_url) == before  # none of the change set, not one row
    result, _ = commit_checkout(local, street_url)  # the planner tries again: it all lands
    assert result.committed and result.recovered is None
    after = _state(street_url)
    assert len(after["commits"]) == len(before["commits"]) + 1  # type: ignore[arg-type]
    now = load_project(street_url)
    units = [u for u in plan.level(Level.GRID_UNIT).index if u in checkout.scope_ids]
    assert now.nodes.loc[units, "code"].tolist() == plan.nodes.loc[units, "code"].tolist()


def test_killed_at_random_moments_all_or_nothing(street_url: str, tmp_path: Path) -> None:
    rng = random.Random(11)
    code = sorted(load_project(street_url).level(Level.COMMUNITY)["code"])[1]
    local = tmp_path / "mine.gpkg"
    checkout = check_out(street_url, code, "李四")
    write_checkout(checkout, local)
    outcomes = set()
    for attempt in range(3):
        plan = GeoPackageStore().load(local)
        _paint_some(plan, read_checkout(local), 3, rng)
        GeoPackageStore().save(plan, local)
        before = _state(street_url)
        commit_id = f"00000000-0000-4000-8000-{attempt:012d}"
        _kill(local, street_url, commit_id, tmp_path / "m", False, rng.uniform(0.2, 1.5))
        after = _state(street_url)
        if commit_id in after["commits"]:  # type: ignore[operator]
            outcomes.add("all")
            with psycopg.connect(street_url) as conn:
                logged = conn.execute(
                    "SELECT tab, row_id, row_version FROM gridplanner.change_log "
                    "WHERE commit_id = %s", (commit_id,),
                ).fetchall()  # fmt: skip
            assert logged and all(after["rows"][int(r)][0] == int(v) for _, r, v in logged)  # type: ignore[index]
        else:
            outcomes.add("none")
            assert after == before
        result, _ = commit_checkout(local, street_url)  # takes a landed one in, else sends it
        assert result.committed == (commit_id not in after["commits"])  # type: ignore[operator]
        if commit_id in after["commits"]:  # type: ignore[operator]
            # killed between COMMIT and rewriting its record: taken in; or after: nothing left
            assert result.recovered in (commit_id, None)
            outcomes.add("recovered" if result.recovered else "finished")
        now = load_project(street_url)
        ids = [u for u in plan.level(Level.GRID_UNIT).index]
        assert now.nodes.loc[ids, "code"].tolist() == plan.nodes.loc[ids, "code"].tolist()
    assert outcomes  # which moments were hit depends on timing; each was all-or-nothing
