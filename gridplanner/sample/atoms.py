"""Buildings, households, workers and fictional names for the sample (示例)."""

from __future__ import annotations

import numpy as np
import shapely

from gridplanner.model import FULL_TIME, PART_TIME

SYLLABLES = list(
    "安宝北长城春大东凤福富光广海和河红华花黄吉佳金锦康兰蓝乐丽林龙明南平青庆瑞山胜盛石"
    "顺泰桃天通万旺文西祥新兴阳杨永裕园源云泽振正中"
)
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰凤志军海燕飞鹏雪梅宇浩")
PART_TIME_ROLES = [
    "兼职网格员",
    "社区工作者",
    "村(社区)两委成员",
    "民警",
    "辅警",
    "下沉干部",
    "党员",
    "志愿者",
]
INSTITUTIONS = [
    ("学校", "示例第{n}中学"),
    ("医院", "示例第{n}医院"),
    ("公园", "示例{n}号公园"),
    ("工业园区", "示例第{n}工业园"),
]


def place_name(rng: np.random.Generator, used: set[str]) -> str:
    """Two distinct syllables not used before (falls back to three)."""
    for length in (2, 2, 2, 3, 3, 3, 4):
        name = "".join(rng.choice(SYLLABLES, size=length, replace=False))
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(SYLLABLES)}{len(used)}"
    used.add(name)
    return name


def person_name(rng: np.random.Generator) -> str:
    """A plausible, fictional Chinese name."""
    given = "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
    return f"{rng.choice(SURNAMES)}{given}"


def fake_phone(rng: np.random.Generator) -> str:
    """A fictional mobile number in the 199 0000 range (not a real subscriber)."""
    return f"1990000{int(rng.integers(0, 10_000)):04d}"


def buildings_for_units(
    cells: np.ndarray,
    is_town: np.ndarray,
    is_institution: np.ndarray,
    apartments_per_compound: float,
    houses_per_village: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(x, y, households, unit index, names) for every building of every unit."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    hh: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    names: list[str] = []
    for index, cell in enumerate(cells):
        if is_institution[index]:
            count = int(rng.integers(1, 4))
            households = np.zeros(count, dtype=np.int64)
            label = "号楼(机构)"
        elif is_town[index]:
            count = max(1, int(rng.poisson(apartments_per_compound - 1)) + 1)
            households = np.clip(np.round(rng.lognormal(np.log(45), 0.55, count)), 20, 300)
            label = "号楼"
        else:
            count = max(3, int(rng.poisson(houses_per_village)))
            households = 1 + rng.binomial(2, 0.15, count)
            label = "号院"
        pts = _points_in(cell, count, clustered=not is_town[index], rng=rng)
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
        hh.append(np.asarray(households, dtype=np.int64))
        owner.append(np.full(count, index, dtype=np.int64))
        names.extend(f"{n + 1}{label}" for n in range(count))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(hh), np.concatenate(owner), names


def _points_in(
    cell: shapely.Geometry, count: int, clustered: bool, rng: np.random.Generator
) -> np.ndarray:
    """``count`` points strictly inside ``cell`` (clustered round a village centre)."""
    inner = cell.buffer(-2.0)
    inner = inner if not inner.is_empty else cell
    minx, miny, maxx, maxy = inner.bounds
    centre = np.array(shapely.get_coordinates(inner.point_on_surface())[0])
    spread = np.array([maxx - minx, maxy - miny]) / 6
    found = np.empty((0, 2))
    for _ in range(50):
        if clustered:
            cand = centre + rng.normal(0, 1, (count * 4, 2)) * spread
        else:
            cand = rng.uniform([minx, miny], [maxx, maxy], (count * 4, 2))
        found = np.vstack([found, cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]])
        if len(found) >= count:
            return found[:count]
    pad = np.repeat(centre[None], count - len(found), axis=0)
    return np.vstack([found, pad])


def staff_for(households: float, dedicated: bool, target: float = 300.0) -> list[str]:
    """Employment of the workers a grid gets: full-time first, a part-timer for the rest."""
    if dedicated:
        return [PART_TIME]
    best: tuple[float, int, int] = (np.inf, 1, 0)
    for full in range(0, 12):
        for part in range(0, 3):
            capacity = full + 0.5 * part
            if capacity == 0 or (full == 0 and households > 250):
                continue
            error = abs(households / capacity - target)
            if error < best[0] - 1e-9:
                best = (error, full, part)
    _, full, part = best
    return [FULL_TIME] * full + [PART_TIME] * part
