"""The push under faults, and a receiver that can't be fooled or flooded: pushes through a
fault-injecting proxy always know the truth; the receiver caps bodies and inflated
members, keeps quotas, serialises appends, refuses replays with other bytes and packages
that aren't what was announced, and expires abandoned uploads."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from gridplanner.exchange.faultproxy import FaultRates, running_fault_proxy
from gridplanner.exchange.package import build_package
from gridplanner.exchange.problems import PushFailed
from gridplanner.exchange.publish import push_project, receipts
from gridplanner.exchange.push import PushClient, PushSettings
from gridplanner.exchange.receiver import FaultPlan, Limits, running_receiver
from gridplanner.model import Project
from gridplanner.store import load_project, save_project

TOKEN = "tok-faults-never-stored"
FAST = PushSettings(chunk_size=2000, backoff_base=0.01, backoff_max=0.05, timeout=5,
                    deadline=60, max_attempts=6)  # fmt: skip
API = "/api/v1"


@pytest.fixture
def plan(tiny_project: Project, tmp_path: Path) -> Path:
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    return path


def _http(url: str) -> httpx.Client:
    return httpx.Client(base_url=url + API, headers={"Authorization": f"Bearer {TOKEN}"})


def _start(http: httpx.Client, data: bytes, key: str = "k1", region: str = "210283",
           version: int = 1) -> httpx.Response:  # fmt: skip
    body = {"idempotency_key": key, "region_code": region, "plan_version": version,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    return http.post("/uploads", json=body)


def test_pushes_through_a_faulty_network_always_know_the_truth(
    plan: Path, tmp_path: Path
) -> None:
    rates = FaultRates({"drop": 0.08, "cut": 0.08, "lost": 0.12, "delay": 0.02, "500": 0.06,
                        "429": 0.04}, seed=5)  # fmt: skip
    said: dict[str, bool] = {}
    with running_receiver(tmp_path / "rx", TOKEN) as url, running_fault_proxy(url, rates) as (
        proxy_url, proxy,
    ):  # fmt: skip
        for k in range(6):
            project = load_project(plan)
            project.record_version("test", f"push {k}")
            save_project(project, plan)
            key = str(build_package(load_project(plan)).manifest["idempotency_key"])
            try:
                push_project(plan, proxy_url, token=TOKEN, settings=FAST)
                said[key] = True
            except PushFailed:
                said[key] = False
        assert proxy.counts["lost"] + proxy.counts["cut"] + proxy.counts["drop"] > 0
    db = sqlite3.connect(tmp_path / "rx" / "receiver.sqlite")
    stored = [r[0] for r in db.execute("SELECT idempotency_key FROM version")]
    for package, receipt in db.execute("SELECT package, receipt FROM version"):
        assert hashlib.sha256(package).hexdigest() == json.loads(receipt)["package_sha256"]
    assert db.execute("SELECT COUNT(*) FROM upload WHERE completed = 0").fetchone()[0] == 0
    db.close()
    assert len(stored) == len(set(stored))  # no duplicates
    assert not [k for k, ok in said.items() if not ok and k in stored]  # never "failed" if stored
    recorded = {r["idempotency_key"] for r in receipts(load_project(plan))}
    assert set(stored) <= recorded  # every stored version's receipt is in the history


def test_a_lost_complete_answer_is_asked_about_and_recorded(plan: Path, tmp_path: Path) -> None:
    with running_receiver(tmp_path / "rx", TOKEN) as url:
        package = build_package(load_project(plan))
        data = package.to_zip()
        with _http(url) as http:
            upload = _start(http, data, package.manifest["idempotency_key"],
                            version=package.manifest["plan_version"]).json()  # fmt: skip
            http.patch(f"/uploads/{upload['upload_id']}", content=data,
                       headers={"Upload-Offset": "0"})  # fmt: skip
            first = http.post(f"/uploads/{upload['upload_id']}/complete")
            again = http.post(f"/uploads/{upload['upload_id']}/complete")  # the answer was lost
            assert first.status_code == 201 and again.status_code == 200
            assert again.json()["receipt"] == first.json()["receipt"]
            key = package.manifest["idempotency_key"]
            assert http.get(f"/receipts/{key}").json()["receipt"] == first.json()["receipt"]
            assert http.get("/receipts/nothing-here").status_code == 404


def test_a_slow_but_progressing_upload_is_not_abandoned(plan: Path, tmp_path: Path) -> None:
    faults = FaultPlan(["drop"] * 10)  # more drops than max_attempts, each one progressing
    with running_receiver(tmp_path / "rx", TOKEN, faults) as url:
        receipt = push_project(plan, url, token=TOKEN, settings=FAST)
    assert receipt["status"] == "stored" and faults.pending == []


def test_a_certificate_failure_is_named_and_not_retried(plan: Path, tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        capture_output=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("openssl is not available to make a test certificate")
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gridplanner"), "receiver", "--data",
         str(tmp_path / "rx"), "--port", str(port), "--no-auth", "--ssl-certfile", str(cert),
         "--ssl-keyfile", str(key)],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for_port(port)
        started = time.monotonic()
        settings = PushSettings(backoff_base=1.0, backoff_max=2.0, max_attempts=8)
        with pytest.raises(PushFailed) as failed:
            push_project(plan, f"https://127.0.0.1:{port}", token=TOKEN, settings=settings)
        assert "certificate" in str(failed.value) and "not retried" in str(failed.value)
        assert time.monotonic() - started < 5  # 8 attempts with backoff would take longer
    finally:
        server.kill()
        server.wait()


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    """In a fresh process, so its peak memory is the bomb's doing alone."""
    code = f"""
import hashlib, io, resource, zipfile, httpx
from gridplanner.exchange.receiver import running_receiver
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("nodes.geojson", "w") as member:
        for _ in range(400):
            member.write(b"\\0" * (1024 * 1024))
    z.writestr("manifest.json", "{{}}")
data = buffer.getvalue()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with running_receiver({str(tmp_path / 'rx')!r}, "t") as url:
    h = httpx.Client(base_url=url + "/api/v1", headers={{"Authorization": "Bearer t"}})
    up = h.post("/uploads", json={{"idempotency_key": "bomb", "region_code": "210283",
        "plan_version": 1, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}}).json()
    h.patch("/uploads/" + up["upload_id"], content=data, headers={{"Upload-Offset": "0"}})
    done = h.post("/uploads/" + up["upload_id"] + "/complete", timeout=60)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(done.status_code, len(data), round(grown), done.json()["errors"][0])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=3)  # fmt: skip
    status, size, grown_mib, message = int(out[0]), int(out[1]), int(out[2]), out[3]
    assert status == 422 and "limit" in message
    assert size < 1024 * 1024  # a small zip …
    assert grown_mib < 100  # … refused with the receiver's memory barely growing


def test_the_receiver_caps_bodies_and_keeps_quotas(tmp_path: Path) -> None:
    limits = Limits(quota_uploads=3)
    with running_receiver(tmp_path / "rx", TOKEN, limits=limits) as url, _http(url) as http:
        huge = b'{"idempotency_key": "' + b"x" * (1024 * 1024) + b'"}'
        refused = http.post("/uploads", content=huge, headers={"Content-Type": "application/json"})
        assert refused.status_code == 413
        codes = [_start(http, b"abc", key=f"q{k}", version=k).status_code for k in range(1, 5)]
        assert codes == [201, 201, 201, 429]


def test_concurrent_appends_at_one_offset_land_once(tmp_path: Path) -> None:
    data = bytes(range(256)) * 400
    with running_receiver(tmp_path / "rx", TOKEN) as url, _http(url) as http:
        upload = _start(http, data).json()
        answers: list[int] = []

        def send() -> None:
            with _http(url) as mine:
                answers.append(mine.patch(f"/uploads/{upload['upload_id']}", content=data[:50_000],
                                          headers={"Upload-Offset": "0"}).status_code)  # fmt: skip

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 409]
        assert http.get(f"/uploads/{upload['upload_id']}").json()["offset"] == 50_000


def test_replays_and_mislabelled_packages_are_refused(plan: Path, tmp_path: Path) -> None:
    package = build_package(load_project(plan))
    data = package.to_zip()
    key, version = package.manifest["idempotency_key"], package.manifest["plan_version"]
    with running_receiver(tmp_path / "rx", TOKEN) as url, _http(url) as http:
        wrong = _start(http, data, key, region="210283", version=version + 5).json()
        http.patch(f"/uploads/{wrong['upload_id']}", content=data, headers={"Upload-Offset": "0"})
        done = http.post(f"/uploads/{wrong['upload_id']}/complete")
        assert done.status_code == 422 and "announced" in done.json()["error"]
        http.delete(f"/uploads/{wrong['upload_id']}")
        client = PushClient(url, TOKEN, FAST)
        try:
            client.upload(package)
        finally:
            client.close()
        other = data + b"\0"
        replay = _start(http, other, key, version=version)
        assert replay.status_code == 409
        body = replay.json()
        assert body["stored_sha256"] == hashlib.sha256(data).hexdigest()
        assert body["given_sha256"] == hashlib.sha256(other).hexdigest()


def test_abandoned_uploads_expire(tmp_path: Path) -> None:
    limits = Limits(upload_ttl=0.2)
    with running_receiver(tmp_path / "rx", TOKEN, limits=limits) as url, _http(url) as http:
        first = _start(http, b"abcdef", key="a").json()
        time.sleep(0.4)
        _start(http, b"ghijkl", key="b")  # any new upload sweeps the expired ones
        assert http.get(f"/uploads/{first['upload_id']}").status_code == 404
    assert len(list((tmp_path / "rx" / "uploads").iterdir())) == 1


def test_the_receiver_will_not_start_open_by_accident(tmp_path: Path) -> None:
    cli = str(Path(sys.executable).parent / "gridplanner")
    env = {k: v for k, v in os.environ.items() if k != "GRIDPLANNER_RECEIVER_TOKEN"}
    done = subprocess.run([cli, "receiver", "--data", str(tmp_path / "rx")], env=env,
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 2 and "GRIDPLANNER_RECEIVER_TOKEN" in done.stderr
    done = subprocess.run([cli, "receiver", "--data", str(tmp_path / "rx"), "--no-auth",
                           "--host", "0.0.0.0"], env=env, capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip
    assert done.returncode == 2 and "loopback" in done.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int) -> None:
    import socket

    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the receiver did not start")
