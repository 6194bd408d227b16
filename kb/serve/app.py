"""The ``kb serve`` application: Starlette routes, templates, the access log, CORS, errors.

Interfaces other parts of ``kb.serve`` build on:

- :func:`create_app` ``(config) -> Starlette`` mounts the SPARQL endpoint (``/sparql``,
  :mod:`kb.serve.sparql_endpoint`), the template API (``/api/...``, :mod:`kb.serve.api`), the
  query page (``/query``, :mod:`kb.serve.query_page`), ``/static`` (``kb/serve/static``), and,
  when the module ``kb.serve.pages`` exists, the routes ``kb.serve.pages.routes(ctx)`` returns
  (the evidence pages; ``/`` is theirs; without them ``/`` redirects to ``/query``). The
  :class:`~kb.serve.context.ServeContext` is ``request.app.state.ctx``.
- :data:`templates` is the Jinja2 environment (Starlette's ``Jinja2Templates``, autoescaping
  HTML) over ``kb/serve/templates`` and, if present, ``kb/serve/pages/templates``;
  :func:`render` ``(request, name, status_code=200, **context)`` renders one as an
  ``HTMLResponse``. Every page extends ``base.html``: a layout with the navigation (Home ``/``,
  Query ``/query``, API docs ``/api``) that fills ``{% block title %}`` and
  ``{% block content %}``; the stylesheet is ``/static/kb.css``. No page needs JavaScript or
  anything from the internet.
- :func:`error_status` ``(error) -> int`` maps a KB error to its HTTP status (400 for a bad
  query or parameter, 404 for an unknown template or term, 406, 503 for a time-out or a busy
  store, 500 otherwise); :func:`error_response` renders it as JSON, text or HTML.

Every request is logged as one JSON line on standard error (:class:`AccessLog`).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.errors import KBError, ParameterError, QueryError, UnknownTermError
from kb.serve.config import ServeConfig
from kb.serve.context import InternalError, LockedError, NotAcceptableError, ServeContext, UnknownTemplateError
from kb.serve.workers import PoolBusy, QueryTimedOut

__all__ = ["create_app", "templates", "render", "error_status", "error_response", "AccessLog", "HERE"]

#: The folder of this package (templates and static files live beside it).
HERE = Path(__file__).resolve().parent


def _template_folders() -> list[Path]:
    folders = [HERE / "templates"]
    pages = HERE / "pages" / "templates"
    if pages.is_dir():
        folders.append(pages)
    return folders


#: The Jinja2 environment of every page (``templates.env`` is the ``jinja2.Environment``).
templates = Jinja2Templates(directory=_template_folders())


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render the template ``name`` with ``context`` (``request`` is passed in for ``url_for``)."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_status(error: BaseException) -> int:
    """The HTTP status of ``error``."""
    if isinstance(error, NotAcceptableError):
        return 406
    if isinstance(error, (QueryTimedOut, PoolBusy, LockedError)):
        return 503
    if isinstance(error, (UnknownTemplateError, UnknownTermError)):
        return 404
    if isinstance(error, (ParameterError, QueryError)):
        return 400
    if isinstance(error, InternalError) or not isinstance(error, KBError):
        return 500
    return 503  # StoreError: the store cannot answer now


def error_response(request: Request, error: BaseException, *, status: int | None = None) -> Response:
    """``error`` as a response the client can read: JSON for the API, HTML for a browser, else text."""
    code = status or error_status(error)
    message = str(error) if isinstance(error, KBError) else f"internal error: {type(error).__name__}"
    headers = {"Retry-After": "1"} if code == 503 and not isinstance(error, QueryTimedOut) else None
    accept = request.headers.get("accept", "")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": code}, status_code=code, headers=headers)
    if "text/html" in accept and request.method == "GET":
        return render(request, "error.html", status_code=code, status=code, message=message)
    return PlainTextResponse(message + "\n", status_code=code, headers=headers)


class AccessLog:
    """ASGI middleware writing one JSON line per request: time, client, method, path, query
    string (cut at 300 characters), status, response bytes, milliseconds, user agent."""

    def __init__(self, app: ASGIApp, stream: TextIO | None = None) -> None:
        self.app = app
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, size = 500, 0

        async def counting_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            headers = dict(scope.get("headers") or [])
            client = scope.get("client")
            entry = {
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
                "client": f"{client[0]}:{client[1]}" if client else None,
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1")[:300],
                "status": status,
                "bytes": size,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "agent": headers.get(b"user-agent", b"").decode("latin-1")[:200],
            }
            stream = self.stream or sys.stderr
            stream.write(json.dumps(entry) + "\n")
            stream.flush()


def _pages_routes(ctx: ServeContext) -> list[BaseRoute]:
    """The evidence pages' routes, when ``kb.serve.pages`` is installed."""
    if importlib.util.find_spec("kb.serve.pages") is None:
        return []
    pages = importlib.import_module("kb.serve.pages")
    make_routes = getattr(pages, "routes", None)
    if not callable(make_routes):  # a package still being written (a namespace folder) serves no pages
        print("kb serve: kb.serve.pages has no routes(ctx): serving no evidence pages", file=sys.stderr)
        return []
    return list(make_routes(ctx))


def create_app(
    config: ServeConfig, *, context: ServeContext | None = None, log: TextIO | None = None, on_ready: Callable[[], None] | None = None
) -> Starlette:
    """The ``kb serve`` application for ``config`` (workers start with the application's lifespan).

    ``context``: a :class:`ServeContext` to use instead of a new one (tests); ``log``: where the
    access log goes (default standard error; nowhere when ``config.access_log`` is false);
    ``on_ready``: called once every worker has opened the store.
    """
    from kb.serve import api, query_page, sparql_endpoint

    ctx = context or ServeContext(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.start()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await ctx.close()

    routes: list[BaseRoute] = [
        *sparql_endpoint.routes(ctx),
        *api.routes(ctx),
        *query_page.routes(ctx),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    page_routes = _pages_routes(ctx)
    routes.extend(page_routes)
    if not any(getattr(route, "path", None) == "/" for route in page_routes):
        routes.append(Route("/", lambda request: RedirectResponse("/query", status_code=307), name="home"))

    middleware = [
        # SPARQL clients in browsers (YASGUI) call from other origins; no cookies are involved,
        # so any origin may read; Authorization is allowed for the write token.
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["Accept", "Authorization", "Content-Type"], expose_headers=["X-KB-Truncated", "X-KB-Rows"], max_age=3600),
    ]
    if config.access_log:
        middleware.insert(0, Middleware(AccessLog, stream=log))

    async def kb_error(request: Request, error: Exception) -> Response:
        return error_response(request, error)

    handlers: dict[Any, Callable[..., Any]] = {KBError: kb_error}
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers=handlers)
    app.state.ctx = ctx
    app.state.config = config
    return app
