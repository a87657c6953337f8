"""Exports, saves and imports onto a full file system: one line naming the file, a
non-zero exit, nothing partial left behind (a real, tiny tmpfs; skipped only where the
machine does not allow mounting one)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [str(Path(sys.executable).parent / "gridplanner")]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, filled but for a few KiB."""
    mount = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        filler = mount / "filler.bin"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, max(0, filler.stat().st_size - 16 * 1024))
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("filler.bin",)
                  and not p.name.endswith(".lock"))  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("gpkg", "out.gpkg"), ("geojson", "geojson"), ("shapefile", "shp"), ("xlsx", "out.xlsx"),
     ("package", "pkg.zip"), ("package", "pkg")],
)  # fmt: skip
def test_exports_on_a_full_disk(full_disk: Path, sample_street_path: Path, fmt: str,
                                name: str) -> None:  # fmt: skip
    target = full_disk / name
    done = subprocess.run(
        [*CLI, "export", str(sample_street_path), "--format", fmt, "--out", str(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(target) in lines[0]
    assert _left(full_disk) == []  # nothing partial


def test_a_save_on_a_full_disk_keeps_the_old_file(full_disk: Path, sample_street_path: Path,
                                                  tmp_path: Path) -> None:  # fmt: skip
    target = full_disk / "plan.gpkg"
    done = subprocess.run(
        [*CLI, "sample", "--size", "street", str(target)], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert str(target) in done.stderr
    assert _left(full_disk) == []
