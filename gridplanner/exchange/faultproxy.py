"""A fault-injecting HTTP proxy on 127.0.0.1, for tests and the soak benchmark only.

It sits between the push client and a receiver and, request by request at random (a
seeded RNG, so a run can be repeated), passes it on or misbehaves as real networks do:

* ``drop`` — closes the connection before forwarding anything;
* ``cut`` — forwards half of the request body, then closes both sides (the receiver
  sees a disconnected upload; part of a chunk may have landed);
* ``lost`` — forwards the whole request, lets the receiver answer, and closes the
  client's connection without relaying the answer (the receiver did the work; the
  client cannot know);
* ``delay`` — waits up to a second, then passes;
* ``500`` / ``429`` — answers that status itself without forwarding.

It speaks just enough HTTP/1.1 for the exchange protocol (Content-Length bodies, one
request per connection: it answers ``Connection: close``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FAULTS = ("drop", "cut", "lost", "delay", "500", "429")


@dataclass
class FaultRates:
    """Probability of each fault per request (the rest pass untouched)."""

    rates: dict[str, float] = field(default_factory=lambda: {
        "drop": 0.04, "cut": 0.04, "lost": 0.05, "delay": 0.05, "500": 0.04, "429": 0.03,
    })  # fmt: skip
    seed: int = 0


class FaultProxy:
    """The proxy's state: where it forwards, what it injected (``counts``)."""

    def __init__(self, upstream: str, rates: FaultRates) -> None:
        parts = urlsplit(upstream)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.rates = rates
        self.rng = random.Random(rates.seed)
        self.counts: Counter[str] = Counter()

    def _pick(self) -> str:
        roll = self.rng.random()
        edge = 0.0
        for fault, rate in self.rates.rates.items():
            edge += rate
            if roll < edge:
                return fault
        return "pass"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            body = await reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        fault = self._pick()
        self.counts[fault] += 1
        try:
            if fault == "drop":
                return
            if fault in ("500", "429"):
                text = b'{"error": "injected by the fault proxy"}'
                extra = b"Retry-After: 0\r\n" if fault == "429" else b""
                writer.write(
                    b"HTTP/1.1 " + fault.encode() + b" Injected\r\nContent-Type: "
                    b"application/json\r\nConnection: close\r\n" + extra
                    + b"Content-Length: " + str(len(text)).encode() + b"\r\n\r\n" + text
                )  # fmt: skip
                await writer.drain()
                return
            if fault == "delay":
                await asyncio.sleep(self.rng.random())
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
            try:
                request = _with_close(head)
                if fault == "cut" and len(body) > 1:
                    up_writer.write(request + body[: len(body) // 2])
                    await up_writer.drain()
                    return
                up_writer.write(request + body)
                await up_writer.drain()
                answer_head = await up_reader.readuntil(b"\r\n\r\n")
                answer = await up_reader.readexactly(_content_length(answer_head))
                if fault == "lost":
                    return  # the receiver answered; the client never hears it
                writer.write(_with_close(answer_head) + answer)
                await writer.drain()
            finally:
                up_writer.close()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            with contextlib.suppress(ConnectionError):
                writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _with_close(head: bytes) -> bytes:
    """The head with ``Connection: close`` (one request per connection)."""
    lines = [
        line for line in head.rstrip(b"\r\n").split(b"\r\n")
        if not line.lower().startswith(b"connection:")
    ]  # fmt: skip
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


@contextlib.contextmanager
def running_fault_proxy(upstream: str, rates: FaultRates | None = None) -> Iterator[
    tuple[str, FaultProxy]
]:
    """Run a :class:`FaultProxy` to ``upstream`` on 127.0.0.1 (a free port) in a thread;
    yields its base URL and the proxy (for its ``counts``)."""
    proxy = FaultProxy(upstream, rates or FaultRates())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server_box: list[asyncio.Server] = []

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server_box.append(await asyncio.start_server(proxy.handle, sock=sock))
            ready.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}", proxy
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        sock.close()
