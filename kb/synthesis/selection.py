"""Which estimates a synthesis pools: never the same patients twice.

The rules, in order (each estimate left out gets the first reason that applies):

1. **What the row holds.** An estimate of another measure than the one asked for, a comparison
   without an estimate (a p-value only), an estimate without a confidence interval, or one whose
   interval does not hold it, is listed and not pooled.
2. **One estimate per trial.** Reports of one trial (the same trial IRI, or the same label in upper
   case, but never two different registry ids) give one estimate, chosen among those rule 1 kept (a later analysis without a CI does
   not displace an earlier one with it): the latest analysis by default (``select="latest"``), or the
   earliest (``"earliest"``). An analysis is dated by its data cut-off, else by its publication's
   date; ties go to the later kind of analysis (interim, primary, unblinding, final, updated,
   long-term follow-up), then to the source id, so the choice does not depend on the store's order.
3. **A pooled population is not pooled with the trials it pools.** When every trial a pooled
   population pools has its own estimate, the trials are pooled and the pooled population is left
   out; when some do not, the pooled population is pooled (it holds more of the patients) and the
   trials it pools are left out. Two pooled populations sharing a trial: the one that pools more
   trials is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kb.synthesis.model import Estimate, Excluded

__all__ = ["SELECT_RULES", "KIND_ORDER", "choose", "unit_tokens"]

#: The ways of choosing one estimate per trial.
SELECT_RULES: tuple[str, ...] = ("latest", "earliest")
#: Analysis kinds from the earliest to the latest (ties between analyses of the same date).
KIND_ORDER: tuple[str, ...] = ("interim", "primary", "unblinding", "final", "updated", "long_term_follow_up")


def is_registry_iri(iri: str) -> bool:
    """Whether a trial IRI is made from a registry id (``{base}trial/NCT00056160``), not local to one
    source (``{base}trial/{source}/{key}``) or a pooled population (``{base}trial/pooled/...``).

    >>> is_registry_iri("https://w3id.org/trial-evidence-kb/id/trial/NCT00056160")
    True
    >>> is_registry_iri("https://w3id.org/trial-evidence-kb/id/trial/synthetic-demo-b/b")
    False
    """
    _, found, rest = iri.rpartition("/trial/")
    return bool(found) and "/" not in rest and not rest.startswith("pooled")


def unit_tokens(estimate: Estimate) -> set[str]:
    """What identifies the trial (or pooled population) of ``estimate``: its IRI and its label in
    upper case, unless the label is only the key of a source's local trial (``t`` in ``.../trial/src/t``)."""
    tokens = {estimate.trial_iri}
    if not estimate.trial_iri.endswith("/" + estimate.trial):
        tokens.add(f"label:{estimate.trial.upper()}")
    return tokens


def _registries(tokens: set[str]) -> set[str]:
    return {t for t in tokens if is_registry_iri(t)}


def same_trial(left: set[str], right: set[str]) -> bool:
    """Whether two token sets name one trial: they share a token, and do not hold two different
    registry ids (two registered trials are never one, whatever their labels).

    >>> same_trial({"x/trial/NCT1", "label:T"}, {"x/trial/NCT2", "label:T"})
    False
    >>> same_trial({"x/trial/NCT1", "label:MM-009"}, {"x/trial/src/mm9", "label:MM-009"})
    True
    """
    if not left & right:
        return False
    registered, other = _registries(left), _registries(right)
    return not (registered and other and not registered & other)


def component_tokens(estimate: Estimate) -> set[str]:
    """What identifies the trials a pooled population pools: their IRIs and labels in upper case."""
    return set(estimate.pools) | {f"label:{name.upper()}" for name in estimate.pooled_trials}


def _is_component(unit_tokens_: set[str], pooled: Estimate) -> bool:
    """Whether a trial (its tokens) is one a pooled population pools: by IRI; by label only when the
    trial is not registered or the pooled population names a trial by a local IRI (labels alone
    would join registered trials that share a generic label)."""
    if unit_tokens_ & set(pooled.pools):
        return True
    labels = {f"label:{name.upper()}" for name in pooled.pooled_trials}
    if not unit_tokens_ & labels:
        return False
    return not _registries(unit_tokens_) or not all(is_registry_iri(iri) for iri in pooled.pools)


def analysis_order(estimate: Estimate) -> tuple[str, int, str, str, str]:
    """The sort key of "later": cut-off (else publication date), kind of analysis, publication date, source, comparison."""
    kind = KIND_ORDER.index(estimate.analysis) if estimate.analysis in KIND_ORDER else -1
    return (estimate.cutoff or estimate.date or "", kind, estimate.date or "", estimate.source, estimate.comparison)


def _figure(estimate: Estimate) -> str:
    value = f"{estimate.estimate:.4g}" if estimate.estimate is not None else "no estimate"
    if estimate.p_value is not None:
        value += f", p {estimate.p_relation or '='} {estimate.p_value:g}"
    return value


def _readable(measure: str) -> str:
    return measure.replace("_", " ")


def screen(estimate: Estimate, measure: str) -> Excluded | None:
    """Rule 1: why ``estimate`` cannot be pooled as it stands, or None when it can."""
    if estimate.measure is None and estimate.estimate is None:
        p = f" (p {estimate.p_relation or '='} {estimate.p_value:g} only)" if estimate.p_value is not None else ""
        return Excluded(estimate, "no_estimate", f"no {_readable(measure)} reported{p}")
    if estimate.measure != measure:
        return Excluded(estimate, "other_measure", f"a {_readable(estimate.measure or 'measure not stated')}, not a {_readable(measure)}")
    if estimate.estimate is None:
        return Excluded(estimate, "no_estimate", f"no {_readable(measure)} value reported")
    if estimate.ci_lower is None or estimate.ci_upper is None:
        return Excluded(estimate, "no_ci", f"no confidence interval ({_figure(estimate)}): listed, not pooled")
    if estimate.se is None or estimate.se <= 0 or not estimate.ci_lower <= estimate.estimate <= estimate.ci_upper:
        return Excluded(estimate, "bad_ci", f"the confidence interval {estimate.ci_lower:g}-{estimate.ci_upper:g} does not hold the estimate {estimate.estimate:g}, or has no width")
    return None


@dataclass
class _Unit:
    """One trial or pooled population: its estimates, and what identifies it."""

    tokens: set[str]
    estimates: list[Estimate] = field(default_factory=list)

    @property
    def chosen(self) -> Estimate:
        return self.estimates[0]


def _units(estimates: Iterable[Estimate]) -> list[_Unit]:
    """Estimates grouped by trial: two share a unit when they share an IRI or an upper-cased label,
    unless they hold different registry ids (:func:`same_trial`)."""
    units: list[_Unit] = []
    for estimate in estimates:
        merged = _Unit(unit_tokens(estimate))
        for unit in list(units):
            if same_trial(merged.tokens, unit.tokens):
                merged.tokens |= unit.tokens
                merged.estimates += unit.estimates
                units.remove(unit)
        merged.estimates.append(estimate)
        units.append(merged)
    return units


def _names(estimates: Iterable[Estimate]) -> str:
    names = sorted({e.trial for e in estimates})
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def choose(estimates: Iterable[Estimate], measure: str, select: str = "latest") -> tuple[list[Estimate], list[Excluded]]:
    """The estimates to pool (one per trial, no patients twice) and those left out with their reason.

    ``estimates`` are already oriented (:mod:`kb.synthesis.estimates`). The included come back
    ordered by trial label, then analysis; the excluded in the order they came.
    """
    if select not in SELECT_RULES:
        from kb.errors import ParameterError

        raise ParameterError(f"select must be one of {', '.join(SELECT_RULES)}, not {select!r}")
    given = list(estimates)
    left: dict[str, Excluded] = {}
    poolable = []
    for estimate in given:
        reason = screen(estimate, measure)
        if reason is None:
            poolable.append(estimate)
        else:
            left[estimate.comparison] = reason

    # Rule 2: one estimate per trial.
    units = _units(poolable)
    for unit in units:
        unit.estimates.sort(key=analysis_order, reverse=select == "latest")
        chosen = unit.chosen
        for other in unit.estimates[1:]:
            if (other.finding, other.analysis_label) == (chosen.finding, chosen.analysis_label):
                left[other.comparison] = Excluded(other, "same_analysis", f"another comparison of the same {chosen.trial} result is used ({chosen.arm} against {chosen.reference_arm}): its arms would count twice")
            else:
                left[other.comparison] = Excluded(
                    other, "superseded",
                    f"one estimate per trial: the {select} analysis of {chosen.trial} is used ({chosen.cutoff_label}; {chosen.citation})",
                )

    # Rule 3: pooled populations against the trials they pool.
    kept = [u for u in units if not u.chosen.is_pooled_population]
    pooled = sorted((u for u in units if u.chosen.is_pooled_population),
                    key=lambda u: (-len(component_tokens(u.chosen)), u.chosen.trial))
    kept_pools: list[_Unit] = []
    for unit in pooled:
        components = component_tokens(unit.chosen)
        clash = [p for p in kept_pools if component_tokens(p.chosen) & components]
        if clash:
            left[unit.chosen.comparison] = Excluded(unit.chosen, "overlapping_pool", f"shares trials with {_names(p.chosen for p in clash)}, which is pooled: the same patients would count twice")
            continue
        own = [u for u in kept if _is_component(u.tokens, unit.chosen)]
        wanted = max(len(unit.chosen.pools), len(unit.chosen.pooled_trials))
        if own and len(own) >= wanted:
            left[unit.chosen.comparison] = Excluded(
                unit.chosen, "components_pooled",
                f"pools {_names(u.chosen for u in own)}, whose own estimates are pooled: the same patients would count twice",
            )
            continue
        kept_pools.append(unit)
        for component in own:
            kept.remove(component)
            left[component.chosen.comparison] = Excluded(
                component.chosen, "pooled_elsewhere",
                f"its patients are in the pooled {unit.chosen.trial} estimate, which is pooled instead (not every trial it pools has an estimate of its own)",
            )
    included = sorted((u.chosen for u in kept + kept_pools), key=lambda e: (e.trial.casefold(), analysis_order(e)))
    excluded = [left[e.comparison] for e in given if e.comparison in left]
    return included, excluded
