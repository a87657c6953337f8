"""``gridplanner print``: batch maps (打印布局) and notice boards (网格公示牌), read back
from the PDFs with pdftotext as a reader would, and the sheet's parts on their own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from gridplanner.cli import main
from gridplanner.layers.print_jobs import board_workers, elements, heading
from gridplanner.layers.print_layout import NICE_SCALES, PAPERS_MM, fitted_scale
from gridplanner.levels import Level
from gridplanner.store import load_project

SHANYUAN = "210283101002"  # 山源社区 in the street sample
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")  # a mainland mobile number


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_page_size(path: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert match, info.stdout
    return float(match.group(1)), float(match.group(2))


@pytest.fixture(scope="module")
def street(sample_street_path):
    return load_project(sample_street_path)


def test_one_a3_map_per_grid_of_the_community_with_title_legend_and_scale(
    qapp, sample_street_path, street, tmp_path, capsys
) -> None:
    out = tmp_path / "maps"
    argv = ["print", str(sample_street_path), "--scope", SHANYUAN, "--per", "grid"]
    assert main([*argv, "--paper", "A3", "--out", str(out)]) == 0
    grids = street.descendants_at(street.by_code(SHANYUAN), Level.GRID)
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == len(grids) == 15
    assert sorted(capsys.readouterr().out.split()) == sorted(str(p) for p in pdfs)
    for grid in grids:
        name, code = street.nodes.at[grid, "name"], street.nodes.at[grid, "code"]
        [pdf] = [p for p in pdfs if p.name.startswith(f"{code}_")]
        text = pdf_text(pdf)
        assert heading(street, grid) in text
        assert "图例" in text and "比例尺" in text and "北" in text and name in text
        assert "山源社区" in text and "户数" in text  # the subtitle: where, how many
        assert "楼栋" in text  # a grid's sheet is large enough to show the buildings
        width, height = pdf_page_size(pdf)
        assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (420, 297)


def test_notice_boards_name_the_workers_and_keep_phones_unless_asked(
    qapp, sample_street_path, street, tmp_path
) -> None:
    argv = ["print", str(sample_street_path), "--scope", SHANYUAN, "--notice-boards"]
    assert main([*argv, "--out", str(tmp_path / "boards")]) == 0
    assert main([*argv, "--include-personal", "--out", str(tmp_path / "personal")]) == 0
    grids = street.descendants_at(street.by_code(SHANYUAN), Level.GRID)
    boards = sorted((tmp_path / "boards").glob("*.pdf"))
    assert len(boards) == len(grids) == 15
    seen_phones = 0
    for grid in grids:
        code = street.nodes.at[grid, "code"]
        [board] = [p for p in boards if p.name.startswith(f"{code}_")]
        [personal] = (tmp_path / "personal").glob(f"{code}_*.pdf")
        text, with_phones = pdf_text(board), pdf_text(personal)
        assert "网格公示牌" in text and str(street.nodes.at[grid, "name"]) in text
        assert code in text and "山源社区" in text and "户数" in text and "人口" in text
        assert not PHONE.search(text), f"{board.name} shows a phone number"
        assert "服务电话" not in text
        workers = street.workers[street.workers["grid_id"] == grid]
        for _, worker in workers.iterrows():
            assert worker["name"] in text and worker["name"] in with_phones
            assert str(worker["phone"]) in with_phones
            seen_phones += 1
        assert pdf_page_size(board) == pytest.approx((595, 842), abs=1)
    assert seen_phones == len(street.workers[street.workers["grid_id"].isin(grids)]) >= 10


def test_a_grid_without_workers_says_so_and_a_leader_is_listed_as_such(qapp, street) -> None:
    project = street.copy()
    grid = project.by_code("210283101002002002")
    parent = int(project.nodes.at[grid, "parent_id"])
    leader = project.workers.index[project.workers["grid_id"] == grid][0]
    project.workers.loc[leader, "grid_id"] = parent
    rows = board_workers(project, grid)
    assert rows and rows[-1][1].startswith("网格长（") and rows[-1][2] in ("专职", "兼职")
    assert all(not row[1].startswith("网格长") for row in rows[:-1])


@pytest.mark.parametrize("per", [None, "community", "comprehensive_grid", "grid"])
def test_every_per_level_from_the_street(qapp, street, per) -> None:
    found = elements(street, "210283101", Level(per) if per else None)
    expected = {None: 1, "community": 8, "comprehensive_grid": 30, "grid": 120}[per]
    assert len(found) == expected


def test_a_per_level_above_the_scope_is_a_clear_error(
    qapp, sample_street_path, tmp_path, capsys
) -> None:
    code = "210283101002002"  # a comprehensive grid
    argv = ["print", str(sample_street_path), "--scope", code, "--per", "community"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--per community" in err and code in err
    assert main(["print", str(sample_street_path), "--scope", "999", "--out", str(tmp_path)]) == 2
    assert "999" in capsys.readouterr().err


@pytest.mark.parametrize("paper", sorted(PAPERS_MM))
@pytest.mark.parametrize("portrait", [False, True])
def test_png_sheets_have_the_paper_size_at_the_chosen_dpi(
    qapp, sample_street_path, tmp_path, paper, portrait
) -> None:
    argv = ["print", str(sample_street_path), "--scope", SHANYUAN, "--format", "png"]
    argv += ["--paper", paper, "--dpi", "60", "--out", str(tmp_path), "--lang", "en"]
    assert main(argv + (["--portrait"] if portrait else [])) == 0
    [png] = tmp_path.glob("*.png")
    image = QImage(str(png))
    short, long = (round(mm / 25.4 * 60) for mm in PAPERS_MM[paper])
    assert (image.width(), image.height()) == ((short, long) if portrait else (long, short))
    assert round(image.dotsPerMeterX() * 0.0254) == 60


def test_english_sheet_and_a_fixed_scale(qapp, sample_street_path, tmp_path) -> None:
    argv = ["print", str(sample_street_path), "--scope", SHANYUAN, "--lang", "en"]
    argv += ["--scale", "25000", "--title", "Shanyuan for the meeting", "--out", str(tmp_path)]
    assert main(argv) == 0
    [pdf] = tmp_path.glob("*.pdf")
    text = pdf_text(pdf)
    assert "Shanyuan for the meeting" in text and "Legend" in text
    assert "Scale 1:25,000" in text
    assert "Buildings" not in text  # drawn from 1:15,000 only: not in this legend either


def test_the_fitted_scale_is_the_first_round_scale_that_holds_the_extent() -> None:
    frame = QRectF(0, 0, 2000, 1000)  # pixels at 200 dpi: 254 mm × 127 mm
    scale = fitted_scale((0, 0, 2540, 1000), frame, 200)  # 2.54 km across 254 mm: 1:10,000
    assert scale in NICE_SCALES and scale == 15_000  # 1:10,000 plus air does not fit
    assert fitted_scale((0, 0, 2000, 500), frame, 200) == 10_000
