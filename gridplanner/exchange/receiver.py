"""The reference receiver: a small real HTTP server implementing the exchange protocol.

Starlette + uvicorn; versions live in SQLite (``DATA/receiver.sqlite``), uploads in
progress as ``DATA/uploads/ID.part``. A version is stored only when its upload is
complete, its SHA-256 matches and the package validates against the JSON Schema
(one SQLite transaction), so a dropped or failed upload never leaves a partial
version. The same idempotency key always answers the same receipt.

Every stored version keeps the audit status its manifest records (``clean``,
``overridden`` or ``not_run`` with the findings per severity; ``not_recorded`` for
packages from before manifests carried it): the receipt, the version listing and the
version's answer all show it, and the log line of each stored version says it.

``faults`` (tests only) makes the server misbehave on purpose: see :class:`FaultPlan`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gridplanner.exchange.audit_status import audit_of, describe_version
from gridplanner.exchange.faults import FaultInjector, FaultPlan
from gridplanner.exchange.package import read_package
from gridplanner.exchange.problems import ExchangeError, PackageInvalid

MAX_PACKAGE_BYTES = 512 * 1024 * 1024
LOG = logging.getLogger("gridplanner.receiver")
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS upload (
  id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, region_code TEXT NOT NULL,
  plan_version INTEGER NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_at TEXT,
  owner TEXT NOT NULL DEFAULT '', completed INTEGER NOT NULL DEFAULT 0,
  touched REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS version (
  region_code TEXT NOT NULL, plan_version INTEGER NOT NULL, idempotency_key TEXT NOT NULL UNIQUE,
  content_sha256 TEXT NOT NULL, package BLOB NOT NULL, manifest TEXT NOT NULL,
  receipt TEXT NOT NULL, stored_at TEXT NOT NULL, PRIMARY KEY (region_code, plan_version));
"""


@dataclass(frozen=True)
class Limits:
    """What one client may send: every body is read against its cap as it streams in."""

    control_bytes: int = 64 * 1024  # a JSON request body
    chunk_bytes: int = 16 * 1024 * 1024  # one PATCH
    package_bytes: int = MAX_PACKAGE_BYTES  # one upload, as announced
    quota_bytes: int = 2 * 1024 * 1024 * 1024  # announced, unfinished uploads per token
    quota_uploads: int = 16  # unfinished uploads per token
    upload_ttl: float = 24 * 3600.0  # an untouched unfinished upload expires (seconds)


class Receiver:
    """The storage and the endpoints."""

    def __init__(
        self, data_dir: str | Path, token: str | None, limits: Limits | None = None
    ) -> None:
        self.data = Path(data_dir)
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "uploads").mkdir(exist_ok=True)
        self.db_path = self.data / "receiver.sqlite"
        self.token = token
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._upload_locks: dict[str, asyncio.Lock] = {}
        with self._db() as db:
            db.executescript(SCHEMA_SQL)
            columns = {r["name"] for r in db.execute("PRAGMA table_info(upload)")}
            for column, decl in (
                ("owner", "TEXT NOT NULL DEFAULT ''"),
                ("completed", "INTEGER NOT NULL DEFAULT 0"),
                ("touched", "REAL NOT NULL DEFAULT 0"),
            ):
                if column not in columns:  # a data folder from before these columns
                    db.execute(f"ALTER TABLE upload ADD COLUMN {column} {decl}")
        self.expire()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock, contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:
                yield db

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    @staticmethod
    def _owner(request: Request) -> str:
        """Whose quota a request counts against (a hash of its token, never the token)."""
        given = request.headers.get("authorization", "")
        return hashlib.sha256(given.encode()).hexdigest()[:16]

    def _part(self, upload_id: str) -> Path:
        return self.data / "uploads" / f"{upload_id}.part"

    def _stored(self, db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
        row = db.execute("SELECT receipt FROM version WHERE idempotency_key = ?", (key,)).fetchone()
        return json.loads(row["receipt"]) if row else None

    def expire(self) -> int:
        """Forget unfinished uploads untouched for ``limits.upload_ttl`` seconds (their
        part files too); returns how many."""
        cutoff = time.time() - self.limits.upload_ttl
        with self._db() as db:
            stale = [
                r["id"]
                for r in db.execute(
                    "SELECT id FROM upload WHERE completed = 0 AND touched < ?", (cutoff,)
                )
            ]
            db.executemany("DELETE FROM upload WHERE id = ?", [(i,) for i in stale])
        for upload_id in stale:
            self._part(upload_id).unlink(missing_ok=True)
        return len(stale)

    def _touch(self, upload_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE upload SET touched = ? WHERE id = ?", (time.time(), upload_id))

    def _upload_lock(self, upload_id: str) -> asyncio.Lock:
        return self._upload_locks.setdefault(upload_id, asyncio.Lock())

    # -- endpoints -------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "protocol": 1})

    async def create_upload(self, request: Request) -> Response:
        body = await _read_capped(request, self.limits.control_bytes)
        if isinstance(body, Response):
            return body
        try:
            parsed = json.loads(body)
            key = str(parsed["idempotency_key"])
            region, version = str(parsed["region_code"]), int(parsed["plan_version"])
            size, digest = int(parsed["size"]), str(parsed["sha256"])
        except (ValueError, KeyError, TypeError):
            return _error(
                400, "expected JSON with idempotency_key, region_code, plan_version, size, sha256"
            )
        if not 0 < size <= self.limits.package_bytes:
            return _error(413, f"package size must be 1…{self.limits.package_bytes} bytes")
        self.expire()
        owner = self._owner(request)
        with self._db() as db:
            stored = db.execute(
                "SELECT receipt FROM version WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if stored is not None:
                receipt = json.loads(stored["receipt"])
                if receipt.get("package_sha256") != digest:
                    return _replay_refused(key, receipt.get("package_sha256"), digest)
                return JSONResponse({"status": "already_stored", "receipt": receipt}, 200)
            clash = db.execute(
                "SELECT idempotency_key FROM version WHERE region_code=? AND plan_version=?",
                (region, version),
            ).fetchone()
            if clash:
                return _error(
                    409,
                    f"version {version} of {region} is already stored with different "
                    "content; record a new version and push again",
                )
            row = db.execute(
                "SELECT id, sha256, size FROM upload WHERE idempotency_key=? AND completed=0",
                (key,),
            ).fetchone()
            if row and (row["sha256"], row["size"]) != (digest, size):
                return _replay_refused(key, row["sha256"], digest)
            if row:
                return JSONResponse(
                    {"upload_id": row["id"], "offset": self._offset(row["id"]), "size": size}, 201
                )
            open_count, open_bytes = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM upload "
                "WHERE owner = ? AND completed = 0",
                (owner,),
            ).fetchone()
            if (
                open_count >= self.limits.quota_uploads
                or open_bytes + size > self.limits.quota_bytes
            ):
                return _error(
                    429,
                    f"quota: {open_count} unfinished uploads of {open_bytes} bytes already "
                    f"(at most {self.limits.quota_uploads} and {self.limits.quota_bytes} bytes); "
                    "finish or let them expire",
                )
            upload_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO upload (id, idempotency_key, region_code, plan_version, size, "
                "sha256, created_at, owner, completed, touched) VALUES (?,?,?,?,?,?,?,?,0,?)",
                (upload_id, key, region, version, size, digest, _now(), owner, time.time()),
            )
        self._part(upload_id).write_bytes(b"")
        return JSONResponse({"upload_id": upload_id, "offset": 0, "size": size}, 201)

    def _offset(self, upload_id: str) -> int:
        part = self._part(upload_id)
        return part.stat().st_size if part.exists() else 0

    def _upload(self, upload_id: str) -> sqlite3.Row | None:
        with self._db() as db:
            return db.execute("SELECT * FROM upload WHERE id = ?", (upload_id,)).fetchone()

    async def upload_status(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None:
            return _error(404, "no such upload (expired, or never created)")
        offset = row["size"] if row["completed"] else self._offset(upload_id)
        return JSONResponse(
            {"upload_id": upload_id, "offset": offset, "size": row["size"],
             "completed": bool(row["completed"])}
        )  # fmt: skip

    async def append_chunk(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None:
            return _error(404, "no such upload (expired, or never created)")
        if row["completed"]:
            return JSONResponse({"error": "upload already completed", "offset": row["size"]}, 409)
        try:
            claimed = int(request.headers.get("upload-offset", "-1"))
        except ValueError:
            claimed = -1
        async with self._upload_lock(upload_id):  # one append at a time per upload
            offset = self._offset(upload_id)
            if claimed != offset:
                return JSONResponse({"error": "offset mismatch", "offset": offset}, 409)
            received = 0
            with self._part(upload_id).open("ab") as part:
                try:
                    async for piece in request.stream():
                        if received + len(piece) > self.limits.chunk_bytes:
                            part.truncate(offset + received)
                            return JSONResponse(
                                {"error": f"a chunk may be at most {self.limits.chunk_bytes} "
                                 "bytes", "offset": offset + received}, 413,
                            )  # fmt: skip
                        if offset + received + len(piece) > row["size"]:
                            return JSONResponse(
                                {"error": "more bytes than announced", "offset": offset + received},
                                409,
                            )
                        part.write(piece)
                        part.flush()
                        received += len(piece)
                except ClientDisconnect:
                    return Response(status_code=499)
        self._touch(upload_id)
        return JSONResponse(
            {"upload_id": upload_id, "offset": offset + received, "size": row["size"]}
        )

    async def abandon(self, request: Request) -> Response:
        """Forget an unfinished upload (a client that gave up says so)."""
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None or row["completed"]:
            return Response(status_code=204)
        async with self._upload_lock(upload_id):
            with self._db() as db:
                db.execute("DELETE FROM upload WHERE id = ? AND completed = 0", (upload_id,))
            self._part(upload_id).unlink(missing_ok=True)
        return Response(status_code=204)

    async def receipt(self, request: Request) -> Response:
        """The receipt stored for an idempotency key (what a client asks when in doubt)."""
        with self._db() as db:
            found = self._stored(db, request.path_params["key"])
        if found is None:
            return _error(404, "nothing stored under this idempotency key")
        return JSONResponse({"status": "already_stored", "receipt": found})

    async def complete(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None:
            return _error(404, "no such upload (expired, or never created)")
        async with self._upload_lock(upload_id):
            return await self._complete(upload_id)

    async def _complete(self, upload_id: str) -> Response:
        row = self._upload(upload_id)
        if row is None:
            return _error(404, "no such upload (expired, or never created)")
        if row["completed"]:  # a repeated complete (its answer was lost): the receipt
            with self._db() as db:
                receipt = self._stored(db, row["idempotency_key"])
            if receipt is not None:
                return JSONResponse({"status": "already_stored", "receipt": receipt}, 200)
        part = self._part(upload_id)
        data = part.read_bytes() if part.exists() else b""
        if len(data) != row["size"]:
            return JSONResponse({"error": "upload incomplete", "offset": len(data)}, 409)
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            part.write_bytes(b"")
            return _error(422, "SHA-256 of the uploaded bytes does not match; upload again")
        try:
            package = await asyncio.to_thread(read_package, data)
        except PackageInvalid as exc:
            return JSONResponse(
                {"error": "package does not validate", "errors": exc.errors[:20]}, 422
            )
        manifest = package.manifest
        if manifest["idempotency_key"] != row["idempotency_key"]:
            return _error(422, "the package's idempotency key differs from the upload's")
        if (manifest["region_code"], int(manifest["plan_version"])) != (
            row["region_code"], int(row["plan_version"])
        ):  # fmt: skip
            return _error(
                422,
                f"the upload was announced as {row['region_code']} version "
                f"{row['plan_version']} but the package is {manifest['region_code']} version "
                f"{manifest['plan_version']}",
            )
        with self._db() as db:
            receipt = self._stored(db, row["idempotency_key"])
            status = "already_stored"
            if receipt is None:
                if db.execute(
                    "SELECT 1 FROM version WHERE region_code=? AND plan_version=?",
                    (manifest["region_code"], manifest["plan_version"]),
                ).fetchone():
                    return _error(
                        409,
                        f"version {manifest['plan_version']} is already stored "
                        "with different content",
                    )
                receipt = {
                    "receipt_id": hashlib.sha256(row["idempotency_key"].encode()).hexdigest()[:24],
                    "region_code": manifest["region_code"],
                    "plan_version": manifest["plan_version"],
                    "replaces_version": manifest["replaces_version"],
                    "idempotency_key": manifest["idempotency_key"],
                    "content_sha256": manifest["content_sha256"],
                    "package_sha256": row["sha256"],
                    "counts": manifest["counts"],
                    "audit": audit_of(manifest),
                    "profile": manifest.get("profile", "default"),
                    "stored_at": _now(),
                }
                db.execute(
                    "INSERT INTO version VALUES (?,?,?,?,?,?,?,?)",
                    (
                        manifest["region_code"],
                        manifest["plan_version"],
                        manifest["idempotency_key"],
                        manifest["content_sha256"],
                        data,
                        json.dumps(manifest, ensure_ascii=False),
                        json.dumps(receipt, ensure_ascii=False),
                        receipt["stored_at"],
                    ),
                )
                status = "stored"
            db.execute("UPDATE upload SET completed = 1, touched = ? WHERE id = ?",
                       (time.time(), upload_id))  # fmt: skip
        part.unlink(missing_ok=True)
        if status == "stored":
            LOG.info("stored %s", describe_version(receipt))
        return JSONResponse(
            {"status": status, "receipt": receipt}, 201 if status == "stored" else 200
        )

    async def versions(self, request: Request) -> Response:
        region = request.path_params["region"]
        with self._db() as db:
            rows = db.execute(
                "SELECT plan_version, idempotency_key, content_sha256, stored_at, manifest "
                "FROM version WHERE region_code = ? ORDER BY plan_version",
                (region,),
            ).fetchall()
        versions = []
        for row in rows:
            entry = dict(row)
            entry["audit"] = audit_of(json.loads(entry.pop("manifest")))
            versions.append(entry)
        return JSONResponse({"region_code": region, "versions": versions})

    def _version_row(self, request: Request) -> sqlite3.Row | None:
        region = request.path_params["region"]
        wanted = request.path_params["version"]
        with self._db() as db:
            if wanted == "latest":
                return db.execute(
                    "SELECT * FROM version WHERE region_code=? ORDER BY plan_version DESC LIMIT 1",
                    (region,),
                ).fetchone()
            if not wanted.isdigit():
                return None
            return db.execute(
                "SELECT * FROM version WHERE region_code=? AND plan_version=?",
                (region, int(wanted)),
            ).fetchone()

    async def version(self, request: Request) -> Response:
        row = self._version_row(request)
        if row is None:
            return _error(404, "no such version")
        return JSONResponse(
            {"manifest": json.loads(row["manifest"]), "receipt": json.loads(row["receipt"])}
        )

    async def version_package(self, request: Request) -> Response:
        row = self._version_row(request)
        if row is None:
            return _error(404, "no such version")
        name = f"{row['region_code']}-v{row['plan_version']}.zip"
        return Response(
            bytes(row["package"]),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def guard(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        request = Request(scope, receive)
        if (
            scope["type"] == "http"
            and not scope["path"].endswith("/health")
            and not self._authorised(request)
        ):
            await _error(401, "missing or wrong bearer token")(scope, receive, send)
            return
        await app(scope, receive, send)


def create_app(
    data_dir: str | Path,
    token: str | None = None,
    faults: FaultPlan | None = None,
    limits: Limits | None = None,
) -> ASGIApp:
    """The receiver as an ASGI app (``token`` None: no authentication, for local tests)."""
    receiver = Receiver(data_dir, token, limits)
    api = "/api/v1"
    routes = [
        Route(f"{api}/health", receiver.health, methods=["GET"]),
        Route(f"{api}/uploads", receiver.create_upload, methods=["POST"]),
        Route(f"{api}/uploads/{{upload_id}}", receiver.upload_status, methods=["GET"]),
        Route(f"{api}/uploads/{{upload_id}}", receiver.append_chunk, methods=["PATCH"]),
        Route(f"{api}/uploads/{{upload_id}}", receiver.abandon, methods=["DELETE"]),
        Route(f"{api}/uploads/{{upload_id}}/complete", receiver.complete, methods=["POST"]),
        Route(f"{api}/receipts/{{key}}", receiver.receipt, methods=["GET"]),
        Route(f"{api}/regions/{{region}}/versions", receiver.versions, methods=["GET"]),
        Route(f"{api}/regions/{{region}}/versions/{{version}}", receiver.version, methods=["GET"]),
        Route(
            f"{api}/regions/{{region}}/versions/{{version}}/package",
            receiver.version_package,
            methods=["GET"],
        ),
    ]
    starlette = Starlette(routes=routes)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receiver.guard(scope, receive, send, starlette)

    return FaultInjector(app, faults) if faults is not None else app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def _replay_refused(key: str, stored: object, given: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": f"idempotency key {key} was already used for other bytes",
            "stored_sha256": stored,
            "given_sha256": given,
        },
        409,
    )


async def _read_capped(request: Request, cap: int) -> bytes | Response:
    """The body, read as it streams and refused (413) past ``cap`` bytes: a huge body
    is never buffered."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return _error(413, f"the request body may be at most {cap} bytes")
    out = bytearray()
    try:
        async for piece in request.stream():
            out += piece
            if len(out) > cap:
                return _error(413, f"the request body may be at most {cap} bytes")
    except ClientDisconnect:
        return Response(status_code=499)
    return bytes(out)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def running_receiver(
    data_dir: str | Path,
    token: str | None = None,
    faults: FaultPlan | None = None,
    host: str = "127.0.0.1",
    limits: Limits | None = None,
) -> Iterator[str]:
    """Run a receiver on ``host`` (a free port) in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(data_dir, token, faults, limits), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):  # up to 10 s
            if server.started:
                break
            threading.Event().wait(0.05)
        else:
            raise ExchangeError("the receiver did not start within 10 s")
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(
    data_dir: str | Path,
    host: str,
    port: int,
    token: str | None,
    faults: FaultPlan | None = None,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    limits: Limits | None = None,
) -> None:
    """Run the receiver in the foreground until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(data_dir, token, faults, limits),
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
