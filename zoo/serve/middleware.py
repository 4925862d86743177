"""ASGI layers around the app: access log + metrics (outermost), API key, body size limit.

Each is plain ASGI (no buffering): the body limit refuses a declared ``Content-Length`` over the
limit at once and stops a chunked body as soon as it passes it.

Example:
    >>> app = AccessLog(ApiKey(BodyLimit(inner, 1 << 20), "secret"), metrics)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import time

from zoo.serve.errors import UserError

log = logging.getLogger("zoo.serve.access")
PUBLIC = ("/v2/health/live", "/v2/health/ready", "/", "/favicon.ico")
PUBLIC_PREFIXES = ("/static/", "/docs", "/openapi.json", "/redoc")


async def send_error(send, status: int, message: str, headers: dict | None = None) -> None:
    """A JSON ``{"error": message}`` response from ASGI."""
    body = json.dumps({"error": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyTooLargeError(UserError):
    """Raised from ``receive`` when a streamed body passes the limit (a 413 wherever the app
    reads the body)."""


class BodyLimit:
    """413 for a request body over ``limit`` bytes."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        mb = f"{self.limit / 1048576:g} MB"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await send_error(send, 413, f"request body over the limit of {mb}")
        seen, started, exceeded = 0, False, False

        async def counted():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise BodyTooLargeError(413, f"request body over the limit of {mb}")
            return message

        async def tracked(message):
            nonlocal started
            if exceeded:  # the app's answer to a body it could not read (FastAPI: a 400)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLargeError):
            await self.app(scope, counted, tracked)
        if exceeded and not started:
            await send_error(send, 413, f"request body over the limit of {mb}")


class ApiKey:
    """``Authorization: Bearer KEY`` on every path but health, the page and the docs (401
    otherwise; the key is compared in constant time)."""

    def __init__(self, app, key: str | None):
        self.app = app
        self.key = key.encode() if key else None

    async def __call__(self, scope, receive, send):
        if self.key is None or scope["type"] != "http" or is_public(scope["path"]):
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = given.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), self.key):
            what = "wrong API key" if given else "this server needs an API key"
            return await send_error(
                send, 401, f"{what} (Authorization: Bearer KEY)", {"WWW-Authenticate": "Bearer"}
            )
        await self.app(scope, receive, send)


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


class AccessLog:
    """One log line per request (client, method, path, status, bytes, milliseconds) and the
    request metrics, by route template (``/v2/models/{name}/infer``), not raw path."""

    def __init__(self, app, metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status, size = 500, 0

        async def watched(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, watched)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            labels = {"route": route, "status": str(status)}
            self.metrics.requests.labels(**labels).inc()
            if status >= 400:
                self.metrics.errors.labels(**labels).inc()
            self.metrics.latency.labels(route=route).observe(seconds)
            client = scope.get("client") or ("-", 0)
            log.info(
                f'{client[0]} "{scope["method"]} {scope["path"]}" {status} {size} '
                f"{seconds * 1000:.1f}ms"
            )
