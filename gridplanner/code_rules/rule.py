"""One broken code rule, in the planners' and the platform's words."""

from __future__ import annotations

from dataclasses import dataclass

#: Rule families: ``format`` (digits, length, a zero sequence — any scheme), ``prefix``
#: (the parent's code), ``district`` (GB/T 2260 structure), ``district_list`` (not in
#: the GB/T 2260 list), ``nbs_range`` (统计用区划代码 type ranges, declared kind),
#: ``nbs_name`` (the range disagrees with the kind the name implies),
#: ``urban_rural`` (城乡分类代码 value), ``urban_rural_kind`` (城乡 vs 村/社区).
RULES = (
    "format",
    "prefix",
    "district",
    "district_list",
    "nbs_range",
    "nbs_name",
    "urban_rural",
    "urban_rural_kind",
)


@dataclass(frozen=True)
class Violation:
    """One code rule a value breaks: the rule family, a message in each language, and
    whether it refuses the value (``blocking``) or only asks a planner to look."""

    rule: str
    zh: str
    en: str
    blocking: bool = True

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang``."""
        return self.en if lang == "en" else self.zh
