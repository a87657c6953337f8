"""Fetching basemap tiles off the GUI thread, with the token kept secret (Qt-free).

One mechanism for every online source (XYZ and WMTS): a small thread pool
downloads what the disk cache (:mod:`gridplanner.layers.tile_cache`) lacks and
calls ``on_tile`` when something arrived, so the canvas redraws; a render never
waits for the network. A failure is reported once per source and kind (one HTTP
status, one connection error) through ``on_error`` as a :class:`BasemapError`
naming the URL with its token masked; after repeated connection failures the
source rests for a while instead of hammering a server that is down.

Tokens (Tianditu's ``tk=`` and the like) come from ``GRIDPLANNER_BASEMAP_TOKEN``
or the system keyring (service ``gridplanner-basemap``, account: the server's
host), never from the project or the settings file. They are added to a URL only
when the request is made (:meth:`TileFetcher.authorize`), and every URL that is
logged or shown goes through :func:`redact`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from gridplanner.errors import PlannerError, Words
from gridplanner.layers.tile_cache import TileCache

log = logging.getLogger(__name__)
TOKEN_ENV = "GRIDPLANNER_BASEMAP_TOKEN"
KEYRING_SERVICE = "gridplanner-basemap"
#: Query parameters whose values are secrets wherever they appear.
SECRET_PARAMS = ("tk", "token", "key", "apikey", "api_key", "access_token", "ak", "secret")
MASK = "***"
#: Consecutive connection failures after which a source rests for REST_SECONDS.
FAILURES_BEFORE_REST = 6
REST_SECONDS = 30.0


#: How PNG, JPEG, GIF and WebP files begin (a tile server's error page does not).
IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")


class BasemapError(PlannerError):
    """A basemap that can't be read or reached; the message names the URL (token masked)."""


class NotAnImage(ValueError):
    """A server answered a tile request with something else (an XML exception report)."""


def redact(url: str, secrets: tuple[str, ...] = (), param: str = "") -> str:
    """``url`` safe to log or show: secret query values and any password masked."""
    names = {p.lower() for p in SECRET_PARAMS} | ({param.lower()} if param else set())
    pattern = "|".join(re.escape(n) for n in sorted(names))
    text = re.sub(rf"(?i)([?&;](?:{pattern})=)[^&#]*", rf"\g<1>{MASK}", url)
    text = re.sub(r"(://[^/@:]*:)[^/@]*@", rf"\g<1>{MASK}@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK).replace(quote(secret, safe=""), MASK)
    return text


def with_token(url: str, param: str, token: str) -> str:
    """``url`` with ``param=token`` (replacing any value already there)."""
    if not token or not param:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, token))
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/{}")))


def split_token(url: str, param: str) -> tuple[str, str]:
    """``url`` without its ``param=…`` and the value it had ("" when none): a token pasted
    into a URL is moved to the keyring instead of the settings file."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    token = next((v for k, v in query if k == param), "")
    if not token or token.startswith("{"):  # empty, or a placeholder such as {key}
        return url, ""
    kept = [(k, v) for k, v in query if k != param]
    return urlunsplit(parts._replace(query=urlencode(kept, safe=":/{}"))), token


def token_account(url: str) -> str:
    """The keyring account a URL's token is stored under: its host (``basemap`` for files)."""
    return urlsplit(url).hostname or "basemap"


def resolve_token(url: str) -> str:
    """The token for ``url``: ``GRIDPLANNER_BASEMAP_TOKEN``, else the keyring, else ""."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    try:
        import keyring
        from keyring.errors import KeyringError

        return (keyring.get_password(KEYRING_SERVICE, token_account(url)) or "").strip()
    except (ImportError, KeyringError, RuntimeError) as exc:
        log.debug("no keyring for the basemap token: %s", type(exc).__name__)
        return ""


def store_token(url: str, token: str) -> None:
    """Keep ``token`` for ``url``'s host in the system keyring ("" deletes it)."""
    account = token_account(url)
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        if token:
            keyring.set_password(KEYRING_SERVICE, account, token)
        else:
            with contextlib.suppress(PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, account)
    except (ImportError, KeyringError, RuntimeError) as exc:
        raise BasemapError(
            Words(
                f"无法把 {account} 的底图密钥存入系统钥匙串（{type(exc).__name__}）："
                f"请改用环境变量 {TOKEN_ENV}",
                f"could not keep the basemap token for {account} in the system keyring "
                f"({type(exc).__name__}): set {TOKEN_ENV} instead",
            )
        ) from exc


def failure_words(url: str, exc: BaseException, what: Words) -> Words:
    """One sentence for a failed request: what, the masked URL, why."""
    if isinstance(exc, urllib.error.HTTPError):
        why_zh = why_en = f"HTTP {exc.code} {exc.reason}"
    elif isinstance(exc, urllib.error.URLError):
        why_zh = f"无法连接（{exc.reason}）"
        why_en = f"cannot connect ({exc.reason})"
    elif isinstance(exc, TimeoutError):
        why_zh, why_en = "超时", "timed out"
    elif isinstance(exc, NotAnImage):
        why_zh, why_en = f"返回的不是图片（{exc}）", f"the answer is not an image ({exc})"
    else:
        why_zh = why_en = f"{type(exc).__name__}: {exc}"
    return Words(f"{what.zh} {url} 无法获取：{why_zh}", f"{what.en} {url} failed: {why_en}")


TILE_WORDS = Words("底图瓦片", "basemap tile")


class TileFetcher:
    """Downloads into a :class:`TileCache` on worker threads; never blocks the caller."""

    def __init__(
        self,
        cache: TileCache,
        token: str = "",
        token_param: str = "tk",
        on_tile: Callable[[], None] | None = None,
        on_error: Callable[[BasemapError], None] | None = None,
        timeout: float = 8.0,
        workers: int = 4,
    ) -> None:
        self.cache = cache
        self.token = token
        self.token_param = token_param
        self.on_tile = on_tile
        self.on_error = on_error
        self.timeout = timeout
        self.last_error: BasemapError | None = None
        self._pending: set[Path] = set()
        self._failed: dict[Path, float] = {}  # path → when it may be asked for again
        self._reported: set[str] = set()
        self._connection_failures = 0
        self._rest_until = 0.0
        self._busy = 0
        self._closed = False
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiles")

    # -- URLs ------------------------------------------------------------------------
    def authorize(self, url: str) -> str:
        """The URL as requested: the token filled into ``{key}`` or added as a parameter."""
        if "{key}" in url:
            return url.replace("{key}", quote(self.token, safe=""))
        return with_token(url, self.token_param, self.token)

    def public(self, url: str) -> str:
        """The URL as logged or shown."""
        return redact(url, (self.token,), self.token_param)

    # -- requests --------------------------------------------------------------------
    def get(self, url: str) -> bytes:
        """Download ``url`` now, on the calling thread (workers and background tasks only)."""
        request = urllib.request.Request(self.authorize(url), headers={"User-Agent": "gridplanner"})
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            body: bytes = answer.read()
        return body

    def cached_or_fetch(self, path: Path, url: str) -> bytes | None:
        """The cached bytes at ``path``; when missing, a background download of ``url`` is
        started (unless one is under way, failed before, or the server is resting)."""
        body = self.cache.read(path)
        if body is not None:
            return body
        with self._lock:
            now = time.monotonic()
            if path in self._pending or self._failed.get(path, 0.0) > now or now < self._rest_until:
                return None
            self._pending.add(path)
        self.submit(self._fetch, path, url)
        return None

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """Run ``work(*args)`` on the pool (counted by :meth:`idle`); None once closed (a
        render still holding a replaced source draws what is cached and asks no more)."""
        with self._lock:
            if self._closed:
                self._pending.clear()
                return None
            self._busy += 1

        def run() -> Any:
            try:
                return work(*args)
            finally:
                with self._lock:
                    self._busy -= 1

        try:
            return self._pool.submit(run)
        except RuntimeError:  # closed meanwhile
            with self._lock:
                self._busy -= 1
                self._pending.clear()
            return None

    def _fetch(self, path: Path, url: str) -> None:
        try:
            body = self.get(url)
            if not body.startswith(IMAGE_SIGNATURES):
                raise NotAnImage(body[:60].decode("utf-8", "replace").strip())
            self.cache.write(path, body)
            log.debug("basemap tile %s", self.public(url))
        except Exception as exc:
            with self._lock:
                if isinstance(exc, urllib.error.HTTPError | NotAnImage):
                    self._failed[path] = math.inf  # the server said no: not again this session
                else:  # down or unreachable: try again after a rest
                    self._failed[path] = time.monotonic() + REST_SECONDS
                    self._connection_failures += 1
                    if self._connection_failures >= FAILURES_BEFORE_REST:
                        self._rest_until = time.monotonic() + REST_SECONDS
            self.report(url, exc, TILE_WORDS)
            return
        finally:
            with self._lock:
                self._pending.discard(path)
        with self._lock:
            self._connection_failures = 0
            on_tile = self.on_tile
        if on_tile is not None:
            on_tile()

    def report(self, url: str, exc: BaseException, what: Words) -> None:
        """Log a failure and pass it to ``on_error`` once per kind of failure."""
        words = failure_words(self.public(url), exc, what)
        words = Words(self._scrub(words.zh), self._scrub(words.en))
        kind = f"{what.en}:{type(exc).__name__}:{getattr(exc, 'code', '')}"
        error = BasemapError(words)
        with self._lock:
            first = kind not in self._reported
            self._reported.add(kind)
            self.last_error = error
            on_error = self.on_error
        log.warning("%s", words.en)
        if first and on_error is not None:
            on_error(error)

    def _scrub(self, text: str) -> str:
        return redact(text, (self.token,), self.token_param)

    def idle(self) -> bool:
        """True when nothing is being downloaded or loaded."""
        with self._lock:
            return not self._pending and self._busy == 0

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Sleep until :meth:`idle` (tests, print jobs); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while not self.idle():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        """Stop asking; a download still under way finishes into the cache but calls
        back no one (its listeners, Qt objects among them, may be gone by then)."""
        with self._lock:
            self._closed = True
            self.on_tile = None
            self.on_error = None
        self._pool.shutdown(wait=False, cancel_futures=True)
