"""The code scheme: well-formed codes, parent prefixes, free codes, reading order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from gridplanner.codes import (
    CodeScheme,
    number_in_reading_order,
    reading_order,
    reading_order_of,
)
from gridplanner.errors import CodeError
from gridplanner.levels import LEVELS, Level

SCHEME = CodeScheme()
BELOW_DISTRICT = [lv for lv in LEVELS if lv is not Level.DISTRICT]


def test_default_lengths_match_the_national_scheme() -> None:
    lengths = [SCHEME.length(lv) for lv in LEVELS]
    assert lengths == [6, 9, 12, 15, 18, 21]


def test_a_real_code_parses() -> None:
    code = "210283001018"
    assert SCHEME.level_of(code) is Level.COMMUNITY
    assert SCHEME.parent_code(code, Level.COMMUNITY) == "210283001"
    assert SCHEME.sequence(code, Level.COMMUNITY) == 18
    assert SCHEME.problems(code, Level.COMMUNITY, "210283001") == []


@pytest.mark.parametrize(
    ("code", "level", "parent", "fragment"),
    [
        ("21028300101", Level.COMMUNITY, None, "has 11 digits"),
        ("21028300101x", Level.COMMUNITY, None, "digits only"),
        ("210283001000", Level.COMMUNITY, None, "sequence 0"),
        ("210283002018", Level.COMMUNITY, "210283001", "does not start with its parent"),
        (210283001, Level.STREET, None, "not text"),
        ("２１０２８３", Level.DISTRICT, None, "digits only"),  # full-width digits
    ],
)
def test_bad_codes_are_named(code: object, level: Level, parent: str | None, fragment: str) -> None:
    problems = SCHEME.problems(code, level, parent)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(CodeError):
        SCHEME.validate(code, level, parent)


@given(
    level=st.sampled_from(BELOW_DISTRICT),
    data=st.data(),
)
def test_child_code_round_trips(level: Level, data: st.DataObject) -> None:
    parent_level = level.parent
    assert parent_level is not None
    digits = SCHEME.length(parent_level)
    parent = data.draw(st.text(alphabet="0123456789", min_size=digits, max_size=digits))
    sequence = data.draw(st.integers(min_value=1, max_value=10 ** SCHEME.widths[level] - 1))
    code = SCHEME.child_code(parent, level, sequence)
    assert SCHEME.level_of(code) is level
    assert SCHEME.parent_code(code, level) == parent
    assert SCHEME.sequence(code, level) == sequence
    assert code.startswith(parent) and len(code) == SCHEME.length(level)


@given(
    used=st.sets(st.integers(1, 60), max_size=40),
    retired=st.sets(st.integers(1, 60), max_size=20),
    count=st.integers(1, 10),
)
def test_free_codes_skip_used_and_retired(used: set[int], retired: set[int], count: int) -> None:
    parent = "210283001"
    to_code = lambda s: SCHEME.child_code(parent, Level.COMMUNITY, s)  # noqa: E731
    fresh = SCHEME.free_codes(
        parent, Level.COMMUNITY, count, map(to_code, used), map(to_code, retired)
    )
    assert len(fresh) == count == len(set(fresh))
    assert fresh == sorted(fresh)
    sequences = [SCHEME.sequence(c, Level.COMMUNITY) for c in fresh]
    assert not set(sequences) & (used | retired)
    # the lowest free sequences are taken first
    expected = [s for s in range(1, 200) if s not in used | retired][:count]
    assert sequences == expected


def test_codes_run_out_with_a_clear_message() -> None:
    narrow = CodeScheme({**SCHEME.widths, Level.GRID: 1})
    used = [f"210283001001001{s}" for s in range(1, 10)]
    with pytest.raises(CodeError, match="no free grid code left"):
        narrow.next_free_code("210283001001001", Level.GRID, used)


def test_widths_are_configurable() -> None:
    wide = CodeScheme({**SCHEME.widths, Level.GRID_UNIT: 4})
    assert wide.length(Level.GRID_UNIT) == 22
    assert wide.child_code("2" * 18, Level.GRID_UNIT, 7).endswith("0007")
    with pytest.raises(CodeError):
        CodeScheme({**SCHEME.widths, Level.GRID: 0})


def test_reading_order_is_north_to_south_then_west_to_east() -> None:
    # a 3x3 block of points, shuffled; rows are north→south, columns west→east
    xs, ys = np.meshgrid([0.0, 1.0, 2.0], [2.0, 1.0, 0.0])
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    pts[:, 1] += [0.1, -0.1, 0.05, 0, 0.1, -0.05, 0.02, 0, -0.1]  # not perfectly aligned
    perm = np.random.default_rng(3).permutation(9)
    order = reading_order(pts[perm, 0], pts[perm, 1])
    assert perm[order].tolist() == list(range(9))


def test_near_same_latitude_neighbours_share_a_row() -> None:
    # T sits 99 m north of P, and Q 2 m south of P; siblings are 100 m tall. Bands of a
    # fixed height from T's latitude would put P with T and Q in the next band (P, T, Q);
    # a row starts at its northernmost item and takes what lies within half a height.
    x = [500.0, 0.0, 100.0]
    y = [1000.0, 901.0, 899.0]
    assert reading_order(x, y, heights=[100.0, 100.0, 100.0]).tolist() == [0, 1, 2]
    # the row height is the siblings' median height: with 250 m tall siblings, all
    # three are one row, read west→east
    assert reading_order(x, y, heights=[250.0, 250.0, 250.0]).tolist() == [1, 2, 0]


def test_reading_order_of_lonlat_measures_in_metres() -> None:
    from pyproj import Transformer

    rng = np.random.default_rng(5)
    lon = 122.97 + rng.uniform(-0.05, 0.05, 40)
    lat = 39.70 + rng.uniform(-0.04, 0.04, 40)
    boxes = [box(x, y, x + 0.002, y + 0.0015) for x, y in zip(lon, lat, strict=True)]
    order = reading_order_of(boxes, "EPSG:4550")
    to_m = Transformer.from_crs("EPSG:4490", "EPSG:4550", always_xy=True)
    cx = [b.centroid.x for b in boxes]
    mx, my = to_m.transform(cx, [b.centroid.y for b in boxes])
    _, south = to_m.transform(cx, [b.bounds[1] for b in boxes])
    _, north = to_m.transform(cx, [b.bounds[3] for b in boxes])
    heights = np.asarray(north) - np.asarray(south)
    assert order.tolist() == reading_order(mx, my, heights).tolist()
    assert 160 < float(np.median(heights)) < 170  # 0.0015° of latitude ≈ 167 m
    # the zone defaults to the one of the data; a missing outline comes last
    assert reading_order_of([None, *boxes]).tolist() == [*(order + 1).tolist(), 0]


def test_number_in_reading_order_skips_retired() -> None:
    west, east = box(122.970, 39.70, 122.971, 39.701), box(122.975, 39.70, 122.976, 39.701)
    codes = number_in_reading_order(
        SCHEME, "210283001", Level.COMMUNITY, [east, west], retired=["210283001001"]
    )
    assert codes == ["210283001003", "210283001002"]


def test_communities_are_numbered_in_their_kinds_ranges() -> None:
    # four communities in one row, west→east: 村, 社区, 村, 社区
    row = [box(122.97 + 0.01 * i, 39.70, 122.975 + 0.01 * i, 39.705) for i in range(4)]
    kinds = ["villagers_committee", "residents_committee"] * 2
    codes = number_in_reading_order(SCHEME, "210283101", Level.COMMUNITY, row, kinds=kinds)
    assert codes == ["210283101201", "210283101001", "210283101202", "210283101002"]
    streets = number_in_reading_order(
        SCHEME, "210283", Level.STREET, row, kinds=["town", "subdistrict", "township", "town"]
    )
    assert streets == ["210283101", "210283001", "210283201", "210283102"]


def test_free_codes_take_the_kinds_range() -> None:
    assert SCHEME.free_codes("210283", Level.STREET, 2, kind="town") == ["210283101", "210283102"]
    towns = [f"210283{s}" for s in range(101, 200)]
    assert SCHEME.next_free_code("210283", Level.STREET, towns, kind="town") == "210283100"
    with pytest.raises(CodeError, match="no free street code left"):
        SCHEME.next_free_code("210283", Level.STREET, [*towns, "210283100"], kind="town")
    village = SCHEME.next_free_code("210283101", Level.COMMUNITY, kind="villagers_committee")
    assert village == "210283101201"
    # a grid's kind (ordinary) and the levels below community have no range
    assert SCHEME.next_free_code("210283101201", Level.COMPREHENSIVE_GRID, kind="ordinary") == (
        "210283101201001"
    )


@pytest.mark.parametrize(
    ("code", "level", "kind", "fragment"),
    [
        ("210283000001", Level.COMMUNITY, None, "street part 0"),
        ("210283000001001001001", Level.GRID_UNIT, None, "street part 0"),
        ("210283101000001", Level.COMPREHENSIVE_GRID, None, "community part 0"),
        ("000000", Level.DISTRICT, None, "no province 00"),
        ("990000", Level.DISTRICT, None, "no province 99"),
        ("210200", Level.DISTRICT, None, "a prefecture's code"),
        ("210000", Level.DISTRICT, None, "a province's code"),
        ("990000101", Level.STREET, None, "no province 99"),
        ("210283001", Level.STREET, "town", "has its township-level part in 100–199, not 001"),
        ("210283600", Level.STREET, None, "township-level part 600 is outside every range"),
        ("210283101700", Level.COMMUNITY, None, "village-level part 700"),
        ("210283101005", Level.COMMUNITY, "villagers_committee", "200–399, not 005"),
        ("210283101201", Level.COMMUNITY, "residents_committee", "001–199, not 201"),
        ("210283101001", Level.COMMUNITY, "town", "is a street's, not a community's"),
    ],
)
def test_every_segment_follows_the_national_rules(
    code: str, level: Level, kind: str | None, fragment: str
) -> None:
    problems = SCHEME.problems(code, level, kind=kind)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(CodeError):
        SCHEME.validate(code, level, kind=kind)


@pytest.mark.parametrize(
    ("code", "level", "kind"),
    [
        ("441900", Level.DISTRICT, None),  # 东莞: a prefecture city without counties
        ("441900003", Level.STREET, "subdistrict"),
        ("210283101", Level.STREET, "town"),
        ("210283100", Level.STREET, "town"),  # x00 is in the range; new codes start at x01
        ("210283201", Level.STREET, "township"),
        ("210283401", Level.STREET, "township_like"),
        ("210283101001", Level.COMMUNITY, "residents_committee"),
        ("210283101200", Level.COMMUNITY, "villagers_committee"),
        ("654203511501", Level.COMMUNITY, "village_like"),  # a corps' 连队生活区
        ("210283001", Level.STREET, "ordinary"),  # no kind stated: the audit reads the name
    ],
)
def test_codes_the_national_rules_allow(code: str, level: Level, kind: str | None) -> None:
    assert SCHEME.problems(code, level, kind=kind) == []


def test_other_widths_keep_only_the_format_rules() -> None:
    wide = CodeScheme({**SCHEME.widths, Level.STREET: 4})
    assert not wide.national
    assert wide.problems("2102830601", Level.STREET, kind="town") == []  # no NBS ranges
    assert any("sequence 0" in p for p in wide.problems("2102830000", Level.STREET))
    assert wide.free_codes("210283", Level.STREET, 1, kind="town") == ["2102830001"]
