"""What the HTTP client is configured with, and the policies it follows: settings, rate limits, retries.

Split out of :mod:`ingest.http` (which re-exports every public name here) so the client
module holds the session and the request loop, and this one the rules it applies:

- :class:`HttpSettings`: identification (User-Agent, contact e-mail, NCBI API key), the
  service base URLs, the cache directory and lifetime, timeouts and retry settings, read
  from the environment by :meth:`HttpSettings.from_env`;
- the per-host rate limits (:meth:`HttpSettings.host_rate_limits`) and the
  :class:`RateLimiter` that spaces requests to one host;
- the retry policy: which statuses are retried, ``Retry-After`` parsing and the capped
  exponential backoff (:func:`backoff_seconds`);
- which query parameters identify the caller (left out of cache keys) and which are
  secret (masked by :func:`redact_url`).

>>> backoff_seconds(HttpSettings(cache_dir=None), 3, "120")
60.0
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kb import __version__
from kb.errors import FetchError

__all__ = [
    "HttpSettings",
    "RateLimiter",
    "backoff_seconds",
    "parse_retry_after",
    "redact_url",
    "DEFAULT_CACHE_DIR",
    "TOOL_NAME",
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
# Answers worth another try (too many requests, server trouble); any other 4xx is final.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


def backoff_seconds(settings: HttpSettings, attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    Exponential (``backoff_factor * 2**attempt``) unless the answer's ``Retry-After`` header
    says otherwise; either way capped at ``max_backoff``.
    """
    wait = settings.backoff_factor * (2**attempt)
    parsed = parse_retry_after(retry_after)
    if parsed is not None:
        wait = parsed
    return min(wait, settings.max_backoff)
