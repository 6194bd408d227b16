"""Searches as sources of records: PubMed (NCBI E-utilities) and ClinicalTrials.gov (API v2).

:class:`~ingest.search.pubmed_search.PubmedSearcher` and
:class:`~ingest.search.ctgov_search.CtgovSearcher` implement :class:`kb.living.search.Searcher`
and register under the entry-point group ``trial_evidence_kb.searches``; ``kb ingest
pubmed-search``, ``kb ingest ctgov-search`` and the saved searches of ``kb watch``/``kb update``
(:mod:`kb.living`) use them. ``docs/living-review.md`` describes the whole.
"""
