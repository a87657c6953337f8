"""The wheel and a non-editable install carry the mapped packages and the package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
    )
    (found,) = out.glob("gridplanner-*.whl")
    return found


def test_wheel_has_one_namespace(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for required in (
        "gridplanner/__init__.py",
        "gridplanner/cli.py",
        "gridplanner/algorithms/__init__.py",
        "gridplanner/layers/__init__.py",
        "gridplanner/ui/__init__.py",
        "gridplanner/sample/__init__.py",
        "gridplanner/sample_data/street.gpkg",
        "gridplanner/sample_data/street.defects.json",
        "gridplanner/py.typed",
    ):
        assert required in names, required
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"gridplanner"}, tops


def test_non_editable_install_works_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    script = (
        "import gridplanner, gridplanner.algorithms, gridplanner.ui, gridplanner.layers\n"
        "import gridplanner.sample_data as s, pathlib, importlib.util as u\n"
        "assert pathlib.Path(s.__file__).with_name('street.gpkg').exists()\n"
        "assert all(u.find_spec(n) is None for n in ('ui', 'layers', 'algorithms'))\n"
        "print(gridplanner.__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(target))
