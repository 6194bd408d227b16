"""A release's description in VoID and DCAT (Turtle), built as an rdflib graph.

The release is a ``void:Dataset`` and a ``dcat:Dataset`` at its URL (``kb release --url``; by
default ``{KB base}release/{version}/``), with:

- title, version (``dcat:version``, DCAT 3), issue time, the previous release
  (``dcat:previousVersion``) and the software that wrote it (PROV: a ``prov:SoftwareAgent`` with
  its ``owl:versionInfo``);
- counts: ``void:triples`` (distinct triples), class partitions with ``void:entities`` for source
  graphs, publications, trials and each kind of finding; within each kind of finding, one subset
  per curation status (``dcterms:title`` names it, ``void:entities`` counts it);
- ``void:dataDump`` (the N-Quads file) and one ``dcat:Distribution`` per file, with its
  ``dcat:downloadURL``, ``dcat:byteSize``, ``dcat:mediaType`` (IANA), ``dcat:compressFormat`` for
  gzip, and its SHA-256 as an ``spdx:checksum`` (the DCAT 3 way).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, VOID, XSD

from kb.namespaces import FABIO, OBO, TEKB_NS
from kb.release.manifest import FileEntry, Manifest

__all__ = ["VOID_FILE", "media_type", "describe", "write_void"]

VOID_FILE = "void.ttl"
#: DCAT 3 terms that rdflib's (DCAT 2) namespace lacks.
DCAT3 = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
TEKB = Namespace(TEKB_NS)
_IANA = "https://www.iana.org/assignments/media-types/"

#: Media types by file name ending (longest ending first); the compression, if any.
_MEDIA_TYPES: tuple[tuple[str, str, str | None], ...] = (
    (".nq.gz", "application/n-quads", "application/gzip"),
    (".nq", "application/n-quads", None),
    (".tsv", "text/tab-separated-values", None),
    (".jsonl", "application/jsonl", None),
    (".csv", "text/csv", None),
    (".json", "application/json", None),
    (".md", "text/markdown", None),
    (".ttl", "text/turtle", None),
)

#: The classes counted as class partitions, by the manifest's count name.
_CLASS_COUNTS = (
    ("sources", TEKB.SourceGraph, "source graphs (one per source record)"),
    ("publications", FABIO.JournalArticle, "publications"),
    ("trials", OBO.OBI_0003699, "trials (pooled populations excluded)"),
)
_FINDING_CLASSES = {
    "outcome_results": (TEKB.OutcomeResult, "outcome results"),
    "adverse_event_results": (TEKB.AdverseEventResult, "adverse event results"),
    "mechanism_claims": (TEKB.MechanismClaim, "mechanism claims"),
}


def media_type(path: str) -> tuple[str, str | None]:
    """The media type of a release file and its compression, by its name.

    >>> media_type("kb-1.0.nq.gz")
    ('application/n-quads', 'application/gzip')
    """
    for ending, kind, compression in _MEDIA_TYPES:
        if path.endswith(ending):
            return kind, compression
    return "application/octet-stream", None


def describe(manifest: Manifest, url: str, *, dump: str, previous_url: str | None = None) -> Graph:
    """The VoID/DCAT graph of the release ``manifest`` published at ``url`` (ending in ``/``).

    ``dump`` is the N-Quads file's path in the release; ``previous_url`` the previous release's URL.
    """
    graph = Graph()
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("prov", PROV), ("spdx", SPDX),
                              ("tekb", TEKB), ("fabio", FABIO), ("obo", OBO), ("owl", OWL)):
        graph.bind(prefix, namespace)
    dataset = URIRef(url)
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.title, Literal(f"{manifest.title}, version {manifest.version}", lang="en")))
    add((dataset, DCTERMS.description, Literal(
        "A dated release of a knowledge base of clinical-trial evidence: every named graph (one per source record) "
        "as N-Quads, with KGX files and evidence tables exported from the same store.", lang="en")))
    add((dataset, DCAT3.version, Literal(manifest.version)))
    add((dataset, OWL.versionInfo, Literal(manifest.version)))
    add((dataset, DCTERMS.issued, Literal(manifest.issued, datatype=XSD.dateTime)))
    if previous_url is not None:
        add((dataset, DCAT3.previousVersion, URIRef(previous_url)))
    activity, software = BNode(), BNode()
    add((dataset, PROV.wasGeneratedBy, activity))
    add((activity, RDF.type, PROV.Activity))
    add((activity, PROV.endedAtTime, Literal(manifest.issued, datatype=XSD.dateTime)))
    add((activity, PROV.wasAssociatedWith, software))
    add((software, RDF.type, PROV.SoftwareAgent))
    add((software, RDFS.label, Literal("trial-evidence-kb")))
    add((software, OWL.versionInfo, Literal(manifest.software_version)))
    add((dataset, VOID.triples, Literal(manifest.counts.get("triples", 0), datatype=XSD.integer)))
    add((dataset, VOID.dataDump, URIRef(url + dump)))
    for name, cls, label in _CLASS_COUNTS:
        _partition(graph, dataset, cls, manifest.counts.get(name, 0), label)
    for kind, (cls, label) in _FINDING_CLASSES.items():
        partition = _partition(graph, dataset, cls, manifest.counts.get(kind, 0), label)
        for entry in manifest.findings:
            if entry.kind == kind:
                subset = BNode()
                add((partition, VOID.subset, subset))
                add((subset, RDF.type, VOID.Dataset))
                add((subset, DCTERMS.title, Literal(f"{label}, curation status {entry.status}", lang="en")))
                add((subset, VOID.entities, Literal(entry.count, datatype=XSD.integer)))
    for file in manifest.files:
        _distribution(graph, dataset, url, file)
    return graph


def _partition(graph: Graph, dataset: URIRef, cls: URIRef, count: int, label: str) -> BNode:
    partition = BNode()
    graph.add((dataset, VOID.classPartition, partition))
    graph.add((partition, VOID["class"], cls))
    graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    graph.add((partition, DCTERMS.title, Literal(label, lang="en")))
    return partition


def _distribution(graph: Graph, dataset: URIRef, url: str, entry: FileEntry) -> None:
    node = URIRef(f"{url}{entry.path}")
    kind, compression = media_type(entry.path)
    checksum = BNode()
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(entry.path)))
    graph.add((node, DCAT.downloadURL, node))
    graph.add((node, DCAT.byteSize, Literal(entry.bytes, datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCAT.mediaType, URIRef(_IANA + kind)))
    if compression is not None:
        graph.add((node, DCAT.compressFormat, URIRef(_IANA + compression)))
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(entry.sha256, datatype=XSD.hexBinary)))


def write_void(graph: Graph, path: Path) -> None:
    """Write the description as Turtle."""
    path.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
