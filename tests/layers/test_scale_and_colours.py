"""Scale-dependent visibility (layers drawn only inside their scale range, outlines only
where features are big enough on screen) and stable colours (an edit recolours nothing
it did not reshape, and what it reshaped still differs from its neighbours)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from gridplanner import editing
from gridplanner.editing.change import PlanChange
from gridplanner.editing.sameness import copy_plan
from gridplanner.layers.renderer import (
    BACKGROUND,
    PathCache,
    RenderRequest,
    label_candidates,
    outlines_shown,
    render_image,
)
from gridplanner.layers.snapshot import build_map_data
from gridplanner.layers.style import (
    BUILDINGS,
    DEFAULT_MAX_SCALE,
    Style,
    default_layers,
    state_of,
    with_state,
)
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.rollups import compute_rollups
from gridplanner.store import load_project


@pytest.fixture(scope="module")
def street(sample_street_path: Path):  # type: ignore[no-untyped-def]
    project = load_project(sample_street_path)
    return project, build_map_data(project, compute_rollups(project))


def _view_at(data, scale: float) -> MapView:  # type: ignore[no-untyped-def]
    view = MapView(0, 0, 1, 400, 300).fitted(data.extent)
    mpp = scale / view.scale_denominator() * view.mpp
    return MapView(view.cx, view.cy, mpp, 400, 300)


def test_a_layer_is_drawn_only_inside_its_scale_range(street) -> None:  # type: ignore[no-untyped-def]
    _, data = street
    only_units = tuple(
        s if s.key == Level.GRID_UNIT.value else type(s)(s.key, visible=False)
        for s in default_layers()
    )
    limit = state_of(only_units, Level.GRID_UNIT.value).max_scale
    assert limit == DEFAULT_MAX_SCALE[Level.GRID_UNIT.value] > 0
    inside, outside = _view_at(data, limit / 2), _view_at(data, limit * 3)
    drawn = render_image(RenderRequest(data, inside, only_units, labels=False), PathCache())
    hidden = render_image(RenderRequest(data, outside, only_units, labels=False), PathCache())
    assert drawn is not None and hidden is not None
    colours = {QColor(hidden.pixel(x, y)).rgb() for x in range(0, 400, 7) for y in range(0, 300, 7)}
    assert colours == {BACKGROUND.rgb()}  # out of its range: nothing at all
    assert any(
        QColor(drawn.pixel(x, y)).rgb() != BACKGROUND.rgb()
        for x in range(0, 400, 7) for y in range(0, 300, 7)
    )  # fmt: skip
    always = with_state(only_units, Level.GRID_UNIT.value, max_scale=0, style=Style.CATEGORICAL)
    shown = render_image(RenderRequest(data, outside, always, labels=False), PathCache())
    assert shown is not None and any(
        QColor(shown.pixel(x, y)).rgb() != BACKGROUND.rgb()
        for x in range(0, 400, 7) for y in range(0, 300, 7)
    )  # fmt: skip  (no range: its fill shows; outlines are too small there to draw)


def test_outlines_and_labels_follow_the_scale(street) -> None:  # type: ignore[no-untyped-def]
    _, data = street
    typical = data.levels[Level.GRID_UNIT].typical_size
    assert outlines_shown(data, Level.GRID_UNIT, typical / 20)
    assert not outlines_shown(data, Level.GRID_UNIT, typical / 5)
    layers = default_layers()
    near = label_candidates(RenderRequest(data, _view_at(data, 5_000), layers))
    far = label_candidates(RenderRequest(data, _view_at(data, 2_000_000), layers))
    assert len(near) > 0 and len(far) < len(near)
    assert state_of(layers, BUILDINGS).max_scale == 15_000


def test_an_edit_keeps_every_other_colour(street) -> None:  # type: ignore[no-untyped-def]
    project, data = street
    project = copy_plan(project)
    grids = data.levels[Level.GRID]
    before = dict(zip(grids.ids.tolist(), data.attributes.colour[Level.GRID].tolist(), strict=True))
    nodes = project.nodes
    units = nodes.index[nodes["level"] == Level.GRID_UNIT.value]
    for unit in units:
        home = int(nodes.at[unit, "parent_id"])
        mates = [
            int(g) for g in nodes.index[nodes["parent_id"] == nodes.at[home, "parent_id"]]
            if g != home
            and nodes.at[int(unit), "geometry"].touches(nodes.at[int(g), "geometry"])
        ]  # fmt: skip
        if mates and len(project.children(home)) > 2:
            break
    edit = editing.assign_units(project, [int(unit)], mates[0])
    edit.apply(project)
    change = PlanChange.of(edit)
    change.tallies = set(nodes.index)  # (only rows change; colours must not)
    after = data.with_changes(project, compute_rollups(project), change)
    new_grids = after.levels[Level.GRID]
    colours = dict(zip(new_grids.ids.tolist(), after.attributes.colour[Level.GRID].tolist(),
                       strict=True))  # fmt: skip
    reshaped = {home, mates[0]}
    assert {g: colours[g] for g in before if g not in reshaped} == {
        g: c for g, c in before.items() if g not in reshaped
    }  # nobody else is recoloured
    for grid in reshaped:  # and the reshaped grids still differ from every neighbour
        row = int(new_grids.row_of([grid])[0])
        touching = new_grids.tree.query(new_grids.geoms[row], predicate="intersects")
        neighbours = [int(new_grids.ids[r]) for r in touching if new_grids.ids[r] != grid]
        assert neighbours and all(colours[n] != colours[grid] for n in neighbours)
