"""CRS: storage in CGCS2000, measuring in the Gauss–Krüger zone chosen from the data."""

from __future__ import annotations

import pytest
from pyproj import CRS

from gridplanner.crs import gauss_kruger_epsg, is_storage_crs, measuring_epsg, require_crs
from gridplanner.errors import CRSError


@pytest.mark.parametrize(
    ("lon", "epsg", "cm"),
    [
        (122.97, 4550, 123),
        (121.4, 4549, 120),
        (116.4, 4548, 117),
        (75.2, 4534, 75),
        (134.0, 4554, 135),
    ],
)
def test_zone_from_longitude(lon: float, epsg: int, cm: int) -> None:
    assert gauss_kruger_epsg(lon) == epsg
    name = CRS.from_epsg(epsg).name
    assert "CGCS2000" in name and f"CM {cm}E" in name


def test_dalian_data_measures_in_epsg_4550() -> None:
    assert measuring_epsg((121.2, 38.7, 123.5, 40.2)) == 4550


def test_projected_coordinates_are_refused_as_longitudes() -> None:
    with pytest.raises(CRSError, match="outside China"):
        gauss_kruger_epsg(500000.0)


def test_missing_crs_is_refused_with_how_to_state_it() -> None:
    with pytest.raises(CRSError, match=r"units\.shp has no coordinate reference system.*--crs"):
        require_crs(None, "units.shp")


def test_storage_crs() -> None:
    assert is_storage_crs("EPSG:4490")
    assert not is_storage_crs("EPSG:4326")
    assert not is_storage_crs(None)
