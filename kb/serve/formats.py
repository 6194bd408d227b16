"""Results formats of the SPARQL endpoint and HTTP content negotiation.

SELECT and ASK answer in the SPARQL 1.1 results formats (JSON, XML, CSV, TSV); CONSTRUCT and
DESCRIBE in RDF formats (Turtle, N-Triples, RDF/XML, JSON-LD). The client picks by ``Accept``
(q-values honoured) or, for browsers and clients that cannot set headers, by a ``format=``
parameter naming a format (``json``, ``csv``, ``turtle``, SPARQLWrapper's ``rdf+xml`` ...) or a
media type. Oxigraph writes every format.

>>> negotiate(RESULTS_FORMATS, "text/csv;q=0.5, application/sparql-results+xml").name
'xml'
>>> negotiate(GRAPH_FORMATS, "*/*", "json").name
'jsonld'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kb.errors import KBError

__all__ = ["Format", "RESULTS_FORMATS", "GRAPH_FORMATS", "NotAcceptable", "negotiate", "parse_accept"]


class NotAcceptable(KBError):
    """No format the endpoint writes is acceptable to the client (HTTP 406)."""


@dataclass(frozen=True)
class Format:
    """One format: its short name, the media type it is served as, other media types and names it
    answers to, and Oxigraph's format."""

    name: str
    media_type: str
    also: tuple[str, ...]
    names: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat | None = None

    @property
    def rdf(self) -> ox.RdfFormat:
        """Oxigraph's RDF format (for CONSTRUCT and DESCRIBE)."""
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise TypeError(f"{self.name} is a results format, not an RDF format")
        return self.oxigraph

    @property
    def results(self) -> ox.QueryResultsFormat:
        """Oxigraph's results format (for SELECT and ASK)."""
        if not isinstance(self.oxigraph, ox.QueryResultsFormat):
            raise TypeError(f"{self.name} is an RDF format, not a results format")
        return self.oxigraph

    def matches_name(self, value: str) -> bool:
        """Whether ``format=value`` names this format (by short name or media type)."""
        value = value.strip().lower()
        return value in self.names or value == self.media_type or value in self.also


#: SELECT and ASK, in the order the endpoint prefers them when the client has no preference.
RESULTS_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json", "text/javascript", "application/javascript"), ("json", "srj"), ox.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("xml", "srx"), ox.QueryResultsFormat.XML),
    Format("csv", "text/csv", (), ("csv",), ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", (), ("tsv",), ox.QueryResultsFormat.TSV),
)

#: CONSTRUCT and DESCRIBE, in the order of preference. ``format=json``/``xml`` (what
#: SPARQLWrapper sends for any query form) select JSON-LD and RDF/XML here.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"), ("turtle", "ttl", "n3"), ox.RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", ("text/plain",), ("ntriples", "nt", "n-triples"), ox.RdfFormat.N_TRIPLES),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), ("rdfxml", "rdf+xml", "rdf", "xml"), ox.RdfFormat.RDF_XML),
    Format("jsonld", "application/ld+json", ("application/json",), ("jsonld", "json-ld", "json"), ox.RdfFormat.JSON_LD),
)


def parse_accept(header: str) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their q-values (parameters other than q dropped).

    >>> parse_accept("text/html, application/xml;q=0.9, */*;q=0.8")
    [('text/html', 1.0), ('application/xml', 0.9), ('*/*', 0.8)]
    """
    ranges = []
    for part in header.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else f"{media}/*"
        quality = 1.0
        for parameter in pieces[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0  # a malformed q is not a preference for the range
        ranges.append((media, quality))
    return ranges


def _quality(fmt: Format, ranges: list[tuple[str, float]]) -> float:
    """The q-value the client gives ``fmt``: that of the most specific range matching one of its
    media types (an exact type beats ``type/*``, which beats ``*/*``)."""
    best_specificity, best_quality = 0, 0.0
    for media in (fmt.media_type, *fmt.also):
        kind = media.split("/")[0]
        for media_range, quality in ranges:
            specificity = 3 if media_range == media else 2 if media_range == f"{kind}/*" else 1 if media_range == "*/*" else 0
            if specificity > best_specificity or (specificity and specificity == best_specificity and quality > best_quality):
                best_specificity, best_quality = specificity, quality
    return best_quality


def negotiate(formats: tuple[Format, ...], accept: str | None, requested: str | None = None) -> Format:
    """The format to answer in: the one ``requested`` (``format=``) names, else the one the
    ``Accept`` header ranks highest (ties go to the endpoint's order), else the first.

    :raises NotAcceptable: when ``requested`` names no format of ``formats``, or ``Accept``
        accepts none of them.
    """
    if requested:
        for fmt in formats:
            if fmt.matches_name(requested):
                return fmt
        raise NotAcceptable(f"format {requested!r} is not one of {', '.join(f.name for f in formats)} for this query form")
    if not accept or not accept.strip():
        return formats[0]
    ranges = parse_accept(accept)
    scored = [(_quality(fmt, ranges), -index, fmt) for index, fmt in enumerate(formats)]
    quality, _, chosen = max(scored, key=lambda item: item[:2])
    if quality <= 0:
        offered = ", ".join(f.media_type for f in formats)
        raise NotAcceptable(f"none of the accepted media types ({accept}) can be written for this query form; offered: {offered}")
    return chosen
