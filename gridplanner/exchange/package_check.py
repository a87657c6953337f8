"""Checking an exchange package: its JSON Schemas, and what a schema can't say.

Beyond the schemas in ``gridplanner/schemas/``: file hashes against the manifest,
counts, unique codes, every parent code in the package at the level above and
prefixing its child's code, and for the CJ/T 349 profile that every grid code
validates and matches the mapping table.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from gridplanner.exchange.problems import PackageInvalid
from gridplanner.levels import LEVELS, Level

if TYPE_CHECKING:
    from gridplanner.exchange.package import Package

FILES = ("nodes.geojson", "workers.json", "changes.json")
#: Files a profile adds (listed in the manifest with their hashes when present).
OPTIONAL_FILES = ("cjt349.json",)
SCHEMA_OF = {
    "manifest.json": "manifest",
    "nodes.geojson": "nodes",
    "workers.json": "workers",
    "changes.json": "changes",
    "cjt349.json": "cjt349",
}

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``gridplanner/schemas/NAME.schema.json``."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))


def validate_package(package: Package) -> None:
    """Raise :class:`PackageInvalid` listing every schema and reference error."""
    errors: list[str] = []
    parsed: dict[str, Any] = {}
    for name, schema_name in SCHEMA_OF.items():
        if name not in package.files:
            if name not in OPTIONAL_FILES:
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
    for name in (*FILES, *OPTIONAL_FILES):
        listed = manifest["files"].get(name)
        if name not in package.files:
            if listed is not None:
                errors.append(f"{name} is listed in the manifest but missing from the package")
            continue
        if listed is None:
            errors.append(f"{name} is in the package but not listed in the manifest")
            continue
        digest = hashlib.sha256(package.files[name]).hexdigest()
        if listed["sha256"] != digest:
            errors.append(
                f"{name}: SHA-256 {digest} differs from the manifest's (changed or damaged)"
            )
    errors += _profile_errors(package, parsed)
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


def _profile_errors(package: Package, parsed: dict[str, Any]) -> list[str]:
    """The CJ/T 349 profile: its file is present exactly when the manifest says so, and
    every grid's code validates and matches the mapping table."""
    profile = parsed["manifest.json"].get("profile", "default")
    has_file = "cjt349.json" in package.files
    if profile != "cjt349":
        return ["cjt349.json is in a package whose profile is not cjt349"] if has_file else []
    if not has_file:
        return ["the cjt349 profile needs cjt349.json"]
    from gridplanner.exchange.cjt349 import table_problems

    document = parsed["cjt349.json"]
    mapping = {row["code"]: row["cjt349_code"] for row in document["mapping"]}
    errors = [
        f"cjt349.json: {p}" for p in table_problems(g["cjt349_code"] for g in document["grids"])
    ]
    for feature in parsed["nodes.geojson"]["features"]:
        props = feature["properties"]
        if props["level"] != Level.GRID.value:
            continue
        if props.get("cjt349_code") != mapping.get(props["code"]):
            errors.append(
                f"nodes.geojson: grid {props['code']} has CJ/T 349 code "
                f"{props.get('cjt349_code')} but cjt349.json maps it to "
                f"{mapping.get(props['code'])}"
            )
    return errors
