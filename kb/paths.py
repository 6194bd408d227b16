"""Where the data folders are: in a checkout, and in an installed wheel.

In a checkout (or an editable install) ``ontology/``, ``queries/`` and ``examples/``
sit beside ``kb/``. A wheel ships them inside the package as ``kb/_data/...``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["data_dir", "ontology_dir", "vocabulary_dir", "queries_dir", "examples_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder ``name`` (``ontology``, ``queries`` or ``examples``), wherever it is installed."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found beside or inside {_PACKAGE}")


def ontology_dir() -> Path:
    """``ontology/``: Turtle ontology, SHACL shapes, JSON-LD context, prefixes."""
    return data_dir("ontology")


def vocabulary_dir() -> Path:
    """``ontology/vocab/``: the normalization vocabularies."""
    return ontology_dir() / "vocab"


def queries_dir() -> Path:
    """``queries/``: the SPARQL templates."""
    return data_dir("queries")


def examples_dir() -> Path:
    """``examples/``: the bundled findings files used by ``kb quickstart``."""
    return data_dir("examples")
