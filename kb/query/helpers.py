"""One keyword-only function per catalogue template, for use from Python.

>>> from kb.store import OxigraphStore
>>> mechanisms(OxigraphStore.memory(), drug="Revlimid")
[]
"""

from __future__ import annotations

from kb.query.binding import ConceptResolver
from kb.query.rows import QueryTarget, Row, run_template

__all__ = ["publication", "outcome_results", "adverse_events", "mechanisms", "drugs_for_target", "trial_reports", "provenance", "stats"]


def publication(kb: QueryTarget, *, doi: str | None = None, pmid: str | None = None) -> list[Row]:
    """A publication's record and its authors in order, by DOI or PMID (``publication.rq``)."""
    return run_template(kb, "publication", {"doi": doi, "pmid": pmid})


def outcome_results(
    kb: QueryTarget,
    *,
    drug: str | None = None,
    outcome: str | None = None,
    trial: str | None = None,
    doi: str | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[Row]:
    """Arm measurements and comparisons by drug, outcome, trial or report (``outcome_results.rq``)."""
    params = {"drug": drug, "outcome": outcome, "trial": trial, "doi": doi}
    return run_template(kb, "outcome_results", params, vocabulary=vocabulary)


def adverse_events(
    kb: QueryTarget,
    *,
    drug: str | None = None,
    event: str | None = None,
    trial: str | None = None,
    min_grade: int | None = None,
    min_incidence: float | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[Row]:
    """Adverse events of a drug's arms beside comparator arms, above thresholds (``adverse_events.rq``)."""
    params = {"drug": drug, "event": event, "trial": trial, "min_grade": min_grade, "min_incidence": min_incidence}
    return run_template(kb, "adverse_events", params, vocabulary=vocabulary)


def mechanisms(
    kb: QueryTarget,
    *,
    drug: str | None = None,
    target: str | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[Row]:
    """Mechanism claims for a drug, a target or both (``mechanisms.rq``)."""
    return run_template(kb, "mechanisms", {"drug": drug, "target": target}, vocabulary=vocabulary)


def drugs_for_target(kb: QueryTarget, *, target: str, vocabulary: ConceptResolver | None = None) -> list[Row]:
    """Drugs said to act on a target and their between-arm results (``drugs_for_target.rq``)."""
    return run_template(kb, "drugs_for_target", {"target": target}, vocabulary=vocabulary)


def trial_reports(kb: QueryTarget, *, trial: str) -> list[Row]:
    """The sources reporting a trial, with their analyses (``trial_reports.rq``)."""
    return run_template(kb, "trial_reports", {"trial": trial})


def provenance(kb: QueryTarget, *, finding: str | None = None, source: str | None = None) -> list[Row]:
    """Provenance of a finding (by IRI) or of a source (by id) (``provenance.rq``)."""
    return run_template(kb, "provenance", {"finding": finding, "source": source})


def stats(kb: QueryTarget) -> Row:
    """The knowledge base's counts, as one row (``stats.rq``).

    >>> from kb.store import OxigraphStore
    >>> stats(OxigraphStore.memory()).quads
    0
    """
    return run_template(kb, "stats")[0]
