"""The machine-readable report: a stable JSON schema (see docs/audit.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gridplanner.audit.catalog import CHECKS, Severity
from gridplanner.audit.finding import AuditResult, Finding
from gridplanner.audit.fixes import FixSuggestion
from gridplanner.exchange.geojson import geometry_object

SCHEMA = "gridplanner.audit/1"


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as plain JSON (geometry as GeoJSON in EPSG:4490)."""
    check = CHECKS[f.check]
    where = f.location()
    return {
        "id": f.id,
        "check": f.check,
        "severity": f.severity.value,
        "level": f.level,
        "node_ids": list(f.node_ids),
        "codes": list(f.codes),
        "names": list(f.names),
        "building_ids": list(f.building_ids),
        "title": {"zh": check.title_zh, "en": check.title_en},
        "message": {"zh": f.message_zh, "en": f.message_en},
        "rule": {"zh": check.rule_zh, "en": check.rule_en},
        "area_m2": None if f.area_m2 is None else round(f.area_m2, 2),
        "value": None if f.value is None else round(float(f.value), 4),
        "street": f.street,
        "community": f.community,
        "location": None if where is None else [round(where[0], 7), round(where[1], 7)],
        "geometry": geometry_object(f.geometry, precision=1e-7),  # RFC 7946 winding
    }


def fix_dict(s: FixSuggestion) -> dict[str, Any]:
    """One fix suggestion (changes summarised; geometry values are not repeated)."""
    return {
        "finding_id": s.finding_id,
        "check": s.check,
        "auto": s.auto,
        "summary": {"zh": s.summary_zh, "en": s.summary_en},
        "changes": [
            {
                "table": c.table,
                "row_id": c.row_id,
                "column": c.column,
                "before": None if c.column == "geometry" else c.before,
                "after": None if c.column == "geometry" else c.after,
            }
            for c in s.changes
        ],
    }


def report_dict(
    result: AuditResult,
    fixes: list[FixSuggestion] | None = None,
    applied: list[FixSuggestion] | None = None,
) -> dict[str, Any]:
    """The whole report."""
    return {
        "schema": SCHEMA,
        "project": result.project_name,
        "scope": result.scope,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "crs": "EPSG:4490",
        "measuring_crs": result.measuring_crs,
        "tolerance_m2": result.tolerance_m2,
        "seconds": round(result.seconds, 3),
        "summary": {
            "exit_code": result.exit_code,
            "blocking": result.count(Severity.BLOCKING),
            "warning": result.count(Severity.WARNING),
            "info": result.count(Severity.INFO),
            "by_check": result.by_check(),
        },
        "checks": [
            {
                "id": c.id,
                "severity": c.severity.value,
                "title": {"zh": c.title_zh, "en": c.title_en},
            }
            for c in CHECKS.values()
        ],
        "findings": [finding_dict(f) for f in result.findings],
        "fixes": [fix_dict(s) for s in fixes or []],
        "applied_fixes": [fix_dict(s) for s in applied or []],
    }


def write_json(
    result: AuditResult,
    path: str | Path,
    fixes: list[FixSuggestion] | None = None,
    applied: list[FixSuggestion] | None = None,
) -> Path:
    """Write the JSON report; returns the path."""
    out = Path(path)
    text = json.dumps(report_dict(result, fixes, applied), ensure_ascii=False, indent=1)
    out.write_text(text + "\n", encoding="utf-8")
    return out
