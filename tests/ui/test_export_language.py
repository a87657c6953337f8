"""The app's spreadsheet export reads in the window's language (ui/audit_exchange.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

GRID = ("网格", "Grid")  # the level column of a grid row, in either language


def _kinds_and_employment(path: Path) -> tuple[set[object], set[object]]:
    book = load_workbook(path)
    hierarchy, roster = book.worksheets
    grid_rows = [r for r in hierarchy.iter_rows(min_row=2, values_only=True) if r[2] in GRID]
    kinds = {row[4] for row in grid_rows}  # streets and communities show 镇/村 … there
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


def test_export_dialog_offers_the_cjt349_profile_and_a_projected_crs(
    gp_app, sample_street_path: Path, tmp_path: Path
) -> None:
    import pyogrio

    from gridplanner.exchange.package import read_package
    from gridplanner.ui.audit_exchange import ExportDataDialog

    assert gp_app.controller.open(sample_street_path)
    dialog = ExportDataDialog(gp_app.window)
    dialog.format.setCurrentIndex(dialog.format.findData("package"))
    assert not dialog.crs.isEnabled()  # the package is lon/lat by its schema
    dialog.profile.setCurrentIndex(dialog.profile.findData("cjt349"))
    dialog.crs.setCurrentIndex(dialog.crs.findData("gk"))
    assert (dialog.chosen_profile(), dialog.chosen_crs()) == ("cjt349", None)
    out = tmp_path / "pkg"
    gp_app.audit.export("package", str(out), False, True, dialog.chosen_profile()).wait(120)
    manifest = read_package(out).manifest
    assert manifest["profile"] == "cjt349" and manifest["audit"]["status"] == "overridden"
    dialog.format.setCurrentIndex(dialog.format.findData("gpkg"))
    assert dialog.crs.isEnabled() and dialog.chosen_crs() == "gk"
    target = tmp_path / "gk.gpkg"
    gp_app.audit.export("gpkg", str(target), False, False, "default", "gk").wait(120)
    assert pyogrio.read_info(target, layer="grid")["crs"] == "EPSG:4550"
    assert not gp_app.errors
