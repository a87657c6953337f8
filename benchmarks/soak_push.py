"""Soak the push path: N pushes through a fault-injecting proxy, then check the truth.

Not a test. Runs the reference receiver on 127.0.0.1 behind
:mod:`gridplanner.exchange.faultproxy` (random dropped connections, cut uploads, lost
answers, delays, 500 and 429), and pushes the sample street N times, a new plan version
each time, as `gridplanner push` does (the receipt recorded in the project's history).
Then it compares what the client said with what the receiver holds:

* ``stored`` — pushes that ended with a receipt;
* ``reported_failed_but_stored`` — pushes reported failed whose version is stored;
* ``duplicates`` — idempotency keys stored more than once;
* ``partial`` — stored packages that do not validate or are incomplete;
* ``hash_mismatches`` — stored packages whose SHA-256 is not the receipt's;
* ``stale_uploads`` — unfinished uploads left on the receiver;
* ``missing_receipts`` — stored versions whose receipt is not in the project's history.

    python benchmarks/soak_push.py --pushes 30 --seed 1

Last line: ``pushes=… stored=… reported_failed=… reported_failed_but_stored=…
duplicates=… partial=… hash_mismatches=… stale_uploads=… missing_receipts=…``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from gridplanner.exchange.faultproxy import FaultRates, running_fault_proxy
from gridplanner.exchange.package import read_package
from gridplanner.exchange.problems import PushFailed
from gridplanner.exchange.publish import push_project, receipts
from gridplanner.exchange.push import PushSettings
from gridplanner.exchange.receiver import running_receiver
from gridplanner.store import load_project, save_project

TOKEN = "soak-token-not-stored"


def soak(pushes: int, seed: int, folder: Path, chunk_kib: int = 32) -> dict[str, int]:
    """Run the soak in ``folder``; returns the figures (see the module docstring)."""
    import gridplanner.sample_data as sample_data

    plan = folder / "street.gpkg"
    shutil.copy(Path(sample_data.__file__).parent / "street.gpkg", plan)
    settings = PushSettings(
        chunk_size=chunk_kib * 1024, backoff_base=0.02, backoff_max=0.2, timeout=5,
        deadline=120, max_attempts=8,
    )  # fmt: skip
    said_stored: dict[str, bool] = {}
    failures: list[str] = []
    with running_receiver(folder / "rx", TOKEN) as url, running_fault_proxy(
        url, FaultRates(seed=seed)
    ) as (proxy_url, proxy):
        for k in range(pushes):
            project = load_project(plan)
            project.record_version("soak", f"soak push {k + 1}")
            save_project(project, plan)
            key = read_key(plan)
            try:
                receipt = push_project(plan, proxy_url, token=TOKEN, settings=settings,
                                       allow_blocking=True)  # fmt: skip
                said_stored[key] = receipt["status"] in ("stored", "already_stored")
            except PushFailed as exc:
                said_stored[key] = False
                failures.append(str(exc))
        injected = dict(proxy.counts)
    db = sqlite3.connect(folder / "rx" / "receiver.sqlite")
    stored_keys = [r[0] for r in db.execute("SELECT idempotency_key FROM version")]
    rows = db.execute("SELECT package, receipt FROM version").fetchall()
    stale = db.execute("SELECT COUNT(*) FROM upload WHERE completed = 0").fetchone()[0]
    db.close()
    partial = mismatches = 0
    import json

    for package, receipt_text in rows:
        receipt = json.loads(receipt_text)
        if hashlib.sha256(package).hexdigest() != receipt["package_sha256"]:
            mismatches += 1
        try:
            read_package(bytes(package))
        except Exception:
            partial += 1
    recorded = {r["idempotency_key"] for r in receipts(load_project(plan))}
    figures = {
        "pushes": pushes,
        "stored": sum(said_stored.values()),
        "reported_failed": sum(not v for v in said_stored.values()),
        "reported_failed_but_stored": sum(
            1 for key, ok in said_stored.items() if not ok and key in stored_keys
        ),
        "duplicates": len(stored_keys) - len(set(stored_keys)),
        "partial": partial,
        "hash_mismatches": mismatches,
        "stale_uploads": int(stale),
        "missing_receipts": sum(1 for key in stored_keys if key not in recorded),
    }
    print(f"faults injected: {injected}")
    for reason in sorted(set(failures))[:5]:
        print(f"  reported failed: {reason}")
    return figures


def read_key(plan: Path) -> str:
    """The idempotency key the next push of ``plan`` will carry."""
    from gridplanner.exchange.package import build_package

    return str(build_package(load_project(plan)).manifest["idempotency_key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        figures = soak(args.pushes, args.seed, Path(folder))
    print(f"({time.perf_counter() - started:.0f} s)")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
