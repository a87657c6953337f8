"""The audit's check catalogue: every check id, its severity and its rule in two languages.

Severities: ``blocking`` findings stop a plan from being published (the exchange
refuses it; ``gridplanner audit`` exits 2); ``warning`` findings need a planner's
attention but do not block (exit 1 when nothing blocks); ``info`` findings are
notes (an enclave, a unit without buildings) and do not change the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How serious a finding is."""

    BLOCKING = "blocking"
    WARNING = "warning"
    INFO = "info"

    @property
    def zh(self) -> str:
        """The auditors' word for it."""
        return {"blocking": "阻断", "warning": "警告", "info": "提示"}[self.value]

    @property
    def rank(self) -> int:
        """0 for blocking, 2 for info (sort key)."""
        return ("blocking", "warning", "info").index(self.value)


@dataclass(frozen=True)
class Check:
    """One named check: id, severity, short titles and the rule it enforces."""

    id: str
    severity: Severity
    title_zh: str
    title_en: str
    rule_zh: str
    rule_en: str

    def title(self, lang: str = "zh") -> str:
        """The title in ``lang``."""
        return self.title_en if lang == "en" else self.title_zh

    def rule(self, lang: str = "zh") -> str:
        """The rule in ``lang``."""
        return self.rule_en if lang == "en" else self.rule_zh


B, W, NOTE = Severity.BLOCKING, Severity.WARNING, Severity.INFO

_ROWS = [
    # -- structure and geometry ------------------------------------------------------
    (
        "bad_parent",
        B,
        "上级关系错误",
        "Broken parent link",
        "每个节点必须挂在上一层级的一个现有节点下",
        "every node sits under an existing node one level up",
    ),
    (
        "empty_geometry",
        B,
        "缺少图形",
        "Missing geometry",
        "每个节点必须有面图形",
        "every node has a polygon",
    ),
    (
        "invalid_geometry",
        B,
        "图形无效",
        "Invalid geometry",
        "图形必须是有效的面(不自相交)",
        "a polygon must be valid (no self-intersection)",
    ),
    (
        "no_children",
        B,
        "没有下级",
        "No children",
        "网格单元以上的每个节点必须由下级完整覆盖",
        "every node above grid unit is tiled by children",
    ),
    (
        "gap",
        B,
        "缝隙",
        "Gap",
        "下级必须全覆盖上级、无缝隙(超过容差)",
        "children cover their parent with no gap above tolerance",
    ),
    (
        "overlap",
        B,
        "重叠",
        "Overlap",
        "同级之间不得交叉重叠(超过容差)",
        "siblings do not overlap above tolerance",
    ),
    (
        "sliver",
        B,
        "碎片(细长缝隙或重叠)",
        "Sliver",
        "同级之间不得有细长的缝隙或重叠",
        "no thin gap or overlap between siblings",
    ),
    (
        "outside_parent",
        B,
        "超出上级边界",
        "Crosses parent boundary",
        "下级不得越出上级边界",
        "a child never crosses its parent's boundary",
    ),
    (
        "parent_mismatch",
        B,
        "上级编码与位置不符",
        "Parent disagrees with location",
        "节点的上级必须是其图形所在的上级区域",
        "a node's parent is the area its polygon lies in",
    ),
    (
        "noncontiguous",
        B,
        "网格/单元不连续",
        "Non-contiguous grid or unit",
        "每个网格和网格单元必须是一个连续的面",
        "every grid and grid unit is one contiguous polygon",
    ),
    (
        "multipart_area",
        W,
        "区域由多块组成",
        "Area in several parts",
        "街道、社区、综合网格宜为一个连续的面",
        "streets, communities and comprehensive grids should be one contiguous polygon",
    ),
    (
        "hole",
        W,
        "内部空洞",
        "Hole",
        "面内空洞应由同级节点填满",
        "a hole in a polygon is filled by a sibling",
    ),
    (
        "enclave",
        NOTE,
        "飞地(被包围)",
        "Enclave",
        "被同级完全包围的节点(允许, 请确认)",
        "a node entirely surrounded by one sibling (allowed; please confirm)",
    ),
    # -- buildings and staffing ------------------------------------------------------
    (
        "building_outside",
        B,
        "楼栋不在任何网格单元内",
        "Building in no grid unit",
        "每个楼栋必须恰好位于一个网格单元内",
        "every building lies in exactly one grid unit",
    ),
    (
        "building_multiple",
        B,
        "楼栋位于多个网格单元内",
        "Building in several grid units",
        "每个楼栋必须恰好位于一个网格单元内",
        "every building lies in exactly one grid unit",
    ),
    (
        "building_unit_mismatch",
        B,
        "楼栋归属与位置不符",
        "Building's unit disagrees with location",
        "楼栋的所属单元必须是其所在的网格单元",
        "a building belongs to the unit it lies in",
    ),
    (
        "empty_unit",
        NOTE,
        "空网格单元",
        "Empty grid unit",
        "网格单元内没有楼栋(如公园、水面, 请确认)",
        "a grid unit with no building (a park or lake? please confirm)",
    ),
    (
        "empty_grid",
        W,
        "空网格",
        "Empty grid",
        "普通网格应有住户",
        "an ordinary grid has households",
    ),
    (
        "grid_without_worker",
        B,
        "网格无网格员",
        "Grid without a worker",
        "每个网格至少配备一名网格员",
        "every grid has at least one worker",
    ),
    (
        "worker_unassigned",
        W,
        "网格员未分配网格",
        "Worker in no grid",
        "每名网格员必须属于一个网格",
        "every worker belongs to a grid",
    ),
    (
        "ratio_out_of_band",
        W,
        "户/人配比超出范围",
        "Households per worker out of band",
        "普通网格的户/人配比须在设定范围内(专属网格除外)",
        "an ordinary grid's households per worker lies inside the band (dedicated grids exempt)",
    ),
    (
        "community_out_of_band",
        W,
        "社区配比超出范围",
        "Community out of band",
        "社区的户/人配比须在设定范围内",
        "a community's households per worker lies inside the band",
    ),
    (
        "community_unbalanced",
        W,
        "社区内网格负担不均",
        "Unbalanced community",
        "同一社区内各网格的户/人配比应大致均衡",
        "grids in one community carry similar loads",
    ),
    # -- codes and names -------------------------------------------------------------
    (
        "code_format",
        B,
        "编码格式错误",
        "Malformed code",
        "编码须为规定位数的数字, 每一段序号从1开始",
        "a code has the scheme's digits; every part's sequence starts at 1",
    ),
    ("code_duplicate", B, "编码重复", "Duplicate code", "编码必须唯一", "codes are unique"),
    (
        "code_prefix",
        B,
        "编码前缀与上级不符",
        "Code prefix disagrees with parent",
        "编码必须以上级编码开头",
        "a code starts with its parent's code",
    ),
    (
        "code_retired",
        B,
        "重用已注销编码",
        "Retired code reused",
        "已注销的编码不得用于其他区域",
        "a retired code is never reused for another area",
    ),
    # -- the national code rulebook (gridplanner.code_rules) ---------------------------
    (
        "code_district",
        B,
        "区县编码不合规(GB/T 2260)",
        "Impossible district code (GB/T 2260)",
        "GB/T 2260 行政区划代码: 省级代码须存在, 地级、县级代码不为 00(不设区的地级市除外)",
        "GB/T 2260: a district code has an existing province and neither a prefecture nor "
        "a county part 00 (prefecture cities without counties excepted)",
    ),
    (
        "code_district_unlisted",
        W,
        "区县编码不在名录中",
        "District code not in the list",
        "GB/T 2260 行政区划代码: 区县编码应在现行行政区划代码名录中",
        "GB/T 2260: a district code is in the current list of administrative division codes",
    ),
    (
        "code_nbs_range",
        B,
        "统计用区划代码类型段不符",
        "Statistical code outside its kind's range",
        "NBS 统计用区划代码: 乡级代码 001–099 街道、100–199 镇、200–399 乡、400–599 类似乡级"
        "单位; 村级代码 001–199 社区(居委会)、200–399 村(村委会)、400–599 类似村级单位",
        "NBS statistical division code: township-level part 001–099 街道, 100–199 镇, "
        "200–399 乡, 400–599 similar units; village-level part 001–199 社区 (residents' "
        "committee), 200–399 村 (villagers' committee), 400–599 similar units",
    ),
    (
        "code_nbs_name",
        W,
        "名称与统计用区划代码类型不符",
        "Name disagrees with the statistical code",
        "NBS 统计用区划代码: 未注明类型时, 名称所示类型(…街道、…镇、…乡、…社区、…村)"
        "应与代码范围一致",
        "NBS statistical division code: without a stated kind, the kind the name implies "
        "(…街道, …镇, …乡, …社区, …村) matches the code's range",
    ),
    (
        "urban_rural_invalid",
        B,
        "城乡分类代码无效",
        "Invalid urban-rural code",
        "城乡划分代码: 城乡分类代码须为 111、112、121、122、123、210、220 之一",
        "urban-rural classification code: one of 111, 112, 121, 122, 123, 210, 220",
    ),
    (
        "urban_rural_kind",
        NOTE,  # urban villages (城中村) are 村委会 coded 1xx: common, not an error
        "城乡分类与村/社区不符",
        "Urban-rural code disagrees with 村/社区",
        "城乡划分代码: 社区(居委会)宜为城镇 1xx, 村(村委会)宜为乡村 2xx",
        "urban-rural classification code: a 社区 (residents' committee) is usually urban "
        "(1xx), a 村 (villagers' committee) rural (2xx)",
    ),
    (
        "duplicate_name",
        W,
        "同级重名",
        "Duplicate name",
        "同一上级下的名称不应重复",
        "names are unique within a parent",
    ),
]

CHECKS: dict[str, Check] = {
    row[0]: Check(row[0], row[1], row[2], row[3], row[4], row[5]) for row in _ROWS
}


def check(check_id: str) -> Check:
    """The catalogue entry for ``check_id``."""
    return CHECKS[check_id]
