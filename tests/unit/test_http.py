"""HTTP settings, rate limiter, Retry-After, URL redaction and identifier checks: no server involved."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kb.errors import FetchError, IdentifierError
from ingest.http import HttpSettings, RateLimiter, parse_retry_after, redact_url
from ingest.services import validate_pmids

EMAIL = "curator@example.org"
API_KEY = "k3y-not-to-leak"


def test_validate_pmids_names_every_bad_item() -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_pmids(["1", "x", "2", "00"])
    assert "item 1" in str(caught.value) and "item 3" in str(caught.value)


def test_host_rate_limits_follow_credentials() -> None:
    plain = HttpSettings(cache_dir=None).host_rate_limits()
    keyed = HttpSettings(cache_dir=None, ncbi_api_key="k", contact_email=EMAIL).host_rate_limits()
    assert plain["eutils.ncbi.nlm.nih.gov"] == 3.0 and keyed["eutils.ncbi.nlm.nih.gov"] == 10.0
    assert plain["api.crossref.org"] == 5.0 and keyed["api.crossref.org"] == 10.0
    assert plain["clinicaltrials.gov"] == pytest.approx(50 / 60)


def test_rate_limiter_is_thread_safe() -> None:
    # A clock that never moves: each caller's wait is the slot it reserved, so 100 calls from
    # 4 threads must reserve 100 distinct slots 10 ms apart.
    limiter = RateLimiter(100.0, clock=lambda: 0.0, sleep=lambda s: None)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w, 6) for w in waits) == [round(i * 0.01, 6) for i in range(100)]


# --- settings and helpers -----------------------------------------------------------


def test_settings_from_env(tmp_path: Path) -> None:
    cache = tmp_path / "kb-cache"
    env = {
        "KB_CONTACT_EMAIL": EMAIL,
        "NCBI_API_KEY": API_KEY,
        "KB_CROSSREF_URL": "http://localhost:1/cr/",
        "KB_HTTP_CACHE": str(cache),
        "KB_HTTP_TIMEOUT": "2.5",
        "KB_HTTP_RETRIES": "1",
        "KB_HTTP_BACKOFF": "0.1",
        "KB_HTTP_MAX_BACKOFF": "0.2",
    }
    s = HttpSettings.from_env(env)
    assert (s.contact_email, s.ncbi_api_key, s.crossref_url) == (EMAIL, API_KEY, "http://localhost:1/cr")
    assert s.eutils_url == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    assert s.ctgov_url == "https://clinicaltrials.gov/api/v2"
    assert s.cache_dir == cache
    assert (s.timeout, s.max_retries, s.backoff_factor, s.max_backoff) == (2.5, 1, 0.1, 0.2)
    assert HttpSettings.from_env({}).cache_dir == Path("~/.cache/trial-evidence-kb/http")
    assert HttpSettings.from_env({"KB_HTTP_CACHE": "OFF"}).cache_dir is None
    with pytest.raises(FetchError, match="KB_HTTP_TIMEOUT"):
        HttpSettings.from_env({"KB_HTTP_TIMEOUT": "soon"})


def test_user_agent_with_project_url() -> None:
    s = HttpSettings(contact_email=EMAIL, project_url="https://example.org/kb", cache_dir=None)
    assert s.user_agent() == f"trial-evidence-kb/0.1.0 (+https://example.org/kb; mailto:{EMAIL})"


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412485.0) == 0.0
    assert parse_retry_after("") is None and parse_retry_after("-1") is None


def test_redact_url_leaves_other_params() -> None:
    assert redact_url("http://h/p?id=1,2&api_key=abc") == "http://h/p?id=1%2C2&api_key=%2A%2A%2A"
    assert redact_url("http://h/p") == "http://h/p"
