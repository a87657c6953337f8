"""Reports (JSON, XLSX, CSV, offline HTML), the CLI's exit codes and --fix."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from openpyxl import load_workbook

from gridplanner.audit import run_audit
from gridplanner.audit.fixes import apply_changes, revert_changes, suggest_fixes
from gridplanner.audit.report_html import render_html
from gridplanner.audit.report_json import SCHEMA
from gridplanner.cli import main
from gridplanner.model import Project
from gridplanner.store import load_project, save_project

#: URLs that appear in inlined library text but are never fetched: the SVG namespace,
#: Leaflet's attribution hyperlink and bug-tracker references in code comments.
NOT_FETCHED = re.compile(
    r"^(http://www\.w3\.org/|https://leafletjs\.com$|https://bugs\.chromium\.org/|"
    r"https://bugzilla\.mozilla\.org/)"
)
BASEMAP = "https://tiles.example.invalid/{z}/{x}/{y}.png"


def test_cli_reports_and_exit_codes(sample_street_path: Path, tmp_path: Path) -> None:
    assert main(["audit", str(sample_street_path), "--report", str(tmp_path), "--limit", "3"]) == 2
    report = json.loads((tmp_path / "audit.json").read_text("utf-8"))
    assert report["schema"] == SCHEMA and report["summary"]["exit_code"] == 2
    first = report["findings"][0]
    assert {"id", "check", "severity", "codes", "message", "rule", "geometry", "location"} <= set(
        first
    )
    assert first["message"]["zh"] and first["message"]["en"]
    assert any(f["auto"] for f in report["fixes"])
    sheet = load_workbook(tmp_path / "audit.xlsx")["问题清单"]
    assert [c.value for c in sheet[1]][:4] == ["编号", "严重程度", "检查项", "问题"]
    assert sheet.max_row == len(report["findings"]) + 1
    with (tmp_path / "audit.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "编号" and len(rows) == len(report["findings"]) + 1
    html = (tmp_path / "audit.html").read_text("utf-8")
    assert "L.map(" in html and "folium-map" in html and first["id"] in html


def test_html_is_offline(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    result = run_audit(project)
    for basemap in (None, BASEMAP):
        page = render_html(project, result, basemap)
        urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
        assert {u for u in urls if not NOT_FETCHED.match(u)} == ({BASEMAP} if basemap else set())
        # the only href to the web is Leaflet's own attribution hyperlink (a link, not a load)
        assert not re.search(r"""(src|href)\s*=\s*["']?https?://(?!leafletjs\.com)""", page)
        assert not re.search(r"url\(\s*['\"]?https?:", page) and "@import" not in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert "网格核查报告" in page and "各社区汇总" in page


def test_cli_exit_codes_clean_and_warnings(tiny_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "tiny.gpkg"
    save_project(tiny_project, path)
    assert main(["audit", str(path)]) == 1  # warnings only
    assert main(["audit", str(path), "--scope", "210283001001001001"]) == 0  # grid A is clean
    assert main(["audit", str(path), "--scope", "999"]) == 2  # unknown scope: an error
    assert main(["audit", str(path), "--fix"]) == 2  # --fix needs --out


def test_cli_fix_writes_a_new_version(sample_street_path: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fixed.gpkg"
    assert main(["audit", str(sample_street_path), "--fix", "--out", str(out), "--lang", "en"]) == 2
    text = capsys.readouterr().out
    assert "applied 3 automatic fixes" in text and "[gap]" in text and "[overlap]" in text
    fixed = load_project(out)
    assert "audit" in fixed.history[-1].author
    assert len(fixed.history) == len(load_project(sample_street_path).history) + 1
    left = run_audit(fixed).by_check()
    assert "gap" not in left and "overlap" not in left


def test_changes_are_reversible(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    changes = [c for s in suggest_fixes(project, run_audit(project)) for c in s.changes]
    changed = apply_changes(project, changes)
    back = revert_changes(changed, changes)
    assert not changed.nodes.geometry.equals(project.nodes.geometry)
    assert back.nodes.geometry.equals(project.nodes.geometry)
    assert back.buildings["unit_id"].equals(project.buildings["unit_id"])


def test_spreadsheets_name_levels_in_the_report_language(
    sample_street_path: Path, tmp_path: Path
) -> None:
    from gridplanner.audit.report_table import subject_label, write_csv, write_xlsx

    result = run_audit(load_project(sample_street_path))
    raw = {f.level for f in result.findings}
    assert {"grid", "building"} <= raw  # the sample has findings about both
    for lang, grid, building in (("zh", "网格", "楼栋"), ("en", "Grid", "Building")):
        write_xlsx(result, tmp_path / f"{lang}.xlsx", lang)
        write_csv(result, tmp_path / f"{lang}.csv", lang)
        sheet = load_workbook(tmp_path / f"{lang}.xlsx")["问题清单"]
        levels = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert {grid, building} <= levels and not levels & raw
        with (tmp_path / f"{lang}.csv").open(encoding="utf-8-sig") as handle:
            assert {row[4] for row in list(csv.reader(handle))[1:]} == levels
        summary = load_workbook(tmp_path / f"{lang}.xlsx")["汇总"]
        severities = {row[2] for row in summary.iter_rows(min_row=2, max_row=4, values_only=True)}
        assert severities <= (
            {"阻断", "警告", "提示"} if lang == "zh" else {"blocking", "warning", "info"}
        )
    assert subject_label("worker", "zh") == "网格员" and subject_label(None) == ""
    assert subject_label("comprehensive_grid", "en") == "Comprehensive grid"
    assert subject_label("something_else") == "something_else"
