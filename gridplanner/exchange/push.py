"""Push a plan to the central platform (上级信息化平台) over HTTPS + JSON.

The protocol (docs/exchange-openapi.yaml): create an upload for the package's
idempotency key, send the zip in chunks with ``Upload-Offset`` (resuming from the
server's offset after a dropped connection), then complete it and get a receipt.
Timeouts, dropped connections, 429 and 5xx are retried with exponential backoff
(honouring ``Retry-After``), bounded in attempts and in total time.

The bearer token comes from ``GRIDPLANNER_TOKEN`` or the system keyring and is
never written to the project, its history or any log.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from gridplanner.exchange.package import Package
from gridplanner.exchange.problems import PushFailed

log = logging.getLogger(__name__)
TOKEN_ENV = "GRIDPLANNER_TOKEN"
KEYRING_SERVICE = "gridplanner"
API = "/api/v1"
RETRY_STATUS = {429, 500, 502, 503, 504}
Progress = Callable[[float, str], None]


@dataclass
class PushSettings:
    """How hard to try; tests shorten the waits."""

    chunk_size: int = 256 * 1024
    max_attempts: int = 8  # per request
    backoff_base: float = 0.5
    backoff_max: float = 15.0
    timeout: float = 30.0
    deadline: float = 900.0  # whole push, seconds
    verify_tls: bool = True


def resolve_token(url: str) -> str:
    """The bearer token for ``url``: ``GRIDPLANNER_TOKEN``, else the keyring entry for its host."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    host = urlsplit(url).hostname or ""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            token = (keyring.get_password(KEYRING_SERVICE, host) or "").strip()
        except KeyringError:
            token = ""
    except ImportError:
        token = ""
    if not token:
        raise PushFailed(
            f"no token for {host}: set {TOKEN_ENV}, or store one in the system keyring with "
            f"`keyring set {KEYRING_SERVICE} {host}`"
        )
    return token


def public_url(url: str) -> str:
    """``url`` without any user:password part (safe to record)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def is_loopback(url: str) -> bool:
    """True for http(s)://127.x, ::1 or localhost."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def certificate_problem(exc: BaseException) -> str | None:
    """The TLS certificate failure behind a connection error, if that is what it is."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        text = str(seen)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return text.splitlines()[0]
        seen = seen.__cause__ or seen.__context__
    return None


class PushClient:
    """Talks the exchange protocol to one platform URL."""

    def __init__(
        self,
        url: str,
        token: str,
        settings: PushSettings | None = None,
        progress: Progress | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> None:
        self.url = public_url(url)
        self.settings = settings or PushSettings()
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise PushFailed(f"{self.url}: the platform URL must start with https://")
        if scheme == "http" and not is_loopback(url):
            raise PushFailed(
                f"{self.url}: refusing to send the token over plain HTTP; use https://"
            )
        self._progress = progress
        self._cancel = cancel
        self._started = time.monotonic()
        self._http = httpx.Client(
            base_url=self.url + API,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            verify=self.settings.verify_tls,
            timeout=self.settings.timeout,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- requests with retries -------------------------------------------------------
    def _wait(self, attempt: int, response: httpx.Response | None = None) -> None:
        delay = min(self.settings.backoff_max, self.settings.backoff_base * 2**attempt)
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            delay = min(self.settings.backoff_max, float(response.headers["Retry-After"]))
        if time.monotonic() - self._started + delay > self.settings.deadline:
            raise PushFailed(f"{self.url}: gave up after {self.settings.deadline:.0f} s of retries")
        time.sleep(delay)

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel():
            raise PushFailed("push cancelled; nothing incomplete was stored on the platform")

    def request(
        self, method: str, path: str, *, retry_transport: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One request, retried on timeouts, dropped connections, 429 and 5xx."""
        last = "no attempt"
        for attempt in range(self.settings.max_attempts):
            self._check_cancel()
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:  # timeouts, resets, dropped connections
                problem = certificate_problem(exc)
                if problem is not None:  # retrying cannot fix a certificate
                    raise PushFailed(
                        f"{self.url}: the platform's TLS certificate was refused ({problem}); "
                        "not retried — check the URL, the system's CA certificates or the "
                        "server's certificate"
                    ) from exc
                if not retry_transport:
                    raise
                last = f"{type(exc).__name__}"
                log.info("push: %s %s failed (%s); retrying", method, path, last)
                self._wait(attempt)
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                log.info("push: %s %s answered %s; retrying", method, path, response.status_code)
                self._wait(attempt, response)
                continue
            return response
        raise PushFailed(
            f"{self.url}: {method} {path} still failing after "
            f"{self.settings.max_attempts} attempts (last: {last})"
        )

    def _json(self, response: httpx.Response, *expected: int) -> Any:
        if response.status_code in (401, 403):
            raise PushFailed(
                f"{self.url}: the platform refused the token (HTTP {response.status_code}); "
                f"check {TOKEN_ENV} or the keyring entry"
            )
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text[:200]}
        if response.status_code not in expected:
            detail = body.get("error") or body
            errors = body.get("errors")
            if errors:
                detail = f"{detail}: {errors[0]}"
            raise PushFailed(
                f"{self.url}: {response.request.method} answered "
                f"HTTP {response.status_code}: {detail}"
            )
        return body

    # -- protocol --------------------------------------------------------------------
    def versions(self, region: str) -> list[dict[str, Any]]:
        """The versions the platform holds for ``region``."""
        body = self._json(self.request("GET", f"/regions/{region}/versions"), 200)
        return list(body["versions"])

    def fetch_package(self, region: str, version: int) -> bytes:
        """A stored version's package (zip bytes)."""
        response = self.request("GET", f"/regions/{region}/versions/{version}/package")
        if response.status_code != 200:
            self._json(response, 200)
        return response.content

    def receipt_for(self, key: str) -> dict[str, Any] | None:
        """The receipt the platform holds for an idempotency key (None: nothing stored)."""
        response = self.request("GET", f"/receipts/{key}")
        if response.status_code == 404:
            return None
        body = self._json(response, 200)
        return dict(body["receipt"], status="already_stored")

    def upload(self, package: Package) -> dict[str, Any]:
        """Upload ``package`` and return the platform's receipt (idempotent, resumable).
        On any doubt — the connection lost at the end, retries exhausted, an unexpected
        answer — the platform is asked whether it stored the version before giving up,
        so a stored push is never reported as failed."""
        key = package.manifest["idempotency_key"]
        self._upload_id: str | None = None
        try:
            return self._upload(package)
        except PushFailed as failure:
            if "refused the token" in str(failure) or "certificate" in str(failure):
                raise
            try:
                found = self.receipt_for(key)
            except (PushFailed, httpx.HTTPError):
                found = None
            if found is not None:
                log.info("push: the platform holds this version already; receipt recorded")
                return found
            self._abandon()
            raise

    def _abandon(self) -> None:
        """Tell the platform to forget the unfinished upload (best effort)."""
        if self._upload_id is None:
            return
        with contextlib.suppress(PushFailed, httpx.HTTPError):
            self.request("DELETE", f"/uploads/{self._upload_id}")

    def _upload(self, package: Package) -> dict[str, Any]:
        manifest = package.manifest
        data = package.to_zip()
        digest = hashlib.sha256(data).hexdigest()
        key = manifest["idempotency_key"]
        start = {
            "idempotency_key": key,
            "region_code": manifest["region_code"],
            "plan_version": manifest["plan_version"],
            "size": len(data),
            "sha256": digest,
        }
        created = self._json(
            self.request("POST", "/uploads", json=start, headers={"Idempotency-Key": key}), 200, 201
        )
        if created.get("status") in ("stored", "already_stored"):
            return dict(created["receipt"], status="already_stored")
        upload_id = created["upload_id"]
        self._upload_id = upload_id
        offset = int(created["offset"])
        drops = 0  # consecutive: an upload that keeps progressing is never abandoned
        while offset < len(data):
            self._check_cancel()
            self._report(offset / len(data), f"uploading {offset}/{len(data)} bytes")
            chunk = data[offset : offset + self.settings.chunk_size]
            try:
                response = self.request(
                    "PATCH",
                    f"/uploads/{upload_id}",
                    content=chunk,
                    retry_transport=False,
                    headers={
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
            except httpx.TransportError as exc:
                drops += 1
                if drops > self.settings.max_attempts:
                    raise PushFailed(
                        f"{self.url}: the connection kept dropping ({drops} times)"
                    ) from exc
                log.info(
                    "push: connection dropped at offset %d (%s); resuming",
                    offset,
                    type(exc).__name__,
                )
                self._wait(drops - 1)
                status = self._json(self.request("GET", f"/uploads/{upload_id}"), 200)
                if int(status["offset"]) > offset:
                    drops = 0  # part of the chunk arrived: progress
                offset = int(status["offset"])
                continue
            body = self._json(response, 200, 409)
            if int(body["offset"]) > offset:
                drops = 0
            offset = int(body["offset"])
        self._report(1.0, "completing")
        done = self.request("POST", f"/uploads/{upload_id}/complete")
        receipt = self._json(done, 200, 201)
        return dict(receipt["receipt"], status=receipt["status"])

    def _report(self, fraction: float, message: str) -> None:
        if self._progress is not None:
            self._progress(fraction, message)
