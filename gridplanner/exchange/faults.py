"""Test-only fault injection for the reference receiver.

A :class:`FaultPlan` lists faults consumed in order by upload requests; the
:class:`FaultInjector` ASGI wrapper answers 500 or 429 instead of the real
endpoint, or lets the endpoint receive half of a chunk and then cuts the
connection without an answer (a dropped connection mid-upload).
"""

from __future__ import annotations

import contextlib
import threading

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridplanner.exchange.problems import ExchangeError


class FaultPlan:
    """Faults to inject, consumed in order by upload requests: ``"500"``, ``"429"`` (any
    upload request) or ``"drop"`` (the next chunk: half of it is kept, then the
    connection is cut without an answer). Parsed from ``"drop,500,500,429"``."""

    def __init__(self, spec: str | list[str] = "") -> None:
        items = spec.split(",") if isinstance(spec, str) else spec
        self.pending = [s.strip() for s in items if s.strip()]
        bad = [s for s in self.pending if s not in ("500", "429", "drop")]
        if bad:
            raise ExchangeError(f"unknown fault {bad[0]!r}; use 500, 429 or drop")
        self.injected: list[str] = []
        self._lock = threading.Lock()

    def take(self, method: str) -> str | None:
        """The fault for this request, if one is due."""
        with self._lock:
            if not self.pending:
                return None
            fault = self.pending[0]
            if fault == "drop" and method != "PATCH":
                return None
            self.pending.pop(0)
            self.injected.append(fault)
            return fault


class FaultInjector:
    """ASGI wrapper applying a :class:`FaultPlan` to ``/uploads`` requests."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/uploads" not in scope["path"]:
            await self.app(scope, receive, send)
            return
        fault = self.plan.take(scope["method"])
        if fault in ("500", "429"):
            headers = {"Retry-After": "0"} if fault == "429" else {}
            await JSONResponse({"error": f"injected fault {fault}"}, int(fault), headers)(
                scope, receive, send
            )
            return
        if fault != "drop":
            await self.app(scope, receive, send)
            return
        cut = False

        async def half_then_disconnect() -> Message:
            nonlocal cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                cut = True
                return {
                    "type": "http.request",
                    "body": body[: max(1, len(body) // 2)],
                    "more_body": True,
                }
            return message

        async def swallow(message: Message) -> None:
            return None

        with contextlib.suppress(Exception):
            await self.app(scope, half_then_disconnect, swallow)
        # Start a response and never finish it: uvicorn closes the connection.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000")],
            }
        )
