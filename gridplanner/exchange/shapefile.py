"""The Shapefile export: one GBK Shapefile per level, names cut to DBF's 10 characters.

Older platforms read Shapefiles in GBK. Each file gets a ``.cpg`` saying ``GBK`` *and*
the DBF header's language-driver byte (offset 29) set to 0x4D, which declares code
page 936: GDAL, QGIS and ArcGIS then read the Chinese right even when the ``.cpg``
was lost on the way (e-mail, a USB stick that only took .shp/.shx/.dbf).
``字段说明.csv`` documents the short field names; the importer recognises them.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from gridplanner.exchange.output import folder_beside
from gridplanner.exchange.problems import ExchangeError
from gridplanner.levels import Level

SHAPEFILE_ENCODING = "GBK"
#: The DBF language driver id of code page 936 (GBK), at byte 29 of the header.
GBK_LANGUAGE_DRIVER = 0x4D
LANGUAGE_DRIVER_OFFSET = 29
#: Shapefile field names are at most 10 characters; this is the documented mapping.
SHAPEFILE_FIELDS = {
    "code": "code",
    "name": "name",
    "level": "level",
    "parent_code": "parent",
    "kind": "kind",
    "dedicated_type": "dedi_type",
    "urban_rural_code": "ur_code",
    "households": "households",
    "population": "population",
    "buildings": "buildings",
    "workers": "workers",
    "worker_count": "wrk_count",
    "cjt349_code": "cjt349",
}
MAX_FIELD = 10


def shapefile_name(column: str) -> str:
    """The DBF field name of ``column``: the documented one, else its first 10 characters."""
    return SHAPEFILE_FIELDS.get(column, column[:MAX_FIELD])


def check_gbk(levels: list[tuple[Level, gpd.GeoDataFrame]]) -> None:
    """Refuse (before writing anything) a text value GBK cannot hold, naming it."""
    for level, frame in levels:
        text_columns = [
            c for c in frame.columns if c != frame.geometry.name and frame[c].dtype == object
        ]
        for column in text_columns:
            for value, code in zip(frame[column], frame["code"], strict=True):
                if not isinstance(value, str):
                    continue
                try:
                    value.encode("gbk")
                except UnicodeEncodeError as exc:
                    raise ExchangeError(
                        f"{level.value} {code}: {column} {value!r} has a character GBK cannot "
                        f"hold ({value[exc.start : exc.end]!r}); export GeoPackage or GeoJSON "
                        "instead"
                    ) from exc


def write_shapefiles(
    levels: list[tuple[Level, gpd.GeoDataFrame]], target: Path, labels: dict[str, str]
) -> list[Path]:
    """One GBK Shapefile per level in the folder ``target``, plus 字段说明.csv."""
    check_gbk(levels)
    names = []
    documented: dict[str, str] = {}
    with folder_beside(target) as folder:
        for level, frame in levels:
            columns = {c: shapefile_name(c) for c in frame.columns if c != frame.geometry.name}
            _check_unique(level, columns)
            documented.update(columns)
            shp = frame.reset_index(drop=True).rename(columns=columns)
            path = folder / f"{level.value}.shp"
            pyogrio.write_dataframe(
                shp,
                path,
                driver="ESRI Shapefile",
                encoding=SHAPEFILE_ENCODING,
                promote_to_multi=True,
            )
            set_language_driver(path.with_suffix(".dbf"), GBK_LANGUAGE_DRIVER)
            names.append(f"{level.value}.shp")
        lines = ["shapefile_field,full_name,中文"]
        lines += [f"{short},{full},{labels.get(full, full)}" for full, short in documented.items()]
        (folder / "字段说明.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        names.append("字段说明.csv")
    return [target / name for name in names]


def _check_unique(level: Level, columns: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for full, short in columns.items():
        if short in seen:
            raise ExchangeError(
                f"{level.value}: columns {seen[short]!r} and {full!r} would both be "
                f"{short!r} in a Shapefile (10 characters); export GeoPackage instead"
            )
        seen[short] = full


def set_language_driver(dbf: Path, driver_id: int) -> None:
    """Write the DBF header's language-driver byte (GDAL writes 0, "unknown")."""
    with open(dbf, "r+b") as handle:
        handle.seek(LANGUAGE_DRIVER_OFFSET)
        handle.write(bytes([driver_id]))


def language_driver(dbf: Path) -> int:
    """The DBF header's language-driver byte."""
    with open(dbf, "rb") as handle:
        handle.seek(LANGUAGE_DRIVER_OFFSET)
        return handle.read(1)[0]
