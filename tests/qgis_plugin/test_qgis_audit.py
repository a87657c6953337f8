"""gridplanner:audit finds what `gridplanner audit` finds on the sample street."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core", reason="QGIS's Python bindings (python3-qgis) are missing")


@pytest.fixture(scope="module")
def cli_findings(
    sample_street: Path, run_cli: Any, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    report = tmp_path_factory.mktemp("cli-audit")
    done = run_cli("audit", str(sample_street), "--report", str(report))
    assert done.returncode == 2, done.stderr  # the sample has blocking findings
    return json.loads((report / "audit.json").read_text(encoding="utf-8"))["findings"]


def _layer_rows(path: Path) -> list[dict[str, Any]]:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), "findings", "ogr")
    assert layer.isValid()
    names = layer.fields().names()
    return [dict(zip(names, f.attributes(), strict=True)) for f in layer.getFeatures()]


def test_same_blocking_findings_as_the_cli(
    sample_street: Path, cli_findings: list[dict[str, Any]], run_alg: Any, tmp_path: Path
) -> None:
    out, areas, html = tmp_path / "findings.gpkg", tmp_path / "areas.gpkg", tmp_path / "a.html"
    result = run_alg(
        "gridplanner:audit",
        {
            "PROJECT": str(sample_street),
            "OUTPUT": str(out),
            "AREAS": str(areas),
            "REPORT_HTML": str(html),
        },
    )
    rows = _layer_rows(out)
    blocking = {(r["finding_id"], r["codes"]) for r in rows if r["severity"] == "blocking"}
    expected = {
        (f["id"], " ".join(f["codes"])) for f in cli_findings if f["severity"] == "blocking"
    }
    assert expected and blocking == expected
    # every finding, not only the blocking ones, with the CLI's messages
    assert sorted(r["finding_id"] for r in rows) == sorted(f["id"] for f in cli_findings)
    by_id = {f["id"]: f for f in cli_findings}
    for r in rows:
        assert r["message_zh"] == by_id[r["finding_id"]]["message"]["zh"]
        assert r["message_en"] == by_id[r["finding_id"]]["message"]["en"]
        assert r["message"] == r["message_zh"]  # the Chinese locale of the test profile
    assert result["BLOCKING"] == len(expected)
    assert result["EXIT_CODE"] == 2
    polygonal = [f for f in cli_findings if f["geometry"] and "Polygon" in f["geometry"]["type"]]
    assert len(_layer_rows(areas)) == len(polygonal)
    text = html.read_text(encoding="utf-8")
    assert all(f["id"] in text for f in cli_findings)


def test_audit_from_hierarchy_layers(sample_street: Path, run_alg: Any, tmp_path: Path) -> None:
    """Layers exported from the sample, imported into a temporary project, then audited."""
    exported = tmp_path / "levels.gpkg"
    run_alg(
        "gridplanner:export",
        {"PROJECT": str(sample_street), "FORMAT": 2, "OUTPUT": str(exported)},
    )
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(exported)}
    params: dict[str, Any] = {"DISTRICT_NAME": "示例庄河市", "OUTPUT": str(tmp_path / "f.gpkg")}
    for param, level in (
        ("STREETS", "street"),
        ("COMMUNITIES", "community"),
        ("COMPREHENSIVE_GRIDS", "comprehensive_grid"),
        ("GRIDS", "grid"),
        ("UNITS", "grid_unit"),
    ):
        assert level in layers, layers
        params[param] = f"{exported}|layername={level}"
    result = run_alg("gridplanner:audit", params)
    rows = _layer_rows(tmp_path / "f.gpkg")
    checks = {r["check"] for r in rows if r["severity"] == "blocking"}
    # the geometric defects of the sample survive the round trip through layers
    assert {"gap", "overlap"} <= checks, checks
    assert result["BLOCKING"] >= 2


def test_missing_input_is_a_clear_error(run_alg: Any) -> None:
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="give a gridplanner project file"):
        run_alg("gridplanner:audit", {"OUTPUT": "TEMPORARY_OUTPUT"})
