"""统计用城乡划分代码 (NBS urban-rural classification code): three digits per village-level
unit, a field of communities (``urban_rural_code`` in the nodes table).

1xx 城镇 (urban): 111 主城区, 112 城乡结合区, 121 镇中心区, 122 镇乡结合区, 123 特殊区域;
2xx 乡村 (rural): 210 乡中心区, 220 村庄. Any other value is refused by the audit; a
社区 (居委会) coded 2xx or a 村 (村委会) coded 1xx is a warning (it happens — a village
inside the city proper is 111 — but it is worth a look).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from gridplanner.code_rules.rule import Violation
from gridplanner.levels import AreaKind, Level

STANDARD_ZH = "城乡划分代码"
STANDARD_EN = "NBS urban-rural classification code (城乡分类代码)"
COLUMN = "urban_rural_code"

#: Every value, with its name (zh, en).
URBAN_RURAL_CODES: dict[str, tuple[str, str]] = {
    "111": ("主城区", "main urban area"),
    "112": ("城乡结合区", "urban-rural fringe"),
    "121": ("镇中心区", "town centre"),
    "122": ("镇乡结合区", "town-rural fringe"),
    "123": ("特殊区域", "special area"),
    "210": ("乡中心区", "township centre"),
    "220": ("村庄", "village"),
}
#: The class a kind of community is expected to have: 1 urban, 2 rural.
EXPECTED_CLASS = {AreaKind.RESIDENTS_COMMITTEE: "1", AreaKind.VILLAGERS_COMMITTEE: "2"}
CLASS_WORDS = {"1": ("城镇", "urban"), "2": ("乡村", "rural")}

_LEADING_DIGITS = re.compile(r"^\s*(\d{3})(?!\d)")


def normalise_urban_rural(value: object) -> str | None:
    """A cell as a stored value: ``111`` from 111, 111.0, "111", "111(主城区)", "１１１"
    or the name 主城区; None for an empty cell; anything else as its text (kept, so the
    audit can name it)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except TypeError:  # pandas.NA
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    found = _LEADING_DIGITS.match(text)
    if found:
        return found.group(1)
    for code, (zh, en) in URBAN_RURAL_CODES.items():
        if text in (zh, en) or text.lower() == en:
            return code
    return text


def urban_rural_label(value: object, lang: str = "zh") -> str | None:
    """``111 主城区`` (``111 main urban area``); an unknown value as it is; None when empty."""
    code = normalise_urban_rural(value)
    if code is None:
        return None
    names = URBAN_RURAL_CODES.get(code)
    if names is None:
        return code
    return f"{code} {names[1] if lang == 'en' else names[0]}"


def urban_rural_codes(nodes: pd.DataFrame) -> pd.Series:
    """The communities' urban-rural codes (None elsewhere and where not given), by node
    id: the accessor exports and reports read."""
    if COLUMN not in nodes.columns:
        return pd.Series([None] * len(nodes), index=nodes.index, dtype=object, name=COLUMN)
    community = (nodes["level"] == Level.COMMUNITY.value).to_numpy()
    values = [
        normalise_urban_rural(v) if is_community else None
        for v, is_community in zip(nodes[COLUMN].tolist(), community.tolist(), strict=True)
    ]
    return pd.Series(values, index=nodes.index, dtype=object, name=COLUMN)


def urban_rural_violations(value: object, kind: AreaKind | None) -> list[Violation]:
    """An invalid value (refused), or a value of the other class than the community's
    kind (社区 with 2xx, 村 with 1xx; a warning). Empty values break no rule."""
    code = normalise_urban_rural(value)
    if code is None:
        return []
    if code not in URBAN_RURAL_CODES:
        listed = "/".join(URBAN_RURAL_CODES)
        return [
            Violation(
                "urban_rural",
                f"{STANDARD_ZH}: 城乡分类代码 {code!r} 无效, 应为 {listed} 之一",
                f"{STANDARD_EN}: {code!r} is not a classification code; use one of {listed}",
            )
        ]
    expected = EXPECTED_CLASS.get(kind) if kind is not None else None
    if kind is None or expected is None or code.startswith(expected):
        return []
    zh_class, en_class = CLASS_WORDS[expected]
    name_zh, name_en = URBAN_RURAL_CODES[code]
    return [
        Violation(
            "urban_rural_kind",
            f"{STANDARD_ZH}: {kind.label()} 的城乡分类代码宜为{zh_class}({expected}xx), "
            f"此处为 {code} {name_zh}",
            f"{STANDARD_EN}: a {kind.label('en')} ({kind.label()}) is usually {en_class} "
            f"({expected}xx), not {code} {name_en}",
            blocking=False,
        )
    ]
