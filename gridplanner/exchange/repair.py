"""What an import may fix in a planner's file, and says it did: broken polygons and
full-width digits in codes.

* ``--repair``: an invalid polygon (a self-intersecting ring, a bow-tie, a ring
  touching itself) is made valid down to its polygonal parts with
  :func:`gridplanner.algorithms.adjacency.repair_polygons` (shapely's ``make_valid``,
  stray lines and points dropped). Each repaired feature is reported with its area as
  drawn and after the repair in m² (measured in the CGCS2000 Gauss–Krüger zone of the
  feature) and the change in per cent. The area "as drawn" is the shoelace area other
  GIS programs show for the broken ring, in which the lobes of a bow-tie cancel: a big
  change says the repaired shape is not what the drawing tool showed.
* Codes typed with a Chinese input method often carry full-width digits (２１０２８３).
  They are unambiguous, so they are read as ASCII digits, and the import report names
  every feature so changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridplanner.algorithms.adjacency import repair_polygons
from gridplanner.crs import STORAGE_CRS, measuring_epsg
from gridplanner.errors import CRSError
from gridplanner.exchange.problems import Problem

if TYPE_CHECKING:
    from gridplanner.exchange.reading import SourceTable

#: Full-width digits ０–９ (U+FF10–U+FF19) → ASCII digits.
FULL_WIDTH_DIGITS = str.maketrans({chr(0xFF10 + d): str(d) for d in range(10)})
#: Targets whose columns hold codes (of the node itself or of the node it belongs to).
CODE_TARGETS = ("code", "parent", "unit", "grid")
_REASON = re.compile(r"(?P<what>[^\[]+)\[(?P<x>[-+\deE.]+) (?P<y>[-+\deE.]+)\]")
#: Features named per column in the notice before "… and N more".
SHOWN_FEATURES = 5


@dataclass(frozen=True)
class RepairedFeature:
    """One polygon ``--repair`` changed."""

    feature: str  # "feature 7", as every import message names it
    code: str | None
    name: str | None
    reason: str  # what was wrong (GEOS' reason, e.g. "Self-intersection[122.7 39.2]")
    area_before_m2: float  # shoelace area of the ring as drawn
    area_after_m2: float
    parts: int  # polygons left after the repair

    @property
    def percent_changed(self) -> float | None:
        """Change in area relative to the area as drawn (None when that was 0)."""
        if self.area_before_m2 <= 0:
            return None
        return 100.0 * (self.area_after_m2 - self.area_before_m2) / self.area_before_m2

    def line(self) -> str:
        """One line for the CLI and the app."""
        who = " ".join(t for t in (self.code, self.name) if t)
        change = self.percent_changed
        percent = "n/a, zero area as drawn" if change is None else f"{change:+.1f}%"
        return (
            f"repaired {self.feature}" + (f" ({who})" if who else "") + f": {self.reason}; "
            f"area {self.area_before_m2:,.0f} m² as drawn → {self.area_after_m2:,.0f} m² "
            f"({percent}) in {self.parts} polygon{'s' if self.parts != 1 else ''}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for ``--report``."""
        return {
            "feature": self.feature,
            "code": self.code,
            "name": self.name,
            "reason": self.reason,
            "area_before_m2": round(self.area_before_m2, 1),
            "area_after_m2": round(self.area_after_m2, 1),
            "percent_changed": None
            if self.percent_changed is None
            else round(self.percent_changed, 2),
            "parts": self.parts,
        }


def check_polygon(
    table: SourceTable,
    i: int,
    problems: list[Problem],
    *,
    repair: bool = False,
    repairs: list[RepairedFeature] | None = None,
    code: str | None = None,
    name: str | None = None,
) -> Any:
    """Row ``i``'s geometry when it is a valid polygon (repaired when ``repair``), else
    None with the reason appended to ``problems``."""
    where = table.labels[i]
    geom = None if table.geometry is None else table.geometry[i]
    if geom is None or shapely.is_empty(geom):
        problems.append(Problem(table.name, "has no geometry (a broken or truncated file?)", where))
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(
            Problem(table.name, f"geometry is a {geom.geom_type}; this level needs polygons", where)
        )
        return None
    if shapely.is_valid(geom):
        return geom
    reason = invalid_reason(geom)
    who = f"{name} ({code})" if name and code else (code or name or "")
    if not repair:
        problems.append(
            Problem(
                table.name,
                f"geometry is broken ({reason}){' in ' + who if who else ''}; import with "
                "--repair to keep its polygonal parts (the change in area is reported), or "
                "fix it in the drawing tool (e.g. remove the self-intersection) and import again",
                where,
            )
        )
        return None
    fixed = repair_polygons(np.asarray([geom], dtype=object))[0]
    if fixed is None or shapely.is_empty(fixed) or not shapely.is_valid(fixed):
        problems.append(
            Problem(
                table.name,
                f"geometry is broken ({reason}){' in ' + who if who else ''} and no polygon is "
                "left after repairing it (it encloses no area); redraw it",
                where,
            )
        )
        return None
    before, after = areas_m2([geom, fixed])
    if repairs is not None:
        repairs.append(
            RepairedFeature(
                where, code, name, reason, before, after, int(shapely.get_num_geometries(fixed))
            )
        )
    return fixed


def invalid_reason(geom: Any) -> str:
    """GEOS' reason a geometry is invalid, its location rounded (≈0.1 m in degrees):
    "Self-intersection at 122.750000, 39.153333"."""
    reason = str(shapely.is_valid_reason(geom))
    found = _REASON.fullmatch(reason)
    if not found:
        return reason
    x, y = float(found["x"]), float(found["y"])
    return f"{found['what']} at {x:.6f}, {y:.6f}"


def areas_m2(geoms: list[Any]) -> list[float]:
    """Areas in m² of CGCS2000 lon/lat geometries (valid or not), measured in the
    Gauss–Krüger zone at their common centre."""
    arr = np.asarray(geoms, dtype=object)
    try:
        epsg = measuring_epsg(shapely.total_bounds(arr))
    except CRSError:
        return [float("nan")] * len(arr)
    transformer = Transformer.from_crs(STORAGE_CRS, f"EPSG:{epsg}", always_xy=True)
    projected = shapely.transform(
        arr, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
    )
    return [float(a) for a in shapely.area(projected)]


def normalise_code_digits(table: SourceTable, mapping: dict[str, str]) -> list[str]:
    """Full-width digits in the code columns of ``mapping`` rewritten as ASCII digits in
    ``table``; returns one notice per column naming the features changed."""
    notes: list[str] = []
    for target in CODE_TARGETS:
        column = mapping.get(target)
        if column is None or column not in table.attributes.columns:
            continue
        series = table.attributes[column]
        changed: list[str] = []
        values = list(series)
        for k, value in enumerate(values):
            if isinstance(value, str):
                ascii_value = value.translate(FULL_WIDTH_DIGITS)
                if ascii_value != value:
                    changed.append(f"{table.labels[k]} {value.strip()!r} → {ascii_value.strip()}")
                    values[k] = ascii_value
        if not changed:
            continue
        table.attributes[column] = pd.Series(values, index=series.index, dtype=object)
        shown = "; ".join(changed[:SHOWN_FEATURES])
        more = len(changed) - SHOWN_FEATURES
        notes.append(
            f"full-width digits (０–９) in field {column!r} ({target}) read as ASCII digits in "
            f"{len(changed)} feature{'s' if len(changed) != 1 else ''}: {shown}"
            + (f"; … and {more} more" if more > 0 else "")
        )
    return notes
