"""The exchange package (数据交换包): manifest, nodes, workers and the change set.

A package is a folder or a ``.zip`` holding ``manifest.json``, ``nodes.geojson``
(every node of every level, CGCS2000 lon/lat at full precision), ``workers.json``
and ``changes.json``. Each file is checked against its JSON Schema in
``gridplanner/schemas/``; :func:`validate_package` also checks what a schema
can't: file hashes, counts, and that every parent code is in the package.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import jsonschema
import shapely.geometry

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.changes import compute_changes
from gridplanner.exchange.export import hierarchy_table, worker_table
from gridplanner.exchange.problems import PackageInvalid
from gridplanner.levels import LEVELS, Level
from gridplanner.model import Project

PACKAGE_SCHEMA_VERSION = 1
FILES = ("nodes.geojson", "workers.json", "changes.json")
SCHEMA_OF = {
    "manifest.json": "manifest",
    "nodes.geojson": "nodes",
    "workers.json": "workers",
    "changes.json": "changes",
}
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

    def to_zip(self) -> bytes:
        """The package as zip bytes (deterministic for identical files)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("manifest.json", *FILES):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[name])
        return buffer.getvalue()


SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``gridplanner/schemas/NAME.schema.json``."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def plan_version(project: Project) -> int:
    """The project's current version (1 when it has no history yet)."""
    return max((v.version for v in project.history), default=1)


def build_package(
    project: Project, include_personal: bool = False, base: Package | None = None
) -> Package:
    """The package of ``project``; ``changes.json`` is computed against ``base`` (or empty)."""
    table = hierarchy_table(project)
    features = []
    for row in table.itertuples(index=False):
        props = {
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
        geometry = shapely.geometry.mapping(row.geometry) if row.geometry is not None else None
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
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    content = hashlib.sha256("".join(f"{n}:{hashes[n]}\n" for n in FILES).encode()).hexdigest()
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
        "files": {n: {"sha256": hashes[n], "bytes": len(files[n])} for n in FILES},
        "content_sha256": content,
        "idempotency_key": f"{project.district_code}-v{version}-{content[:16]}",
        "personal_fields_included": bool(include_personal),
    }
    package = Package(
        {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode(), **files}
    )
    validate_package(package)  # the exporter checks its own output
    return package


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
            for name in ("manifest.json", *FILES):
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


def _unzip(data: bytes, member_cap: int | None = None, total_cap: int | None = None) -> dict[
    str, bytes
]:
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


def validate_package(package: Package) -> None:
    """Raise :class:`PackageInvalid` listing every schema and reference error."""
    errors: list[str] = []
    parsed: dict[str, Any] = {}
    for name, schema_name in SCHEMA_OF.items():
        if name not in package.files:
            errors.append(f"{name} is missing")
            continue
        try:
            parsed[name] = json.loads(package.files[name])
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            errors.append(f"{name} is not valid JSON ({exc})")
            continue
        validator = jsonschema.Draft202012Validator(schema(schema_name))
        for error in sorted(
            validator.iter_errors(parsed[name]), key=lambda e: list(e.absolute_path)
        )[:20]:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            errors.append(f"{name} at {where}: {_schema_message(error)}")
    if errors:
        raise PackageInvalid(errors)
    errors = _reference_errors(package, parsed)
    if errors:
        raise PackageInvalid(errors)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return error.message
    return error.message if len(error.message) < 200 else error.message[:200] + "…"


def _reference_errors(package: Package, parsed: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    manifest = parsed["manifest.json"]
    for name in FILES:
        digest = hashlib.sha256(package.files[name]).hexdigest()
        if manifest["files"][name]["sha256"] != digest:
            errors.append(
                f"{name}: SHA-256 {digest} differs from the manifest's (changed or damaged)"
            )
    features = parsed["nodes.geojson"]["features"]
    level_of: dict[str, str] = {}
    for feature in features:
        code = feature["properties"]["code"]
        if code in level_of:
            errors.append(f"nodes.geojson: code {code} appears twice")
        level_of[code] = feature["properties"]["level"]
    for feature in features:
        props = feature["properties"]
        level = Level(props["level"])
        parent = props["parent_code"]
        if level.parent is None:
            continue
        if parent not in level_of:
            errors.append(
                f"nodes.geojson: {level.value} {props['code']} names parent code {parent}, "
                "which is not in the package"
            )
        elif level_of[parent] != level.parent.value:
            errors.append(
                f"nodes.geojson: {level.value} {props['code']}'s parent {parent} is a "
                f"{level_of[parent]}, not a {level.parent.value}"
            )
        elif not props["code"].startswith(parent):
            errors.append(
                f"nodes.geojson: code {props['code']} does not start "
                f"with its parent's code {parent}"
            )
    for lv in LEVELS:
        have = sum(1 for v in level_of.values() if v == lv.value)
        if manifest["counts"].get(lv.value) != have:
            errors.append(
                f"manifest.json: counts.{lv.value} is {manifest['counts'].get(lv.value)} "
                f"but nodes.geojson has {have}"
            )
    roots = [c for c, v in level_of.items() if v == Level.DISTRICT.value]
    if roots != [manifest["region_code"]]:
        errors.append(
            f"nodes.geojson: the district must be exactly the region {manifest['region_code']}"
        )
    workers = parsed["workers.json"]["workers"]
    if not manifest["personal_fields_included"] and any("phone" in w for w in workers):
        errors.append(
            "workers.json: holds phone numbers although personal_fields_included is false"
        )

    return errors[:50]
