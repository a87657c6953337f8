"""The app's spreadsheet export reads in the window's language (ui/audit_exchange.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook


def _kinds_and_employment(path: Path) -> tuple[set[object], set[object]]:
    book = load_workbook(path)
    hierarchy, roster = book.worksheets
    kinds = {row[4] for row in hierarchy.iter_rows(min_row=2, values_only=True)}
    employment = {row[2] for row in roster.iter_rows(min_row=2, values_only=True)}
    return kinds - {None}, employment


def test_xlsx_export_follows_the_window_language(
    gp_app, sample_street_path: Path, tmp_path: Path
) -> None:
    assert gp_app.controller.open(sample_street_path)
    gp_app.window.canvas.wait_while_rendering()
    gp_app.audit.export("xlsx", str(tmp_path / "zh.xlsx"), False, False).wait(120)
    assert _kinds_and_employment(tmp_path / "zh.xlsx") == (
        {"普通网格", "专属网格"},
        {"专职", "兼职"},
    )
    gp_app.set_language("en")
    gp_app.audit.export("xlsx", str(tmp_path / "en.xlsx"), False, False).wait(120)
    assert _kinds_and_employment(tmp_path / "en.xlsx") == (
        {"ordinary grid", "dedicated grid"},
        {"full-time", "part-time"},
    )
    assert load_workbook(tmp_path / "en.xlsx").sheetnames == ["Hierarchy", "Workers"]
    assert not gp_app.errors
