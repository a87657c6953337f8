"""An exchange package as an import source: one level of its nodes, or its roster.

``gridplanner import PLAN.gpkg pkg.zip --level street`` reads the package (a folder or
a ``.zip``), checks it as the receiver would (schemas, hashes, references), and hands
the nodes of that level to the ordinary importer — so a plan can be rebuilt from a
package the platform sent back, level by level (district first), then
``--level worker`` reads ``workers.json``. Buildings are not in a package (only their
totals per node), so ``--level building`` is refused with that reason.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely.geometry

from gridplanner.exchange.problems import ImportFailed, PackageInvalid, Problem
from gridplanner.exchange.reading import SourceTable
from gridplanner.levels import Level


def is_package(path: str | Path) -> bool:
    """True for a folder holding ``manifest.json``, or a ``.zip`` with one."""
    source = Path(path)
    if source.is_dir():
        return (source / "manifest.json").is_file()
    if source.suffix.lower() != ".zip" or not source.is_file():
        return False
    try:
        with zipfile.ZipFile(source) as archive:
            return "manifest.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def package_table(path: str | Path, level: str) -> SourceTable:
    """The rows of ``level`` (a level's code name, or ``worker``) of the package at ``path``."""
    from gridplanner.exchange.package import read_package

    source = Path(path)
    try:
        package = read_package(source)
    except PackageInvalid as exc:
        raise ImportFailed([Problem(source.name, e) for e in exc.errors]) from exc
    if level == "worker":
        return _roster(source, package.json("workers.json")["workers"])
    if level == "building":
        raise ImportFailed(
            [
                Problem(
                    source.name,
                    "an exchange package holds no buildings, only their totals per node; "
                    "import the buildings from the plan's GeoPackage export",
                )
            ]
        )
    wanted = Level.parse(level).value
    features = package.json("nodes.geojson")["features"]
    chosen = [(i, f) for i, f in enumerate(features) if f["properties"]["level"] == wanted]
    if not chosen:
        raise ImportFailed([Problem(source.name, f"the package holds no {wanted} nodes")])
    attributes = pd.DataFrame([f["properties"] for _, f in chosen])
    geometry = np.asarray(
        [shapely.geometry.shape(f["geometry"]) if f["geometry"] else None for _, f in chosen],
        dtype=object,
    )
    labels = [f"nodes.geojson feature {i}" for i, _ in chosen]
    table = SourceTable(source, attributes, geometry, labels)
    table.notes.append(f"{len(chosen)} {wanted} node(s) of the package (validated)")
    return table


def _roster(source: Path, workers: list[dict[str, object]]) -> SourceTable:
    columns = ["name", "role", "employment", "capacity", "grid_code"]
    if any("phone" in w for w in workers):
        columns.append("phone")
    attributes = pd.DataFrame(workers, columns=columns)
    labels = [f"workers.json worker {i}" for i in range(len(workers))]
    table = SourceTable(source, attributes, None, labels)
    table.notes.append(f"{len(workers)} worker(s) of the package (validated)")
    return table
