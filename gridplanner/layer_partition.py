"""Partition any polygon layer into K contiguous parts of balanced weight.

The generic face of the balancer, for data that is not a gridplanner project
(precincts with population, villages with households...): read a GeoPackage,
GeoJSON or Shapefile, build the rook adjacency in metres, partition, and return
the input features with a ``part`` column.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from gridplanner.algorithms import (
    BalancedPartitioner,
    InfeasibleError,
    PartitionReport,
    build_adjacency,
)
from gridplanner.algorithms.adjacency import Attachment, attach_islands, repair_polygons
from gridplanner.algorithms.defaults import PARTITION_TOLERANCE
from gridplanner.crs import gauss_kruger_epsg, require_crs
from gridplanner.errors import CRSError, GridPlannerError

#: Partitioning a layer: restarts of the multilevel start (more only while time is
#: left), the time they may take, and the weight of Polsby-Popper in the polish.
LAYER_RESTARTS = 32
LAYER_TIME_BUDGET = 5.0
LAYER_SHAPE_WEIGHT = 3.0


@dataclass
class LayerPartition:
    """The features with their part and the balancer's report; the islands joined to
    the rest (by feature label: the island's features, the one joined, to which, how
    far in metres), the features whose invalid geometry was repaired, and the seconds
    each phase took."""

    features: gpd.GeoDataFrame
    report: PartitionReport
    metric_crs: str
    attachments: list[tuple[list[object], object, object, float]] = field(default_factory=list)
    repaired: list[object] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)


def read_polygons(
    path: str | Path, layer: str | None = None, crs: str | None = None
) -> gpd.GeoDataFrame:
    """Read a polygon layer, refusing missing, unreadable or CRS-less files clearly.

    ``crs`` states the CRS of a file that has none (e.g. a Shapefile without .prj).
    """
    source = Path(path)
    if not source.exists():
        raise GridPlannerError(f"{source}: no such file")
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GridPlannerError(f"{source}: cannot read the layer ({first})") from exc
    if frame.crs is None and crs is not None:
        frame = frame.set_crs(require_crs(crs, f"--crs {crs}"))
    require_crs(frame.crs, str(source))
    if frame.empty:
        raise GridPlannerError(f"{source}: the layer has no features")
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise GridPlannerError(f"{source}: expected polygons, found {', '.join(sorted(kinds))}")
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        raise GridPlannerError(
            f"{source}: feature {int(np.flatnonzero(missing)[0])} has no geometry"
        )
    return frame


#: Wider than this (degrees of longitude), one zone distorts too much: an equal-area
#: azimuthal projection centred on the data is used instead.
ZONE_MAX_WIDTH = 12.0


def metric_crs_for(frame: gpd.GeoDataFrame) -> str:
    """A CRS in metres: the data's own if projected, else a Gauss–Krüger zone or UTM, or
    for a layer spanning many zones (a whole country) a Lambert azimuthal equal-area
    projection centred on its median point (robust to the antimeridian)."""
    crs = CRS.from_user_input(frame.crs)
    if crs.is_projected:
        return crs.to_string()
    points = frame.to_crs("EPSG:4326").geometry.representative_point()
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    width = float(np.percentile(lon, 95) - np.percentile(lon, 5))
    if width > ZONE_MAX_WIDTH:
        centre_lon, centre_lat = float(np.median(lon)), float(np.median(lat))
        return f"+proj=laea +lat_0={centre_lat:.4f} +lon_0={centre_lon:.4f} +ellps=GRS80 +units=m"
    centre = float(np.median(lon))
    try:
        return f"EPSG:{gauss_kruger_epsg(centre)}"
    except CRSError:
        utm = frame.estimate_utm_crs()
        return utm.to_string()


def partition_layer(
    frame: gpd.GeoDataFrame,
    weight_field: str,
    parts: int,
    source: str = "layer",
    id_field: str | None = None,
    seed: int = 0,
    band: float = PARTITION_TOLERANCE,
    progress: Callable[[float, str], None] | None = None,
    *,
    capacities: Sequence[float] | None = None,
    existing: npt.ArrayLike | None = None,
    locked: npt.ArrayLike | None = None,
    min_change: bool = False,
    cancel: Callable[[], bool] | None = None,
    islands: str = "attach",
    time_budget: float = LAYER_TIME_BUDGET,
) -> LayerPartition:
    """Partition ``frame`` into contiguous parts balanced on ``weight_field``.

    ``parts`` equal parts, or one part per entry of ``capacities`` (worker capacity: each
    part's share of the total follows it). A target of households per worker picks the
    number of parts (:func:`~gridplanner.balance_request.grids_for_target`) and is never
    a second aim beside the even load, as in the balancer. ``existing`` labels per
    feature (-1 none) enable minimal change and ``locked`` (a boolean mask) keeps
    features in their existing part.

    From scratch the start is multilevel (METIS on the shared-boundary graph), then
    balanced worst part first and polished for Polsby-Popper inside the band, restarts
    within ``time_budget`` seconds. Invalid polygons are repaired to their polygonal
    parts; ``islands="attach"`` joins every island to its nearest feature (reported),
    ``"separate"`` leaves islands to parts of their own.
    """
    if islands not in ("attach", "separate"):
        raise GridPlannerError(f"{source}: islands must be 'attach' or 'separate'")
    phases: dict[str, float] = {}
    clock = time.perf_counter()
    weights = _weights(frame, weight_field, source, id_field)
    count = len(capacities) if capacities else parts
    if count < 1 or count > len(frame):
        raise GridPlannerError(f"{source}: cannot make {count} parts from {len(frame)} features")
    if locked is not None and existing is None:
        raise GridPlannerError(f"{source}: locks keep features in their existing part; give one")
    if min_change and existing is None:
        raise GridPlannerError(f"{source}: minimal change starts from an existing assignment")
    if locked is not None and existing is not None:
        stray = np.asarray(locked, dtype=bool) & (np.asarray(existing) < 0)
        if stray.any():
            row = int(np.flatnonzero(stray)[0])
            label = frame[id_field].iloc[row] if id_field else row
            raise GridPlannerError(f"{source}: feature {label} is locked but has no existing part")
    metric = metric_crs_for(frame)
    raw = frame.geometry.to_crs(metric).to_numpy()
    geoms = repair_polygons(raw)
    labels_of = frame[id_field].tolist() if id_field else list(range(len(frame)))
    repaired = [labels_of[k] for k in np.flatnonzero(geoms != raw)]
    graph = build_adjacency(geoms, tolerance=0.01, match_segments=True)
    attachments: list[Attachment] = []
    if islands == "attach":
        graph, attachments = attach_islands(graph, geoms)
    phases["adjacency"] = time.perf_counter() - clock
    clock = time.perf_counter()
    try:
        solver = BalancedPartitioner(
            graph,
            weights,
            n_parts=None if capacities else parts,
            capacities=list(capacities) if capacities else None,
            band=band,
            existing=existing,
            min_change=min_change,
            locked_units=locked,
            seed=seed,
            strict=False,
            progress=progress,
            cancel=cancel,
            start="metis",
            w_shape=LAYER_SHAPE_WEIGHT,
            restarts=LAYER_RESTARTS,
            min_restarts=LAYER_RESTARTS,
            time_budget=time_budget,
        )
        labels = solver.solve()
    except InfeasibleError as exc:
        raise GridPlannerError(f"{source}: {exc}") from exc
    phases["partition"] = time.perf_counter() - clock
    phases.update({f"partition.{name}": sec for name, sec in solver.phases_.items()})
    assert solver.report_ is not None
    out = frame.copy()
    out["part"] = labels.astype(np.int64)
    joined = [
        ([labels_of[u] for u in a.units], labels_of[a.unit], labels_of[a.to], a.distance)
        for a in attachments
    ]
    return LayerPartition(out, solver.report_, metric, joined, repaired, phases)


def _weights(
    frame: gpd.GeoDataFrame, weight_field: str, source: str, id_field: str | None
) -> np.ndarray:
    """The weight column as floats, refusing missing fields and bad values by name."""
    if weight_field not in frame.columns:
        fields = ", ".join(map(str, frame.columns[:-1]))
        raise GridPlannerError(f"{source}: no field {weight_field!r}; fields are {fields}")
    weights = pd.to_numeric(frame[weight_field], errors="coerce")
    bad = weights.isna() | (weights < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        label = frame[id_field].iloc[row] if id_field else row
        raise GridPlannerError(
            f"{source}: feature {label} has field {weight_field}={frame[weight_field].iloc[row]}; "
            "weights must be non-negative numbers"
        )
    if id_field is not None:
        if id_field not in frame.columns:
            raise GridPlannerError(f"{source}: no id field {id_field!r}")
        if not frame[id_field].is_unique:
            dup = frame[id_field][frame[id_field].duplicated()].iloc[0]
            raise GridPlannerError(f"{source}: id field {id_field} has duplicate value {dup!r}")
    return weights.to_numpy(dtype=float)


def write_layer(frame: gpd.GeoDataFrame, path: str | Path) -> None:
    """Write by extension: .gpkg, .geojson/.json, .shp (UTF-8 with .cpg)."""
    target = Path(path)
    suffix = target.suffix.lower()
    driver = {
        ".gpkg": "GPKG",
        ".geojson": "GeoJSON",
        ".json": "GeoJSON",
        ".shp": "ESRI Shapefile",
    }.get(suffix)
    if driver is None:
        raise GridPlannerError(f"{target}: unknown output format (use .gpkg, .geojson or .shp)")
    if not target.parent.exists():
        raise GridPlannerError(f"{target}: folder {target.parent} does not exist")
    temp = target.with_name(f".{target.stem}.writing{target.suffix}")
    try:
        if driver == "ESRI Shapefile":
            pyogrio.write_dataframe(frame, target, driver=driver, encoding="UTF-8")
            return
        layer = target.stem if driver == "GPKG" else None
        if driver == "GeoJSON":  # RFC 7946 winding: exteriors counter-clockwise
            from gridplanner.exchange.geojson import oriented_frame

            frame = oriented_frame(frame)
        pyogrio.write_dataframe(frame, temp, driver=driver, layer=layer)
        temp.replace(target)
    except (DataSourceError, DataLayerError, OSError) as exc:
        temp.unlink(missing_ok=True)
        raise GridPlannerError(f"{target}: cannot write ({exc})") from exc
