"""Many planners, one city: a load test of the shared PostgreSQL/PostGIS store.

Not a test. Puts the city sample into a local PostgreSQL (a throwaway cluster is
started and stopped unless ``--url`` names a database), then runs N planner
processes (``benchmarks/multiuser_planner.py``) for a bounded time: each checks out
a different street — neighbouring streets, so border edits meet another planner's
lease — and commits random paint/split/merge edits, with deliberate border edits,
overlapping edits after a lapsed lease, and clients killed mid-commit. Then it checks
independently (``benchmarks/multiuser_check.py``) that every acknowledged commit is
in the store and that nothing is corrupt. The last line:

    planners=… commits=… conflicts_injected=… conflicts_detected=… lost_updates=…
    corrupt=… commit_p50_ms=… commit_p95_ms=…

    python benchmarks/multiuser.py --planners 8 --seconds 60
    python benchmarks/multiuser.py --project /tmp/x/city.gpkg --url postgresql://me@host/db
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests" / "support")]

from multiuser_check import area_signatures, check  # noqa: E402
from multiuser_planner import run_planner  # noqa: E402

RATES = {"border": 0.05, "overlap": 0.04, "kill": 0.04}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--planners", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--project", type=Path, default=Path("/tmp/x/city.gpkg"),
                        help="the city sample (made with `gridplanner sample --size city` "
                        "when missing)")  # fmt: skip
    parser.add_argument("--url", help="an empty database to use (default: a throwaway cluster)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-audit",
        action="store_true",
        help="no audit process beside the planners (the check at the end stays)",
    )
    parser.add_argument("--think-ms", type=float, nargs=2, default=(500.0, 1500.0),
                        help="pause between a planner's actions (uniform range; a person "
                        "paints at most about one unit a second)")  # fmt: skip
    args = parser.parse_args()
    if not args.project.exists():
        print(f"making the city sample {args.project} (a few minutes)", flush=True)
        args.project.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "gridplanner.cli", "sample", "--size", "city",
                        str(args.project)], check=True)  # fmt: skip
    cluster = None
    url = args.url
    if url is None:
        import pgcluster

        cluster = pgcluster.start_cluster(durable=True)
        url = cluster.new_database("multiuser")
    try:
        return run(args, url)
    finally:
        if cluster is not None:
            cluster.stop()


def run(args: argparse.Namespace, url: str) -> int:
    from gridplanner.cli import main as cli

    started = time.perf_counter()
    if cli(["db", "load", str(args.project), url]) != 0:
        return 2
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    streets = pick_streets(url, args.planners, args.seed)
    print(f"streets: {', '.join(streets)}; load average before: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
          flush=True)  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        baseline, seconds = area_signatures(conn, streets)
    print(f"audit before: {len(baseline)} structural finding(s) in those streets "
          f"({seconds:.0f} s)", flush=True)  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="multiuser-"))
    context = multiprocessing.get_context("fork")
    jobs = []
    for k, street in enumerate(streets):
        job = {
            "url": url, "street": street, "owner": f"规划员{k + 1}", "seconds": args.seconds,
            "seed": args.seed * 1000 + k, "rates": RATES, "out": str(work / f"p{k}.json"),
            "think_s": [t / 1000.0 for t in args.think_ms],
        }  # fmt: skip
        jobs.append(job)
    processes = [context.Process(target=run_planner, args=(job,)) for job in jobs]
    if not args.no_audit:
        processes.append(
            context.Process(target=run_auditor, args=(url, args.seconds, work / "audit.json"))
        )
    for process in processes:
        process.start()
    for process in processes:
        process.join(args.seconds + 600)
    results = [json.loads(Path(job["out"]).read_text("utf-8")) for job in jobs]
    audits = None if args.no_audit else json.loads((work / "audit.json").read_text("utf-8"))
    shutil.rmtree(work, ignore_errors=True)
    if audits is not None:
        print(
            f"audit after commits (nice'd, batched): {audits['rounds']} run(s) over "
            f"{audits['commits']} commit(s), median {audits['median_s']:.1f} s each, "
            f"{audits['blocking']} blocking finding(s) in the last run",
            flush=True,
        )
    return report(url, streets, baseline, results)


def run_auditor(url: str, seconds: float, out: Path) -> None:
    """What a city runs beside its planners: the audit of the area each new commit
    touched (commits that arrive together are audited together), as background work:
    this process and, on a local server, its database backend at the lowest priority,
    resting after each run as long as the run took (at most half a core)."""
    from gridplanner.pgstore.audit_area import audit_communities, communities_of

    os.nice(19)
    stop_at, last, rounds, commits, took, blocking = time.monotonic() + seconds, 0, 0, 0, [], 0
    with psycopg.connect(url, autocommit=True) as conn:
        backend = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        with contextlib.suppress(OSError):  # another machine, or not ours to renice
            os.setpriority(os.PRIO_PROCESS, backend, 19)
        while time.monotonic() < stop_at:
            new = conn.execute(
                "SELECT seq, commit_id FROM gridplanner.change_set WHERE seq > %s", (last,)
            ).fetchall()
            if not new:
                time.sleep(0.5)
                continue
            last = max(int(s) for s, _ in new)
            nodes = conn.execute(
                "SELECT DISTINCT row_id FROM gridplanner.change_log WHERE commit_id = ANY(%s) "
                "AND tab NOT IN ('building', 'worker')",
                ([c for _, c in new],),
            ).fetchall()
            with conn.transaction():
                audit = audit_communities(conn, communities_of(conn, [int(i) for (i,) in nodes]))
            rounds, commits = rounds + 1, commits + len(new)
            took.append(audit.seconds)
            blocking = audit.counts().get("blocking", 0)
            time.sleep(min(audit.seconds, max(0.0, stop_at - time.monotonic())))  # half a core
    out.write_text(json.dumps({"rounds": rounds, "commits": commits, "blocking": blocking,
                               "median_s": float(np.median(took)) if took else 0.0}))  # fmt: skip


def pick_streets(url: str, count: int, seed: int) -> list[str]:
    """``count`` streets that hang together (each next to another chosen one)."""
    with psycopg.connect(url) as conn:
        codes = [
            str(c) for (c,) in conn.execute("SELECT code FROM gridplanner.street ORDER BY code")
        ]
        pairs = conn.execute(
            "SELECT a.code, b.code FROM gridplanner.street a JOIN gridplanner.street b "
            "ON a.id < b.id AND ST_DWithin(a.geometry, b.geometry, 0.00001)"
        ).fetchall()
    near: dict[str, set[str]] = {c: set() for c in codes}
    for a, b in pairs:
        near[str(a)].add(str(b))
        near[str(b)].add(str(a))
    rng = np.random.default_rng(seed)
    start = codes[int(rng.integers(len(codes)))]
    chosen, queue = [start], deque([start])
    while queue and len(chosen) < count:
        for other in sorted(near[queue.popleft()]):
            if other not in chosen and len(chosen) < count:
                chosen.append(other)
                queue.append(other)
    return chosen


def report(url: str, streets: list[str], baseline: set[Any], results: list[dict[str, Any]]) -> int:
    acks = [a for r in results for a in r["acks"]]
    latencies = np.array([x for r in results for x in r["latencies_ms"]], dtype=float)
    rows = np.array([x for r in results for x in r["rows"]], dtype=float)
    after_kill = np.array([x for r in results for x in r["after_kill_ms"]], dtype=float)
    injected = sum(sum(r["injected"].values()) for r in results)
    detected = sum(sum(r["detected"].values()) for r in results)
    unexpected = [u for r in results for u in r["unexpected"]]
    kills = sum(r["kills"] for r in results)
    landed = sum(r["kills_landed"] for r in results)
    started = time.perf_counter()
    verdict = check(url, acks, streets, baseline)
    for r in results:
        print(
            f"  {r['owner']} {r['street']}: {len(r['latencies_ms'])} commits, {r['edits']} edits, "
            f"injected {r['injected']}, detected {r['detected']}, kills {r['kills']}"
        )
    for line in unexpected[:5]:
        print(f"  unexpected: {line.splitlines()[-1][:300]}")
    for line in (verdict["lost"] + verdict["corrupt"])[:10]:
        print(f"  problem: {line}")
    p50, p95 = np.percentile(latencies, [50, 95]) if len(latencies) else (0.0, 0.0)
    if len(latencies):
        slow = latencies > p95
        print(
            f"commits: median {np.median(rows):.0f} row(s) written, the slowest 5% "
            f"{np.median(rows[slow]) if slow.any() else 0:.0f}; retries after a kill took "
            f"{np.median(after_kill) if len(after_kill) else 0:.0f} ms (median); "
            f"slowest {latencies.max():.0f} ms"
        )
    print(
        f"acknowledged commits {len(acks)}; killed clients {kills} ({landed} had landed and were "
        f"taken in); unexpected refusals/errors {len(unexpected)}; independent check "
        f"{time.perf_counter() - started:.0f} s (audit {verdict['audit_s']:.0f} s)"
    )
    print(
        f"planners={len(results)} commits={len(acks)} conflicts_injected={injected} "
        f"conflicts_detected={detected} lost_updates={len(verdict['lost'])} "
        f"corrupt={len(verdict['corrupt'])} commit_p50_ms={p50:.0f} commit_p95_ms={p95:.0f}"
    )
    ok = not verdict["lost"] and not verdict["corrupt"] and injected == detected and p95 <= 500
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
