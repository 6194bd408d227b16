"""``kb release`` and ``kb load`` (issue 15, item 4), as a user runs them on the bundled examples.

Acceptance: two releases with one source changed in between, whose second changelog names exactly
that source; the dump loads into a fresh store isomorphically; rdflib (and ``rapper``, when
installed: Debian's raptor2-utils) reads the VoID description.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, VOID, XSD

from kb.knowledge_base import KnowledgeBase
from kb.paths import examples_dir
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
INFORES = "infores:trial-evidence-kb-test"
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT3 = Namespace("http://www.w3.org/ns/dcat#")
#: The files that do not depend on the release date: byte-identical for the same KB.
DATA_FILES = ("kgx/nodes.tsv", "kgx/edges.tsv", "kgx/nodes.jsonl", "kgx/edges.jsonl", "tables/evidence.csv", "tables/adverse-events.csv")
CHANGED = "ash-2007-pooled-os"


def release(cli: Cli, directory: Path, version: str, *extra: str) -> CliResult:
    result = cli("release", "--version", version, "-o", str(directory), "--infores", INFORES, *extra)
    assert result.code == 0, result.stderr
    return result


def change_one_source(cli: Cli, tmp_path: Path) -> None:
    """Ingest an edited copy of one example: one median changes (35 -> 36 months)."""
    text = (examples_dir() / "pooled_ash2007.yaml").read_text(encoding="utf-8")
    edited = text.replace("value: 35, unit: month", "value: 36, unit: month", 1)
    assert edited != text, "the example no longer holds the value this test edits"
    copy = tmp_path / "edited" / "pooled_ash2007.yaml"
    copy.parent.mkdir()
    copy.write_text(edited, encoding="utf-8")
    result = cli("ingest", "findings", str(copy))
    assert result.code == 0 and "replaced" in result.stderr, result.stderr


def manifest(directory: Path) -> dict:
    return json.loads((directory / "release.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def two_releases(built: Cli, tmp_path: Path) -> tuple[Path, Path, CliResult]:
    """Release 1.0 of the examples, one source changed, release 1.1 beside it (no --previous)."""
    releases = tmp_path / "releases"
    release(built, releases / "1.0", "1.0", "--date", "2026-11-01T00:00:00Z")
    change_one_source(built, tmp_path)
    second = release(built, releases / "1.1", "1.1", "--date", "2026-12-01T00:00:00Z")
    return releases / "1.0", releases / "1.1", second


def test_the_second_changelog_names_exactly_the_changed_source(two_releases: tuple[Path, Path, CliResult]) -> None:
    first, second, result = two_releases
    log = json.loads((second / "changelog.json").read_text(encoding="utf-8"))
    assert [entry["source"] for entry in log["replaced"]] == [CHANGED]
    assert log["added"] == [] and log["removed"] == [] and log["unchanged"] == 4
    assert log["previous"]["version"] == "1.0" and log["previous"]["found"] == "newest beside"
    markdown = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"`{CHANGED}`" in markdown and "Against version 1.0" in markdown
    for other in ("weber-2007-mm009", "dimopoulos-2007-mm010", "ash-2005-mm010-interim"):
        assert other not in markdown
    # The command says which release it compared against, and how it found it.
    assert "changelog against 1.0" in result.stderr and "newest release beside" in result.stderr
    # Each release records every source's content hash: only the changed one differs.
    old = {s["source"]: s["content_hash"] for s in manifest(first)["sources"]}
    new = {s["source"]: s["content_hash"] for s in manifest(second)["sources"]}
    assert old.keys() == new.keys() and len(old) == 5
    assert {source for source in old if old[source] != new[source]} == {CHANGED}


def test_the_first_release_lists_every_source_as_added(built: Cli, tmp_path: Path) -> None:
    result = built("release", "--version", "0.1", "-o", str(tmp_path / "r" / "0.1"))
    assert result.code == 0, result.stderr
    log = json.loads((tmp_path / "r" / "0.1" / "changelog.json").read_text(encoding="utf-8"))
    assert log["previous"] is None and len(log["added"]) == 5 and log["replaced"] == []
    assert "first release" in result.stderr
    assert "KGX files left out" in result.stderr and not (tmp_path / "r" / "0.1" / "kgx").exists()


def test_the_dump_reloads_into_a_fresh_store_isomorphically(built: Cli, two_releases: tuple[Path, Path, CliResult], tmp_path: Path) -> None:
    _, second, _ = two_releases
    fresh = tmp_path / "fresh-store"
    loaded = built("load", str(second), store_path=fresh)
    assert loaded.code == 0, loaded.stderr
    assert f"loaded {manifest(second)['counts']['quads']} quads of release 1.1" in loaded.stderr

    def dataset(store: Path) -> Dataset:
        with KnowledgeBase.open(store, read_only=True) as kb:
            data = Dataset()
            buffer = io.BytesIO()
            kb.export("nquads", buffer)
        data.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
        return data

    original, reloaded = dataset(tmp_path / "store"), dataset(fresh)  # `built` runs on tmp_path/store
    names = {graph.identifier for graph in original.graphs()}
    assert names == {graph.identifier for graph in reloaded.graphs()}
    blank_graphs = 0
    for name in names:
        before, after = original.graph(name), reloaded.graph(name)
        assert len(before) == len(after), name
        assert isomorphic(before, after), name
        blank_graphs += any(isinstance(term, BNode) for triple in before for term in triple)
    assert blank_graphs, "no graph has blank nodes: the isomorphism check would be no more than equality"
    # A dump is canonical: the reloaded store's dump is the same bytes.
    again = built("release", "--version", "1.1", "-o", str(tmp_path / "again" / "1.1"), store_path=fresh)
    assert again.code == 0, again.stderr
    assert (tmp_path / "again" / "1.1" / "kb-1.1.nq.gz").read_bytes() == (second / "kb-1.1.nq.gz").read_bytes()


def test_two_releases_of_the_same_kb_hold_the_same_bytes(built: Cli, tmp_path: Path) -> None:
    release(built, tmp_path / "a" / "2.0", "2.0", "--date", "2026-01-01")
    release(built, tmp_path / "b" / "2.0", "2.0", "--date", "2026-02-01")
    for name in ("kb-2.0.nq.gz", *DATA_FILES):
        assert (tmp_path / "a" / "2.0" / name).read_bytes() == (tmp_path / "b" / "2.0" / name).read_bytes(), name
    # The dump is sorted within each graph, graphs in IRI order, and gzip carries no time stamp.
    lines = gzip.decompress((tmp_path / "a" / "2.0" / "kb-2.0.nq.gz").read_bytes()).splitlines()
    graphs = [line.rsplit(b" ", 2)[-2] for line in lines]
    assert graphs == sorted(graphs)
    for graph in set(graphs):
        own = [line for line, name in zip(lines, graphs) if name == graph]
        assert own == sorted(own)
    assert (tmp_path / "a" / "2.0" / "kb-2.0.nq.gz").read_bytes()[4:8] == b"\0\0\0\0"
    first, second = manifest(tmp_path / "a" / "2.0"), manifest(tmp_path / "b" / "2.0")
    assert first["issued"] == "2026-01-01T00:00:00Z" and second["issued"] == "2026-02-01T00:00:00Z"
    # The manifests differ in the date, and in the checksums of the changelogs (which carry it), only.
    dated = ("CHANGELOG.md", "changelog.json")
    for data in (first, second):
        data.pop("issued")
        data["files"] = [entry for entry in data["files"] if entry["path"] not in dated]
    assert first == second


def _void(directory: Path) -> Graph:
    graph = Graph()
    graph.parse(directory / "void.ttl", format="turtle")
    return graph


def test_rdflib_reads_the_void_description(built: Cli, two_releases: tuple[Path, Path, CliResult]) -> None:
    first, second, _ = two_releases
    graph = _void(second)
    url = URIRef("https://w3id.org/trial-evidence-kb/id/release/1.1/")
    assert (url, RDF.type, VOID.Dataset) in graph and (url, RDF.type, DCAT.Dataset) in graph
    assert graph.value(url, DCAT3.version) == Literal("1.1")
    assert graph.value(url, DCAT3.previousVersion) == URIRef("https://w3id.org/trial-evidence-kb/id/release/1.0/")
    assert str(graph.value(url, URIRef("http://purl.org/dc/terms/issued"))).startswith("2026-12-01T00:00:00")
    stats = built("stats", "--triples", "-f", "json")
    counts = json.loads(stats.stdout)[0]
    assert int(graph.value(url, VOID.triples)) == counts["triples"]
    assert graph.value(url, VOID.dataDump) == URIRef(str(url) + "kb-1.1.nq.gz")
    partitions = {graph.value(p, VOID["class"]).n3(graph.namespace_manager): int(graph.value(p, VOID.entities))
                  for p in graph.objects(url, VOID.classPartition)}
    assert partitions["tekb:SourceGraph"] == counts["sources"] == 5
    assert partitions["fabio:JournalArticle"] == counts["publications"]
    assert partitions["obo:OBI_0003699"] == counts["trials"]
    assert partitions["tekb:OutcomeResult"] == counts["outcome_results"]
    # Findings by curation status: the subsets of each finding class sum to its count.
    for partition in graph.objects(url, VOID.classPartition):
        subsets = [int(graph.value(s, VOID.entities)) for s in graph.objects(partition, VOID.subset)]
        if subsets:
            assert sum(subsets) >= int(graph.value(partition, VOID.entities))
    # Every file of the release (but the description and the checksum list) is a distribution with its checksum.
    files = {path.relative_to(second).as_posix() for path in second.rglob("*") if path.is_file()} - {"void.ttl", "SHA256SUMS"}
    distributions = set(graph.objects(url, DCAT.distribution))
    assert {str(d).removeprefix(str(url)) for d in distributions} == files
    for node in distributions:
        path = second / str(node).removeprefix(str(url))
        checksum = graph.value(node, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert graph.value(checksum, SPDX.checksumValue) == Literal(sha256(path), datatype=XSD.hexBinary)
        assert int(graph.value(node, DCAT.byteSize)) == path.stat().st_size
        assert graph.value(node, DCAT.mediaType) is not None
    dump = URIRef(str(url) + "kb-1.1.nq.gz")
    assert graph.value(dump, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/application/n-quads")
    assert graph.value(dump, DCAT.compressFormat) == URIRef("https://www.iana.org/assignments/media-types/application/gzip")
    # SHA256SUMS covers every other file, in sha256sum's format.
    sums = dict(reversed(line.split("  ", 1)) for line in (second / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == files | {"void.ttl"}
    assert all(sums[name] == sha256(second / name) for name in sums)


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper is not installed (Debian package raptor2-utils)")
def test_rapper_reads_the_void_description(two_releases: tuple[Path, Path, CliResult]) -> None:
    _, second, _ = two_releases
    run = subprocess.run(["rapper", "-i", "turtle", "-o", "ntriples", str(second / "void.ttl")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    parsed = Graph().parse(data=run.stdout, format="nt")
    assert isomorphic(parsed, _void(second))


def test_an_existing_directory_is_refused_and_force_replaces_it(built: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r" / "1.0"
    release(built, target, "1.0")
    before = sha256(target / "release.json")
    refused = built("release", "--version", "1.0", "-o", str(target))
    assert refused.code == 1 and "exists" in refused.stderr and "--force" in refused.stderr
    assert sha256(target / "release.json") == before
    replaced = release(built, target, "1.0", "--force", "--date", "2030-01-01")
    assert manifest(target)["issued"] == "2030-01-01T00:00:00Z"
    assert "first release" in replaced.stderr  # the replaced release is not its own previous one
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["1.0"]  # no temporary folders left


def test_a_failed_release_leaves_nothing(built: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.errors import ExportError
    from kb.knowledge_base import KnowledgeBase as Handle

    def failing(self: Handle, format: str, *args: object, **kwargs: object) -> None:
        raise ExportError(f"cannot write {format}: No space left on device")

    monkeypatch.setattr(Handle, "export", failing)
    folder = tmp_path / "r"
    result = built("release", "--version", "1.0", "-o", str(folder / "1.0"))
    assert result.code == 1 and "No space left on device" in result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--version", "1/0"), "cannot name a release"),
        (("--version", "1.0", "--previous", "{tmp}/nowhere"), "release.json missing"),
        (("--version", "1.0", "--date", "yesterday"), "not an ISO date"),
    ],
)
def test_bad_release_options_are_refused_with_a_message(built: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = built("release", "-o", str(tmp_path / "r" / "x"), *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.code in (1, 2) and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r" / "x").exists()


def test_load_refuses_a_store_that_is_not_empty_and_a_damaged_dump(built: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r" / "1.0"
    release(built, target, "1.0")
    refused = built("load", str(target))  # the examples' store itself
    assert refused.code == 1 and "is not empty" in refused.stderr
    dump = target / "kb-1.0.nq.gz"
    data = bytearray(dump.read_bytes())
    data[-20] ^= 0xFF
    dump.write_bytes(bytes(data))
    fresh = tmp_path / "fresh"
    damaged = built("load", str(target), store_path=fresh)
    assert damaged.code == 1 and "does not match the manifest" in damaged.stderr
    assert not fresh.exists()
    # Without the check the broken gzip is an error too, and the new store is not left behind.
    unchecked = built("load", str(dump), store_path=fresh)
    assert unchecked.code == 1 and str(dump) in unchecked.stderr and "Traceback" not in unchecked.stderr
    assert not fresh.exists()


def test_load_takes_a_plain_nquads_file(built: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r" / "1.0"
    release(built, target, "1.0")
    plain = tmp_path / "kb.nq"
    plain.write_bytes(gzip.decompress((target / "kb-1.0.nq.gz").read_bytes()))
    fresh = tmp_path / "fresh"
    result = built("load", str(plain), store_path=fresh)
    assert result.code == 0, result.stderr
    diff = built("diff", str(target), "--json", store_path=fresh)
    data = json.loads(diff.stdout)
    assert data["added"] == data["replaced"] == data["removed"] == [] and data["unchanged"] == 5


def test_the_previous_release_is_the_newest_beside_by_date_not_by_name(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from kb.release import write_release

    kb = KnowledgeBase.memory()
    kb.ingest("findings", [examples_dir() / "pooled_ash2007.yaml"])
    folder = tmp_path / "releases"
    for name, month in (("b", 1), ("a", 3), ("c", 2)):
        write_release(kb, folder / name, name, issued=datetime(2026, month, 1, tzinfo=timezone.utc))
    (folder / "c" / "release.json").write_text("{damaged")  # never taken as the previous release
    (folder / "notes").mkdir()  # a folder without a release
    report = write_release(kb, folder / "d", "d")
    assert report.manifest.previous is not None
    assert (report.manifest.previous.version, report.manifest.previous.found) == ("a", "newest beside")
    given = write_release(kb, folder / "e", "e", previous=folder / "b")
    assert given.manifest.previous is not None and (given.manifest.previous.version, given.manifest.previous.found) == ("b", "given")
    assert given.diff.summary() == "0 added, 0 replaced, 0 removed, 1 unchanged"


def test_a_dump_that_does_not_parse_loads_nothing(built: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r" / "1.0"
    release(built, target, "1.0")
    lines = gzip.decompress((target / "kb-1.0.nq.gz").read_bytes()).splitlines(keepends=True)
    broken = tmp_path / "broken.nq"
    broken.write_bytes(b"".join(lines[:100]) + b"<not a quad\n" + b"".join(lines[100:]))
    fresh = tmp_path / "fresh"
    result = built("load", str(broken), store_path=fresh)
    assert result.code == 1 and str(broken) in result.stderr and "nothing was loaded" in result.stderr, result.stderr
    assert not fresh.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".fresh")] == []
