"""gridplanner:balance gives the labels of `gridplanner partition` (same layer, parts, seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core", reason="QGIS's Python bindings (python3-qgis) are missing")

PARTS, SEED = 12, 7


@pytest.fixture(scope="module")
def units_layer(sample_street: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's grid units with households summed from its buildings by unit_id."""
    import pyogrio

    units = pyogrio.read_dataframe(sample_street, layer="grid_unit")
    buildings = pyogrio.read_dataframe(sample_street, layer="building")
    households = buildings.groupby("unit_id")["households"].sum()
    units["households"] = units["id"].map(households).fillna(0).astype("int64")
    path = tmp_path_factory.mktemp("balance") / "units.gpkg"
    pyogrio.write_dataframe(units, path, layer="units")
    return path


def _parts(path: Path, layer: str | None = None) -> dict[int, int]:
    import pyogrio

    frame = pyogrio.read_dataframe(path, layer=layer)
    return dict(zip(frame["id"].astype(int), frame["part"].astype(int), strict=True))


def test_same_labels_as_the_cli(
    units_layer: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    from qgis.core import QgsVectorLayer

    cli_out = tmp_path / "cli.gpkg"
    done = run_cli(
        "partition",
        str(units_layer),
        "--weight",
        "households",
        "--parts",
        str(PARTS),
        "--seed",
        str(SEED),
        "--out",
        str(cli_out),
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "qgis_units.gpkg"
    grids = tmp_path / "qgis_grids.gpkg"
    report = tmp_path / "qgis_report.gpkg"
    result = run_alg(
        "gridplanner:balance",
        {
            "INPUT": f"{units_layer}|layername=units",
            "HOUSEHOLDS": "households",
            "PARTS": PARTS,
            "SEED": SEED,
            "OUTPUT": str(out),
            "GRIDS": str(grids),
            "REPORT": str(report),
        },
    )
    ours, theirs = _parts(out), _parts(cli_out)
    assert len(ours) == 420
    assert ours == theirs
    assert result["METRIC_CRS"] == "EPSG:4550"
    grid_layer = QgsVectorLayer(str(grids), "grids", "ogr")
    assert grid_layer.featureCount() == PARTS
    households = {f["part"]: f["households"] for f in grid_layer.getFeatures()}
    assert sum(households.values()) == 35819  # every household of the sample street
    report_layer = QgsVectorLayer(str(report), "report", "ogr")
    assert report_layer.featureCount() == PARTS
    assert result["ALL_CONTIGUOUS"] == 1


def test_target_per_worker_is_round_households_over_target(
    units_layer: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    # 35,819 households at 3,000 per grid → 12 grids: the same run as --parts 12
    cli_out = tmp_path / "cli.gpkg"
    done = run_cli(
        "partition", str(units_layer), "--weight", "households", "--parts", "12",
        "--seed", "3", "--out", str(cli_out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "units.gpkg"
    run_alg(
        "gridplanner:balance",
        {
            "INPUT": str(units_layer),
            "HOUSEHOLDS": "households",
            "PARTS": 0,
            "TARGET": 3000,
            "SEED": 3,
            "OUTPUT": str(out),
            "GRIDS": "TEMPORARY_OUTPUT",
            "REPORT": "TEMPORARY_OUTPUT",
        },
    )
    assert _parts(out) == _parts(cli_out)


def test_existing_grids_capacities_and_locks(
    units_layer: Path, run_alg: Any, tmp_path: Path
) -> None:
    import pyogrio

    units = pyogrio.read_dataframe(units_layer)
    # today's grid of each unit, and the first grid's units locked
    units["grid"] = units["parent_id"].astype(int)
    grids = sorted(units["grid"].unique())[:3]
    units = units[units["grid"].isin(grids)].copy()
    first = units["grid"] == grids[0]
    units["locked"] = first.astype(int)
    path = tmp_path / "three.gpkg"
    pyogrio.write_dataframe(units, path, layer="three")
    out = tmp_path / "out.gpkg"
    result = run_alg(
        "gridplanner:balance",
        {
            "INPUT": str(path),
            "HOUSEHOLDS": "households",
            "CAPACITIES": "1, 1, 1",
            "EXISTING": "grid",
            "LOCKED": "locked",
            "SEED": 0,
            "OUTPUT": str(out),
            "GRIDS": "TEMPORARY_OUTPUT",
            "REPORT": "TEMPORARY_OUTPUT",
        },
    )
    frame = pyogrio.read_dataframe(out)
    assert set(frame["part"]) <= {0, 1, 2}
    # locked units keep their existing grid (grids are numbered in sorted label order)
    locked = frame[frame["locked"] == 1]
    assert (locked["part"] == 0).all()
    # each part carries the existing grid it continues
    assert (locked["part_grid"] == str(grids[0])).all()
    assert set(frame["part_grid"]) == {str(g) for g in grids}
    assert result["MAX_DEVIATION"] >= 0


def test_errors_carry_the_cli_message(units_layer: Path, run_alg: Any, run_cli: Any) -> None:
    from qgis.core import QgsProcessingException

    done = run_cli(
        "partition", str(units_layer), "--weight", "households", "--parts", "999",
        "--out", str(units_layer.with_name("never.gpkg")),
    )  # fmt: skip
    assert done.returncode == 2
    message = done.stderr.strip().removeprefix("gridplanner: ")
    assert "cannot make 999 parts from 420 features" in message
    with pytest.raises(QgsProcessingException) as caught:
        run_alg(
            "gridplanner:balance",
            {
                "INPUT": str(units_layer),
                "HOUSEHOLDS": "households",
                "PARTS": 999,
                "OUTPUT": "TEMPORARY_OUTPUT",
                "GRIDS": "TEMPORARY_OUTPUT",
                "REPORT": "TEMPORARY_OUTPUT",
            },
        )
    assert message in str(caught.value)


def test_cancel_stops_the_balancer(units_layer: Path, run_alg: Any) -> None:
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="已取消"):
        run_alg(
            "gridplanner:balance",
            {
                "INPUT": str(units_layer),
                "HOUSEHOLDS": "households",
                "PARTS": PARTS,
                "OUTPUT": "TEMPORARY_OUTPUT",
                "GRIDS": "TEMPORARY_OUTPUT",
                "REPORT": "TEMPORARY_OUTPUT",
            },
            feedback,
        )


def test_a_band_out_of_reach_is_reported_as_proven(run_alg: Any, tmp_path: Path) -> None:
    """Three equal units into two grids: one grid has 2/3 of the households, and the
    algorithm says ±5% is out of reach (not merely missed), with the bound 33.3%."""
    import geopandas as gpd
    import shapely

    boxes = [
        shapely.box(500_000 + 100 * i, 4_300_000, 500_100 + 100 * i, 4_300_100) for i in range(3)
    ]
    units = gpd.GeoDataFrame({"households": [100, 100, 100]}, geometry=boxes, crs="EPSG:4550")
    path = tmp_path / "three_in_a_row.gpkg"
    units.to_file(path)
    result = run_alg(
        "gridplanner:balance",
        {
            "INPUT": str(path),
            "HOUSEHOLDS": "households",
            "PARTS": 2,
            "OUTPUT": str(tmp_path / "out.gpkg"),
            "GRIDS": "TEMPORARY_OUTPUT",
            "REPORT": "TEMPORARY_OUTPUT",
        },
    )
    assert result["BAND_OUT_OF_REACH"] == 1
    assert result["BEST_ACHIEVABLE"] == pytest.approx(1 / 3, abs=0.003)
    assert result["MAX_DEVIATION"] == pytest.approx(1 / 3, abs=1e-6)
