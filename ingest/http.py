"""A polite HTTP client for the services the KB fetches from (Crossref, NCBI E-utilities, ClinicalTrials.gov).

One :class:`HttpClient` carries what every fetch needs:

- an on-disk cache (``requests-cache``, SQLite) of successful GET responses, so a re-run
  does not ask the service again; credentials and contact parameters are left out of the
  cache key and redacted from what is stored;
- no retry when the host cannot be reached (DNS lookup failed, connection refused, network
  unreachable): a :class:`kb.errors.FetchError` at once, naming the host and the reason;
- retries with exponential backoff on other connection errors, timeouts, 429 and 5xx, honouring
  ``Retry-After`` (seconds or an HTTP date), every wait capped by ``max_backoff``; other
  4xx are never retried;
- a per-host rate limit (NCBI: 3 requests/s, 10/s with an API key; Crossref: 5/s, 10/s
  in the polite pool with a contact e-mail; ClinicalTrials.gov: 50/min) that a cache hit
  does not consume, because the limiter sits in the transport adapter, below the cache;
- errors as :class:`kb.errors.FetchError` naming the URL (never the API key) and the
  status, and :class:`NotFoundError` for a 404, naming the identifier.

Retries are an explicit loop rather than urllib3's ``Retry``: urllib3 sleeps the full
``Retry-After`` without a cap, its retries would bypass the rate limiter, and its sleep
cannot be replaced in tests.

The settings, the per-host rate limiter and the retry policy (which statuses, how long to
wait) are in :mod:`ingest.http_policy`; their public names are importable from here too.

>>> settings = HttpSettings(contact_email="someone@example.org", cache_dir=None)
>>> settings.user_agent()
'trial-evidence-kb/0.1.0 (mailto:someone@example.org)'
>>> parse_retry_after("7", now=0.0)
7.0
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter

# Settings, rate limits and the retry policy live in ingest.http_policy; every public name
# stays importable from here, where the fetchers and the tests import it.
from ingest.http_policy import _CALLER_PARAMS, _RETRY_STATUSES, _host, backoff_seconds
from ingest.http_policy import DEFAULT_CACHE_DIR as DEFAULT_CACHE_DIR
from ingest.http_policy import DEFAULT_CROSSREF_URL as DEFAULT_CROSSREF_URL
from ingest.http_policy import DEFAULT_CTGOV_URL as DEFAULT_CTGOV_URL
from ingest.http_policy import DEFAULT_EUTILS_URL as DEFAULT_EUTILS_URL
from ingest.http_policy import TOOL_NAME as TOOL_NAME
from ingest.http_policy import HttpSettings as HttpSettings
from ingest.http_policy import RateLimiter as RateLimiter
from ingest.http_policy import parse_retry_after as parse_retry_after
from ingest.http_policy import redact_url as redact_url
from kb.errors import FetchError

__all__ = [
    "HttpSettings",
    "HttpClient",
    "NotFoundError",
    "RateLimiter",
    "parse_retry_after",
    "redact_url",
    "unreachable_reason",
    "DEFAULT_CACHE_DIR",
]


class NotFoundError(FetchError):
    """The service answered 404: no record with this identifier.

    ``identifier`` is the identifier asked for, ``url`` the (redacted) URL.
    """

    def __init__(self, identifier: str, url: str) -> None:
        super().__init__(f"not found: {identifier} ({url})")
        self.identifier = identifier
        self.url = url



#: Connection errors that are not worth a retry, and how a message says them.
_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
}


def unreachable_reason(error: BaseException) -> str | None:
    """Why ``error`` (a requests connection error) means the host cannot be reached at all, or None.

    Looks through the chain requests and urllib3 wrap the socket error in (``args``,
    ``reason``, ``__cause__``, ``__context__``) for a failed DNS lookup or a refused or
    unreachable connection: errors a retry seconds later would meet again.
    """
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            detail = current.strerror or str(current)
            return f"the host name does not resolve (DNS: {detail}; network down or name wrong?)"
        if isinstance(current, OSError) and current.errno in _UNREACHABLE_ERRNOS:
            return _UNREACHABLE_ERRNOS[current.errno]
        pending.extend([*current.args, getattr(current, "reason", None), current.__cause__, current.__context__])
    return None


def _host_port(url: str) -> str:
    """The host of ``url``, with its port when it names one (never user or password)."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


class _RateLimitedAdapter(HTTPAdapter):
    """A transport adapter that takes a slot from the host's limiter before each real request.

    It sits below requests-cache's session, so a cached response never reaches it.
    """

    def __init__(self, limiters: Mapping[str, RateLimiter]) -> None:
        super().__init__()
        self._limiters = dict(limiters)
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        limiter = self._limiters.get(_host(request.url or ""))
        if limiter is not None:
            limiter.acquire()
        self.sent += 1
        return super().send(request, *args, **kwargs)


class HttpClient:
    """GET with cache, per-host rate limits and retries; see the module docstring.

    The session (and the cache file) is made at the first request, not here. ``sleep``
    and ``clock`` are injectable for tests; the limiters use them too. Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings if settings is not None else HttpSettings.from_env()
        self._sleep = sleep
        self._clock = clock
        self._session: requests.Session | None = None
        self._adapter: _RateLimitedAdapter | None = None
        self._lock = threading.Lock()

    @property
    def network_requests(self) -> int:
        """How many requests went to the network (cache hits and refused-before-sending excluded)."""
        return self._adapter.sent if self._adapter is not None else 0

    def _get_session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def _make_session(self) -> requests.Session:
        s = self.settings
        session: requests.Session
        if s.cache_dir is not None:
            cache_dir = s.cache_dir.expanduser()
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FetchError(f"cannot create the HTTP cache directory {cache_dir}: {exc}") from exc
            session = requests_cache.CachedSession(
                str(cache_dir / "responses.sqlite"),
                backend="sqlite",
                expire_after=s.cache_expire_after,
                allowable_codes=(200,),
                allowable_methods=("GET",),
                ignored_parameters=(*requests_cache.DEFAULT_IGNORED_PARAMS, *_CALLER_PARAMS),
                # Services send no-cache headers on API answers; the KB's cache is by choice.
                cache_control=False,
            )
        else:
            session = requests.Session()
        limiters = {
            host: RateLimiter(rate, clock=self._clock, sleep=self._sleep)
            for host, rate in s.host_rate_limits().items()
            if host and rate > 0
        }
        self._adapter = _RateLimitedAdapter(limiters)
        session.mount("http://", self._adapter)
        session.mount("https://", self._adapter)
        session.headers["User-Agent"] = s.user_agent()
        return session

    def close(self) -> None:
        """Close the session and the cache database."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
                self._adapter = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        return backoff_seconds(self.settings, attempt, retry_after)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        identifier: str,
        accept: str | None = None,
    ) -> requests.Response:
        """GET ``url``; return a 200 response (fresh or cached).

        ``identifier`` names what is asked for (e.g. ``"DOI 10.1056/x"``) in errors.
        Raises :class:`NotFoundError` on 404 and :class:`kb.errors.FetchError` on any other
        failure, once retries are spent.
        """
        session = self._get_session()
        headers = {"Accept": accept} if accept else None
        shown = redact_url(requests.Request("GET", url, params=params).prepare().url or url)
        attempts = self.settings.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            response: requests.Response | None = None
            try:
                response = session.get(url, params=params, headers=headers, timeout=self.settings.timeout)
            except requests.Timeout:
                problem = f"timed out after {self.settings.timeout:g} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                unreachable = unreachable_reason(exc)
                if unreachable is not None:
                    # Offline, a wrong host name or nothing listening: another try minutes later
                    # would fail the same way, so the user hears it now (issue 11 item 5).
                    raise FetchError(
                        f"{identifier}: cannot reach {_host_port(url)}: {unreachable} "
                        f"(connection failed; no retry for DNS or connection-refused errors)"
                    ) from None
                # A dropped connection mid-body is transient: retried.
                problem = f"connection failed ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise FetchError(f"{identifier}: request to {shown} failed: {type(exc).__name__}") from exc
            else:
                status = response.status_code
                if status == 200:
                    return response
                if status == 404:
                    raise NotFoundError(identifier, shown)
                problem = f"HTTP {status} {response.reason or ''}".rstrip()
                if status not in _RETRY_STATUSES:
                    raise FetchError(f"{identifier}: {shown} answered {problem}")
            if attempt + 1 < attempts:
                self._sleep(self._backoff(attempt, response))
        raise FetchError(f"{identifier}: {shown} failed after {attempts} attempt(s): {problem}")

    def discard(self, response: requests.Response) -> None:
        """Remove ``response`` from the cache: a 200 whose payload proved unusable must not be
        served again on the next run."""
        session = self._session
        if isinstance(session, requests_cache.CachedSession) and response.request is not None:
            session.cache.delete(requests=[response.request])

    def parse_json(self, response: requests.Response, *, identifier: str) -> Any:
        """Parse ``response``'s JSON body; a body that is not JSON is discarded from the cache
        and raised as a FetchError."""
        try:
            return response.json()
        except ValueError as exc:
            self.discard(response)
            raise FetchError(f"{identifier}: {redact_url(response.url)} did not answer JSON: {exc}") from exc

    def get_json(self, url: str, *, params: Mapping[str, str] | None = None, identifier: str) -> Any:
        """GET ``url`` and parse its JSON body (see :meth:`get` and :meth:`parse_json`)."""
        response = self.get(url, params=params, identifier=identifier, accept="application/json")
        return self.parse_json(response, identifier=identifier)
