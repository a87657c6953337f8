"""The plan's audit status as the exchange package's manifest records it.

``status`` is ``clean`` (no blocking finding), ``overridden`` (blocking findings, and
the package was exported or pushed anyway, as the caller's rule allowed) or
``not_run`` (the audit did not run: ``--skip-audit``, or the audit module is not
installed); ``blocking``, ``warning`` and ``info`` count the findings. The platform
sees from the manifest alone whether it received an audited plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gridplanner.model import Project

CLEAN = "clean"
OVERRIDDEN = "overridden"
NOT_RUN = "not_run"
AUDIT_STATUSES = (CLEAN, OVERRIDDEN, NOT_RUN)
#: What a stored version's audit reads as when its manifest predates the audit status.
NOT_RECORDED = {"status": "not_recorded"}


@dataclass(frozen=True)
class AuditStatus:
    """What the manifest says about the audit, plus the blocking messages for people."""

    status: str
    blocking: int = 0
    warning: int = 0
    info: int = 0
    gate: str = "audit"  # "audit", or "preflight" when the audit module is missing
    messages: tuple[str, ...] = field(default=(), compare=False)

    def to_manifest(self) -> dict[str, Any]:
        """The manifest's ``audit`` member."""
        return {
            "status": self.status,
            "blocking": self.blocking,
            "warning": self.warning,
            "info": self.info,
        }

    def describe(self) -> str:
        """One line for the CLI."""
        if self.status == NOT_RUN:
            return "audit not run (recorded in the manifest as not_run)"
        counts = f"{self.blocking} blocking, {self.warning} warning, {self.info} info"
        if self.status == OVERRIDDEN:
            return (
                f"exported despite {self.blocking} blocking finding(s) ({counts}); "
                "recorded in the manifest as overridden"
            )
        return f"audit clean ({counts})"


def not_run() -> AuditStatus:
    """The status of a package exported without an audit."""
    return AuditStatus(NOT_RUN)


def audit_status(
    project: Project,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> AuditStatus:
    """Run the audit over the whole plan and count its findings per severity (the
    status is ``overridden`` when anything blocks: whoever proceeds overrides it)."""
    try:
        from gridplanner.audit import run_audit
        from gridplanner.audit.catalog import Severity
    except ImportError:  # pragma: no cover - the audit is part of the core install
        from gridplanner.exchange.publish import preflight_problems

        problems = preflight_problems(project)
        return AuditStatus(
            NOT_RUN, blocking=len(problems), gate="preflight", messages=tuple(problems)
        )
    result = run_audit(project, progress=progress, cancel=cancel)
    blocking = [f for f in result.findings if f.severity is Severity.BLOCKING]
    return AuditStatus(
        OVERRIDDEN if blocking else CLEAN,
        blocking=len(blocking),
        warning=result.count(Severity.WARNING),
        info=result.count(Severity.INFO),
        messages=tuple(_describe(f) for f in blocking),
    )


def _describe(finding: Any) -> str:
    codes = ",".join(getattr(finding, "codes", ()) or ())
    return f"{finding.check} {codes}: {finding.message('zh')}".strip()


def audit_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """The audit status a manifest records (``not_recorded`` for older packages)."""
    audit = manifest.get("audit")
    return dict(audit) if isinstance(audit, dict) else dict(NOT_RECORDED)


def describe_version(receipt: dict[str, Any]) -> str:
    """One line for the receiver's log: region, version and the audit status."""
    audit = receipt.get("audit") or NOT_RECORDED
    counts = ""
    if "blocking" in audit:
        counts = (
            f" ({audit['blocking']} blocking, {audit['warning']} warning, {audit['info']} info)"
        )
    return (
        f"{receipt['region_code']} version {receipt['plan_version']}: audit "
        f"{audit['status']}{counts}"
    )
