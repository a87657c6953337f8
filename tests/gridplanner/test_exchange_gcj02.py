"""GCJ-02 ↔ WGS84/CGCS2000 on the published eviltransform reference points."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon

from gridplanner.exchange.gcj02 import (
    gcj02_to_wgs84,
    geometries_from_gcj02,
    geometries_to_gcj02,
    wgs84_to_gcj02,
)

# (wgs lat, wgs lon, gcj lat, gcj lon): Shanghai, Shenzhen, Beijing.
VECTORS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_forward_matches_reference(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_inverse_recovers_wgs84(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert float(lon) == pytest.approx(wlon, abs=1e-8)
    assert float(lat) == pytest.approx(wlat, abs=1e-8)


def test_no_offset_outside_china() -> None:
    lon, lat = wgs84_to_gcj02(np.array([-104.9903, 2.35]), np.array([39.7392, 48.85]))
    assert lon.tolist() == [-104.9903, 2.35] and lat.tolist() == [39.7392, 48.85]


def test_offset_in_dalian_is_hundreds_of_metres() -> None:
    lon, lat = wgs84_to_gcj02(122.97, 39.70)
    assert 0.003 < float(lon) - 122.97 < 0.008 and 0.0 < float(lat) - 39.70 < 0.003


def test_geometries_round_trip() -> None:
    square = Polygon([(122.97, 39.70), (122.98, 39.70), (122.98, 39.71), (122.97, 39.71)])
    there = geometries_to_gcj02(np.array([square, None], dtype=object))
    assert there[1] is None and not there[0].equals_exact(square, 1e-4)
    back = geometries_from_gcj02(there)
    assert back[0].equals_exact(square, 1e-9)
