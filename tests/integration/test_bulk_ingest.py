"""The bulk ingest survives a kill: ``kb ingest`` in a subprocess, SIGKILLed mid-run, then run again.

Six generated PubMed files of 50 small records each (300 records; nothing copied, no network),
one batch per file (``KB_INGEST_BATCH_QUADS=1``). The test hook ``KB_INGEST_HOOK`` logs each
commit step and ``KB_INGEST_HOOK_STOP`` hangs the run after one, where the test kills it:
after a batch's journal, after its quads (graphs without markers), after its markers. The
store after the kill holds every source committed before it, complete; the store after a
second run equals an uninterrupted run's, up to ``prov:generatedAtTime`` (each run stamps
its own time).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.ingestion.bulk import BATCH_ENV, HOOK_ENV, HOOK_STOP_ENV

FILES, RECORDS = 6, 50
GENERATED_AT = "http://www.w3.org/ns/prov#generatedAtTime"
CONTENT_HASH = "https://w3id.org/trial-evidence-kb/ontology#contentHash"
JOURNAL = "https://w3id.org/trial-evidence-kb/id/graph/ingest/pending"


def _record(n: int) -> str:
    authors = "".join(f"<Author><LastName>Writer{n % 17}x{i}</LastName><ForeName>A</ForeName></Author>" for i in range(3))
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{3_000_000 + n}</PMID><Article><Journal><Title>Journal of Tests</Title>"
        f"<JournalIssue><Volume>{n % 40}</Volume><PubDate><Year>{2000 + n % 20}</Year></PubDate></JournalIssue></Journal>"
        f"<ArticleTitle>Generated record {n}.</ArticleTitle><Abstract><AbstractText>Abstract of record {n}.</AbstractText>"
        f"</Abstract><AuthorList>{authors}</AuthorList></Article></MedlineCitation><PubmedData><ArticleIdList>"
        f"<ArticleId IdType=\"pubmed\">{3_000_000 + n}</ArticleId><ArticleId IdType=\"doi\">10.5555/bulk.{n}</ArticleId>"
        "</ArticleIdList></PubmedData></PubmedArticle>\n"
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pubmed")
    paths = []
    for f in range(FILES):
        path = folder / f"set{f}.xml"
        body = "".join(_record(f * RECORDS + n) for n in range(RECORDS))
        path.write_text(f'<?xml version="1.0"?>\n<PubmedArticleSet>\n{body}</PubmedArticleSet>\n', encoding="utf-8")
        paths.append(path)
    return paths


def _kb_command(store: Path, files: list[Path]) -> list[str]:
    script = "import sys; from kb.cli import main; sys.exit(main())"
    return [sys.executable, "-c", script, "--store", str(store), "ingest", "pubmed", *map(str, files), "-q"]


def _environment(spool: Path, **extra: str) -> dict[str, str]:
    """One batch per file; the spool in ``spool`` (a killed run cannot delete it)."""
    spool.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in (HOOK_ENV, HOOK_STOP_ENV)}
    return env | {BATCH_ENV: "1", "TMPDIR": str(spool)} | extra


def _ingest(store: Path, files: list[Path]) -> None:
    result = subprocess.run(_kb_command(store, files), env=_environment(store.parent / "spool"), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def _text(quads: object) -> set[tuple[str, str, str, str]]:
    """Quads as text, without the provenance time; blank nodes (the ontology's, renamed by loaders) as ``_:``."""
    def term(t: object) -> str:
        return "_:" if isinstance(t, ox.BlankNode) else str(t)

    return {(term(q.subject), term(q.predicate), term(q.object), term(q.graph_name)) for q in quads if q.predicate.value != GENERATED_AT}  # type: ignore[attr-defined]


def _quads(store: Path) -> set[tuple[str, str, str, str]]:
    """Every quad of the store at ``store`` (see :func:`_text`)."""
    return _text(ox.Store.read_only(str(store)))


def _by_graph(quads: set[tuple[str, str, str, str]]) -> dict[str, set[tuple[str, str, str, str]]]:
    graphs: dict[str, set[tuple[str, str, str, str]]] = {}
    for quad in quads:
        graphs.setdefault(quad[3], set()).add(quad)
    return graphs


@pytest.fixture(scope="module")
def uninterrupted(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, str, str]]:
    store = tmp_path_factory.mktemp("clean") / "store"
    _ingest(store, inputs)
    return _quads(store)


def _kill_at(store: Path, files: list[Path], stop: str, log: Path) -> list[str]:
    """Run the ingest until the hook reports ``stop``, SIGKILL it; the hook's lines."""
    process = subprocess.Popen(
        _kb_command(store, files), env=_environment(store.parent / "spool", **{HOOK_ENV: str(log), HOOK_STOP_ENV: stop}),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
            if any(line.startswith(stop + " ") for line in lines):
                break
            assert process.poll() is None, f"the ingest ended before {stop!r}: {process.stderr.read() if process.stderr else ''}"
            time.sleep(0.02)
        else:
            pytest.fail(f"the hook never reported {stop!r}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)  # closes its pipes too
    assert process.returncode == -signal.SIGKILL
    return lines


@pytest.mark.parametrize("stop", ["journal 2", "quads 3", "markers 2"])
def test_a_killed_ingest_keeps_what_it_committed_and_the_next_run_completes_it(
    inputs: list[Path], uninterrupted: set[tuple[str, str, str, str]], tmp_path: Path, stop: str
) -> None:
    store = tmp_path / "store"
    lines = _kill_at(store, inputs, stop, tmp_path / "hook.log")
    committed = sum(int(line.split()[2]) for line in lines if line.startswith("markers "))
    expected = _by_graph(uninterrupted)

    after_kill = _by_graph(_quads(store))
    complete = {g for g, quads in after_kill.items() if any(q[1] == f"<{CONTENT_HASH}>" for q in quads)}
    sources = {g for g in complete if "/graph/source/" in g}
    assert len(sources) == committed == RECORDS * (int(stop.split()[1]) - (0 if stop.startswith("markers") else 1))
    assert all(after_kill[g] == expected[g] for g in sources)  # committed sources survived, whole
    if stop.startswith("quads"):  # the killed batch's graphs have quads but no marker: incomplete
        assert len(set(after_kill) - complete - {f"<{JOURNAL}>"}) == RECORDS
    assert (f"<{JOURNAL}>" in after_kill) == (not stop.startswith("markers"))

    assert len(list((tmp_path / "spool").glob("kb-ingest-*.nq"))) >= 1  # what the killed run spooled and could not delete
    _ingest(store, inputs)
    assert _quads(store) == uninterrupted


def test_emitted_nquads_bulk_load_to_the_store_an_ingest_builds(inputs: list[Path], uninterrupted: set[tuple[str, str, str, str]], tmp_path: Path) -> None:
    out = tmp_path / "nq"
    store = tmp_path / "never"
    command = [*_kb_command(store, inputs), "--emit", "nquads", "-o", str(out)]
    result = subprocess.run(command, env=_environment(tmp_path / "spool"), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not store.exists()  # the store is not touched
    assert sorted(p.name for p in out.iterdir()) == sorted([*(p.name + ".nq" for p in inputs), "vocabulary.nq"])
    loaded = ox.Store()
    for path in out.iterdir():
        loaded.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert _text(loaded) == uninterrupted


def test_the_store_is_compacted_once_after_the_last_markers(inputs: list[Path], uninterrupted: set[tuple[str, str, str, str]], tmp_path: Path) -> None:
    store, log = tmp_path / "store", tmp_path / "hook.log"
    result = subprocess.run(_kb_command(store, inputs), env=_environment(tmp_path / "spool", **{HOOK_ENV: str(log)}),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in lines] == ["journal", "quads", "markers"] * FILES + ["optimize"]
    assert lines[-1] == f"optimize {FILES} 0"
    assert _quads(store) == uninterrupted
    log.unlink()
    result = subprocess.run(_kb_command(store, inputs), env=_environment(tmp_path / "spool", **{HOOK_ENV: str(log)}),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not log.exists()  # nothing changed: nothing loaded, nothing compacted
