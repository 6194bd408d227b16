"""KGX export: the KB as Biolink nodes and edges, in KGX TSV and KGX JSON Lines.

``write_kgx(kb, directory)`` writes ``nodes.tsv``, ``edges.tsv``, ``nodes.jsonl`` and
``edges.jsonl``. Nodes are the drugs, targets, conditions and adverse events the edges join (their
ontology CURIEs and the vocabulary's Biolink category), the trials the sources cover
(``CLINICALTRIALS:NCT...``) and the publications they cite that have a PMID (a DOI holds "/",
which kgx does not accept in a node id). Edges, one per statement however many sources make it,
with the sources' PMIDs (else DOIs) in ``publications``:

- drug ``biolink:affects`` target, qualified (``biolink:causes``, aspect, direction) from mechanism
  claims; ``biolink:directly_physically_interacts_with`` for a binding claim without a direction;
- drug ``biolink:has_adverse_event`` event, for the drug an arm gets that its comparator does not
  (``queries/network_edges.rq`` decides that);
- drug ``biolink:treats`` condition when a phase 3 randomized trial's primary outcome improved
  significantly with the drug (:func:`supports_treats`), otherwise ``biolink:in_clinical_trials_for``
  for every drug an arm of a trial of that condition gets.

Names that did not resolve have local IRIs with no prefix the Biolink model knows: they are left
out, and so are the edges that need them; :class:`KgxReport` counts both. ``docs/kgx.md`` has the
mapping and how to validate the files with the ``kgx`` package offline.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.curie import compress_iri
from kb.errors import ExportError, KBError
from kb.export import check_output_directory, new_file_mode, write_error
from kb.export.network import iter_rows
from kb.query import run_template
from kb.query.rows import QueryTarget

__all__ = ["KGX_FILES", "NODE_COLUMNS", "EDGE_COLUMNS", "KgxReport", "write_kgx", "supports_treats", "agent_type"]

KGX_FILES = ("nodes.tsv", "edges.tsv", "nodes.jsonl", "edges.jsonl")
NODE_COLUMNS = ("id", "category", "name", "xref", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "qualified_predicate", "object_aspect_qualifier",
    "object_direction_qualifier", "causal_mechanism_qualifier", "publications",
    "primary_knowledge_source", "knowledge_level", "agent_type",
)
_LIST_COLUMNS = frozenset({"category", "xref", "provided_by", "publications"})
_BIOLINK = "https://w3id.org/biolink/vocab/"
# vocabulary.md 1d: only these two mechanism kinds are named as causal_mechanism_qualifier values.
_MECHANISM_QUALIFIERS = {"activation", "inhibition"}
_AGENT_TYPES = {
    "manual_curation": "manual_agent",
    "text_extraction": "text_mining_agent",
    "automatic_extraction": "text_mining_agent",
    "registry_import": "automated_agent",
    "bibliographic_import": "automated_agent",
}
_RATIOS = {"hazard_ratio", "odds_ratio", "risk_ratio"}
# Stable edge ids: the same statement gets the same id in every export.
_EDGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/trial-evidence-kb/kgx/edge")


@dataclass
class KgxReport:
    """What :func:`write_kgx` wrote and what it left out."""

    nodes: int = 0
    edges: int = 0
    nodes_by_category: dict[str, int] = field(default_factory=dict)
    edges_by_predicate: dict[str, int] = field(default_factory=dict)
    left_out_nodes: list[str] = field(default_factory=list)  # local IRIs (unresolved names) with no CURIE
    left_out_edges: int = 0  # statements dropped because an end was left out
    edges_without_publications: int = 0  # every source of the edge lacks a DOI and a PMID
    left_out_publications: list[str] = field(default_factory=list)  # cited DOIs kgx cannot take as node ids
    files: list[Path] = field(default_factory=list)


def agent_type(method: str | None) -> str:
    """The Biolink ``agent_type`` of a finding's extraction method.

    >>> agent_type("manual_curation"), agent_type("text_extraction"), agent_type(None)
    ('manual_agent', 'text_mining_agent', 'not_provided')
    """
    return _AGENT_TYPES.get(method or "", "not_provided")


def _significant(row: Any) -> bool:
    """p < 0.05, or a confidence interval that excludes no effect (1 for ratios, 0 for differences)."""
    if row.p_value is not None:
        relation = row.p_relation or "="
        if (relation == "<" and row.p_value <= 0.05) or (relation in ("=", "<=") and row.p_value < 0.05):
            return True
    if row.ci_lower is not None and row.ci_upper is not None and row.measure:
        null = 1.0 if row.measure in _RATIOS else 0.0
        return row.ci_lower > null or row.ci_upper < null
    return False


def supports_treats(row: Any) -> bool:
    """True when a comparison (a ``kgx_trial_evidence`` row) is evidence for ``biolink:treats``.

    The trial is phase 3 and randomized, the outcome is its primary outcome, the drug is the one
    the experimental arm gets and its comparator does not, the report's verdict for the
    experimental arm is ``improved``, and the difference is significant (:func:`_significant`).
    """
    return (
        row.phase == "3"
        and row.randomized is True
        and row.role == "primary"
        and row.drug_arm_role == "experimental"
        and row.conclusion == "improved"
        and _significant(row)
    )


class _Builder:
    """Collects nodes and edges (merging one statement made by several sources)."""

    def __init__(self, knowledge_source: str) -> None:
        self.knowledge_source = knowledge_source
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple, dict[str, Any]] = {}
        self.left_out: set[str] = set()
        self.left_out_edges = 0
        self.left_out_publications: set[str] = set()

    def node(self, curie: str, category: str, name: str | None, xref: Iterable[str] = ()) -> None:
        record = self.nodes.setdefault(curie, {"id": curie, "category": [category], "provided_by": [self.knowledge_source]})
        if name and "name" not in record:
            record["name"] = name
        xrefs = sorted(set(record.get("xref", [])) | set(xref))
        if xrefs:
            record["xref"] = xrefs

    def edge(self, subject: str | None, predicate: str, obj: str | None, *, publication: str | None, method: str | None, **qualifiers: str | None) -> None:
        if subject is None or obj is None:
            self.left_out_edges += 1
            return
        qualifiers = {k: v for k, v in qualifiers.items() if v}
        agent = agent_type(method)
        key = (subject, predicate, obj, tuple(sorted(qualifiers.items())), agent)
        record = self.edges.get(key)
        if record is None:
            record = {"id": f"urn:uuid:{uuid.uuid5(_EDGE_NAMESPACE, repr(key))}", "subject": subject, "predicate": predicate, "object": obj, **qualifiers,
                      "publications": set(), "primary_knowledge_source": self.knowledge_source,
                      "knowledge_level": "knowledge_assertion", "agent_type": agent}
            self.edges[key] = record
        if publication:
            # A set, sorted when written: an edge that thousands of sources support was sorted per source.
            record["publications"].add(publication)


def write_kgx(target: QueryTarget, directory: Path, *, source_id: str | None = None, knowledge_source: str | None = None) -> KgxReport:
    """Write the KB (or one source) as KGX TSV and JSON Lines files into ``directory``.

    ``knowledge_source`` is the infores CURIE (``infores:...``) every edge gives as its
    ``primary_knowledge_source`` and every node as ``provided_by``: the KB's entry in the
    Translator Information Resource Registry. No such entry is verified for this project yet
    (``../shared/vocabulary.md`` names none), so the caller must give one.
    """
    if not knowledge_source or not knowledge_source.startswith("infores:") or len(knowledge_source) <= len("infores:"):
        raise KBError(f"KGX export needs the KB's infores CURIE for primary_knowledge_source (e.g. --infores infores:NAME), got {knowledge_source!r}")
    check_output_directory(Path(directory))  # before the queries: a bad path fails at once
    sources = {row.source: row for row in run_template(target, "kgx_sources")}
    if source_id is not None and source_id not in sources:
        raise KBError(f"no source {source_id!r} in the store")
    wanted = set(sources) if source_id is None else {source_id}
    builder = _Builder(knowledge_source)
    concepts = _concepts(target)

    def publication_of(source: str) -> str | None:
        row = sources.get(source)
        if row is None:
            return None
        return _publication_curie(row)

    def method_of(source: str) -> str | None:
        row = sources.get(source)
        return row.method if row is not None else None

    def concept_node(iri: str) -> str | None:
        concept = concepts.get(iri)
        curie = compress_iri(iri)
        if concept is None or curie is None:
            builder.left_out.add(iri)
            return None
        builder.node(curie, concept["category"], concept["label"], concept["xref"])
        return curie

    for row in run_template(target, "mechanisms"):
        if row.source not in wanted:
            continue
        subject, obj = concept_node(row.drug_iri), concept_node(row.target_iri)
        if row.direction is None:  # a binding claim (the model requires a direction otherwise)
            builder.edge(subject, "biolink:directly_physically_interacts_with", obj, publication=publication_of(row.source), method=method_of(row.source))
            continue
        builder.edge(
            subject, "biolink:affects", obj, publication=publication_of(row.source), method=method_of(row.source),
            qualified_predicate="biolink:causes", object_aspect_qualifier=row.aspect, object_direction_qualifier=row.direction,
            causal_mechanism_qualifier=row.mechanism if row.mechanism in _MECHANISM_QUALIFIERS else None,
        )

    network = _NetworkFacts.read(target, wanted)
    for subject, obj, source in network.adverse_events:
        builder.edge(concept_node(subject), "biolink:has_adverse_event", concept_node(obj),
                     publication=publication_of(source), method=method_of(source))

    _clinical_edges(target, builder, network, wanted, concept_node, publication_of, method_of)
    _trial_and_publication_nodes(target, builder, network, wanted, sources)
    return _write(builder, Path(directory))


@dataclass
class _NetworkFacts:
    """What KGX needs of the ``network_edges`` rows, read in one pass without holding the rows."""

    adverse_events: list[tuple[str, str, str]] = field(default_factory=list)  # drug, event, source (wanted sources)
    conditions: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # trial -> conditions (any source)
    studied: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))  # (drug, trial) -> sources
    trials: set[str] = field(default_factory=set)  # trials the wanted sources link to

    @classmethod
    def read(cls, target: QueryTarget, wanted: set[str]) -> _NetworkFacts:
        facts = cls()
        for row in iter_rows(target, "network_edges"):
            if row.predicate == "studies":
                facts.conditions[row.subject].add(row.object)
            if row.source not in wanted:
                continue
            if row.subject_kind == "trial":
                facts.trials.add(row.subject)
            elif row.object_kind == "trial":
                facts.trials.add(row.object)
            if row.predicate == "has_adverse_event":
                facts.adverse_events.append((row.subject, row.object, row.source))
            elif row.predicate == "studied_in":
                facts.studied[(row.subject, row.object)].append(row.source)
        return facts


def _concepts(target: QueryTarget) -> dict[str, dict[str, Any]]:
    concepts: dict[str, dict[str, Any]] = {}
    for row in run_template(target, "kgx_concepts"):
        concept = concepts.setdefault(row.concept, {"category": compress_iri(row.category) or "", "label": row.label, "xref": []})
        curie = compress_iri(row.xref) if row.xref else None
        if curie and curie not in concept["xref"]:
            concept["xref"].append(curie)
    return concepts


def _clinical_edges(target: QueryTarget, builder: _Builder, network: _NetworkFacts, wanted: set[str], concept_node, publication_of, method_of) -> None:
    """``treats`` where a comparison supports it, else ``in_clinical_trials_for`` (docs/kgx.md)."""
    treats: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for row in run_template(target, "kgx_trial_evidence"):
        if row.source in wanted and supports_treats(row):
            treats[(row.drug_node, row.condition)].append((row.source, row.method or method_of(row.source)))
    studied: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (drug, trial), trial_sources in network.studied.items():
        for condition in network.conditions.get(trial, ()):
            studied[(drug, condition)].extend(trial_sources)
    for (drug, condition), evidence in sorted(treats.items()):
        for source, method in evidence:
            builder.edge(concept_node(drug), "biolink:treats", concept_node(condition), publication=publication_of(source), method=method)
    for (drug, condition), studied_sources in sorted(studied.items()):
        if (drug, condition) in treats:
            continue
        for source in studied_sources:
            builder.edge(concept_node(drug), "biolink:in_clinical_trials_for", concept_node(condition),
                         publication=publication_of(source), method=method_of(source))


def _trial_and_publication_nodes(target: QueryTarget, builder: _Builder, network: _NetworkFacts, wanted: set[str], sources: dict) -> None:
    trials = network.trials
    for row in run_template(target, "kgx_trials"):
        curie = compress_iri(row.registry)
        if row.trial_node in trials and curie and curie.startswith("CLINICALTRIALS:"):
            builder.node(curie, "biolink:ClinicalTrial", row.label)
    for source in sorted(wanted):
        curie = _publication_curie(sources[source])
        if curie is None:
            continue
        if "/" in curie:
            # kgx 2.x reads a CURIE whose local part holds "/" as no CURIE, so a DOI cannot be a node id
            # there; the DOI stays in the edges' publications, where Biolink expects it.
            builder.left_out_publications.add(curie)
            continue
        builder.node(curie, "biolink:JournalArticle", sources[source].title)


def _publication_curie(row: Any) -> str | None:
    """``PMID:...`` when the publication has a PMID (Biolink's first JournalArticle prefix), else ``doi:...``."""
    return f"PMID:{row.pmid}" if row.pmid else f"doi:{row.doi}" if row.doi else None


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _LIST_COLUMNS:
        return "|".join(value)
    return str(value)


def _write(builder: _Builder, directory: Path) -> KgxReport:
    """Write the four files; each is renamed into place only when all four are written."""
    check_output_directory(directory)
    created = not directory.exists()
    try:
        directory.mkdir(exist_ok=True)
    except OSError as error:
        raise write_error(directory, error) from error
    nodes = [builder.nodes[key] for key in sorted(builder.nodes)]
    edges = sorted(builder.edges.values(), key=lambda e: (e["subject"], e["predicate"], e["object"], e["id"]))
    for edge in edges:
        edge["publications"] = sorted(edge["publications"])
    report = KgxReport(
        nodes=len(nodes), edges=len(edges),
        nodes_by_category=dict(sorted(Counter(n["category"][0] for n in nodes).items())),
        edges_by_predicate=dict(sorted(Counter(e["predicate"] for e in edges).items())),
        left_out_nodes=sorted(builder.left_out), left_out_edges=builder.left_out_edges,
        edges_without_publications=sum(1 for e in edges if not e["publications"]),
        left_out_publications=sorted(builder.left_out_publications),
    )
    partials: list[tuple[Path, Path]] = []  # (temporary, final)
    current = directory
    try:
        for kind, records, columns in (("nodes", nodes, NODE_COLUMNS), ("edges", edges, EDGE_COLUMNS)):
            tsv, jsonl = directory / f"{kind}.tsv", directory / f"{kind}.jsonl"
            for final, writer in ((tsv, _write_tsv), (jsonl, _write_jsonl)):
                current = final
                if final.is_dir():
                    raise ExportError(f"cannot write {final}: it is a directory")
                handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=directory)
                partials.append((Path(name), final))
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                    writer(stream, records, columns)
            report.files += [tsv, jsonl]
        for temporary, final in partials:
            current = final
            os.chmod(temporary, new_file_mode())
            os.replace(temporary, final)
    except OSError as error:
        raise write_error(current, error) from error
    finally:
        for temporary, _ in partials:
            temporary.unlink(missing_ok=True)
        if created and directory.is_dir() and not any(directory.iterdir()):  # a failed export leaves no empty directory it made
            directory.rmdir()
    return report


def _write_tsv(handle: Any, records: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    # KGX reads TSV unquoted (csv.QUOTE_NONE): values hold no tab or newline (_clean).
    handle.write("\t".join(columns) + "\n")
    for record in records:
        handle.write("\t".join(_clean(_cell(column, record.get(column))) for column in columns) + "\n")


def _write_jsonl(handle: Any, records: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    for record in records:
        # Empty lists are left out: KGX reads a missing property as absent, not as "".
        handle.write(json.dumps({k: v for k, v in record.items() if v not in (None, [])}, ensure_ascii=False) + "\n")


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split()) if ("\t" in text or "\n" in text or "\r" in text) else text
