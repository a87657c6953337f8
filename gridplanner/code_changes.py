"""代码变更对照表: old codes that still name today's areas.

When a plan is renumbered (to the NBS code rules, by the platform, or by a county's
own re-coding), paperwork, spreadsheets and other systems keep citing the old codes.
A change table — one row per area, old code and new code — is imported into the
plan: each old code is recorded as a retired code of the area that now carries the
new one, so it is never reused for another area, and every command given the old
code as a scope finds the area and says what its code is now
(:meth:`Project.renamed_code`, :func:`gridplanner.report.current_scope_code`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gridplanner.errors import GridPlannerError
from gridplanner.model import Project

OLD_WORDS = ("原代码", "旧代码", "原编码", "旧编码", "变更前代码", "old_code", "old", "from")
NEW_WORDS = ("新代码", "新编码", "现代码", "变更后代码", "new_code", "new", "to", "code", "代码")


class CodeChangesRefused(GridPlannerError):
    """A change table that can't be recorded (every problem listed)."""


@dataclass
class CodeChangesReport:
    recorded: list[tuple[str, str]] = field(default_factory=list)  # (old, new)
    already: int = 0  # rows recorded before (the same old → the same area)


def _column(columns: list[str], words: tuple[str, ...], file: str, what: str) -> str:
    lowered = {c.strip().lower(): c for c in columns}
    for word in words:
        if word.lower() in lowered:
            return lowered[word.lower()]
    raise CodeChangesRefused(
        f"{file}: no {what} column (looked for {', '.join(words)}; found {', '.join(columns)})"
    )


def record_code_changes(
    project: Project, rows: list[tuple[str, str]], file: str = "table"
) -> CodeChangesReport:
    """Record each (old, new) pair, or raise naming every bad row; nothing is recorded
    unless every row is good."""
    codes = {
        str(c): int(i) for i, c in zip(project.nodes.index, project.nodes["code"], strict=True)
    }
    problems: list[str] = []
    staged: dict[str, int] = {}
    report = CodeChangesReport()
    for number, (old, new) in enumerate(rows, start=2):  # row 1 is the header
        where = f"{file} row {number}"
        if not old or not new:
            problems.append(f"{where}: an old and a new code are both needed")
            continue
        if new not in codes:
            problems.append(f"{where}: new code {new} names no area of this plan")
            continue
        if old == new:
            continue
        if old in codes:
            problems.append(f"{where}: old code {old} is still in use (by another area)")
            continue
        known = project.retired_codes.get(old, staged.get(old))
        if known is not None and known != codes[new]:
            problems.append(f"{where}: old code {old} already names another area (id {known})")
            continue
        if old in project.retired_codes:
            report.already += 1
            continue
        staged[old] = codes[new]
        report.recorded.append((old, new))
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise CodeChangesRefused("; ".join(shown))
    project.retired_codes.update(staged)
    return report


def read_code_changes(path: str | Path, encoding: str | None = None) -> list[tuple[str, str]]:
    """(old, new) pairs from a CSV or XLSX change table (GBK or UTF-8)."""
    from gridplanner.exchange.importing import text_value
    from gridplanner.exchange.reading import read_source

    table = read_source(path, encoding=encoding)
    columns = [str(c) for c in table.attributes.columns]
    old_col = _column(columns, OLD_WORDS, table.name, "old code (原代码)")
    new_col = _column([c for c in columns if c != old_col], NEW_WORDS, table.name, "new code")
    frame = table.attributes
    return [
        (text_value(frame[old_col].iloc[i]) or "", text_value(frame[new_col].iloc[i]) or "")
        for i in range(len(frame))
    ]
