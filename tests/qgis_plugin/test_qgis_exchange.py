"""gridplanner:export and gridplanner:import do what `gridplanner export/import` do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core", reason="QGIS's Python bindings (python3-qgis) are missing")


def test_exchange_package_matches_the_cli(
    sample_street: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    from gridplanner.exchange.package import read_package

    cli_zip = tmp_path / "cli.zip"
    done = run_cli("export", str(sample_street), "--format", "package", "--out", str(cli_zip))
    assert done.returncode == 0, done.stderr
    ours = tmp_path / "qgis.zip"
    result = run_alg(
        "gridplanner:export", {"PROJECT": str(sample_street), "FORMAT": 0, "OUTPUT": str(ours)}
    )
    assert Path(result["OUTPUT"]) == ours and ours.exists()
    mine, theirs = read_package(ours), read_package(cli_zip)
    assert mine.manifest["content_sha256"] == theirs.manifest["content_sha256"]
    assert mine.manifest["idempotency_key"] == theirs.manifest["idempotency_key"]
    assert mine.manifest["personal_fields_included"] is False


def test_import_matches_the_cli(
    sample_street: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    from gridplanner.store import load_project

    levels = tmp_path / "levels.gpkg"
    run_alg(
        "gridplanner:export", {"PROJECT": str(sample_street), "FORMAT": 2, "OUTPUT": str(levels)}
    )
    cli_project, qgis_project = tmp_path / "cli.gpkg", tmp_path / "qgis.gpkg"
    for index, level in ((0, "street"), (1, "community")):
        done = run_cli(
            "import", str(cli_project), str(levels), "--level", level, "--layer", level,
            "--district-name", "示例庄河市",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = run_alg(
            "gridplanner:import",
            {
                "PROJECT": str(qgis_project),
                "INPUT": f"{levels}|layername={level}",
                "LEVEL": index,
                "DISTRICT_NAME": "示例庄河市",
            },
        )
        assert result["ADDED"] > 0
    ours, theirs = load_project(qgis_project), load_project(cli_project)
    columns = ["code", "name", "parent_code"] if "parent_code" in ours.nodes else ["code", "name"]
    assert sorted(map(tuple, ours.nodes[columns].astype(str).to_numpy())) == sorted(
        map(tuple, theirs.nodes[columns].astype(str).to_numpy())
    )
    assert ours.counts() == theirs.counts()


def test_failed_import_names_the_problem_and_keeps_the_project(
    sample_street: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    from qgis.core import QgsProcessingException

    levels = tmp_path / "levels.gpkg"
    run_alg(
        "gridplanner:export", {"PROJECT": str(sample_street), "FORMAT": 2, "OUTPUT": str(levels)}
    )
    project = tmp_path / "p.gpkg"
    run_alg(
        "gridplanner:import",
        {"PROJECT": str(project), "INPUT": f"{levels}|layername=street", "LEVEL": 0},
    )
    before = project.read_bytes()
    done = run_cli(
        "import", str(project), str(levels), "--level", "grid", "--layer", "grid",
        "--code-field", "name",
    )  # fmt: skip
    assert done.returncode == 2
    message = done.stderr.strip().removeprefix("gridplanner: ")
    assert project.read_bytes() == before
    with pytest.raises(QgsProcessingException) as caught:
        run_alg(
            "gridplanner:import",
            {
                "PROJECT": str(project),
                "INPUT": f"{levels}|layername=grid",
                "LEVEL": 3,
                "CODE_FIELD": "name",  # an existing column holding no codes
            },
        )
    assert message and message in str(caught.value)
    assert project.read_bytes() == before
