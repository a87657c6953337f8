"""Project settings: sizing bands per scope, tolerance, code widths, CRS."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gridplanner.codes import DEFAULT_WIDTHS, CodeScheme
from gridplanner.crs import STORAGE_CRS
from gridplanner.errors import ProjectFileError
from gridplanner.levels import LEVELS, Level


@dataclass(frozen=True)
class Sizing:
    """Households per worker: the target and the band a grid must fall in."""

    target: float = 300.0
    band_min: float = 200.0
    band_max: float = 500.0

    def __post_init__(self) -> None:
        if not 0 < self.band_min <= self.target <= self.band_max:
            raise ValueError(
                f"sizing needs 0 < band_min ≤ target ≤ band_max, got "
                f"{self.band_min} ≤ {self.target} ≤ {self.band_max}"
            )

    def contains(self, households_per_worker: float) -> bool:
        """True when the ratio lies inside the band (the one rule:
        :func:`gridplanner.staffing.within_band`)."""
        from gridplanner.staffing import within_band

        return bool(within_band(households_per_worker, self.band_min, self.band_max))


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a plan (stored in the project's settings table)."""

    sizing: Sizing = field(default_factory=Sizing)
    sizing_by_scope: Mapping[str, Sizing] = field(default_factory=dict)
    part_time_capacity: float = 0.5
    tolerance_m2: float = 1.0
    code_widths: Mapping[Level, int] = field(default_factory=lambda: dict(DEFAULT_WIDTHS))
    storage_crs: str = STORAGE_CRS
    measuring_epsg: int | None = None  # None: choose the Gauss–Krüger zone from the data

    @property
    def code_scheme(self) -> CodeScheme:
        """The code scheme built from the configured widths."""
        return CodeScheme(dict(self.code_widths))

    def sizing_for(self, ancestor_codes: Iterable[str]) -> Sizing:
        """The sizing of the nearest scope (community before street before district),
        given the codes from the root down (:func:`gridplanner.staffing.sizing_for_chain`)."""
        from gridplanner.staffing import sizing_for_chain

        return sizing_for_chain(self, ancestor_codes)

    def with_scope(self, code: str, sizing: Sizing) -> Settings:
        """A copy with ``sizing`` set for the scope ``code`` (a street or community)."""
        scopes = dict(self.sizing_by_scope)
        scopes[code] = sizing
        return replace(self, sizing_by_scope=scopes)

    def to_rows(self) -> list[tuple[str, str]]:
        """Key/value rows (values are JSON) for the settings table."""
        values: dict[str, Any] = {
            "sizing": _sizing_dict(self.sizing),
            "sizing_by_scope": {
                k: _sizing_dict(v) for k, v in sorted(self.sizing_by_scope.items())
            },
            "part_time_capacity": self.part_time_capacity,
            "tolerance_m2": self.tolerance_m2,
            "code_widths": {lv.value: self.code_widths[lv] for lv in LEVELS},
            "storage_crs": self.storage_crs,
            "measuring_epsg": self.measuring_epsg,
        }
        return [(k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]], source: str = "settings") -> Settings:
        """Inverse of :meth:`to_rows`; unknown keys are ignored, bad values named."""
        values: dict[str, Any] = {}
        for key, text in rows:
            try:
                values[key] = json.loads(text)
            except (TypeError, json.JSONDecodeError) as exc:
                raise ProjectFileError(
                    f"{source}: setting {key!r} is not valid JSON ({exc})"
                ) from exc
        try:
            base = cls()
            return cls(
                sizing=Sizing(**values["sizing"]) if "sizing" in values else base.sizing,
                sizing_by_scope={
                    k: Sizing(**v) for k, v in values.get("sizing_by_scope", {}).items()
                },
                part_time_capacity=float(values.get("part_time_capacity", base.part_time_capacity)),
                tolerance_m2=float(values.get("tolerance_m2", base.tolerance_m2)),
                code_widths={Level(k): int(v) for k, v in values.get("code_widths", {}).items()}
                or dict(DEFAULT_WIDTHS),
                storage_crs=str(values.get("storage_crs", base.storage_crs)),
                measuring_epsg=values.get("measuring_epsg"),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise ProjectFileError(f"{source}: a setting has a bad value ({exc})") from exc


def _sizing_dict(sizing: Sizing) -> dict[str, float]:
    return {"target": sizing.target, "band_min": sizing.band_min, "band_max": sizing.band_max}
