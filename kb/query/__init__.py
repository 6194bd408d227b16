"""The query catalogue: SPARQL templates in ``queries/*.rq``, typed parameters, typed rows.

Each template is a standalone SPARQL 1.1 SELECT query (it runs as it stands in any SPARQL
tool, over the union of the graphs) whose leading ``#+`` comment lines are a YAML header::

    #+ summary: Mechanism claims for a drug, a target or both.
    #+ parameters:
    #+   drug: {type: concept, category: drug, variable: drug_iri, description: "drug by name"}
    #+   target: {type: concept, category: target, variable: target_iri}
    #+ one_of: [drug, target]           # optional: at least one of these must be given
    #+ columns:
    #+   drug: string
    #+   direction: string

Parameter ``x`` binds the variable ``?x``, or the one its ``variable`` names, so that a
parameter and a column may share a user-facing name (``drug`` the IRI to match, ``drug`` the
label to show). A value becomes an RDF term first (:mod:`kb.query.binding`): a concept name
is resolved through the vocabulary to its IRI, a DOI is normalized, a number is typed. Terms
are joined in as a ``VALUES`` block (:func:`kb.sparql.bind_values`), never pasted into the
text. Each row comes back as an instance of one :class:`typing.NamedTuple` class per
template, built from its ``columns``, with Python values (``None`` where a column is unbound).

Modules: :mod:`~kb.query.templates` (loading and checking headers), :mod:`~kb.query.binding`
(parameters to terms), :mod:`~kb.query.rows` (running, typed rows), :mod:`~kb.query.helpers`
(one keyword-only function per template).

>>> from kb.store import OxigraphStore
>>> run_template(OxigraphStore.memory(), "stats")[0].sources
0
"""

from kb.query.binding import ConceptResolver, bind_parameters
from kb.query.helpers import (
    adverse_events,
    drugs_for_target,
    mechanisms,
    outcome_results,
    provenance,
    publication,
    stats,
    trial_reports,
)
from kb.query.rows import construct_template, row_type, run_template, to_rows
from kb.query.templates import COLUMN_TYPES, PARAMETER_TYPES, Parameter, Template, iter_templates, load_template

__all__ = [
    "construct_template",
    "PARAMETER_TYPES",
    "COLUMN_TYPES",
    "ConceptResolver",
    "Parameter",
    "Template",
    "load_template",
    "iter_templates",
    "bind_parameters",
    "run_template",
    "to_rows",
    "row_type",
    "publication",
    "outcome_results",
    "adverse_events",
    "mechanisms",
    "drugs_for_target",
    "trial_reports",
    "provenance",
    "stats",
]
