"""Field mapping: which column of a planner's file holds the code, the name, ….

Guesses come from the Chinese and English words planners and contractors use
(编码/代码/code, 名称/name, 户数/households, 上级编码/parent, …); an explicit
``--code-field`` and friends always win. The result says which column was used
for what, so the import report can show it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: Import targets: the level names of the CLI plus buildings and workers.
NODE_TARGETS = ("code", "name", "parent", "kind", "dedicated_type", "urban_rural_code")
BUILDING_TARGETS = ("name", "households", "population", "unit")
WORKER_TARGETS = ("name", "role", "employment", "capacity", "grid", "phone")
LINE_TARGETS = ("name", "road_class")
REQUIRED = {
    "node": ("code", "name"),
    "building": ("households",),
    "worker": ("name", "grid"),
    "line": (),
}

#: Words per target, best first. Level-specific words come first in each list.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": (
        "编码",
        "代码",
        "区划代码",
        "统计用区划代码",
        "行政区划代码",
        "code",
        "adcode",  # DataV / AMap district files
        "bm",
        "dm",
        "id_code",
    ),
    "name": ("名称", "名字", "name", "mc", "地名"),
    "parent": (
        "上级编码",
        "上级代码",
        "父级编码",
        "所属上级",
        "parent",
        "parent_code",
        "pcode",
        "sjbm",
    ),
    "kind": ("网格类型", "类型", "kind", "grid_kind", "type", "lx"),
    "dedicated_type": (
        "专属类型",
        "专属网格类型",
        "dedicated_type",
        "dedi_type",  # the 10-character name our Shapefile export writes
        "dedicated",
    ),
    # 城乡分类代码 of communities (统计用城乡划分代码: 111 … 220); cxfldm its pinyin initials.
    "urban_rural_code": (
        "城乡分类代码",
        "城乡分类",
        "城乡划分代码",
        "城乡属性",
        "urban_rural_code",
        "ur_code",
        "cxfldm",
    ),
    "households": ("户数", "总户数", "住户数", "households", "hh", "hs", "hushu"),
    "population": ("人口", "人口数", "总人口", "人数", "population", "pop", "rk"),
    "unit": ("网格单元编码", "单元编码", "所属单元", "所属网格单元", "unit_code", "unit"),
    "grid": ("所属网格编码", "网格编码", "所属网格", "grid_code", "grid"),
    "role": ("角色", "身份", "人员类别", "职务", "role"),
    "employment": ("专兼职", "用工性质", "专职兼职", "employment"),
    "capacity": ("折算人数", "折算", "工作量", "capacity"),
    "road_class": (
        "道路等级",
        "等级",
        "道路类型",
        "道路级别",
        "road_class",
        "fclass",
        "highway",
        "class",
        "dj",
    ),
    "phone": ("联系电话", "手机号码", "手机号", "手机", "电话", "phone", "mobile", "tel"),
}

#: Code and parent words that only make sense at one level (tried before the generic ones).
LEVEL_CODE_WORDS = {
    "district": (("区县编码", "区县代码", "行政区划代码", "adcode"), ()),
    "street": (("街道编码", "乡镇编码", "街道代码", "乡镇代码"), ("区县编码", "区县代码")),
    "community": (("社区编码", "村编码", "社区代码", "村代码"), ("街道编码", "乡镇编码")),
    "comprehensive_grid": (("综合网格编码", "综合网格代码"), ("社区编码", "村编码")),
    "grid": (("网格编码", "网格代码"), ("综合网格编码", "综合网格代码")),
    "grid_unit": (
        ("网格单元编码", "单元编码", "单元代码"),
        ("网格编码", "所属网格编码", "所属网格"),
    ),
}
LEVEL_NAME_WORDS = {
    "district": ("区县名称", "行政区名称", "行政区划名称"),
    "street": ("街道名称", "乡镇名称"),
    "community": ("社区名称", "村名称", "村名"),
    "comprehensive_grid": ("综合网格名称",),
    "grid": ("网格名称",),
    "grid_unit": ("网格单元名称", "单元名称"),
    "building": ("楼栋名称", "楼栋", "楼号", "房屋名称", "建筑名称"),
    "worker": ("姓名", "网格员", "name", "xm"),
}


def targets_for(kind: str) -> tuple[str, ...]:
    """The targets of an import kind: "node", "building" or "worker"."""
    return {
        "node": NODE_TARGETS,
        "building": BUILDING_TARGETS,
        "worker": WORKER_TARGETS,
        "line": LINE_TARGETS,
    }[kind]


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-（）()]+", "", str(text)).lower()


def _words(target: str, level_key: str) -> tuple[str, ...]:
    words: tuple[str, ...] = ()
    if level_key in LEVEL_CODE_WORDS and target in ("code", "parent"):
        words = LEVEL_CODE_WORDS[level_key][0 if target == "code" else 1]
    if target == "name":
        words = LEVEL_NAME_WORDS.get(level_key, ())
    return words + SYNONYMS[target]


def guess_mapping(
    columns: Iterable[str],
    kind: str,
    level_key: str,
    explicit: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Target → column. Explicit choices first, then the best guesses, one column each.

    An exact word match beats a match inside a longer column name (所属网格编码
    contains 编码), and earlier words beat later ones.
    """
    columns = [str(c) for c in columns]
    mapping: dict[str, str] = {}
    for target, column in (explicit or {}).items():
        if column:
            mapping[target] = column
    taken = set(mapping.values())
    scored: list[tuple[int, int, str, str]] = []
    for target in targets_for(kind):
        if target in mapping:
            continue
        words = _words(target, level_key)
        for position, column in enumerate(columns):
            if column in taken:
                continue
            key = _norm(column)
            for rank, word in enumerate(words):
                w = _norm(word)
                if key == w:
                    scored.append((200 - rank, -position, target, column))
                    break
                if not w.isascii() and len(w) >= 2 and w in key:
                    scored.append((100 - rank, -position, target, column))
                    break
    for _score, _pos, target, column in sorted(scored, reverse=True):
        if target not in mapping and column not in mapping.values():
            mapping[target] = column
    return mapping


def missing_required(mapping: Mapping[str, str], kind: str) -> list[str]:
    """Required targets that no column was found for."""
    return [t for t in REQUIRED[kind] if t not in mapping]
