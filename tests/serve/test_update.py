"""Read-only by default: an UPDATE without the write token gets 403 and leaves the store as it
was (its N-Quads export unchanged); with the token it is applied and the next query sees it."""

from __future__ import annotations

from pathlib import Path
from urllib.error import HTTPError

import httpx
import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from tests.conftest import run_cli
from tests.serve.conftest import start_server

TOKEN = "a-long-random-token-0b9f"
INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> \"c\" } }"
ASK = "ASK { <http://example.org/a> <http://example.org/b> \"c\" }"


def _export(store: Path) -> str:
    result = run_cli(store, "export", "--format", "nquads")
    assert result.code == 0, result.stderr
    return result.stdout


def _update(endpoint: str, update: str, token: str | None) -> int:
    """Send ``update`` with SPARQLWrapper; the HTTP status."""
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery(update)
    if token is not None:
        client.addCustomHttpHeader("Authorization", f"Bearer {token}")
    try:
        return int(client.query().response.status)
    except HTTPError as error:
        return error.code


def _ask(endpoint: str) -> bool:
    client = SPARQLWrapper(endpoint)
    client.setQuery(ASK)
    client.setReturnFormat(JSON)
    answer: dict[str, object] = client.query().convert()  # type: ignore[assignment]
    return bool(answer["boolean"])


def test_update_refused_without_token_store_unchanged(serve_store: Path, tmp_path: Path) -> None:
    before = _export(serve_store)
    server = start_server(serve_store, tmp_path / "log", "--write-token", TOKEN)
    try:
        assert _update(server.sparql, INSERT, None) == 403
        assert _update(server.sparql, INSERT, "wrong-token") == 403
        response = httpx.post(server.sparql, content=INSERT, headers={"Content-Type": "application/sparql-update"})
        assert response.status_code == 403 and "write token" in response.text
        assert httpx.get(server.sparql, params={"update": INSERT}).status_code == 405  # an update is never a GET
        assert not _ask(server.sparql)
    finally:
        assert server.stop() == 0
    assert _export(serve_store) == before


def test_read_only_server_refuses_every_update(serve_store: Path, tmp_path: Path) -> None:
    before = _export(serve_store)
    server = start_server(serve_store, tmp_path / "log")
    try:
        assert _update(server.sparql, INSERT, TOKEN) == 403
        response = httpx.post(server.sparql, data={"update": "DROP ALL"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403 and "read-only" in response.text
        # an update sent as a query is a malformed query: 400, and nothing written
        assert httpx.get(server.sparql, params={"query": INSERT}).status_code == 400
    finally:
        server.stop()
    assert _export(serve_store) == before


def test_update_with_token_is_applied_and_seen(serve_store: Path, tmp_path: Path) -> None:
    before = _export(serve_store)
    server = start_server(serve_store, tmp_path / "log", "--write-token", TOKEN)
    try:
        assert not _ask(server.sparql)
        assert _update(server.sparql, INSERT, TOKEN) == 200
        assert _ask(server.sparql)  # the next query sees it
        response = httpx.post(server.sparql, content="DELETE DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> \"c\" } }",
                              headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        assert not _ask(server.sparql)
        assert _update(server.sparql, INSERT, TOKEN) == 200
        bad = httpx.post(server.sparql, data={"update": "INSERT DATA { <a> "}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert bad.status_code == 400 and "store unchanged" in bad.text
    finally:
        server.stop()
    after = _export(serve_store)
    assert after != before
    assert '<http://example.org/a> <http://example.org/b> "c" <http://example.org/g> .' in after.splitlines()
    assert sorted(set(after.splitlines()) - set(before.splitlines())) == ['<http://example.org/a> <http://example.org/b> "c" <http://example.org/g> .']


@pytest.mark.parametrize("token", ["", "   "])
def test_empty_write_token_is_refused(serve_store: Path, token: str) -> None:
    result = run_cli(serve_store, "serve", "--port", "0", "--write-token", token)
    assert result.code == 1 and "empty write token" in result.stderr


def test_update_while_another_process_writes_is_503(serve_store: Path, tmp_path: Path) -> None:
    """RocksDB lets one process write: while another holds the store, an update is refused for now
    (503 with Retry-After), queries go on, and the update works once the store is free."""
    from kb.store.oxigraph import OxigraphStore

    server = start_server(serve_store, tmp_path / "log", "--write-token", TOKEN)
    try:
        writer = OxigraphStore.open(serve_store)  # this process holds the lock, as kb ingest would
        try:
            busy = httpx.post(server.sparql, data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
            assert "writing" in busy.text
            assert not _ask(server.sparql)
        finally:
            writer.close()
            del writer
        assert _update(server.sparql, INSERT, TOKEN) == 200
        assert _ask(server.sparql)
    finally:
        server.stop()
