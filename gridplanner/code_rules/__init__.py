"""The national code rulebook: what a code may be, beyond its digits.

* GB/T 2260 行政区划代码 — the district's 6 digits (:mod:`.districts`): structure
  refused when impossible (``000000``, ``990000``, the prefecture ``210200``), a code
  missing from the maintained list a warning.
* 统计用区划代码编制规则 (NBS) — the street's and the community's 3 digits
  (:mod:`.nbs`): the ranges that name 街道/镇/乡/similar units and 社区/村, checked
  against the unit's kind (the nodes' ``kind`` column, :class:`~gridplanner.levels.AreaKind`)
  or, when no kind is stated, against the kind its name implies (a warning).
* 统计用城乡划分代码 — the communities' urban-rural classification code
  (:mod:`.urban_rural`).

:class:`gridplanner.codes.CodeScheme` consults it for every segment of a code; the
audit (:mod:`gridplanner.audit.checks_codes`) reports each broken rule by name.
"""

from gridplanner.code_rules.districts import (
    district_list,
    district_list_source,
    district_list_violations,
    district_name,
    district_violations,
)
from gridplanner.code_rules.nbs import (
    RANGES,
    SequenceRange,
    kind_from_name,
    kind_of_sequence,
    kind_violations,
    name_violations,
    part_violations,
    sequence_range,
    stated_kind,
    unstated,
)
from gridplanner.code_rules.rule import RULES, Violation
from gridplanner.code_rules.urban_rural import (
    URBAN_RURAL_CODES,
    normalise_urban_rural,
    urban_rural_codes,
    urban_rural_label,
    urban_rural_violations,
)

__all__ = [
    "RANGES",
    "RULES",
    "URBAN_RURAL_CODES",
    "SequenceRange",
    "Violation",
    "district_list",
    "district_list_source",
    "district_list_violations",
    "district_name",
    "district_violations",
    "kind_from_name",
    "kind_of_sequence",
    "kind_violations",
    "name_violations",
    "normalise_urban_rural",
    "part_violations",
    "sequence_range",
    "stated_kind",
    "unstated",
    "urban_rural_codes",
    "urban_rural_label",
    "urban_rural_violations",
]
