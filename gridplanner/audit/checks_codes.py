"""Structure, code and name checks (编码规则), and the national code rulebook
(GB/T 2260, NBS 统计用区划代码, 城乡分类代码: :mod:`gridplanner.code_rules`)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from gridplanner import code_rules
from gridplanner.audit.context import AuditContext
from gridplanner.audit.finding import Finding
from gridplanner.code_rules import Violation
from gridplanner.codes import CodeScheme
from gridplanner.levels import LEVELS, Level


def check_structure(ctx: AuditContext) -> Iterator[Finding]:
    """Every node below the district hangs from an existing node one level up."""
    everything = ctx.project.nodes
    nodes = ctx.nodes
    want = nodes["level"].map(lambda v: (Level(v).parent or Level.DISTRICT).value)
    parent = nodes["parent_id"]
    got = everything["level"].reindex(parent.astype("float64").to_numpy()).to_numpy()
    root = (nodes["level"] == Level.DISTRICT.value).to_numpy()
    missing = ~root & (parent.isna().to_numpy() | pd.isna(got))
    wrong = ~root & ~missing & (got != want.to_numpy())
    for i in np.flatnonzero(missing | wrong).tolist():
        nid = int(nodes.index[i])
        level = Level(nodes["level"].iat[i])
        if missing[i]:
            problem_zh, problem_en = "没有上级或上级不存在", "has no parent or a missing one"
        else:
            above = Level(got[i])
            problem_zh = f"挂在{above.zh}下, 应挂在{level.parent.zh if level.parent else ''}下"
            problem_en = f"sits under a {above.value}, not a {want.iat[i]}"
        yield ctx.finding(
            "bad_parent",
            (nid,),
            f"{ctx.label(nid, 'zh')} {problem_zh}",
            f"{ctx.label(nid, 'en')} {problem_en}",
            ctx.geom.at[nid],
        )


def _well_formed(ctx: AuditContext) -> np.ndarray:
    """Vectorised pre-test: True where a code surely passes the scheme's format rules
    (text, digits, length, no part 0)."""
    scheme = ctx.project.settings.code_scheme
    nodes = ctx.nodes
    codes = nodes["code"]
    text = codes.map(lambda c: isinstance(c, str)).to_numpy(dtype=bool)
    as_str = codes.astype(str)
    digits = as_str.str.fullmatch(r"[0-9]+").to_numpy(dtype=bool)
    length = nodes["level"].map(lambda v: scheme.length(Level(v))).to_numpy()
    ok = text & digits & (as_str.str.len().to_numpy() == length)
    depth = nodes["level"].map(lambda v: Level(v).depth).to_numpy()
    for level in LEVELS[1:]:
        end = scheme.length(level)
        part = as_str.str.slice(end - scheme.widths[level], end)
        zero = (part.str.strip("0") == "").to_numpy(dtype=bool)
        ok &= ~(zero & (depth >= level.depth))
    return ok


def check_codes(ctx: AuditContext) -> Iterator[Finding]:
    """Format, prefix, uniqueness and retired-code reuse."""
    scheme = ctx.project.settings.code_scheme
    everything = ctx.project.nodes
    nodes = ctx.nodes
    good = _well_formed(ctx)
    for i in np.flatnonzero(~good).tolist():
        nid = int(nodes.index[i])
        for problem in scheme.violations(nodes["code"].iat[i], Level(nodes["level"].iat[i])):
            if problem.rule != "format":
                continue  # the rulebook's checks report the others at their own node
            yield ctx.finding(
                "code_format",
                (nid,),
                f"{ctx.label(nid, 'zh')} 编码不合规: {problem.zh}",
                f"{ctx.label(nid, 'en')}: {problem.en}",
                ctx.geom.at[nid],
            )
    parent = nodes["parent_id"].astype("float64").to_numpy()
    parent_code = everything["code"].reindex(parent).to_numpy()
    for i, (code, pcode) in enumerate(zip(nodes["code"].tolist(), parent_code, strict=True)):
        if not isinstance(pcode, str) or not isinstance(code, str) or code.startswith(pcode):
            continue
        nid = int(nodes.index[i])
        yield ctx.finding(
            "code_prefix",
            (nid, int(parent[i])),
            f"{ctx.label(nid, 'zh')} 的编码不以上级编码 {pcode} 开头",
            f"{ctx.label(nid, 'en')}: code does not start with its parent's code {pcode}",
            ctx.geom.at[nid],
        )
    retired = ctx.project.retired_codes
    for nid, code in nodes["code"].items():
        retired_id = retired.get(str(code)) if retired else None
        if retired_id is not None and int(retired_id) != int(nid):  # type: ignore[call-overload]
            node = int(nid)  # type: ignore[call-overload]
            yield ctx.finding(
                "code_retired",
                (node,),
                f"{ctx.label(node, 'zh')} 使用了已注销的编码(原属节点 {retired_id})",
                f"{ctx.label(node, 'en')} reuses a retired code (it named node {retired_id})",
                ctx.geom.at[node],
            )
    codes = everything["code"].astype(str)
    repeated = codes[codes.duplicated(keep=False)]
    for code, group in repeated.groupby(repeated):
        members = tuple(int(i) for i in group.index)
        if not any(m in ctx.nodes.index for m in members):
            continue
        yield ctx.finding(
            "code_duplicate",
            members,
            f"编码 {code} 被 {len(members)} 个节点使用: " + "、".join(ctx.name(m) for m in members),
            f"code {code} is used by {len(members)} nodes: "
            + ", ".join(ctx.name(m) for m in members),
            ctx.geom.at[members[0]] if members[0] in ctx.geom.index else None,
        )


#: The audit check of each rulebook rule (blocking ones first, then warnings).
RULE_CHECKS = {
    "district": "code_district",
    "district_list": "code_district_unlisted",
    "nbs_range": "code_nbs_range",
    "nbs_name": "code_nbs_name",
    "urban_rural": "urban_rural_invalid",
    "urban_rural_kind": "urban_rural_kind",
}


def check_code_rules(ctx: AuditContext) -> Iterator[Finding]:
    """The national rulebook at the nodes it is about: the district against GB/T 2260
    (structure, then the list), each street's and community's part against the NBS
    ranges of its stated kind (or, as a warning, the kind its name implies), each
    community's urban-rural code (城乡分类代码)."""
    scheme = ctx.project.settings.code_scheme
    nodes = ctx.nodes
    wanted = (
        nodes["level"]
        .isin([Level.DISTRICT.value, Level.STREET.value, Level.COMMUNITY.value])
        .to_numpy()
    )
    urban_rural = code_rules.urban_rural_codes(nodes)
    kinds = nodes["kind"] if "kind" in nodes.columns else pd.Series(None, index=nodes.index)
    for nid, code, level_value, name, kind in zip(
        nodes.index[wanted].tolist(),
        nodes["code"].to_numpy()[wanted].tolist(),
        nodes["level"].to_numpy()[wanted].tolist(),
        nodes["name"].to_numpy()[wanted].tolist(),
        kinds.to_numpy()[wanted].tolist(),
        strict=True,
    ):
        level = Level(level_value)
        for problem in _rule_violations(scheme, code, level, name, kind, urban_rural.at[nid]):
            yield ctx.finding(
                RULE_CHECKS[problem.rule],
                (int(nid),),
                f"{ctx.label(int(nid), 'zh')}: {problem.zh}",
                f"{ctx.label(int(nid), 'en')}: {problem.en}",
                ctx.geom.at[nid],
            )


def _rule_violations(
    scheme: CodeScheme, code: object, level: Level, name: object, kind: object, urban_rural: object
) -> list[Violation]:
    found: list[Violation] = []
    if (
        scheme.national
        and isinstance(code, str)
        and len(code) == scheme.length(level)
        and code.isascii()
        and code.isdigit()
    ):
        if level is Level.DISTRICT:
            found += code_rules.district_violations(code)
            found += code_rules.district_list_violations(code)
        else:
            sequence = scheme.sequence(code, level)
            found += code_rules.part_violations(level, sequence)
            found += code_rules.kind_violations(level, sequence, kind)
            found += code_rules.name_violations(level, sequence, kind, name)
    if level is Level.COMMUNITY:
        area = code_rules.stated_kind(level, kind)
        if area is None and code_rules.unstated(kind):
            area = code_rules.kind_from_name(level, name)
        found += code_rules.urban_rural_violations(urban_rural, area)
    return found


def check_names(ctx: AuditContext) -> Iterator[Finding]:
    """Two children of one parent with the same name."""
    nodes = ctx.nodes[ctx.nodes["parent_id"].notna()]
    keys = nodes["parent_id"].astype("int64").astype(str) + "\x00" + nodes["name"].astype(str)
    repeated = keys[keys.duplicated(keep=False)]
    for _, group in repeated.groupby(repeated):
        members = tuple(int(i) for i in group.index)
        parent = int(nodes.at[members[0], "parent_id"])
        name = ctx.name(members[0])
        yield ctx.finding(
            "duplicate_name",
            members,
            f"{ctx.label(parent, 'zh')} 下有 {len(members)} 个节点同名「{name}」: "
            + "、".join(ctx.code(m) for m in members),
            f"{len(members)} children of {ctx.label(parent, 'en')} are named {name!r}: "
            + ", ".join(ctx.code(m) for m in members),
            ctx.geom.at[members[0]],
            place=parent,
        )
