"""A finding: one place where the plan breaks one rule, with its geometry."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from gridplanner.audit.catalog import CHECKS, Severity


@dataclass(frozen=True)
class Finding:
    """One failed rule at one place.

    ``geometry`` is in the project's storage CRS (EPSG:4490) once :func:`run_audit`
    returns (the checks build it in metres). ``codes`` lists the nodes involved,
    the node the rule is about first. ``value`` is the figure the rule tested
    (households per worker, a coefficient of variation, metres from a unit).
    """

    check: str
    level: str
    node_ids: tuple[int, ...]
    codes: tuple[str, ...]
    names: tuple[str, ...]
    message_zh: str
    message_en: str
    geometry: BaseGeometry | None
    area_m2: float | None = None
    value: float | None = None
    building_ids: tuple[int, ...] = ()
    street: str | None = None
    community: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def severity(self) -> Severity:
        """The check's severity."""
        return CHECKS[self.check].severity

    @property
    def id(self) -> str:
        """A stable id from the check, the nodes/buildings and the place."""
        where = ""
        if self.geometry is not None and not self.geometry.is_empty:
            c = self.geometry.representative_point()
            where = f"{c.x:.5f},{c.y:.5f}"
        key = "|".join(
            [self.check, ",".join(self.codes), ",".join(map(str, self.building_ids)), where]
        )
        return self.check + "-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang``."""
        return self.message_en if lang == "en" else self.message_zh

    def location(self) -> tuple[float, float] | None:
        """A point on the finding (lon, lat), or None without geometry."""
        if self.geometry is None or self.geometry.is_empty:
            return None
        p = self.geometry.representative_point()
        return (float(p.x), float(p.y))


@dataclass
class AuditResult:
    """All findings of one audit run, most serious first."""

    findings: list[Finding]
    project_name: str
    scope: str | None
    measuring_crs: str
    tolerance_m2: float
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def exit_code(self) -> int:
        """2 when anything blocks, 1 for warnings only, 0 when clean (info doesn't count)."""
        if self.count(Severity.BLOCKING):
            return 2
        return 1 if self.count(Severity.WARNING) else 0

    def by_check(self) -> dict[str, int]:
        """Number of findings per check id, in catalogue order."""
        counts = Counter(f.check for f in self.findings)
        return {cid: counts[cid] for cid in CHECKS if counts[cid]}

    def of(self, check_id: str) -> list[Finding]:
        """The findings of one check."""
        return [f for f in self.findings if f.check == check_id]
