"""``kb ingest FORMAT FILES --emit nquads -o DIR``: mapped sources as N-Quads files, for a big server's bulk loader.

One file per input file (``DIR/<input name>.nq``, a ``-2`` suffix when two inputs share a
name) and ``DIR/vocabulary.nq`` (the vocabulary graph, as ``kb init`` would write it), each
written to ``.part`` and moved into place when its input has been read to its end: an input
that fails halfway leaves no output. Each graph's ``tekb:contentHash`` marker comes after
the file's quads, as in :mod:`kb.ingestion.bulk`. The store is not written (nor read):
publications merge within the run only, and nothing is skipped as unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kb.errors import KBError
from kb.ingestion.spool import Spooler
from kb.ingestion.report import LoadedSource, LoadStatus
from kb.models import FindingsDocument, Publication
from kb.rdf import IriScheme, SourceGraph
from kb.rdf.terms import iri
from kb.store import OxigraphStore
from kb.vocab import Vocabulary
from kb.vocab.stored import ensure_vocabulary

__all__ = ["NQuadsEmitSink"]


class NQuadsEmitSink(Spooler):
    """Writes each input file's sources to ``DIR/<file>.nq`` (and the vocabulary to ``vocabulary.nq``).

    The store is not touched: publications merge within the run only, nothing is skipped as
    unchanged, and each graph's marker comes after its quads. A file that fails halfway leaves
    no output file.
    """

    def __init__(self, directory: str | os.PathLike[str], *, iris: IriScheme, vocabulary: Vocabulary) -> None:
        super().__init__(iris=iris, vocabulary=vocabulary)
        self.directory = Path(directory)
        self.written: list[Path] = []
        self._stream: IO[str] | None = None
        self._part: Path | None = None
        self._target: Path | None = None
        self._markers: list[ox.Quad] = []
        self._vocabulary_ready = False

    def known_publication(self, publication: Publication) -> str | None:
        """The node this run gave ``publication`` (DOI, then PMID), if any."""
        return self._run_publication(publication)

    def unchanged(self, document: FindingsDocument, file: str | None) -> LoadedSource | None:
        """Only a record met before in this run, with the same content, is unchanged."""
        return self._unchanged_in_run(document, iri(self.iris.source_graph(document.source.id)), file)

    def begin_file(self, file: str | None) -> None:
        """Open ``DIR/<stem>.nq.part`` for the file's quads."""
        super().begin_file(file)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise KBError(f"cannot create {self.directory}: {error}") from error
        stem = Path(file).name if file else "records"
        stem = stem.removesuffix(".gz")
        target = self.directory / f"{stem}.nq"
        number = 1
        while target in self.written:
            number += 1
            target = self.directory / f"{stem}-{number}.nq"
        self._target, self._part = target, target.with_name(target.name + ".part")
        self._stream = self._part.open("w", encoding="utf-8", newline="\n")
        self._markers = []

    def write(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        """Append ``mapped``'s quads to the file's output; its marker comes at the file's end."""
        assert self._stream is not None, "write() outside begin_file()/end_file()"
        status = LoadStatus.replaced if mapped.graph in self._hashes else LoadStatus.added
        marker, _count = self._spool(mapped, self._stream)
        if marker is not None:
            self._markers.append(marker)
        self._set_hash(mapped)
        return LoadedSource(mapped.source_id, status, len(mapped.triples), file)

    def end_file(self) -> None:
        """Write the markers and move the file into place (``vocabulary.nq`` before the first)."""
        assert self._stream is not None and self._part is not None and self._target is not None
        if self._file_sources and not self._vocabulary_ready:
            self._write_vocabulary()
        self._stream.write("".join(f"{quad} .\n" for quad in self._markers))
        self._stream.close()
        self._stream = None
        if self._file_sources:
            self._part.replace(self._target)
            self.written.append(self._target)
        else:
            self._part.unlink(missing_ok=True)
        self._file_sources = 0

    def abort_file(self) -> None:
        """Delete the file's partial output."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._part is not None:
            self._part.unlink(missing_ok=True)
        self._undo_file()

    def discard(self) -> None:
        """Nothing to do: each file was written when it ended (a partial one by abort_file)."""

    def finish(self) -> None:
        """Nothing left: each file was written when it ended."""

    def _write_vocabulary(self) -> None:
        scratch = OxigraphStore.memory()
        ensure_vocabulary(scratch, self.iris, self.vocabulary)
        target = self.directory / "vocabulary.nq"
        scratch.dump(target, format="nquads")
        self.written.append(target)
        self._vocabulary_ready = True
