"""The desktop app on a ``postgresql://`` plan: opened without a file lock, saved
through the store's row versions (a colleague's change in between refuses the save in
words, nothing lost), and the scopes other planners have checked out greyed in the
tree, hatched on the map and refused for edits. Needs PostgreSQL + PostGIS."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgcluster import PgCluster
from PySide6.QtCore import Qt

from gridplanner.cli import main
from gridplanner.levels import Level
from gridplanner.pgstore.checkout import check_out
from gridplanner.pgstore.credentials import public_url
from gridplanner.store import load_project, save_project


def _store(pg_cluster: PgCluster, sample: Path) -> str:
    url = pg_cluster.new_database()
    assert main(["db", "load", str(sample), url]) == 0
    return url


def _grid_of(plan, community: int) -> int:  # type: ignore[no-untyped-def]
    return next(int(g) for g in plan.level(Level.GRID).index if community in plan.ancestors(int(g)))


def test_open_edit_save_and_reopen_a_database_plan(
    gp_app, pg_cluster: PgCluster, sample_street_path: Path
) -> None:
    url = _store(pg_cluster, sample_street_path)
    controller = gp_app.controller
    assert controller.open(url), gp_app.errors
    assert controller.read_only is None and controller._locked is None  # no file lock
    assert public_url(url) in gp_app.window.windowTitle()
    grid = int(controller.project.level(Level.GRID).index[0])
    controller.rename(grid, "改名后的网格")
    assert not controller.undo_stack.isClean()
    assert controller.autosave()  # unsaved work goes to the local cache, keyed by the URL
    controller.wait_for_autosave()
    assert controller.autosaver.path_for(url).exists()
    assert controller.save(), gp_app.errors
    assert controller.undo_stack.isClean()
    assert not controller.autosaver.path_for(url).exists()  # a clean save drops it
    assert load_project(url).nodes.at[grid, "name"] == "改名后的网格"
    assert controller.open(url)
    assert controller.project.nodes.at[grid, "name"] == "改名后的网格"
    assert controller.project.history[-1].author == controller.author()  # the store's history


def test_an_autosave_left_by_a_crash_is_set_aside_and_named(
    gp_app, pg_cluster: PgCluster, sample_street_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _store(pg_cluster, sample_street_path)
    warnings: list[str] = []
    monkeypatch.setattr(gp_app.window, "show_warning", warnings.append)
    controller = gp_app.controller
    assert controller.open(url)
    grid = int(controller.project.level(Level.GRID).index[0])
    controller.rename(grid, "崩溃前的修改")
    assert controller.autosave()
    controller.wait_for_autosave()
    controller.undo_stack.setClean()  # as if the window died: the autosave stays
    assert controller.open(url)
    assert not controller.autosaver.path_for(url).exists()
    kept = Path(warnings[-1].rsplit(": ", 1)[1])
    assert kept.exists() and kept.name.endswith("-recovered.gpkg")
    assert load_project(kept).nodes.at[grid, "name"] == "崩溃前的修改"
    assert controller.project.nodes.at[grid, "name"] != "崩溃前的修改"  # the store's plan


def test_a_colleagues_change_refuses_the_save_in_words_and_nothing_is_lost(
    gp_app, pg_cluster: PgCluster, sample_street_path: Path
) -> None:
    url = _store(pg_cluster, sample_street_path)
    controller = gp_app.controller
    assert controller.open(url)
    grid = int(controller.project.level(Level.GRID).index[0])
    code = str(controller.project.nodes.at[grid, "code"])
    colleague = load_project(url)  # another planner, through the store directly
    colleague.nodes.at[grid, "name"] = "李四的名字"
    colleague.record_version("李四", "改网格名")
    save_project(colleague, url)
    controller.rename(grid, "张三的名字")
    assert not controller.save()
    message = gp_app.errors[-1]
    assert "保存被拒绝" in message and code in message and "李四" in message
    assert controller.project.nodes.at[grid, "name"] == "张三的名字"  # kept in the window
    assert not controller.undo_stack.isClean()
    assert load_project(url).nodes.at[grid, "name"] == "李四的名字"  # nothing written


def test_scopes_leased_by_others_are_greyed_hatched_and_refused(
    gp_app, pg_cluster: PgCluster, sample_street_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _store(pg_cluster, sample_street_path)
    plan = load_project(url)
    communities = plan.level(Level.COMMUNITY).sort_values("code")
    leased, free = int(communities.index[0]), int(communities.index[-1])
    check_out(url, str(communities.at[leased, "code"]), "张三")
    warnings: list[str] = []
    monkeypatch.setattr(gp_app.window, "show_warning", warnings.append)
    controller = gp_app.controller
    controller.settings.setValue("author", "王五")
    assert controller.open(url)
    model = gp_app.window.tree_panel.model
    grid, other = _grid_of(controller.project, leased), _grid_of(controller.project, free)
    for node in (leased, grid):
        tip = model.read_only_tip(node)
        assert tip is not None and "由 张三 签出至" in tip
        index = model.index_of(node)
        assert "由 张三 签出至" in model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    assert model.read_only_tip(free) is None and model.read_only_tip(other) is None
    assert model.data(model.index_of(other), Qt.ItemDataRole.FontRole) is None

    canvas = gp_app.window.canvas
    canvas.zoom_full()
    canvas.wait_while_rendering()
    assert [a.label for a in canvas.hatched] == ["张三（已签出）"]
    data = canvas.data
    shapes = controller.project.nodes.geometry

    def changed_pixels(node: int) -> int:
        x, y = data.project_geometry(shapes[node].representative_point()).coords[0]
        px, py = (int(v) for v in canvas.view.to_pixel(x, y))
        with_hatch = canvas.grab().toImage()
        kept, canvas.hatched = canvas.hatched, ()
        without = canvas.grab().toImage()
        canvas.hatched = kept
        return sum(
            with_hatch.pixel(px + dx, py + dy) != without.pixel(px + dx, py + dy)
            for dx in range(-12, 13)
            for dy in range(-12, 13)
        )

    assert changed_pixels(grid) > 100  # the leased community is veiled and hatched
    assert changed_pixels(other) == 0  # a free one is drawn as ever

    controller.rename(grid, "不该改")
    assert warnings and "张三" in warnings[-1] and "只读" in warnings[-1]
    assert controller.project.nodes.at[grid, "name"] != "不该改"
    controller.rename(other, "可以改")
    assert controller.project.nodes.at[other, "name"] == "可以改"
    assert controller.save(), gp_app.errors
