"""Mechanism statements: the MM-009 seed gives the three curated claims, equal after normalization."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.extraction.rules import RuleBasedExtractor
from kb.models.findings import Aspect, Direction, ExperimentalSystem, MechanismKind
from kb.vocab import get_vocabulary
from tests.conftest import ROOT, shared_path

SENTENCE = (
    "Lenalidomide is a thalidomide derivative that down-regulates interleukin-6 and nuclear factor \u03ba-B and "
    "activates caspase 8 in vitro."
)


def _normalized_claims(mechanisms) -> set[tuple]:  # noqa: ANN001
    return {(m.drug_curie, m.direction, m.aspect, m.mechanism, m.target_curie, m.system) for m in mechanisms}


def _curated() -> set[tuple]:
    vocabulary = get_vocabulary()
    data = yaml.safe_load((ROOT / "examples" / "mm009_weber2007.yaml").read_text(encoding="utf-8"))
    claims = set()
    for item in data["mechanisms"]:
        drug = vocabulary.resolve(item["drug"], category="drug")
        target = vocabulary.resolve(item["target"], category="target")
        assert drug is not None and target is not None
        claims.add((
            drug.curie,
            Direction(item["direction"]), Aspect(item["aspect"]),
            MechanismKind(item["mechanism"]) if item.get("mechanism") else None,
            target.curie,
            ExperimentalSystem(item["system"]),
        ))
    return claims


def test_mm009_seed_gives_the_three_curated_claims() -> None:
    text = shared_path("seed", "mm009-abstract.txt").read_text(encoding="utf-8")
    mechanisms = RuleBasedExtractor().extract(text).mechanisms
    assert _normalized_claims(mechanisms) == _curated()
    assert len(mechanisms) == 3
    for claim in mechanisms:
        for span in (claim.span, claim.drug_span, claim.target_span):
            assert text[span.start: span.end] == span.quote


def test_the_curated_quote_alone_gives_the_three_claims() -> None:
    assert _normalized_claims(RuleBasedExtractor().extract(SENTENCE).mechanisms) == _curated()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bortezomib inhibits NF-kB in myeloma cell lines.", (Direction.decreased, Aspect.activity, MechanismKind.inhibition, ExperimentalSystem.cell_line)),
        ("Thalidomide reduces the expression of interleukin 6 in patients.", (Direction.decreased, Aspect.expression, None, ExperimentalSystem.patients)),
    ],
)
def test_other_styles(text: str, expected: tuple) -> None:
    mechanisms = RuleBasedExtractor().extract(text).mechanisms
    assert [(m.direction, m.aspect, m.mechanism, m.system) for m in mechanisms] == [expected]


def test_no_claim_without_a_known_target() -> None:
    text = "Lenalidomide improved the time to progression and overall survival in these patients."
    assert RuleBasedExtractor().extract(text).mechanisms == ()


def test_anaphora_takes_the_drug_of_the_sentence_before() -> None:
    text = "Patients received lenalidomide. The drug down-regulates interleukin-6 in vitro."
    mechanisms = RuleBasedExtractor().extract(text).mechanisms
    assert [(m.drug, m.target_curie) for m in mechanisms] == [("lenalidomide", "HGNC:6018")]


def test_repository_path_is_not_absolute() -> None:
    assert not Path("examples/mm009_weber2007.yaml").is_absolute()
