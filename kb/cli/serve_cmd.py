"""``kb serve``: the KB over HTTP (SPARQL endpoint, template API, query page, evidence pages)."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.context import settings
from kb.errors import KBError

__all__ = ["register", "serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="TCP port (0: any free port; the one chosen is printed).")] = 8000,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Time limit of one query; past it the query is stopped and the client told.")] = 10.0,
    row_limit: Annotated[int, typer.Option("--row-limit", min=1, metavar="ROWS", help="Most solutions or triples one response carries (X-KB-Truncated says when cut).")] = 10_000,
    workers: Annotated[int | None, typer.Option("--workers", min=1, metavar="N", help="Query worker processes. Default: one per core, at least 2.")] = None,
    write_token: Annotated[
        str | None, typer.Option("--write-token", envvar="KB_WRITE_TOKEN", metavar="TOKEN", help="Accept SPARQL UPDATE from requests sending 'Authorization: Bearer TOKEN' (default: read-only).")
    ] = None,
    allow_service: Annotated[bool, typer.Option("--allow-service", help="Let SERVICE clauses query other hosts (off by default).")] = False,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log each request as a JSON line on standard error.")] = True,
) -> None:
    """Serve the KB over HTTP: a SPARQL 1.1 endpoint (/sparql), the query catalogue as a web API (/api), a query page (/query) and evidence pages.

    The store is opened read-only: kb ingest may write to it meanwhile, and each query sees what the ingest committed before the query started.
    """
    from kb.serve.config import ServeConfig
    from kb.store import MEMORY, is_remote

    chosen = settings(ctx)
    location = chosen.store_path
    if location == MEMORY or is_remote(location):
        raise KBError(f"kb serve serves a store directory, not {location!r}: give --store PATH")
    store = Path(location).expanduser()
    _check_store(store, chosen.base)
    try:
        config = ServeConfig(store, host=host, port=port, query_timeout=timeout, row_limit=row_limit, write_token=write_token,
                             allow_service=allow_service, base=chosen.base, workers=workers, access_log=access_log)
    except ValueError as error:
        raise KBError(str(error)) from None
    run(config)


def _check_store(store: Path, base: str | None) -> None:
    """Open the store once, read-only, so a missing or foreign store is an error before anything starts."""
    from kb.knowledge_base import KnowledgeBase

    KnowledgeBase.open(store, base=base, read_only=True).close()


def run(config: object) -> None:
    """Listen on the configured address and serve until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    from kb.serve.app import create_app
    from kb.serve.config import ServeConfig

    assert isinstance(config, ServeConfig)
    try:
        listener = _listen(config.host, config.port)
    except OSError as error:
        raise KBError(f"cannot listen on {config.host}:{config.port}: {error.strerror or error}") from None
    bound_port = listener.getsockname()[1]
    shown_host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{shown_host}:{bound_port}/"

    def ready() -> None:
        write = f"kb serve: listening on {url} (store {config.store}, {config.worker_count} query workers, time limit {config.query_timeout:g} s, row limit {config.row_limit:,}{', updates with the write token' if config.write_token else ', read-only'})"
        print(write, file=sys.stderr, flush=True)

    app = create_app(config, on_ready=ready)
    # A query sent by GET travels in the URL: h11 refuses request heads over 16 KiB by default,
    # which a bound catalogue template passes once URL-encoded; 1 MiB, as browsers send.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                                           h11_max_incomplete_event_size=_MAX_REQUEST_HEAD))
    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the signal again with the
    # handlers it found: both are then KeyboardInterrupt here, so a server asked to stop exits 0.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass  # the stop was asked for, and done
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()
    print("kb serve: stopped", file=sys.stderr, flush=True)


#: The largest request line and headers accepted (a GET query is in the URL).
_MAX_REQUEST_HEAD = 1024 * 1024


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``.

    Made with ``IPPROTO_TCP`` named, not 0 as ``socket.create_server`` does: asyncio sets
    TCP_NODELAY only on connections of a socket whose protocol says TCP, and without it a
    keep-alive client waits for its delayed ACK (40 ms) on every response after the first.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command()(serve)
