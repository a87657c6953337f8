"""gridplanner:balance_plan gives the plan of `gridplanner balance` for the same request
and seed (the app's dialog is held to the same CLI plans in tests/ui)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from balance_cases import CASES, assignment, cli_args, comparable

pytest.importorskip("qgis.core", reason="QGIS's Python bindings (python3-qgis) are missing")

TIERS = ["grid", "comprehensive_grid"]
MODES = ["keep", "target", "count"]


def _parameters(case: dict[str, Any], out: Path, report: Path) -> dict[str, Any]:
    return {
        "PROJECT": "",  # set by the caller
        "SCOPE": case["scope"],
        "TIER": TIERS.index(case["tier"]),
        "MODE": MODES.index(case["mode"]),
        "TARGET": case.get("target"),
        "COUNT": case.get("count"),
        "MIN_CHANGE": bool(case.get("min_change")),
        "LOCKED": ",".join(case.get("locked", ())),
        "VACANCIES": ",".join(case.get("vacancies", ())),
        "SEED": 0,
        "OUTPUT": str(out),
        "REPORT": str(report),
    }


@pytest.mark.parametrize("name", list(CASES))
def test_same_plan_as_the_cli(
    name: str, sample_street: Path, run_alg: Any, run_cli: Any, tmp_path: Path
) -> None:
    from gridplanner.store import load_project

    case = CASES[name]
    cli_out, cli_report = tmp_path / "cli.gpkg", tmp_path / "cli.json"
    done = run_cli(
        "balance", str(sample_street), *cli_args(case), "--out", str(cli_out),
        "--report", str(cli_report),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out, report = tmp_path / "qgis.gpkg", tmp_path / "qgis.json"
    parameters = _parameters(case, out, report)
    parameters["PROJECT"] = str(sample_street)
    result = run_alg("gridplanner:balance_plan", parameters)
    assert assignment(load_project(out)) == assignment(load_project(cli_out))
    ours = comparable(json.loads(report.read_text("utf-8")))
    theirs = comparable(json.loads(cli_report.read_text("utf-8")))
    assert ours["groups"] == theirs["groups"]
    assert ours["households_moved"] == theirs["households_moved"]
    assert result["GROUPS"] == len([g for g in ours["groups"] if g["report"] is not None])
    assert all(g["error"] is None for g in ours["groups"])
    assert result["GRIDS"].endswith(f"layername={case['tier']}")


def test_refusal_in_the_planners_words(sample_street: Path, run_alg: Any, tmp_path: Path) -> None:
    from qgis.core import QgsProcessingException

    parameters = _parameters(CASES["street-target-min-change"], tmp_path / "o.gpkg",
                             tmp_path / "o.json")  # fmt: skip
    parameters.update({"PROJECT": str(sample_street), "SCOPE": "210283101002002001"})
    with pytest.raises(QgsProcessingException) as raised:
        run_alg("gridplanner:balance_plan", parameters)
    message = str(raised.value)
    assert "--" not in message  # never a command-line flag
    assert "综合网格" in message and "不能重新划分" in message
    assert not (tmp_path / "o.gpkg").exists()
