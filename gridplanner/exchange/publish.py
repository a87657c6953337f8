"""Publish a project file: audit gate, change set against the platform, push, receipt.

:func:`push_project` refuses a plan with blocking audit findings unless
``allow_blocking`` is set (the override is written into the receipt, and the
package's manifest records the audit as ``overridden`` with its counts). The
receipt is stored in the project's history under the pushed version's number;
codes the change set retires join the project's retired codes. The project is
saved atomically and only after the platform has answered with a receipt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gridplanner.exchange.audit_status import audit_status
from gridplanner.exchange.changes import newly_retired
from gridplanner.exchange.package import Package, build_package, plan_version, read_package
from gridplanner.exchange.problems import BlockingFindings
from gridplanner.exchange.push import Progress, PushClient, PushSettings, public_url, resolve_token
from gridplanner.levels import Level
from gridplanner.model import Project, Version
from gridplanner.project_lock import project_lock
from gridplanner.store import load_project, save_project

RECEIPT_AUTHOR = "gridplanner push"
RECEIPT_PREFIX = "推送回执 receipt "


def blocking_findings(project: Project) -> tuple[str, list[str]]:
    """(which check ran, messages of blocking findings): the audit, else a pre-flight check."""
    status = audit_status(project)
    return status.gate, list(status.messages)


def preflight_problems(project: Project) -> list[str]:
    """A minimal pre-flight check used when the audit module is not available:
    one district, codes well formed and unique, parents present at the right level."""
    scheme = project.settings.code_scheme
    nodes = project.nodes
    found: list[str] = []
    if int((nodes["level"] == Level.DISTRICT.value).sum()) != 1:
        found.append("the plan needs exactly one district")
    duplicated = nodes["code"][nodes["code"].duplicated()].unique()
    found += [f"code {c} is used more than once" for c in duplicated]
    for node_id, row in nodes.iterrows():
        level = Level(row["level"])
        parent = row["parent_id"]
        parent_code = None
        if level.parent is not None:
            if parent is None or parent != parent or int(parent) not in nodes.index:
                found.append(f"{level.value} {row['code']} has no parent")
                continue
            if nodes.at[int(parent), "level"] != level.parent.value:
                found.append(
                    f"{level.value} {row['code']} sits under a {nodes.at[int(parent), 'level']}"
                )
            parent_code = str(nodes.at[int(parent), "code"])
        found += [
            f"{level.value} {node_id}: {p}"
            for p in scheme.problems(row["code"], level, parent_code)
        ]
    return found


def push_project(
    project_path: str | Path,
    url: str,
    *,
    allow_blocking: bool = False,
    include_personal: bool = False,
    settings: PushSettings | None = None,
    token: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Push the project at ``project_path`` to ``url``; returns the receipt (also saved).
    The project's lock is held throughout, so the receipt lands in the plan that was
    pushed."""
    path = Path(project_path)
    with project_lock(path):
        return _push(path, url, allow_blocking, include_personal, settings, token, progress,
                     cancel)  # fmt: skip


def _push(
    path: Path,
    url: str,
    allow_blocking: bool,
    include_personal: bool,
    settings: PushSettings | None,
    token: str | None,
    progress: Progress | None,
    cancel: Callable[[], bool] | None,
) -> dict[str, Any]:
    project = load_project(path)
    settings = settings or PushSettings()
    audit = audit_status(project)
    gate, blocking = audit.gate, list(audit.messages)
    if blocking and not allow_blocking:
        raise BlockingFindings(path, blocking)
    client = PushClient(url, token or resolve_token(url), settings, progress, cancel)
    try:
        version = plan_version(project)
        base = _base_package(client, project.district_code, version)
        package = build_package(project, include_personal, base, audit)
        receipt = client.upload(package)
    finally:
        client.close()
    receipt.update(
        {
            "server": public_url(url),
            "tls_verified": settings.verify_tls,
            "gate": gate,
            "blocking_findings": len(blocking),
            "override_blocking": bool(blocking) and allow_blocking,
            "audit": audit.to_manifest(),
            "personal_fields_included": include_personal,
            "received_at_client": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    _record(project, package, receipt)
    save_project(project, path)
    return receipt


def _base_package(client: PushClient, region: str, version: int) -> Package | None:
    """The latest version the platform holds that is older than ``version``."""
    older = [v["plan_version"] for v in client.versions(region) if v["plan_version"] < version]
    if not older:
        return None
    return read_package(client.fetch_package(region, max(older)))


def _record(project: Project, package: Package, receipt: dict[str, Any]) -> None:
    key = receipt.get("idempotency_key")
    already = any(key and key in v.summary for v in project.history if v.author == RECEIPT_AUTHOR)
    if not already:
        project.history.append(
            Version(
                version=int(receipt["plan_version"]),
                time=datetime.now(UTC).isoformat(timespec="seconds"),
                author=RECEIPT_AUTHOR,
                summary=RECEIPT_PREFIX + json.dumps(receipt, ensure_ascii=False, sort_keys=True),
            )
        )
    changes = package.json("changes.json")
    for code in newly_retired(changes):
        project.retired_codes.setdefault(code, 0)


def receipts(project: Project) -> list[dict[str, Any]]:
    """The push receipts stored in the project's history, oldest first."""
    out = []
    for version in project.history:
        if version.author == RECEIPT_AUTHOR and version.summary.startswith(RECEIPT_PREFIX):
            out.append(json.loads(version.summary[len(RECEIPT_PREFIX) :]))
    return out
