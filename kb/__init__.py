"""trial-evidence-kb: a knowledge base of clinical-trial evidence, as a provenance-tracked RDF graph."""

__version__ = "0.1.0"
