"""The FastAPI app of ``zoo serve``: v2 and plain routes, the page, metrics, the ASGI layers.

Example:
    >>> app = create_app(ServeConfig(models=["yolo-fastest-xl-coco"]))  # doctest: +SKIP
    >>> uvicorn.run(app)                                                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

import zoo
from zoo.serve import plain, v2
from zoo.serve.config import ServeConfig
from zoo.serve.errors import UserError
from zoo.serve.middleware import AccessLog, ApiKey, BodyLimit
from zoo.serve.state import Server

log = logging.getLogger("zoo.serve")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(config: ServeConfig, models: dict | None = None):
    """The ASGI app serving ``config.models`` (loaded at start-up) or the given ``models``."""
    server = Server(config, models)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    app = FastAPI(
        title="zoo serve",
        version=zoo.__version__,
        description="zoo's models over the Open Inference Protocol v2 and plain endpoints.",
        lifespan=lifespan,
    )
    app.state.server = server

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        return JSONResponse({"error": exc.message}, exc.status, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_message(exc)}, 422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception(f"{request.method} {request.url.path}: internal error")
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, 500)

    app.include_router(v2.router(server))
    app.include_router(plain.router(server))
    static = resources.files("zoo.serve") / "static"

    @app.get("/metrics", tags=["operations"])
    async def metrics():
        return Response(server.metrics.exposition(), media_type="text/plain; version=0.0.4")

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(str(static / "index.html"))

    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    wrapped = BodyLimit(app, config.max_body_bytes)
    wrapped = ApiKey(wrapped, config.api_key)
    wrapped = AccessLog(wrapped, server.metrics)
    wrapped.server = server
    return wrapped


def app_from_env():
    """The app of the settings ``zoo serve`` left in the environment (uvicorn's factory)."""
    return create_app(ServeConfig.from_env())
