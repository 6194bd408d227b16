"""Fetching with no way to the host fails at once, naming the host and why (issue 11 item 5).

No network: a closed local port (connection refused), a ``.invalid`` host whose lookup is made to
fail by a patched ``socket.getaddrinfo`` (no real DNS query), and a patched connect that says the
network is unreachable. No retry is made for any of them, so no back-off sleep either.
"""

from __future__ import annotations

import errno
import socket
import time

import pytest
import urllib3.util.connection

from ingest.http import HttpClient, HttpSettings, unreachable_reason
from ingest.services import fetch_crossref_work
from kb.errors import FetchError

DOI = "10.1056/NEJMoa070596"
NOTE = "no retry for DNS or connection-refused errors"



def _fetch(url: str) -> tuple[FetchError, list[float], int, float]:
    """Fetch one DOI from ``url`` with retries allowed: the error, the back-off sleeps, requests sent, seconds."""
    sleeps: list[float] = []
    settings = HttpSettings(crossref_url=url, cache_dir=None, max_retries=4, timeout=5.0)
    started = time.monotonic()
    with HttpClient(settings, sleep=sleeps.append) as client:
        with pytest.raises(FetchError) as caught:
            fetch_crossref_work(client, DOI)
        sent = client.network_requests
    return caught.value, sleeps, sent, time.monotonic() - started


def test_connection_refused_fails_at_once_naming_host_and_reason(closed_port: int) -> None:
    error, sleeps, sent, seconds = _fetch(f"http://127.0.0.1:{closed_port}")
    message = str(error)
    assert f"cannot reach 127.0.0.1:{closed_port}: connection refused" in message
    assert NOTE in message and DOI.lower() in message.lower()
    assert (sleeps, sent) == ([], 1)  # one attempt, no back-off
    assert seconds < 3


def test_dns_failure_fails_at_once_without_a_real_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def no_dns(host: str, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    error, sleeps, sent, seconds = _fetch("https://api.crossref.invalid")
    message = str(error)
    assert "cannot reach api.crossref.invalid: the host name does not resolve" in message
    assert "Name or service not known" in message and NOTE in message
    assert asked == ["api.crossref.invalid"] and (sleeps, sent) == ([], 1)
    assert seconds < 3


def test_network_unreachable_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> socket.socket:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", unreachable)
    error, sleeps, sent, _ = _fetch("https://api.crossref.org")
    assert f"cannot reach api.crossref.org: network unreachable ({'connection failed; ' + NOTE})" in str(error)
    assert (sleeps, sent) == ([], 1)


def test_other_connection_errors_are_not_called_unreachable() -> None:
    assert unreachable_reason(ConnectionResetError(errno.ECONNRESET, "reset")) is None
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = OSError(errno.ECONNREFUSED, "refused")
    assert unreachable_reason(wrapped) == "connection refused"
