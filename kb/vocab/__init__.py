"""Vocabularies: concepts and name resolution (:mod:`.concepts`, :mod:`.vocabulary`), and the
vocabularies a store holds, the bundled ones and those users add (:mod:`.stored`).

>>> vocabulary = get_vocabulary()
>>> vocabulary.resolve("Revlimid").curie
'CHEBI:63791'
"""

from kb.vocab.concepts import CATEGORIES, Concept, Merge, normalize_name
from kb.vocab.vocabulary import Vocabulary, get_vocabulary

__all__ = ["CATEGORIES", "Concept", "Merge", "Vocabulary", "get_vocabulary", "normalize_name"]
