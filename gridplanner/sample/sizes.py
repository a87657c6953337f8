"""The sizes of sample county the generator can make."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleSize:
    """Counts and densities for one sample size (all lengths in metres)."""

    name: str
    radius_m: float
    streets: int
    communities: int
    comprehensive_grids: int
    grids: int
    units: int
    town_fraction: float  # share of units that are urban compounds
    towns: int
    apartments_per_compound: float  # mean apartment buildings per compound
    houses_per_village: float  # mean houses per rural unit (natural village)
    institutions: int  # dedicated grids (schools, hospitals, parks, industrial parks)


SIZES: dict[str, SampleSize] = {
    "street": SampleSize(
        name="street",
        radius_m=4_500,
        streets=1,
        communities=8,
        comprehensive_grids=30,
        grids=120,
        units=400,
        town_fraction=0.30,
        towns=2,
        apartments_per_compound=4.0,
        houses_per_village=16.0,
        institutions=4,
    ),
    "county": SampleSize(
        name="county",
        radius_m=30_000,
        streets=25,
        communities=300,
        comprehensive_grids=300,
        grids=1_200,
        units=4_000,
        town_fraction=0.30,
        towns=26,
        apartments_per_compound=4.0,
        houses_per_village=34.0,
        institutions=24,
    ),
    "city": SampleSize(
        name="city",
        radius_m=95_000,
        streets=250,
        communities=3_000,
        comprehensive_grids=3_000,
        grids=12_000,
        units=40_000,
        town_fraction=0.30,
        towns=200,
        apartments_per_compound=4.0,
        houses_per_village=34.0,
        institutions=200,
    ),
}
