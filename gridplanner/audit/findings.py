"""The audit entry point: run every check over a plan (or one scope of it)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import shapely
from pyproj import Transformer

from gridplanner.audit import checks_atoms, checks_codes, checks_geometry, checks_tiling
from gridplanner.audit.catalog import CHECKS, Severity
from gridplanner.audit.context import AuditCancelled, AuditContext, Cancel, Progress
from gridplanner.audit.finding import AuditResult, Finding
from gridplanner.levels import Level
from gridplanner.model import Project

__all__ = ["AuditCancelled", "AuditResult", "Finding", "Severity", "run_audit"]


def _steps(ctx: AuditContext, tick: Callable[[str], None]) -> list[tuple[str, Iterable[Finding]]]:
    """The checks in the order they run, each a lazy stream of findings."""
    steps: list[tuple[str, Iterable[Finding]]] = [
        ("structure", checks_codes.check_structure(ctx)),
        ("validity", checks_geometry.check_validity(ctx)),
        ("parts", checks_geometry.check_parts(ctx)),
        ("holes", checks_geometry.check_holes(ctx)),
    ]
    for level in checks_tiling.tiled_levels():
        steps.append((f"overlaps {level.value}", checks_tiling.check_overlaps(ctx, level)))
        steps.append((f"outside {level.value}", checks_tiling.check_outside_parent(ctx, level)))
        steps.append((f"gaps {level.value}", checks_tiling.check_gaps(ctx, level, tick)))
        steps.append((f"location {level.value}", checks_tiling.check_parent_location(ctx, level)))
    steps += [
        ("buildings", checks_atoms.check_buildings(ctx)),
        ("staffing", checks_atoms.check_staffing(ctx)),
        ("codes", checks_codes.check_codes(ctx)),
        ("code rules", checks_codes.check_code_rules(ctx)),
        ("names", checks_codes.check_names(ctx)),
    ]
    return steps


def run_audit(
    project: Project,
    scope: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> AuditResult:
    """Audit ``project`` (or the subtree of the node coded ``scope``).

    ``progress(fraction, message)`` is called as the work advances (per check, and
    per community while gaps are computed); ``cancel()`` returning True stops the
    run with :class:`AuditCancelled`. Findings come back in storage CRS, most
    serious first, then in catalogue order and by code.
    """
    started = time.perf_counter()
    ctx = AuditContext.build(project, scope)
    findings: list[Finding] = []
    done = [0]
    steps: list[tuple[str, Iterable[Finding]]] = []

    def tick(message: str) -> None:
        if cancel is not None and cancel():
            raise AuditCancelled("audit cancelled")
        if progress is not None:
            progress(min(done[0] / max(len(steps), 1), 0.99), message)

    steps = _steps(ctx, tick)
    for name, stream in steps:
        tick(name)
        findings.extend(stream)
        done[0] += 1
    findings = _to_storage(findings, ctx.measuring_crs, project.settings.storage_crs)
    order = list(CHECKS)
    findings.sort(key=lambda f: (f.severity.rank, order.index(f.check), f.codes, f.id))
    if progress is not None:
        progress(1.0, "done")
    return AuditResult(
        findings=findings,
        project_name=project.name,
        scope=scope,
        measuring_crs=ctx.measuring_crs,
        tolerance_m2=ctx.tolerance,
        seconds=time.perf_counter() - started,
        stats=_stats(ctx),
    )


def _to_storage(findings: list[Finding], metric: str, storage: str) -> list[Finding]:
    """Finding geometries from the measuring CRS back to the storage CRS, in one pass."""
    transformer = Transformer.from_crs(metric, storage, always_xy=True)

    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    geoms = np.array([f.geometry for f in findings], dtype=object)
    has = np.array([g is not None for g in geoms], dtype=bool)
    if has.any():
        geoms[has] = shapely.transform(geoms[has], xy)
    return [
        dataclasses.replace(f, geometry=g, extra=f.extra)
        for f, g in zip(findings, geoms, strict=True)
    ]


def _stats(ctx: AuditContext) -> dict[str, object]:
    """Areas per community and street (m²), for coverage figures in reports."""
    out: dict[str, object] = {}
    for level in (Level.STREET, Level.COMMUNITY, Level.DISTRICT):
        ids = ctx.ids_at(level)
        out[f"{level.value}_area_m2"] = {
            ctx.code(int(i)): float(shapely.area(ctx.geom.at[i])) for i in ids
        }
    return out


def iter_findings(result: AuditResult, severity: Severity | None = None) -> Iterator[Finding]:
    """The findings of ``result``, optionally of one severity."""
    for f in result.findings:
        if severity is None or f.severity is severity:
            yield f
