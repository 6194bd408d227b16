"""Spooling mapped sources as N-Quads: what the bulk store sink and the N-Quads emitter share.

Each source's quads but its ``tekb:contentHash`` marker go to a text stream (the marker is
written last, see :mod:`kb.ingestion.bulk`); the publications a run spools are remembered by
DOI and PMID so that later records of the run merge with them before anything is in a store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kb.ingestion.report import LoadedSource, LoadStatus
from kb.models import FindingsDocument, Publication
from kb.namespaces import FABIO, PRISM, TEKB
from kb.rdf import IriScheme, SourceGraph
from kb.rdf.document import content_hash
from kb.rdf.terms import iri
from kb.vocab import Vocabulary

__all__ = ["Spooler"]

_CONTENT_HASH = iri(TEKB.contentHash)
_DOI = iri(PRISM.doi)
_PMID = iri(FABIO.hasPubMedId)


def _line(triple: ox.Triple, graph: str) -> str:
    return f"{triple.subject} {triple.predicate} {triple.object} {graph} .\n"


@dataclass
class _Chunk:
    """Spooled quads that load after ``drops`` (graphs replaced by them) are dropped."""

    path: Path
    stream: IO[str]
    drops: set[ox.NamedNode] = field(default_factory=set)
    quads: int = 0


class Spooler:
    """What the store and emit sinks share: spooling, in-run publication lookups, the file scope."""

    def __init__(self, *, iris: IriScheme, vocabulary: Vocabulary) -> None:
        self.iris = iris
        self.vocabulary = vocabulary
        self._publications: dict[tuple[str, str], str] = {}  # (doi|pmid, value) -> node, this run
        self._hashes: dict[ox.NamedNode, tuple[str, int]] = {}  # (content hash, triples) of each source this run wrote
        # the current file, undone by abort_file
        self._file: str | None = None
        self._file_publications: list[tuple[str, str]] = []
        self._file_hashes: dict[ox.NamedNode, tuple[str, int] | None] = {}  # previous value in _hashes
        self._file_sources = 0

    # -- publications --------------------------------------------------------------------------
    def _run_publication(self, publication: Publication) -> str | None:
        for kind, value in (("doi", publication.doi), ("pmid", publication.pmid)):
            if value is not None and (kind, value) in self._publications:
                return self._publications[(kind, value)]
        return None

    def _remember(self, triple: ox.Triple) -> None:
        kind = "doi" if triple.predicate == _DOI else "pmid"
        key = (kind, triple.object.value)  # type: ignore[union-attr]  # a literal, as the mapping makes it
        if key not in self._publications and isinstance(triple.subject, ox.NamedNode):
            self._publications[key] = triple.subject.value
            self._file_publications.append(key)

    # -- the file scope ------------------------------------------------------------------------
    def begin_file(self, file: str | None) -> None:
        """Start a file: what follows is kept only if :meth:`end_file` is called."""
        self._file = file
        self._file_publications = []
        self._file_hashes = {}
        self._file_sources = 0

    def _set_hash(self, mapped: SourceGraph) -> None:
        graph = mapped.graph
        if graph not in self._file_hashes:
            self._file_hashes[graph] = self._hashes.get(graph)
        self._hashes[graph] = (mapped.content_hash, len(mapped.triples))

    def _unchanged_in_run(self, document: FindingsDocument, graph: ox.NamedNode, file: str | None) -> LoadedSource | None:
        """A report when this run wrote ``document``'s content already (None: not written, or other content)."""
        held = self._hashes.get(graph)
        if held is None or held[0] != content_hash(document, self.vocabulary.fingerprint):
            return None
        self._file_sources += 1
        return LoadedSource(document.source.id, LoadStatus.unchanged, held[1], file)

    def _undo_file(self) -> None:
        for key in self._file_publications:
            self._publications.pop(key, None)
        for graph, previous in self._file_hashes.items():
            if previous is None:
                self._hashes.pop(graph, None)
            else:
                self._hashes[graph] = previous
        self._file_publications, self._file_hashes, self._file_sources = [], {}, 0

    def _spool(self, mapped: SourceGraph, stream: IO[str]) -> tuple[ox.Quad | None, int]:
        """Write ``mapped``'s quads but its marker to ``stream``; return the marker and the count."""
        graph = mapped.graph
        name = str(graph)
        marker = None
        lines = []
        for triple in mapped.triples:
            predicate = triple.predicate
            if predicate == _CONTENT_HASH and triple.subject == graph:
                marker = ox.Quad(triple.subject, predicate, triple.object, graph)
                continue
            if predicate == _DOI or predicate == _PMID:
                self._remember(triple)
            lines.append(_line(triple, name))
        stream.write("".join(lines))
        self._file_sources += 1
        return marker, len(lines)
