"""Times shown to people are local, to the minute; stored times stay UTC ISO."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gridplanner.cli import main
from gridplanner.model import Project
from gridplanner.report import tree_lines
from gridplanner.store import load_project, save_project
from gridplanner.timefmt import local_time

STORED = "2026-12-06T15:11:17+00:00"


@pytest.mark.parametrize(
    ("zone", "iso", "shown"),
    [
        ("CST-8", STORED, "2026-12-06 23:11"),  # China Standard Time, UTC+8
        ("CST-8", "2026-12-06T20:00:00+00:00", "2026-12-07 04:00"),  # past midnight
        ("CST-8", "2026-12-06T23:11:59+08:00", "2026-12-06 23:11"),  # already local
        ("CST-8", "2026-12-06T15:11:17Z", "2026-12-06 23:11"),
        ("CST-8", "2026-12-06T15:11:17.250000+00:00", "2026-12-06 23:11"),
        ("UTC0", STORED, "2026-12-06 15:11"),
        ("EST+5", STORED, "2026-12-06 10:11"),  # the zone is the system's, not China's
    ],
)
def test_local_time_in_the_system_zone(
    local_tz: Callable[[str], None], zone: str, iso: str, shown: str
) -> None:
    local_tz(zone)
    assert local_time(iso) == shown


@pytest.mark.parametrize(
    "odd",
    ["2026-12-06T15:11:17", "2026-12-06 15:11", "yesterday", "", "  ", "0001-01-01T00:00:00+05:00"],
)
def test_odd_times_are_shown_as_they_are(local_tz: Callable[[str], None], odd: str) -> None:
    """No zone (which one would it be?), not a time at all, out of range: unchanged."""
    local_tz("CST-8")
    assert local_time(odd) == odd


def _with_version_at(project: Project, iso: str) -> Project:
    from gridplanner.model import Version

    project.history = [Version(1, iso, "测试员", "手工搭建的测试方案")]
    return project


def test_info_shows_the_latest_version_in_local_time(
    tiny_project: Project,
    tmp_path: Path,
    local_tz: Callable[[str], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    local_tz("CST-8")
    path = tmp_path / "p.gpkg"
    save_project(_with_version_at(tiny_project, STORED), path)
    assert load_project(path).history[-1].time == STORED  # stored as it was: UTC ISO
    assert main(["info", str(path), "--depth", "district"]) == 0
    out = capsys.readouterr().out
    assert "最近版本: v1 2026-12-06 23:11 测试员" in out and STORED not in out
    assert main(["info", str(path), "--depth", "district", "--lang", "en"]) == 0
    assert "Latest version: v1 2026-12-06 23:11 测试员" in capsys.readouterr().out


def test_a_version_recorded_now_is_stored_in_utc(tiny_project: Project) -> None:
    version = tiny_project.record_version("测试员", "再存一次")
    assert version.time.endswith("+00:00") and "T" in version.time
    line = next(line for line in tree_lines(tiny_project) if line.startswith("最近版本"))
    assert local_time(version.time) in line and version.time not in line
