"""A big file is read in a child process (kb.ingestion.prefetch): the runner sees the items, errors and order it sees in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

import kb.ingestion.prefetch as prefetch
from kb.errors import KBError
from kb.ingestion.runner import read_guarded
from kb.readers import get_reader
from kb.vocab import get_vocabulary
from tests.unit.test_ingestion_runner import CountingReader, _pubmed


def _both(reader: object, path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[object]]:
    """The items (and the error's message, last) read in-process and in the worker."""
    def collect(choice: str) -> list[object]:
        monkeypatch.setenv(prefetch.PREFETCH_ENV, choice)
        items: list[object] = []
        try:
            for item in prefetch.prefetched(reader, path, get_vocabulary(), read_guarded):  # type: ignore[arg-type]
                items.append(item)
        except KBError as error:
            items.append(("error", str(error)))
        return items

    return collect("0"), collect("1")


def test_the_worker_yields_what_the_main_process_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _pubmed(tmp_path, 120)
    text = path.read_text(encoding="utf-8")
    first = text.split("<PubmedArticleSet>")[1].split("</PubmedArticle>")[0] + "</PubmedArticle>"
    bad = first.replace("<PMID>4000000</PMID>", "<PMID>not-a-pmid</PMID>")
    path.write_text(text.replace("</PubmedArticleSet>", f"{first}{bad}</PubmedArticleSet>"), encoding="utf-8")
    here, there = _both(get_reader("pubmed"), path, monkeypatch)
    assert len(here) > 120 and [str(item) for item in there] == [str(item) for item in here] and there == here


def test_a_file_failing_halfway_fails_with_the_same_message_after_the_same_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _pubmed(tmp_path, 80)
    path.write_text(path.read_text(encoding="utf-8").replace("</PubmedArticle><PubmedArticle><MedlineCitation><PMID>4000070", "</Pubmed", 1),
                    encoding="utf-8")
    here, there = _both(get_reader("pubmed"), path, monkeypatch)
    assert isinstance(here[-1], tuple) and "not well-formed XML" in here[-1][1]
    assert there == here


def test_a_worker_that_dies_fails_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefetch.PREFETCH_ENV, "1")
    monkeypatch.setattr(prefetch.sys, "executable", "/bin/false")
    with pytest.raises(KBError, match="the reading process ended unexpectedly"):
        list(prefetch.prefetched(get_reader("pubmed"), _pubmed(tmp_path), get_vocabulary(), read_guarded))


def test_only_registered_readers_and_big_files_go_to_a_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _pubmed(tmp_path)
    monkeypatch.delenv(prefetch.PREFETCH_ENV, raising=False)
    assert not prefetch.wanted(get_reader("pubmed"), path)  # small
    monkeypatch.setattr(prefetch, "PREFETCH_BYTES", 1)
    assert prefetch.wanted(get_reader("pubmed"), path)
    assert not prefetch.wanted(CountingReader(get_reader("pubmed")), path)  # the worker could not rebuild it  # type: ignore[arg-type]
    monkeypatch.setenv(prefetch.PREFETCH_ENV, "0")
    assert not prefetch.wanted(get_reader("pubmed"), path)


def test_a_runner_that_stops_reading_ends_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file abandoned halfway (the mapping failed, Ctrl-C) leaves no reading process behind."""
    monkeypatch.setenv(prefetch.PREFETCH_ENV, "1")
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(prefetch.subprocess, "Popen", recording_popen)
    items = prefetch.prefetched(get_reader("pubmed"), _pubmed(tmp_path, 200), get_vocabulary(), read_guarded)
    next(items)
    items.close()
    (worker,) = started
    assert worker.returncode is not None and worker.stdout is not None and worker.stdout.closed
