"""The ingestion runner: readers and fetchers yield records, the runner maps them, a sink keeps them.

Parts are passed in (the koza idea): a :class:`~kb.readers.Reader` or
:class:`~kb.readers.Fetcher` yields validated records, the runner maps each to its source
graph with the KB's IRI scheme and vocabulary, and hands it to a :class:`~kb.ingestion.sinks.Sink`
(the store, or a list in tests). What happened comes back as a :class:`LoadReport`; nothing
here prints.

A run reads all its input before it writes: each file is read to its end first (streamed,
nothing kept), so a file that turns out malformed halfway loads nothing; fetched records are
all fetched before the first is written. Single bad records are skipped and reported, and do
not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from kb.errors import KBError
from kb.ingestion.report import LoadReport
from kb.ingestion.sinks import Sink, StoreSink
from kb.models import FindingsDocument
from kb.rdf import IriScheme, document_to_graph
from kb.readers import Fetcher, Reader, ReadNote, SkippedRecord
from kb.store import StoreBackend
from kb.vocab import Vocabulary

__all__ = ["IngestRunner", "ProgressHook", "Advance", "load_documents"]

#: Advances a progress display by one record.
Advance = Callable[[], None]
#: ``(label, total) -> advance``: starts a progress display for one phase of a run.
ProgressHook = Callable[[str, int], Advance]


def _no_progress(_label: str, _total: int) -> Advance:
    return lambda: None


class IngestRunner:
    """Maps records from readers and fetchers into source graphs and hands them to a sink."""

    def __init__(
        self,
        sink: Sink,
        *,
        iris: IriScheme,
        vocabulary: Vocabulary,
        generated_at: datetime | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self.sink = sink
        self.iris = iris
        self.vocabulary = vocabulary
        self.generated_at = generated_at
        self.progress = progress or _no_progress

    def load(self, documents: Iterable[tuple[str | None, FindingsDocument]]) -> LoadReport:
        """Map and keep each ``(file name, document)``; a failing source is reported, the rest go on."""
        report = LoadReport()
        for file_name, document in documents:
            try:
                mapped = document_to_graph(
                    document,
                    iris=self.iris,
                    resolve=self._resolve,
                    source_file=Path(file_name).name if file_name else None,
                    generated_at=self.generated_at,
                    known_publication=self.sink.known_publication,
                    vocabulary_fingerprint=self.vocabulary.fingerprint,
                )
                loaded = self.sink.write(mapped, file_name)
            except KBError as error:
                report.failed.append((file_name or document.source.id, str(error)))
                continue
            report.loaded.append(loaded)
            if loaded.status.value != "unchanged":
                report.unresolved.extend(mapped.unresolved)
        self.sink.finish()
        return report

    def _resolve(self, text: str, category: str) -> str | None:
        concept = self.vocabulary.resolve(text, category=category)
        return concept.iri if concept else None

    def ingest_files(self, reader: Reader, paths: Iterable[Path], *, label: str | None = None) -> LoadReport:
        """Read ``paths`` with ``reader`` and load every record that validates.

        Each file is read to its end first, so a file that cannot be read loads nothing and is
        reported; then the readable files are read again and loaded record by record.
        """
        failures: list[tuple[str, str]] = []
        notes: list[str] = []
        readable: list[tuple[Path, int]] = []
        for path in paths:
            try:
                good, skipped, file_notes = _survey(reader, path, self.vocabulary)
            except KBError as error:
                failures.append((str(path), str(error)))
                continue
            failures.extend((str(path), str(record)) for record in skipped)
            notes.extend(file_notes)
            readable.append((path, good))

        def documents() -> Iterator[tuple[str | None, FindingsDocument]]:
            for path, _ in readable:
                for item in reader.read(path, vocabulary=self.vocabulary):
                    if isinstance(item, FindingsDocument):
                        yield str(path), item

        total = sum(count for _, count in readable)
        report = self.load(_counted(self.progress(label or f"ingest {reader.name}", total), documents()))
        report.failed[:0] = failures
        report.notes.extend(notes)
        return report

    def ingest_fetched(
        self, fetcher: Fetcher, identifiers: list[str], *, keep: dict[str, FindingsDocument] | None = None
    ) -> LoadReport:
        """Fetch records by identifier and load them.

        Identifiers are checked before any request; everything is fetched (through the
        fetcher's cache) before anything is written, so a failed fetch leaves the store as it
        was. ``keep``, when given, receives the fetched documents by source id.
        """
        failures: list[tuple[str, str]] = []
        notes: list[str] = []
        fetched: list[tuple[str | None, FindingsDocument]] = []
        advance = self.progress(f"fetch {fetcher.name}", len(identifiers))
        for item in fetcher.fetch(identifiers, vocabulary=self.vocabulary):
            if isinstance(item, SkippedRecord):
                failures.append((item.location, str(item)))
            elif isinstance(item, ReadNote):
                notes.append(str(item))
            else:
                fetched.append((f"{fetcher.name}:{item.source.id}", item))
                if keep is not None:
                    keep[item.source.id] = item
            advance()
        report = self.load(_counted(self.progress(f"ingest {fetcher.name}", len(fetched)), fetched))
        report.failed[:0] = failures
        report.notes.extend(notes)
        return report


def _survey(reader: Reader, path: Path, vocabulary: Vocabulary) -> tuple[int, list[SkippedRecord], list[str]]:
    """Read ``path`` to its end: how many records are good, which were skipped, the notes."""
    good = 0
    skipped: list[SkippedRecord] = []
    notes: list[str] = []
    for item in reader.read(path, vocabulary=vocabulary):
        if isinstance(item, SkippedRecord):
            skipped.append(item)
        elif isinstance(item, ReadNote):
            notes.append(str(item))
        else:
            good += 1
    return good, skipped, notes


def _counted(advance: Advance, items: Iterable[tuple[str | None, FindingsDocument]]) -> Iterator[tuple[str | None, FindingsDocument]]:
    for item in items:
        yield item
        advance()


def load_documents(
    store: StoreBackend,
    documents: Iterable[tuple[str | None, FindingsDocument]],
    *,
    iris: IriScheme,
    vocabulary: Vocabulary,
    generated_at: datetime | None = None,
) -> LoadReport:
    """Load documents already read into ``store``, each as one source graph (a :class:`StoreSink` run).

    ``vocabulary`` is used as given: pass ``KnowledgeBase.vocabulary`` to include the user
    vocabularies the store holds (``KnowledgeBase.load`` does).
    """
    sink = StoreSink(store, iris=iris, vocabulary=vocabulary)
    return IngestRunner(sink, iris=iris, vocabulary=vocabulary, generated_at=generated_at).load(documents)
