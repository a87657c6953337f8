"""One simulated planner of ``benchmarks/multiuser.py`` (runs in its own process).

The planner checks out its street and, until the time is up, commits random edits
(paint a unit into a neighbouring grid of its community, split a grid, merge two
grids of one comprehensive grid), timing each commit. Now and then it injects:

* a **border edit** — paints a unit of a neighbouring street (another planner's
  scope) into its own grid; the store must refuse it (``LeaseRefused``) naming it;
* an **overlapping edit** — its lease lapses while it edits a grid, a colleague takes
  the street, changes the same grid, commits and leaves; the planner's commit must
  be refused (``ChangeConflict``) naming that grid and the colleague;
* a **killed client** — the commit runs in a child process killed mid-way (half the
  time after every row is written, just before COMMIT); the planner then commits
  again, taking the killed commit in if it had landed.

Every acknowledged commit is reported with the rows it wrote (version and a hash of
the values) for the independent check at the end.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
import traceback
import uuid
from typing import Any

import psycopg
import shapely
from shapely.geometry import LineString

from gridplanner.editing import EditError, assign_units, merge_grids, rename_node, split_grid
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.apply import ChangeConflict
from gridplanner.pgstore.changes import row_hashes
from gridplanner.pgstore.checkout import Checkout, check_out
from gridplanner.pgstore.commit import CommitResult, commit_plan
from gridplanner.pgstore.leases import LeaseRefused, release_lease
from gridplanner.pgstore.store import session


def run_planner(job: dict[str, Any]) -> None:
    """The process body: ``job`` has url, street, owner, seconds, seed, rates, out."""
    stats: dict[str, Any] = {
        "owner": job["owner"], "street": job["street"], "latencies_ms": [], "acks": [],
        "after_kill_ms": [], "rows": [],
        "injected": {"border": 0, "overlap": 0}, "detected": {"border": 0, "overlap": 0},
        "kills": 0, "kills_landed": 0, "unexpected": [], "edits": 0, "skipped": 0,
    }  # fmt: skip
    try:
        Planner(job, stats).run()
    except Exception:
        stats["unexpected"].append(traceback.format_exc()[-2000:])
    with open(job["out"], "w", encoding="utf-8") as out:
        json.dump(stats, out, ensure_ascii=False)


class Planner:
    def __init__(self, job: dict[str, Any], stats: dict[str, Any]) -> None:
        self.job, self.stats = job, stats
        self.url: str = job["url"]
        self.rng = random.Random(job["seed"])
        self.checkout: Checkout = check_out(self.url, job["street"], job["owner"])
        self.plan: Project = self.checkout.local_plan()

    def run(self) -> None:
        deadline = time.monotonic() + float(self.job["seconds"])
        rates = self.job["rates"]
        while time.monotonic() < deadline:
            roll = self.rng.random()
            if roll < rates["border"]:
                self.border_edit()
            elif roll < rates["border"] + rates["overlap"]:
                self.overlapping_edit()
            elif roll < rates["border"] + rates["overlap"] + rates["kill"]:
                self.killed_commit()
            else:
                if self.edit(self.rng.randint(1, 3)):
                    self.commit()
            time.sleep(self.rng.uniform(*self.job["think_s"]))

    # -- edits ---------------------------------------------------------------------------
    def edit(self, count: int) -> bool:
        """Apply up to ``count`` random edits inside the scope; False when none took."""
        done = 0
        for _ in range(count * 6):
            if done == count:
                break
            kind = self.rng.choices(["paint", "split", "merge"], [0.7, 0.15, 0.15])[0]
            try:
                edit = getattr(self, f"_{kind}")()
            except (EditError, IndexError, ValueError):
                continue
            if edit is None or edit.is_empty:
                continue
            scope = self.checkout.scope_ids | set(edit.added_ids)
            if not edit.touched_node_ids <= scope:  # would reach a neighbour: not this kind
                self.stats["skipped"] += 1
                continue
            edit.apply(self.plan)
            done += 1
        self.stats["edits"] += done
        return done > 0

    def _mine(self, level: Level) -> list[int]:
        ids = self.plan.level(level).index
        return sorted(int(i) for i in ids if i in self.checkout.scope_ids)

    def _paint(self) -> Any:
        plan = self.plan
        unit = self.rng.choice(self._mine(Level.GRID_UNIT))
        home, community = int(plan.nodes.at[unit, "parent_id"]), plan.ancestors(unit)[2]
        near = units_near(plan, plan.nodes.at[unit, "geometry"])
        grids = sorted({int(plan.nodes.at[n, "parent_id"]) for n in near} - {home})
        grids = [g for g in grids if g in self.checkout.scope_ids
                 and plan.ancestors(g)[2] == community]  # fmt: skip
        return assign_units(plan, [unit], self.rng.choice(grids)) if grids else None

    def _split(self) -> Any:
        grid = self.rng.choice(self._mine(Level.GRID))
        shape = self.plan.nodes.at[grid, "geometry"]
        if shape is None or len(self.plan.children(grid)) < 2:
            return None
        minx, _, maxx, _ = shape.bounds
        y = shapely.point_on_surface(shape).y
        return split_grid(self.plan, grid, LineString([(minx - 0.01, y), (maxx + 0.01, y)]))

    def _merge(self) -> Any:
        grid = self.rng.choice(self._mine(Level.GRID))
        parent = self.plan.nodes.at[grid, "parent_id"]
        mates = [int(g) for g in self.plan.children(int(parent)).index if g != grid]
        return merge_grids(self.plan, [grid, self.rng.choice(mates)]) if mates else None

    # -- committing ----------------------------------------------------------------------
    def commit(self) -> CommitResult | None:
        started = time.perf_counter()
        try:
            result = commit_plan(self.plan, self.checkout, self.url)
        except (ChangeConflict, LeaseRefused) as refused:  # nothing injected: a false alarm
            self.stats["unexpected"].append(f"refused: {refused}"[:500])
            self.fresh_checkout()
            return None
        self.stats["latencies_ms"].append((time.perf_counter() - started) * 1000.0)
        self.stats["rows"].append(result.rows)
        if result.committed:
            self.ack(result.commit_id, result.receipt.versions, self.plan)  # type: ignore[union-attr]
        return result

    def ack(self, commit_id: Any, versions: dict[str, dict[int, int]], plan: Project) -> None:
        rows = []
        for table, written in versions.items():
            frame = plan.workers if table == "worker" else plan.nodes
            hashes = row_hashes(frame.loc[[i for i in written if i in frame.index]])
            for row_id, version in written.items():
                h = hashes.get(row_id)
                rows.append([table, int(row_id), int(version), None if h is None else str(h)])
        self.stats["acks"].append({"commit_id": str(commit_id), "rows": rows})

    def fresh_checkout(self) -> None:
        self.checkout = check_out(self.url, self.job["street"], self.job["owner"])
        self.plan = self.checkout.local_plan()

    # -- injections ----------------------------------------------------------------------
    def border_edit(self) -> None:
        plan, scope = self.plan, self.checkout.scope_ids
        shapes = plan.nodes.geometry
        ring = [int(u) for u in plan.level(Level.GRID_UNIT).index if u not in scope]
        self.rng.shuffle(ring)
        for unit in ring[:40]:
            inside = [n for n in units_near(plan, shapes[unit]) if n in scope
                      and shapes[unit].intersection(shapes[n]).length > 0]  # fmt: skip
            if not inside:
                continue
            work = plan.copy()
            try:
                edit = assign_units(work, [unit], int(plan.nodes.at[inside[0], "parent_id"]),
                                    allow_cross_community=True)  # fmt: skip
            except EditError:
                continue
            edit.apply(work)
            self.stats["injected"]["border"] += 1
            try:
                commit_plan(work, self.checkout, self.url)
            except LeaseRefused as refused:
                if str(plan.nodes.at[unit, "code"]) in str(refused):
                    self.stats["detected"]["border"] += 1
            except ChangeConflict as refused:
                self.stats["unexpected"].append(f"border edit met a conflict: {refused}"[:500])
                self.fresh_checkout()
            return

    def overlapping_edit(self) -> None:
        grids = [g for g in self._mine(Level.GRID) if len(self.plan.children(g))]
        grid = self.rng.choice(grids)
        work = self.plan.copy()
        rename_node(work, grid, f"{self.job['owner']}改名{self.rng.randrange(10**6)}").apply(work)
        with psycopg.connect(self.url, autocommit=True) as conn:  # the planner is away too long
            conn.execute(
                "UPDATE gridplanner.lease SET expires_at = now() - interval '1 second' "
                "WHERE lease_id = %s",
                (self.checkout.lease_id,),
            )
        colleague = f"{self.job['owner']}的同事"
        theirs = check_out(self.url, self.job["street"], colleague, hours=1)
        their_plan = theirs.local_plan()
        rename_node(their_plan, grid, f"同事改名{self.rng.randrange(10**6)}").apply(their_plan)
        result = commit_plan(their_plan, theirs, self.url)
        self.ack(result.commit_id, result.receipt.versions, their_plan)  # type: ignore[union-attr]
        with session(self.url) as conn, conn.transaction():
            release_lease(conn, theirs.lease_id)
        self.stats["injected"]["overlap"] += 1
        try:
            commit_plan(work, self.checkout, self.url)
            self.stats["unexpected"].append(f"overlapping edit of grid {grid} was not refused")
        except ChangeConflict as refused:
            if ("grid", grid) in refused.rows and colleague in str(refused):
                self.stats["detected"]["overlap"] += 1
        self.fresh_checkout()  # rebase: start again from what the store holds

    def killed_commit(self) -> None:
        if not self.edit(self.rng.randint(1, 3)):
            return
        commit_id = str(uuid.uuid4())
        self.checkout.pending_commit = commit_id  # what the checkout record would say
        hang = self.rng.random() < 0.5
        context = multiprocessing.get_context("fork")
        written = context.Event()
        doomed = (self.plan, self.checkout, self.url, commit_id, hang, written)
        child = context.Process(target=_doomed_commit, args=doomed)
        child.start()
        if hang:
            written.wait(30)
        else:
            time.sleep(self.rng.uniform(0.0, 1.5))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(10)
        self.stats["kills"] += 1
        result = self.commit()  # again: takes a landed one in, else sends it
        self.stats["after_kill_ms"].append(self.stats["latencies_ms"][-1] if result else 0.0)
        if result is not None and result.recovered == commit_id:
            self.stats["kills_landed"] += 1
            with psycopg.connect(self.url) as conn:
                rows = conn.execute(
                    "SELECT tab, row_id, row_version FROM gridplanner.change_log "
                    "WHERE commit_id = %s", (commit_id,),
                ).fetchall()  # fmt: skip
            versions: dict[str, dict[int, int]] = {}
            for tab, row_id, version in rows:
                versions.setdefault(str(tab), {})[int(row_id)] = int(version)
            self.ack(commit_id, versions, self.plan)


def _doomed_commit(plan: Project, checkout: Checkout, url: str, commit_id: str, hang: bool,
                   written: Any) -> None:  # fmt: skip
    def before_commit() -> None:
        if hang:
            written.set()
            time.sleep(120)

    commit_plan(plan, checkout, url, commit_id=commit_id, before_commit=before_commit)
