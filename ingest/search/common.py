"""What both searchers share: a cache-less polite client, page sizes, date checks and the retry of a bad page.

Searches go through :class:`ingest.http.HttpClient` (rate limits, retries with ``Retry-After``,
the NCBI API key) but **never through its on-disk cache**: a search's answer is exactly what
changes between runs, and a cached ESearch would report "nothing new" for a month. The
records a search fetches are asked for fresh for the same reason.

A page that arrives with status 200 but cut off (a body that breaks off mid-record: E-utilities
does this under load) is asked for again, up to :data:`PAGE_ATTEMPTS` times in all, then the
search fails naming the page; nothing of it is written (the runner writes only what was fetched
whole).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TypeVar

from ingest.http import HttpClient, HttpSettings
from kb.errors import FetchError, InputFileError
from kb.living.search import SearchError

__all__ = ["PAGE_ATTEMPTS", "Transport", "PageUnusable", "check_page_size", "check_limit", "with_page_retries"]

#: Attempts at one page whose body is unusable (cut off, not XML/JSON) before the search fails.
PAGE_ATTEMPTS = 3

T = TypeVar("T")


class PageUnusable(FetchError):
    """A page answered 200 whose body cannot be used (cut off, not the expected document)."""


@dataclasses.dataclass(frozen=True)
class Transport:
    """How a searcher reaches its service: settings (None: from the environment at each run) and,
    for tests, the sleep and clock its clients use."""

    settings: HttpSettings | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def client(self) -> HttpClient:
        """A polite client for one run: the settings without the on-disk cache (see the module docstring)."""
        chosen = self.settings if self.settings is not None else HttpSettings.from_env()
        return HttpClient(dataclasses.replace(chosen, cache_dir=None), sleep=self.sleep, clock=self.clock)


def check_page_size(value: int | None, default: int, maximum: int, what: str) -> int:
    """``value`` (or ``default``), lowered to the service's ``maximum``; a SearchError when below 1.

    >>> check_page_size(5000, 100, 1000, "ClinicalTrials.gov")
    1000
    """
    size = default if value is None else value
    if size < 1:
        raise SearchError(f"{what}: page size must be at least 1, got {size}")
    return min(size, maximum)


def check_limit(value: int | None) -> int | None:
    """``value`` when None or positive; else a SearchError."""
    if value is not None and value < 1:
        raise SearchError(f"--max must be at least 1, got {value}")
    return value


def with_page_retries(client: HttpClient, sleep: Callable[[float], None], where: str, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (a page's request and parse) until it gives a page whole, at most :data:`PAGE_ATTEMPTS` times.

    ``attempt`` raises :class:`~kb.errors.InputFileError` (the PubMed reader on a cut-off body) or
    :class:`PageUnusable` for a body that arrived unusable; any other FetchError (the service
    unreachable, a 404, a 400, retries of a 429 spent) goes through at once. Between attempts it
    waits as the client backs off (``backoff_factor * 2**n``, capped by ``max_backoff``).
    """
    problem = ""
    for number in range(PAGE_ATTEMPTS):
        try:
            return attempt()
        except InputFileError as error:
            problem = str(error)
        except PageUnusable as error:
            problem = str(error)
        if number + 1 < PAGE_ATTEMPTS:
            sleep(min(client.settings.backoff_factor * (2**number), client.settings.max_backoff))
    raise FetchError(f"{where}: the page arrived unusable {PAGE_ATTEMPTS} times (last: {problem}); nothing of this search was written")
