"""The shared PostGIS store as a project backend: lossless load/dump, extra columns,
checked whole-plan saves, every command on a postgresql:// project, no password shown.

Needs PostgreSQL + PostGIS (the ``pg_cluster`` fixture starts a throwaway cluster)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest
from pgcluster import PgCluster

from gridplanner.cli import main
from gridplanner.editing import rename_node
from gridplanner.editing.sameness import plan_differences
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.apply import ChangeConflict
from gridplanner.pgstore.credentials import DatabaseError, public_url, redact
from gridplanner.store import GeoPackageStore, load_project, save_project


@pytest.fixture
def street_url(pg_cluster: PgCluster, sample_street_path: Path) -> str:
    url = pg_cluster.new_database()
    assert main(["db", "init", url]) == 0
    assert main(["db", "load", str(sample_street_path), url]) == 0
    return str(url)


def _same_plan(a: Project, b: Project) -> None:
    assert plan_differences(a, b) == []
    assert a.history == b.history
    assert a.settings == b.settings
    assert a.name == b.name
    assert a.next_id == b.next_id
    pd.testing.assert_frame_equal(a.reference_lines, b.reference_lines, check_exact=True)


def test_load_then_dump_gives_every_table_back(
    street_url: str, sample_street_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dump.gpkg"
    assert main(["db", "dump", street_url, str(out)]) == 0
    original = load_project(sample_street_path)
    _same_plan(original, load_project(out))
    _same_plan(original, load_project(street_url))  # the store itself, read directly
    import pyogrio

    for layer, _ in pyogrio.list_layers(sample_street_path):  # every table, row by row
        a = pyogrio.read_dataframe(sample_street_path, layer=str(layer))
        b = pyogrio.read_dataframe(out, layer=str(layer))
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=str(layer))


@pytest.mark.slow
def test_the_county_comes_back_table_for_table_and_audits_the_same(
    pg_cluster: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    import pyogrio

    from gridplanner.sample import generate_sample

    county = tmp_path / "county.gpkg"
    save_project(generate_sample("county", 0)[0], county)
    url = pg_cluster.new_database()
    assert main(["db", "load", str(county), url]) == 0
    out = tmp_path / "dump.gpkg"
    assert main(["db", "dump", url, str(out)]) == 0
    for layer, _ in pyogrio.list_layers(county):
        a = pyogrio.read_dataframe(county, layer=str(layer))
        b = pyogrio.read_dataframe(out, layer=str(layer))
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=str(layer))
    capsys.readouterr()
    reports = []
    for where in (url, str(county)):
        status = main(["audit", where])
        reports.append((status, re.sub(r"\([0-9.]+ 秒\)", "", capsys.readouterr().out)))
    assert reports[0] == reports[1]


def test_columns_a_newer_model_adds_survive(pg_cluster: PgCluster, tiny_project: Project) -> None:
    url = pg_cluster.new_database()
    plan = tiny_project
    plan.nodes["remark"] = pd.Series(
        ["备注" if i % 2 else None for i in range(len(plan.nodes))], index=plan.nodes.index,
        dtype=object,
    )  # fmt: skip
    plan.nodes["floors"] = pd.array(range(len(plan.nodes)), dtype="Int64")
    plan.buildings["area_m2"] = [float(i) * 1.5 for i in range(len(plan.buildings))]
    save_project(plan, url)  # an empty database: the store is created and the plan written
    back = load_project(url)
    assert plan_differences(plan, back) == []
    assert str(back.nodes["floors"].dtype) == "Int64"
    assert back.nodes["remark"].tolist() == plan.nodes["remark"].tolist()


def test_whole_plan_saves_write_only_changes_and_refuse_stale_rows(street_url: str) -> None:
    first, second = load_project(street_url), load_project(street_url)
    grids = first.level(Level.GRID).index.tolist()
    rename_node(first, grids[0], "第一人改的名").apply(first)
    first.record_version("王五", "改名")
    save_project(first, street_url)
    rename_node(second, grids[1], "第二人改的名").apply(second)  # a row nobody else touched
    save_project(second, street_url)
    now = load_project(street_url)
    assert now.nodes.at[grids[0], "name"] == "第一人改的名"  # not lost by the second save
    assert now.nodes.at[grids[1], "name"] == "第二人改的名"
    assert now.history[-2].author == "王五"
    rename_node(second, grids[0], "过时的改名").apply(second)  # stale: changed by the first
    with pytest.raises(ChangeConflict) as refused:
        save_project(second, street_url)
    assert str(first.nodes.at[grids[0], "code"]) in str(refused.value)
    assert "王五" in str(refused.value)
    assert load_project(street_url).nodes.at[grids[0], "name"] == "第一人改的名"


def test_saving_an_unrelated_plan_over_a_store_is_refused(
    street_url: str, tiny_project: Project
) -> None:
    with pytest.raises(DatabaseError, match="--replace"):
        save_project(tiny_project, street_url)


def test_commands_take_a_postgresql_project(
    street_url: str, sample_street_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", street_url, "--depth", "community"]) == 0
    tree = capsys.readouterr().out
    assert main(["info", str(sample_street_path), "--depth", "community"]) == 0
    assert capsys.readouterr().out == tree
    import re

    reports = []
    for where in (street_url, str(sample_street_path)):
        status = main(["audit", where])
        text = re.sub(r"\([0-9.]+ 秒\)", "", capsys.readouterr().out)  # all but the timing
        reports.append((status, text))
    assert reports[0] == reports[1]
    assert reports[0][0] == 2 and "gap" in reports[0][1]  # the sample's built-in defects
    assert main(["export", street_url, "--format", "package", "--out", str(tmp_path / "pkg")]) == 0
    assert (tmp_path / "pkg" / "manifest.json").exists()


def test_push_from_the_store_records_its_receipt_there(street_url: str, tmp_path: Path) -> None:
    from gridplanner.exchange.publish import push_project, receipts
    from gridplanner.exchange.push import PushSettings
    from gridplanner.exchange.receiver import running_receiver

    token = "tok-pg-never-stored"
    with running_receiver(tmp_path / "rx", token) as url:
        receipt = push_project(street_url, url, allow_blocking=True, token=token,
                               settings=PushSettings(timeout=10))  # fmt: skip
    assert receipt["status"] == "stored"
    assert [r["receipt_id"] for r in receipts(load_project(street_url))] == [receipt["receipt_id"]]


def test_passwords_are_never_shown_or_kept(
    pg_cluster: PgCluster,
    sample_street_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "Pw-7d1e-not-for-logs"
    pg_cluster.add_password_user("planner_pw", secret)
    database = pg_cluster.new_database().rsplit("/", 1)[1]
    bare = f"postgresql://planner_pw@127.0.0.1:{pg_cluster.port}/{database}"
    with_pw = f"postgresql://planner_pw:{secret}@127.0.0.1:{pg_cluster.port}/{database}"
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    import gridplanner.pgstore.credentials as credentials

    monkeypatch.setattr(credentials, "keyring_password", lambda url: None)
    assert main(["db", "init", bare]) == 2  # no password anywhere: one clear line
    err = capsys.readouterr().err
    assert "PGPASSWORD" in err and err.count("\n") == 1
    wrong = with_pw.replace(secret, secret + "x")
    assert main(["db", "init", wrong]) == 2
    err = capsys.readouterr().err
    assert secret not in err
    assert main(["db", "load", str(sample_street_path), with_pw]) == 0  # in the URL
    assert main(["db", "status", with_pw]) == 0
    monkeypatch.setenv("PGPASSWORD", secret)  # from the environment
    grid = load_project(bare).level(Level.STREET)["code"].iloc[0]
    local = tmp_path / "mine.gpkg"
    assert main(["db", "checkout", with_pw, "--scope", str(grid), "--owner", "赵六",
                 "--out", str(local)]) == 0  # fmt: skip
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_cluster.port}:*:planner_pw:{secret}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))  # from ~/.pgpass (here: PGPASSFILE)
    assert main(["db", "commit", str(local), bare]) == 0
    out = capsys.readouterr()
    for text in (out.out, out.err):
        assert secret not in text
    for path in tmp_path.glob("*.gpkg"):
        assert secret.encode() not in path.read_bytes(), path
    with psycopg.connect(pg_cluster.url(database)) as conn:
        for (text,) in conn.execute(
            "SELECT concat_ws(' ', author, summary) FROM gridplanner.history "
            "UNION ALL SELECT concat_ws(' ', author, summary) FROM gridplanner.change_set"
        ).fetchall():
            assert secret not in text
    assert secret not in redact(f"cannot reach {with_pw}: password={secret}", with_pw)
    assert secret not in public_url(with_pw + "?password=" + secret)
    assert GeoPackageStore().load(local).name  # the checkout is an ordinary project file


def test_a_tagged_city_version_is_in_the_history_and_frozen(
    street_url: str, tmp_path: Path
) -> None:
    before = load_project(street_url)
    frozen = tmp_path / "tagged.gpkg"
    assert (
        main(["db", "tag", street_url, "第四季度报送", "--author", "张三", "--out", str(frozen)])
        == 0
    )
    after = load_project(street_url)
    assert len(after.history) == len(before.history) + 1
    tagged = after.history[-1]
    assert tagged.author == "张三" and tagged.summary == "标记版本 第四季度报送"
    assert plan_differences(before, after) == []  # nothing but the history changed
    snapshot = load_project(frozen)
    assert snapshot.history[-1].summary == "标记版本 第四季度报送"
    assert snapshot.nodes["code"].tolist() == after.nodes["code"].tolist()
    assert main(["db", "tag", street_url, "  "]) == 2
