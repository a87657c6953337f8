"""Spreadsheet reports: one row per finding, Chinese headers (XLSX and CSV).

The values are in the report's language: severity, title, message, rule and the
level (网格, 楼栋 …, never the code name ``grid``)."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from gridplanner.audit.catalog import CHECKS, Severity
from gridplanner.audit.finding import AuditResult, Finding
from gridplanner.levels import Level

HEADERS = [
    ("id", "编号"),
    ("severity", "严重程度"),
    ("check", "检查项"),
    ("title", "问题"),
    ("level", "层级"),
    ("codes", "编码"),
    ("names", "名称"),
    ("message", "说明"),
    ("rule", "规则"),
    ("area_m2", "面积(平方米)"),
    ("value", "数值"),
    ("street", "街道编码"),
    ("community", "社区编码"),
    ("lon", "经度"),
    ("lat", "纬度"),
]
#: What a finding can be about besides a level of the hierarchy (zh, en).
OTHER_SUBJECTS = {"building": ("楼栋", "Building"), "worker": ("网格员", "Worker")}
FILLS = {
    Severity.BLOCKING: PatternFill("solid", fgColor="F8D7DA"),
    Severity.WARNING: PatternFill("solid", fgColor="FFF3CD"),
    Severity.INFO: PatternFill("solid", fgColor="E2E3E5"),
}


def rows(result: AuditResult, lang: str = "zh") -> list[list[object]]:
    """The table body, one row per finding."""
    return [_row(f, lang) for f in result.findings]


def subject_label(value: str | None, lang: str = "zh") -> str:
    """A finding's level (``grid``, ``building``, …) as people read it; "" when none."""
    if not value:
        return ""
    if value in OTHER_SUBJECTS:
        zh, en = OTHER_SUBJECTS[value]
        return en if lang == "en" else zh
    try:
        return Level(value).label(lang)
    except ValueError:
        return value


def _severity(severity: Severity, lang: str) -> str:
    return severity.value if lang == "en" else severity.zh


def _row(f: Finding, lang: str) -> list[object]:
    check = CHECKS[f.check]
    where = f.location() or (None, None)
    return [
        f.id,
        _severity(f.severity, lang),
        f.check,
        check.title(lang),
        subject_label(f.level, lang),
        " ".join(f.codes),
        " ".join(f.names),
        f.message(lang),
        check.rule(lang),
        None if f.area_m2 is None else round(f.area_m2, 1),
        None if f.value is None else round(float(f.value), 3),
        f.street or "",
        f.community or "",
        None if where[0] is None else round(where[0], 6),
        None if where[1] is None else round(where[1], 6),
    ]


def write_csv(result: AuditResult, path: str | Path, lang: str = "zh") -> Path:
    """UTF-8 with a BOM so Excel opens the Chinese text correctly."""
    out = Path(path)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([zh for _, zh in HEADERS])
        writer.writerows(rows(result, lang))
    return out


def write_xlsx(result: AuditResult, path: str | Path, lang: str = "zh") -> Path:
    """A workbook with the findings (问题清单) and a summary per check (汇总)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "问题清单"
    sheet.append([zh for _, zh in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f, row in zip(result.findings, rows(result, lang), strict=True):
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=2).fill = FILLS[f.severity]
    for column, width in zip("ABCDEFGHIJKLMNO", (18, 8, 22, 18, 12, 40, 30, 80, 40), strict=False):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("汇总")
    summary.append(["检查项", "问题", "严重程度", "数量"])
    counts = result.by_check()
    for check in CHECKS.values():
        summary.append(
            [check.id, check.title(lang), _severity(check.severity, lang), counts.get(check.id, 0)]
        )
    summary.append([])
    summary.append(["方案", result.project_name])
    summary.append(["范围", result.scope or "全部"])
    summary.append(["容差(平方米)", result.tolerance_m2])
    book.save(out := Path(path))
    return out
