"""Balance requests the CLI, the app's dialog and the QGIS algorithm must answer alike,
on the sample street, and how to compare their plans.

Each case is the request in the planner's words; ``cli_args`` spells it for
``gridplanner balance``; ``assignment`` reads a plan back as data to compare.
"""

from __future__ import annotations

from typing import Any

CASES: dict[str, dict[str, Any]] = {
    # the issue's own bar: the dialog's defaults on the whole street
    "street-target-min-change": {
        "scope": "210283101",
        "tier": "grid",
        "mode": "target",
        "target": 300.0,
        "min_change": True,
    },
    # the understaffed community: keep today's grids, two grids locked, vacancies filled
    "understaffed-keep-locks-vacancies": {
        "scope": "210283101002",
        "tier": "grid",
        "mode": "keep",
        "locked": ("210283101002002002", "210283101002001003"),
        "vacancies": ("all",),
    },
    # grids into comprehensive grids, two per community
    "comprehensive-count": {
        "scope": "210283101003",
        "tier": "comprehensive_grid",
        "mode": "count",
        "count": 2,
    },
}


def cli_args(case: dict[str, Any]) -> list[str]:
    """``gridplanner balance`` arguments for ``case`` (project and --out not included)."""
    args = ["--scope", case["scope"], "--level", case["tier"], "--mode", case["mode"]]
    if case.get("target") is not None:
        args += ["--target", str(case["target"])]
    if case.get("count") is not None:
        args += ["--parts", str(case["count"])]
    if case.get("min_change"):
        args.append("--min-change")
    for code in case.get("locked", ()):
        args += ["--lock", code]
    for code in case.get("vacancies", ()):
        args += ["--vacancy", code]
    return args


def assignment(project: Any) -> dict[str, Any]:
    """The plan as data: every grid unit's and grid's (id → code, parent code), and every
    worker's grid code."""
    nodes = project.nodes
    codes = nodes["code"].astype(str)
    out: dict[str, Any] = {}
    for level in ("grid_unit", "grid", "comprehensive_grid"):
        frame = nodes[nodes["level"] == level]
        parents = frame["parent_id"].astype("int64")
        out[level] = {
            int(i): (str(c), codes.at[int(p)])
            for i, c, p in zip(frame.index, frame["code"], parents, strict=True)
        }
    grid_ids = project.workers["grid_id"].to_numpy(dtype=object, na_value=None)
    out["workers"] = {
        int(w): (None if g is None else codes.at[int(g)])
        for w, g in zip(project.workers.index, grid_ids.tolist(), strict=True)
    }
    return out


def comparable(report: Any) -> Any:
    """A ``--report`` JSON without its timings (everything else must match exactly)."""
    if isinstance(report, dict):
        return {k: comparable(v) for k, v in report.items() if k != "seconds"}
    if isinstance(report, list):
        return [comparable(v) for v in report]
    return report
