"""The exchange package (数据交换包): manifest, nodes, workers and the change set.

A package is a folder or a ``.zip`` holding ``manifest.json``, ``nodes.geojson``
(every node of every level, CGCS2000 lon/lat at full precision, exterior rings
counter-clockwise as RFC 7946 wants), ``workers.json`` and ``changes.json``; the
CJ/T 349 profile adds ``cjt349.json`` (the mapping table) and a ``cjt349_code`` on
every grid. The manifest records the plan's audit status. Each file is checked
against its JSON Schema in ``gridplanner/schemas/``; :func:`validate_package` also
checks what a schema can't: file hashes, counts, that every parent code is in the
package, and that every CJ/T 349 code validates.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import shapely.geometry

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.audit_status import AuditStatus, not_run
from gridplanner.exchange.changes import compute_changes
from gridplanner.exchange.export import extra_node_columns, hierarchy_table, worker_table
from gridplanner.exchange.geojson import oriented
from gridplanner.exchange.package_check import (
    FILES,
    OPTIONAL_FILES,
    SCHEMA_DIR,
    SCHEMA_OF,
    schema,
    validate_package,
)
from gridplanner.exchange.problems import PackageInvalid
from gridplanner.levels import Level
from gridplanner.model import Project

if TYPE_CHECKING:
    from gridplanner.exchange.cjt349 import CJT349Mapping

__all__ = [
    "FILES",
    "OPTIONAL_FILES",
    "SCHEMA_DIR",
    "SCHEMA_OF",
    "Package",
    "build_package",
    "plan_version",
    "read_package",
    "schema",
    "validate_package",
    "write_package",
]

PACKAGE_SCHEMA_VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed so identical content gives identical bytes


@dataclass
class Package:
    """A package in memory: file name → bytes, plus the parsed manifest."""

    files: dict[str, bytes]

    @property
    def manifest(self) -> dict[str, Any]:
        """The parsed manifest."""
        return json.loads(self.files["manifest.json"])

    def json(self, name: str) -> Any:
        """A file of the package, parsed."""
        return json.loads(self.files[name])

    def hierarchy(self) -> gpd.GeoDataFrame:
        """The nodes as a hierarchy table (code, name, level, parent_code, rollups, geometry)."""
        features = self.json("nodes.geojson")["features"]
        rows = [f["properties"] for f in features]
        geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)

    def optional(self) -> list[str]:
        """The profile files this package holds."""
        return [name for name in OPTIONAL_FILES if name in self.files]

    def to_zip(self) -> bytes:
        """The package as zip bytes (deterministic for identical files)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("manifest.json", *FILES, *self.optional()):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[name])
        return buffer.getvalue()


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def plan_version(project: Project) -> int:
    """The project's current version (1 when it has no history yet)."""
    return max((v.version for v in project.history), default=1)


def build_package(
    project: Project,
    include_personal: bool = False,
    base: Package | None = None,
    audit: AuditStatus | None = None,
    cjt349: CJT349Mapping | None = None,
) -> Package:
    """The package of ``project``; ``changes.json`` is computed against ``base`` (or empty).
    ``audit`` is recorded in the manifest (``not_run`` when not given); ``cjt349`` adds
    the CJ/T 349 profile (grid codes and ``cjt349.json``)."""
    table = hierarchy_table(project)
    extras = extra_node_columns(project)
    cjt349_codes = cjt349.code_of() if cjt349 is not None else {}
    features = []
    shapes = oriented(table.geometry.to_numpy())  # RFC 7946 winding, in one pass
    for row, shape in zip(table.itertuples(index=False), shapes, strict=True):
        props: dict[str, Any] = {
            "code": str(row.code),
            "name": str(row.name),
            "level": str(row.level),
            "parent_code": _text_or_none(row.parent_code),
            "kind": str(row.kind),
            "dedicated_type": _text_or_none(row.dedicated_type),
            "households": int(row.households),
            "population": int(row.population),
            "buildings": int(row.buildings),
            "workers": float(row.workers),
            "worker_count": int(row.worker_count),
        }
        for column in extras:
            props[column] = _json_value(getattr(row, column))
        if row.level == Level.GRID.value and cjt349 is not None:
            props["cjt349_code"] = cjt349_codes[str(row.code)]
        geometry = shapely.geometry.mapping(shape) if shape is not None else None
        features.append(
            {"type": "Feature", "id": props["code"], "properties": props, "geometry": geometry}
        )
    nodes = {"type": "FeatureCollection", "features": features}
    workers = worker_table(project, include_personal)
    roster = [
        {k: (None if v != v else v) for k, v in record.items()}  # NaN → null
        for record in workers.to_dict(orient="records")
    ]
    version = plan_version(project)
    base_version = base.manifest["plan_version"] if base is not None else None
    retired = set(project.retired_codes)
    changes = compute_changes(
        base.hierarchy() if base is not None else None,
        table,
        project.district_code,
        base_version,
        version,
        retired,
    )
    files = {
        "nodes.geojson": _dump(nodes),
        "workers.json": _dump({"workers": roster}),
        "changes.json": _dump(changes),
    }
    if cjt349 is not None:
        files["cjt349.json"] = _dump(cjt349.document())
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    content = _content_hash(hashes)
    counts = project.counts()
    root = table[table["level"] == Level.DISTRICT.value].iloc[0]
    manifest = {
        "schema_version": PACKAGE_SCHEMA_VERSION,
        "producer": {"name": "gridplanner", "version": _producer_version()},
        "region_code": project.district_code,
        "region_name": str(root["name"]),
        "plan_name": project.name,
        "crs": STORAGE_CRS,
        "plan_version": version,
        "replaces_version": base_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "totals": {"households": int(root["households"]), "population": int(root["population"])},
        "files": {n: {"sha256": hashes[n], "bytes": len(files[n])} for n in files},
        "content_sha256": content,
        "idempotency_key": f"{project.district_code}-v{version}-{content[:16]}",
        "personal_fields_included": bool(include_personal),
        "audit": (audit or not_run()).to_manifest(),
        "profile": "cjt349" if cjt349 is not None else "default",
    }
    package = Package(
        {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode(), **files}
    )
    validate_package(package)  # the exporter checks its own output
    return package


def _content_hash(hashes: dict[str, str]) -> str:
    """SHA-256 over the files' names and hashes: the required files, then any profile
    files (so a default package's hash is what it always was)."""
    names = [*FILES, *(n for n in OPTIONAL_FILES if n in hashes)]
    return hashlib.sha256("".join(f"{n}:{hashes[n]}\n" for n in names).encode()).hexdigest()


def _json_value(value: Any) -> Any:
    """A table cell as JSON: None for empty, plain Python numbers, else text."""
    if value is None or (not isinstance(value, str) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, bool | int | float) else str(value)


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _producer_version() -> str:
    try:
        from importlib.metadata import version

        return version("gridplanner")
    except Exception:  # not installed (a source checkout)
        return "0"


def write_package(package: Package, target: Path) -> Path:
    """Write to ``target``: a ``.zip`` file, or else a folder (created or refreshed)."""
    from gridplanner.exchange.output import file_beside, folder_beside

    if target.suffix.lower() == ".zip":
        with file_beside(target) as temp:
            temp.write_bytes(package.to_zip())
        return target
    with folder_beside(target) as folder:
        for name, data in package.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    return target


def read_package(source: str | Path | bytes) -> Package:
    """Read a package from a folder, a ``.zip`` file or zip bytes, and validate it."""
    files: dict[str, bytes] = {}
    try:
        if isinstance(source, bytes):
            files = _unzip(source)
        elif Path(source).is_dir():
            for name in ("manifest.json", *FILES, *OPTIONAL_FILES):
                path = Path(source) / name
                if path.exists():
                    files[name] = path.read_bytes()
        else:
            files = _unzip(Path(source).read_bytes())
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageInvalid(
            [f"{'upload' if isinstance(source, bytes) else source}: not a readable package ({exc})"]
        ) from exc
    package = Package(files)
    validate_package(package)
    return package


#: The largest a package member may inflate to, and all of them together: far above a
#: prefecture city's package (its nodes.json is ~60 MB), far below a zip bomb's.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_INFLATED_BYTES = 512 * 1024 * 1024
_INFLATE_STEP = 1024 * 1024


def _unzip(
    data: bytes, member_cap: int | None = None, total_cap: int | None = None
) -> dict[str, bytes]:
    """The package's members, inflated a megabyte at a time and refused as soon as one
    passes its declared size or ``member_cap`` (or all of them ``total_cap``): a zip
    bomb costs a megabyte of memory, not its inflated size."""
    member_cap = MAX_MEMBER_BYTES if member_cap is None else member_cap
    total_cap = MAX_INFLATED_BYTES if total_cap is None else total_cap
    out: dict[str, bytes] = {}
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename not in SCHEMA_OF:
                continue
            limit = min(member_cap, info.file_size)
            if info.file_size > member_cap or total + info.file_size > total_cap:
                raise PackageInvalid([_too_big(info.filename, info.file_size, member_cap)])
            buffer = io.BytesIO()
            with archive.open(info) as member:
                while piece := member.read(_INFLATE_STEP):
                    if buffer.tell() + len(piece) > limit:
                        raise PackageInvalid([_too_big(info.filename, None, limit)])
                    buffer.write(piece)
            total += buffer.tell()
            out[info.filename] = buffer.getvalue()
    return out


def _too_big(name: str, declared: int | None, cap: int) -> str:
    size = f"{declared} bytes" if declared is not None else "more than it declares"
    return f"{name} inflates to {size}; the limit is {cap} bytes (refused unread)"
