"""Push to the reference receiver on 127.0.0.1: round trip, idempotency, faults, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gridplanner.exchange.geojson import oriented
from gridplanner.exchange.package import read_package
from gridplanner.exchange.problems import PushFailed
from gridplanner.exchange.publish import push_project, receipts
from gridplanner.exchange.push import PushClient, PushSettings
from gridplanner.exchange.receiver import FaultPlan, running_receiver
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.store import load_project, save_project

TOKEN = "tok-Zq8v1-never-to-be-stored"
FAST = PushSettings(chunk_size=1500, backoff_base=0.01, backoff_max=0.05, timeout=10, deadline=120)


def _versions(url: str) -> list[dict]:  # type: ignore[type-arg]
    client = PushClient(url, TOKEN, FAST)
    try:
        return client.versions("210283")
    finally:
        client.close()


def _fetch(url: str, version: int) -> bytes:
    client = PushClient(url, TOKEN, FAST)
    try:
        return client.fetch_package("210283", version)
    finally:
        client.close()


@pytest.fixture
def plan(tiny_project: Project, tmp_path: Path) -> Path:
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    return path


def _assert_same_hierarchy(project: Project, package_bytes: bytes) -> None:
    from gridplanner.exchange.export import hierarchy_table

    got = read_package(package_bytes).hierarchy().set_index("code").sort_index()
    want = hierarchy_table(project).set_index("code").sort_index()
    assert list(got.index) == list(want.index)
    for column in ("name", "level", "parent_code", "households", "population", "worker_count"):
        assert got[column].fillna("").tolist() == want[column].fillna("").tolist(), column
    assert got["workers"].tolist() == pytest.approx(want["workers"].tolist())
    for code in want.index:  # the same vertices, wound as RFC 7946 wants
        assert got.geometry[code].equals_exact(oriented(want.geometry[code]), 1e-7), code


def test_round_trip_gives_the_identical_hierarchy(sample_street_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "street.gpkg"
    path.write_bytes(sample_street_path.read_bytes())
    settings = PushSettings(chunk_size=64 * 1024, backoff_base=0.01, timeout=30)
    with running_receiver(tmp_path / "rx", TOKEN) as url:
        receipt = push_project(path, url, token=TOKEN, settings=settings, allow_blocking=True)
        assert receipt["status"] == "stored" and receipt["override_blocking"] is True
        _assert_same_hierarchy(load_project(path), _fetch(url, receipt["plan_version"]))


def test_same_version_twice_stores_one(plan: Path, tmp_path: Path) -> None:
    with running_receiver(tmp_path / "rx", TOKEN) as url:
        first = push_project(plan, url, token=TOKEN, settings=FAST)
        second = push_project(plan, url, token=TOKEN, settings=FAST)
        assert first["status"] == "stored" and second["status"] == "already_stored"
        assert first["receipt_id"] == second["receipt_id"]
        assert len(_versions(url)) == 1
    assert len(receipts(load_project(plan))) == 1


@pytest.mark.parametrize(
    "faults", ["drop", "drop,drop,drop", "500,500,500", "429,429,429", "500,drop,429,500,drop"]
)
def test_faults_end_with_one_complete_version(plan: Path, tmp_path: Path, faults: str) -> None:
    plan_faults = FaultPlan(faults)
    with running_receiver(tmp_path / "rx", TOKEN, plan_faults) as url:
        receipt = push_project(plan, url, token=TOKEN, settings=FAST)
        assert plan_faults.pending == [] and plan_faults.injected == faults.split(",")
        assert receipt["status"] == "stored"
        (stored,) = _versions(url)
        _assert_same_hierarchy(load_project(plan), _fetch(url, stored["plan_version"]))
    assert list((tmp_path / "rx" / "uploads").iterdir()) == []  # no partial upload left


def test_dropped_chunk_resumes_from_the_servers_offset(plan: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    with running_receiver(tmp_path / "rx", TOKEN, FaultPlan("drop")) as url:
        push_project(plan, url, token=TOKEN, settings=FAST, progress=lambda f, m: seen.append(m))
    offsets = [int(m.split()[1].split("/")[0]) for m in seen if m.startswith("uploading")]
    assert offsets[0] == 0 and offsets[1] == FAST.chunk_size // 2  # half a chunk had landed


def test_token_never_reaches_the_project_or_the_logs(
    plan: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GRIDPLANNER_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    from gridplanner.cli import main

    with running_receiver(tmp_path / "rx", TOKEN, FaultPlan("500,drop")) as url:
        assert main(["push", str(plan), "--to", url, "--chunk-kib", "1"]) == 0
    out, err = capfd.readouterr()
    assert "stored: 210283 version 1" in out
    assert "retrying" in caplog.text and "resuming" in caplog.text  # logging did happen
    for text in (caplog.text, out, err):
        assert TOKEN not in text
    assert TOKEN.encode() not in plan.read_bytes()
    assert all(TOKEN not in v.summary for v in load_project(plan).history)
    assert TOKEN.encode() not in (tmp_path / "rx" / "receiver.sqlite").read_bytes()


def test_wrong_token_is_refused_clearly(plan: Path, tmp_path: Path) -> None:
    before = plan.read_bytes()
    with (
        running_receiver(tmp_path / "rx", TOKEN) as url,
        pytest.raises(PushFailed, match="refused the token"),
    ):
        push_project(plan, url, token="wrong", settings=FAST)
    assert plan.read_bytes() == before


def test_missing_token_says_how_to_set_one(plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRIDPLANNER_TOKEN", raising=False)
    import keyring

    monkeypatch.setattr(keyring, "get_password", lambda service, host: None)
    with pytest.raises(PushFailed, match="GRIDPLANNER_TOKEN"):
        push_project(plan, "http://127.0.0.1:9", settings=FAST)


def test_plain_http_to_a_remote_host_is_refused(plan: Path) -> None:
    with pytest.raises(PushFailed, match="plain HTTP"):
        push_project(plan, "http://platform.example.gov.cn", token=TOKEN, settings=FAST)


def test_blocking_findings_refuse_the_push_unless_overridden(
    sample_street_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "street.gpkg"
    path.write_bytes(sample_street_path.read_bytes())
    before = path.read_bytes()
    with running_receiver(tmp_path / "rx", TOKEN) as url:
        with pytest.raises(PushFailed, match="blocking finding"):
            push_project(path, url, token=TOKEN, settings=FAST)
        assert path.read_bytes() == before and _versions(url) == []
        receipt = push_project(
            path,
            url,
            token=TOKEN,
            allow_blocking=True,
            settings=PushSettings(chunk_size=1 << 20, backoff_base=0.01),
        )
    assert receipt["override_blocking"] is True and receipt["blocking_findings"] > 0
    (stored,) = receipts(load_project(path))
    assert stored["override_blocking"] is True


def test_second_version_carries_changes_against_the_first(plan: Path, tmp_path: Path) -> None:
    with running_receiver(tmp_path / "rx", TOKEN) as url:
        push_project(plan, url, token=TOKEN, settings=FAST)
        project = load_project(plan)
        project.nodes = project.nodes.copy()
        unit = project.by_code("210283001001001002002")
        east = project.by_code("210283001001001002001")
        project.nodes.loc[[east], "geometry"] = project.level(Level.GRID).geometry[
            project.by_code("210283001001001002")
        ]
        project.nodes = project.nodes.drop(index=unit)  # 南湖小区 merged into 东方小区
        project.record_version("测试员", "合并南湖小区")
        save_project(project, plan)
        receipt = push_project(plan, url, token=TOKEN, settings=FAST)
        assert receipt["plan_version"] == 2 and receipt["replaces_version"] == 1
        changes = read_package(_fetch(url, 2)).json("changes.json")
        assert [r["code"] for r in changes["retired"]] == ["210283001001001002002"]
        assert changes["merges"][0]["new_code"] == "210283001001001002001"
        assert [v["plan_version"] for v in _versions(url)] == [1, 2]
    assert "210283001001001002002" in load_project(plan).retired_codes
