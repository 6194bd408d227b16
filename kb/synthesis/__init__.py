"""Synthesis: pooling a drug's ratio estimates of one outcome across trials, and the forest plot.

>>> from kb import KnowledgeBase
>>> from kb.paths import examples_dir
>>> kb = KnowledgeBase.memory()
>>> _ = kb.ingest("findings", sorted(examples_dir().glob("*.yaml")))
>>> result = synthesize(kb, "lenalidomide", "overall survival")
>>> [(e.trial, round(e.estimate, 4), e.inverted) for e in result.included]
[('MM-009 + MM-010', 0.7722, True)]
>>> [(x.estimate.trial, x.code) for x in result.excluded]
[('MM-009', 'no_ci'), ('MM-009 + MM-010', 'no_estimate')]

:func:`synthesize` reads every comparison of the outcome in the drug's trials (the
``synthesis_estimates`` template), orients each as the drug's arm against its comparator (the
evidence export's rule, ``docs/meta-analysis.md``), keeps one estimate per trial and never the same
patients twice (:mod:`kb.synthesis.selection`), and pools on the log scale with statsmodels
(:mod:`kb.synthesis.pooling`). :func:`forest_plot` draws the result (:mod:`kb.synthesis.forest`).
``docs/synthesis.md`` gives the rules and a worked example.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kb.errors import ParameterError, UnknownTermError
from kb.models import EffectMeasure
from kb.synthesis.model import ROW_COLUMNS, Estimate, Excluded, Heterogeneity, Pooled, Synthesis
from kb.synthesis.pooling import METHODS
from kb.synthesis.selection import SELECT_RULES

if TYPE_CHECKING:
    from kb.query.rows import QueryTarget

__all__ = [
    "synthesize", "forest_plot", "ratio_outcomes", "Synthesis", "Estimate", "Excluded", "Pooled", "Heterogeneity",
    "ROW_COLUMNS", "METHODS", "SELECT_RULES", "RATIO_MEASURES",
]

#: The measures a synthesis pools (on the log scale).
RATIO_MEASURES: tuple[str, ...] = tuple(m.value for m in EffectMeasure if m.is_ratio)


def _resolve(target: QueryTarget, text: str, category: str, option: str) -> tuple[str, str]:
    """(IRI, label) of the concept ``text`` names, as query parameters are resolved."""
    from kb.export.tables import resolve_drug

    if category == "drug":
        drug = resolve_drug(target, text)
        return drug.iri, drug.label
    names = getattr(target, "names", None)
    if names is None:
        raise ParameterError("synthesize needs a KnowledgeBase (its vocabulary resolves the names)")
    try:
        concept = names.resolve(text, category=category, strict=True)
    except UnknownTermError as error:
        raise UnknownTermError(f"{option}: {error}") from error
    if concept is None:  # strict resolution raises instead
        raise UnknownTermError(f"{option}: {text!r} is not in the vocabulary for category {category!r}")
    return concept.iri, concept.label


def synthesize(
    kb: QueryTarget, drug: str, outcome: str, *, measure: str = "hazard_ratio", method: str = "dl", select: str = "latest"
) -> Synthesis:
    """Pool ``drug``'s ``measure`` estimates of ``outcome`` across trials.

    ``drug`` and ``outcome`` are names, synonyms, CURIEs or IRIs (``"Revlimid"``, ``"OS"``).
    ``measure``: one of :data:`RATIO_MEASURES`. ``method``: the random-effects tau² estimator,
    ``"dl"`` (DerSimonian-Laird) or ``"pm"`` (Paule-Mandel). ``select``: which analysis of a trial
    is used when it has several, ``"latest"`` or ``"earliest"``.

    Every estimate is the drug's arm against its comparator: one reported the other way round
    (ASH 2007: dexamethasone alone against the combination) is inverted, and says so
    (``Estimate.inverted``, ``inverted_reason``). Estimates without a CI, of another measure, of a
    trial already represented, or of a pooled population whose trials are pooled on their own (or
    a trial inside a pooled population that is) are in ``Synthesis.excluded`` with the reason.

    :raises UnknownTermError: for a drug or outcome no vocabulary of the KB knows.
    :raises ParameterError: for an unknown measure, method or selection rule.
    """
    if measure not in RATIO_MEASURES:
        raise ParameterError(f"measure must be a ratio measure ({', '.join(RATIO_MEASURES)}), not {measure!r}")
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)} (DerSimonian-Laird, Paule-Mandel), not {method!r}")
    if select not in SELECT_RULES:
        raise ParameterError(f"select must be one of {', '.join(SELECT_RULES)}, not {select!r}")
    from kb.synthesis.estimates import collect
    from kb.synthesis.pooling import pool
    from kb.synthesis.selection import choose

    drug_iri, drug_label = _resolve(kb, drug, "drug", "--drug")
    outcome_iri, outcome_label = _resolve(kb, outcome, "outcome", "--outcome")
    found = list(collect(kb, drug_iri, drug_label, outcome_iri))
    estimates = [e for e in found if isinstance(e, Estimate)]
    oriented_out = [e for e in found if isinstance(e, Excluded)]
    included, excluded = choose(estimates, measure, select)
    excluded = oriented_out + excluded
    notes: list[str] = []
    if not included:
        notes.append(f"no {measure.replace('_', ' ')} of {outcome_label} for {drug_label} with a confidence interval: nothing pooled")
        return Synthesis(drug_label, drug_iri, outcome_label, outcome_iri, measure, method, select, [], excluded, None, None, None, notes)
    result = pool([e.log_estimate for e in included], [e.se for e in included], method)  # type: ignore[misc]  # screened: both set
    included = [replace(e, weight_fixed=wf, weight_random=wr) for e, wf, wr in zip(included, result.weights_fixed, result.weights_random)]
    if len(included) == 1:
        notes.append("one estimate: the pooled figures are that estimate, and heterogeneity cannot be assessed")
    if any(e.inverted for e in included):
        notes.append(f"estimates reported the other way round (comparator against {drug_label}) were inverted before pooling")
    return Synthesis(drug_label, drug_iri, outcome_label, outcome_iri, measure, method, select, included, excluded,
                     result.fixed, result.random, result.heterogeneity, notes)


def ratio_outcomes(kb: QueryTarget, drug: str) -> list[tuple[str, str]]:
    """The (outcome, measure) pairs with at least one ratio estimate in ``drug``'s trials, sorted:
    what a drug page can call :func:`synthesize` on (read with the ``outcome_results`` template).

    >>> from kb import KnowledgeBase
    >>> from kb.paths import examples_dir
    >>> kb = KnowledgeBase.memory()
    >>> _ = kb.ingest("findings", sorted(examples_dir().glob("*.yaml")))
    >>> ratio_outcomes(kb, "lenalidomide")
    [('overall survival', 'hazard_ratio')]

    :raises UnknownTermError: for a drug no vocabulary of the KB knows.
    """
    from kb.query import run_template

    found = {
        (row.outcome, row.statistic)
        for row in run_template(kb, "outcome_results", {"drug": drug})
        if row.kind == "comparison" and row.statistic in RATIO_MEASURES and row.value is not None and row.outcome
    }
    return sorted(found)


def forest_plot(result: Synthesis, fmt: str = "svg") -> bytes:
    """The forest plot of ``result`` as SVG or PNG bytes (:func:`kb.synthesis.forest.forest_plot`)."""
    from kb.synthesis.forest import forest_plot as draw

    return draw(result, fmt)
