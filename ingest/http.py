"""A polite HTTP client for the services the KB fetches from (Crossref, NCBI E-utilities, ClinicalTrials.gov).

One :class:`HttpClient` carries what every fetch needs:

- an on-disk cache (``requests-cache``, SQLite) of successful GET responses, so a re-run
  does not ask the service again; credentials and contact parameters are left out of the
  cache key and redacted from what is stored;
- retries with exponential backoff on connection errors, timeouts, 429 and 5xx, honouring
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

>>> settings = HttpSettings(contact_email="someone@example.org", cache_dir=None)
>>> settings.user_agent()
'trial-evidence-kb/0.1.0 (mailto:someone@example.org)'
>>> parse_retry_after("7", now=0.0)
7.0
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter

from kb import __version__
from kb.errors import FetchError

__all__ = [
    "HttpSettings",
    "HttpClient",
    "NotFoundError",
    "RateLimiter",
    "parse_retry_after",
    "redact_url",
    "DEFAULT_CACHE_DIR",
]

DEFAULT_CACHE_DIR = Path("~/.cache/trial-evidence-kb/http")
DEFAULT_CROSSREF_URL = "https://api.crossref.org"
DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2"
TOOL_NAME = "trial-evidence-kb"

# Query parameters that identify the caller rather than the resource: they never name a
# cache entry (changing the e-mail must not empty the cache), and the key is redacted.
_SECRET_PARAMS = ("api_key",)
_CALLER_PARAMS = ("api_key", "email", "mailto", "tool")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class NotFoundError(FetchError):
    """The service answered 404: no record with this identifier.

    ``identifier`` is the identifier asked for, ``url`` the (redacted) URL.
    """

    def __init__(self, identifier: str, url: str) -> None:
        super().__init__(f"not found: {identifier} ({url})")
        self.identifier = identifier
        self.url = url


def redact_url(url: str) -> str:
    """Return ``url`` with secret query parameters (the NCBI API key) masked.

    >>> redact_url("https://x.org/efetch.fcgi?db=pubmed&api_key=SECRET&id=1")
    'https://x.org/efetch.fcgi?db=pubmed&api_key=%2A%2A%2A&id=1'
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, "***" if k in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay in seconds or HTTP date), or None.

    ``now`` is the current POSIX time (default: ``time.time()``); a date in the past gives 0.

    >>> parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", now=10.0)
    20.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _env_float(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise FetchError(f"environment variable {name}: expected a number, got {raw!r}") from None
    if value < minimum:
        raise FetchError(f"environment variable {name}: expected a number >= {minimum}, got {raw!r}")
    return value


@dataclass(frozen=True)
class HttpSettings:
    """How the client identifies itself, where it sends requests, caches, waits and retries.

    ``cache_dir=None`` disables the cache. ``rate_limits`` maps a host name to requests per
    second and overrides the defaults :meth:`host_rate_limits` derives.
    """

    contact_email: str | None = None
    ncbi_api_key: str | None = None
    project_url: str | None = None
    crossref_url: str = DEFAULT_CROSSREF_URL
    eutils_url: str = DEFAULT_EUTILS_URL
    ctgov_url: str = DEFAULT_CTGOV_URL
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    cache_expire_after: float = 30 * 24 * 3600.0
    timeout: float = 30.0
    max_retries: int = 4
    backoff_factor: float = 1.0
    max_backoff: float = 60.0
    rate_limits: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HttpSettings:
        """Read settings from the environment (or ``env``).

        Variables: ``KB_CONTACT_EMAIL``, ``NCBI_API_KEY``, ``KB_PROJECT_URL``,
        ``KB_CROSSREF_URL``, ``KB_EUTILS_URL``, ``KB_CTGOV_URL``, ``KB_HTTP_CACHE`` (a
        directory, or ``off``), ``KB_HTTP_CACHE_TTL`` (seconds), ``KB_HTTP_TIMEOUT``
        (seconds), ``KB_HTTP_RETRIES``, ``KB_HTTP_BACKOFF`` (factor, seconds) and
        ``KB_HTTP_MAX_BACKOFF`` (seconds). A malformed number is a FetchError naming the variable.

        >>> s = HttpSettings.from_env({"KB_HTTP_CACHE": "off", "KB_HTTP_RETRIES": "2"})
        >>> (s.cache_dir, s.max_retries, s.crossref_url)
        (None, 2, 'https://api.crossref.org')
        """
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        cache_raw = text("KB_HTTP_CACHE")
        if cache_raw is None:
            cache_dir: Path | None = DEFAULT_CACHE_DIR
        elif cache_raw.lower() in ("off", "none", "0", "false", "no"):
            cache_dir = None
        else:
            cache_dir = Path(cache_raw)
        return cls(
            contact_email=text("KB_CONTACT_EMAIL"),
            ncbi_api_key=text("NCBI_API_KEY"),
            project_url=text("KB_PROJECT_URL"),
            crossref_url=(text("KB_CROSSREF_URL") or DEFAULT_CROSSREF_URL).rstrip("/"),
            eutils_url=(text("KB_EUTILS_URL") or DEFAULT_EUTILS_URL).rstrip("/"),
            ctgov_url=(text("KB_CTGOV_URL") or DEFAULT_CTGOV_URL).rstrip("/"),
            cache_dir=cache_dir,
            cache_expire_after=_env_float(env, "KB_HTTP_CACHE_TTL", cls.cache_expire_after),
            timeout=_env_float(env, "KB_HTTP_TIMEOUT", cls.timeout, minimum=0.001),
            max_retries=int(_env_float(env, "KB_HTTP_RETRIES", cls.max_retries)),
            backoff_factor=_env_float(env, "KB_HTTP_BACKOFF", cls.backoff_factor),
            max_backoff=_env_float(env, "KB_HTTP_MAX_BACKOFF", cls.max_backoff),
        )

    def user_agent(self) -> str:
        """The User-Agent: tool and version, the project URL if set, and ``mailto:`` the contact."""
        details = [f"+{self.project_url}"] if self.project_url else []
        if self.contact_email:
            details.append(f"mailto:{self.contact_email}")
        suffix = f" ({'; '.join(details)})" if details else ""
        return f"{TOOL_NAME}/{__version__}{suffix}"

    def host_rate_limits(self) -> dict[str, float]:
        """Requests per second allowed per host: the services' published limits, then overrides."""
        limits = {
            _host(self.eutils_url): 10.0 if self.ncbi_api_key else 3.0,
            _host(self.crossref_url): 10.0 if self.contact_email else 5.0,
            _host(self.ctgov_url): 50 / 60,
        }
        limits.update(self.rate_limits)
        return limits


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class RateLimiter:
    """Space calls at least ``1 / rate`` seconds apart; thread-safe.

    ``clock`` and ``sleep`` are injectable so tests count calls per interval of a fake clock.

    >>> t = [0.0]
    >>> limiter = RateLimiter(2.0, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> [limiter.acquire() for _ in range(3)]
    [0.0, 0.5, 0.5]
    >>> t[0]
    1.0
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for this call's slot; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            # Sleep outside the lock: later callers have already reserved later slots.
            self._sleep(wait)
        return wait


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
        s = self.settings
        wait = s.backoff_factor * (2**attempt)
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                wait = retry_after
        return min(wait, s.max_backoff)

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
                # A dropped connection mid-body is as transient as one refused.
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
