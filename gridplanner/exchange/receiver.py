"""The reference receiver: a small real HTTP server implementing the exchange protocol.

Starlette + uvicorn; versions live in SQLite (``DATA/receiver.sqlite``), uploads in
progress as ``DATA/uploads/ID.part``. A version is stored only when its upload is
complete, its SHA-256 matches and the package validates against the JSON Schema
(one SQLite transaction), so a dropped or failed upload never leaves a partial
version. The same idempotency key always answers the same receipt.

``faults`` (tests only) makes the server misbehave on purpose: see :class:`FaultPlan`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gridplanner.exchange.faults import FaultInjector, FaultPlan
from gridplanner.exchange.package import read_package
from gridplanner.exchange.problems import ExchangeError, PackageInvalid

MAX_PACKAGE_BYTES = 512 * 1024 * 1024
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS upload (
  id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, region_code TEXT NOT NULL,
  plan_version INTEGER NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_at TEXT);
CREATE TABLE IF NOT EXISTS version (
  region_code TEXT NOT NULL, plan_version INTEGER NOT NULL, idempotency_key TEXT NOT NULL UNIQUE,
  content_sha256 TEXT NOT NULL, package BLOB NOT NULL, manifest TEXT NOT NULL,
  receipt TEXT NOT NULL, stored_at TEXT NOT NULL, PRIMARY KEY (region_code, plan_version));
"""


class Receiver:
    """The storage and the endpoints."""

    def __init__(self, data_dir: str | Path, token: str | None) -> None:
        self.data = Path(data_dir)
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "uploads").mkdir(exist_ok=True)
        self.db_path = self.data / "receiver.sqlite"
        self.token = token
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(SCHEMA_SQL)

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

    def _part(self, upload_id: str) -> Path:
        return self.data / "uploads" / f"{upload_id}.part"

    def _stored(self, db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
        row = db.execute("SELECT receipt FROM version WHERE idempotency_key = ?", (key,)).fetchone()
        return json.loads(row["receipt"]) if row else None

    # -- endpoints -------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "protocol": 1})

    async def create_upload(self, request: Request) -> Response:
        try:
            body = await request.json()
            key = str(body["idempotency_key"])
            region, version = str(body["region_code"]), int(body["plan_version"])
            size, digest = int(body["size"]), str(body["sha256"])
        except (ValueError, KeyError, TypeError):
            return _error(
                400, "expected JSON with idempotency_key, region_code, plan_version, size, sha256"
            )
        if not 0 < size <= MAX_PACKAGE_BYTES:
            return _error(413, f"package size must be 1…{MAX_PACKAGE_BYTES} bytes")
        with self._db() as db:
            receipt = self._stored(db, key)
            if receipt is not None:
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
                "SELECT id FROM upload WHERE idempotency_key=? AND sha256=? AND size=?",
                (key, digest, size),
            ).fetchone()
            if row:
                return JSONResponse(
                    {"upload_id": row["id"], "offset": self._offset(row["id"]), "size": size}, 201
                )
            upload_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO upload VALUES (?,?,?,?,?,?,?)",
                (upload_id, key, region, version, size, digest, _now()),
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
            return _error(404, "no such upload")
        return JSONResponse(
            {"upload_id": upload_id, "offset": self._offset(upload_id), "size": row["size"]}
        )

    async def append_chunk(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None:
            return _error(404, "no such upload")
        offset = self._offset(upload_id)
        try:
            claimed = int(request.headers.get("upload-offset", "-1"))
        except ValueError:
            claimed = -1
        if claimed != offset:
            return JSONResponse({"error": "offset mismatch", "offset": offset}, 409)
        received = 0
        with self._part(upload_id).open("ab") as part:
            try:
                async for piece in request.stream():
                    if offset + received + len(piece) > row["size"]:
                        return JSONResponse(
                            {"error": "more bytes than announced", "offset": offset + received}, 409
                        )
                    part.write(piece)
                    part.flush()
                    received += len(piece)
            except ClientDisconnect:
                return Response(status_code=499)
        return JSONResponse(
            {"upload_id": upload_id, "offset": offset + received, "size": row["size"]}
        )

    async def complete(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        row = self._upload(upload_id)
        if row is None:
            with self._db() as db:  # a repeated complete after success: answer the receipt
                return _error(
                    404, "no such upload (if it completed, its receipt is at /regions/…/versions)"
                )
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
            db.execute("DELETE FROM upload WHERE id = ?", (upload_id,))
        part.unlink(missing_ok=True)
        return JSONResponse(
            {"status": status, "receipt": receipt}, 201 if status == "stored" else 200
        )

    async def versions(self, request: Request) -> Response:
        region = request.path_params["region"]
        with self._db() as db:
            rows = db.execute(
                "SELECT plan_version, idempotency_key, content_sha256, stored_at FROM version "
                "WHERE region_code = ? ORDER BY plan_version",
                (region,),
            ).fetchall()
        return JSONResponse({"region_code": region, "versions": [dict(r) for r in rows]})

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
    data_dir: str | Path, token: str | None = None, faults: FaultPlan | None = None
) -> ASGIApp:
    """The receiver as an ASGI app (``token`` None: no authentication, for local tests)."""
    receiver = Receiver(data_dir, token)
    api = "/api/v1"
    routes = [
        Route(f"{api}/health", receiver.health, methods=["GET"]),
        Route(f"{api}/uploads", receiver.create_upload, methods=["POST"]),
        Route(f"{api}/uploads/{{upload_id}}", receiver.upload_status, methods=["GET"]),
        Route(f"{api}/uploads/{{upload_id}}", receiver.append_chunk, methods=["PATCH"]),
        Route(f"{api}/uploads/{{upload_id}}/complete", receiver.complete, methods=["POST"]),
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def running_receiver(
    data_dir: str | Path,
    token: str | None = None,
    faults: FaultPlan | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Run a receiver on ``host`` (a free port) in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(data_dir, token, faults), log_level="warning", lifespan="off"
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
) -> None:
    """Run the receiver in the foreground until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(data_dir, token, faults),
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
