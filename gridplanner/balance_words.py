"""What the balancer says to planners (zh/en): why a group misses its band, and why one
could not be balanced at all — never a command-line flag, never an algorithm's index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gridplanner.algorithms import InfeasibleError
from gridplanner.errors import Words

if TYPE_CHECKING:
    from gridplanner.balance import GroupOutcome

_INFEASIBLE_EN = {
    "island": "some units are not connected to the rest (an island) and there are not enough "
    "grids to give it one of its own",
    "unit_too_large": "a unit alone holds more households than a grid may",
    "too_many_parts": "more grids are asked for than there are connected units",
    "locks_conflict": "the locked units cannot form one connected piece",
    "choke_point": "a unit is the only link between areas, so they can't be split evenly",
    "bad_input": "the input data is wrong",
}
_INFEASIBLE_ZH = {
    "island": "有一片网格单元与其余部分不相连（孤岛），网格数不够给它单独划一个网格",
    "unit_too_large": "有网格单元的户数独自就超过了一个网格的上限",
    "too_many_parts": "要划分的网格数多于相连的网格单元数",
    "locks_conflict": "锁定的网格单元无法连成一片",
    "choke_point": "某个网格单元是几片区域之间唯一的连接，无法均分",
    "bad_input": "输入的数据有误",
}


def infeasible_words(
    error: InfeasibleError, unit_names: Sequence[str] = (), locked: bool = False
) -> Words:
    """An algorithm's refusal in the planners' words: the rule, then the units involved
    by name (``unit_names[i]`` for the algorithm's unit ``i``), never its indices."""
    zh = _INFEASIBLE_ZH.get(error.reason_code, "无法平衡")
    en = _INFEASIBLE_EN.get(error.reason_code, "cannot be balanced")
    named = [unit_names[u] for u in error.units if 0 <= u < len(unit_names)][:8]
    if named:
        more = len(error.units) - len(named)
        zh += "：" + "、".join(named) + (f" 等 {len(error.units)} 个" if more > 0 else "")
        en += ": " + ", ".join(named) + (f" and {more} more" if more > 0 else "")
    if locked and error.reason_code in {"island", "locks_conflict"}:
        zh += "（锁定的网格可能把它们隔开了）"
        en += " (the locked grids may cut them off)"
    return Words(zh, en)


def kept_words(outcome: GroupOutcome) -> list[Words]:
    """The parents the balancer left exactly as they were (dedicated, locked, without a
    worker), and the vacancies that received households as if a worker were coming."""
    out: list[Words] = []
    if outcome.kept:
        listed = [
            (outcome.names.get(code, code), why.words()) for code, why in outcome.kept.items()
        ]
        out.append(
            Words(
                "保持不变：" + "、".join(f"{name}（{why.zh}）" for name, why in listed),
                "kept as they are: " + ", ".join(f"{name} ({why.en})" for name, why in listed),
            )
        )
    if outcome.vacancies:
        names = [outcome.names.get(code, code) for code in outcome.vacancies]
        out.append(
            Words(
                "待补岗位（按 1 名专职网格员参与平衡）：" + "、".join(names),
                "vacancies (balanced as one full-time worker each): " + ", ".join(names),
            )
        )
    return out


def band_reasons(outcome: GroupOutcome) -> list[Words]:
    """Why ``outcome`` misses its band, if it does. Two causes are kept apart: staffing
    (households per worker can't reach the configured band with today's workers, however
    the grids are drawn) and granularity (the units are too coarse for the tolerance,
    with the proven bound)."""
    out: list[Words] = []
    need = outcome.staffing
    if need is not None and outcome.band is not None:
        lo, hi = outcome.band
        if need.for_band > 0:
            out.append(
                Words(
                    f"人员不足：约需增加 {need.for_band} 名网格员才能进入 {lo:.0f}–{hi:.0f} 户/人，"
                    f"增加 {need.for_target} 名可达到约 {outcome.target:.0f} 户/人",
                    f"understaffed: about {need.for_band} more workers bring it inside "
                    f"{lo:.0f}–{hi:.0f} households per worker, {need.for_target} more to about "
                    f"{outcome.target:.0f}",
                )
            )
        elif need.surplus > 0:
            out.append(
                Words(
                    f"人员富余：比 {lo:.0f} 户/人的下限多约 {need.surplus} 名网格员",
                    f"overstaffed: about {need.surplus} workers more than the band's lower "
                    f"edge of {lo:.0f} households per worker allows",
                )
            )
    report = outcome.report
    if report is not None and not report.within_band:
        if report.band_impossible:
            out.append(
                Words(
                    "单元太大：已证明任何连通方案的最大偏差至少 "
                    f"{report.best_achievable_deviation:.1%}（允许 ±{outcome.tolerance:.1%}）",
                    f"units too coarse: no contiguous plan gets closer than "
                    f"{report.best_achievable_deviation:.1%} (tolerance ±{outcome.tolerance:.1%}; "
                    "proven)",
                )
            )
        else:
            out.append(
                Words(
                    f"未达到 ±{outcome.tolerance:.1%}（最大偏差 {report.max_abs_deviation:.1%}，"
                    "未证明不可达）",
                    f"±{outcome.tolerance:.1%} not reached (worst {report.max_abs_deviation:.1%}; "
                    "not proven out of reach)",
                )
            )
    return out
