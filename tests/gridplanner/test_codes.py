"""The code scheme: well-formed codes, parent prefixes, free codes, reading order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridplanner.codes import CodeScheme, number_in_reading_order, reading_order
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


def test_number_in_reading_order_skips_retired() -> None:
    codes = number_in_reading_order(
        SCHEME, "210283001", Level.COMMUNITY, [5.0, 0.0], [0.0, 0.0], retired=["210283001001"]
    )
    assert codes == ["210283001003", "210283001002"]
