"""The coverage audit (核查: 全覆盖、无缝隙、不交叉): checks, fixes and reports."""

from gridplanner.audit.catalog import CHECKS, Check, Severity
from gridplanner.audit.context import AuditCancelled
from gridplanner.audit.finding import AuditResult, Finding
from gridplanner.audit.findings import run_audit

__all__ = ["CHECKS", "AuditCancelled", "AuditResult", "Check", "Finding", "Severity", "run_audit"]
