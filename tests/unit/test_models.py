"""Tests for the record models (kb.models) and the identifier types (kb.identifiers).

- every bundled example file (``examples/*.yaml``) and ``tests/data/valid/*.yaml`` validates;
- each file in ``tests/data/invalid/`` fails, and the error names the field path its
  ``# expect:`` header lines give;
- identifiers normalize (DOI, PMID, PMCID, NCT, ORCID, ISSN, CURIE), malformed ones are
  rejected with the value in the message, and Hypothesis checks the properties.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kb.errors import IdentifierError, KBError
from kb.identifiers import (
    normalize_curie,
    normalize_doi,
    normalize_issn,
    normalize_nct,
    normalize_orcid,
    normalize_pmcid,
    normalize_pmid,
)
from kb.models import (
    ArmEventCount,
    Author,
    Comparison,
    FindingsDocument,
    Grade,
    Publication,
)
from kb.paths import examples_dir
from tests.conftest import DATA_DIR

DATA = DATA_DIR
EXAMPLE_FILES = sorted(examples_dir().glob("*.yaml"))
VALID_FILES = sorted((DATA / "valid").glob("*.yaml"))
INVALID_FILES = sorted((DATA / "invalid").glob("*.yaml"))

EXPECTED_EXAMPLES = {
    "mm009_weber2007.yaml",
    "mm010_dimopoulos2007.yaml",
    "mm010_ash2005.yaml",
    "pooled_leukemia2009.yaml",
    "pooled_ash2007.yaml",
}
EXPECT_PREFIX = "# expect:"


def load_document(path: Path) -> FindingsDocument:
    """Read a YAML findings file and validate it."""
    return FindingsDocument.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def render_errors(error: ValidationError) -> str:
    """One line per error, ``field.path: message``; document-level errors have an empty path."""
    return "\n".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )


def expectations(path: Path) -> list[str]:
    """The ``# expect: <substring>`` lines heading an invalid file (at least the first line)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith(EXPECT_PREFIX):
            break
        found.append(line[len(EXPECT_PREFIX):].strip())
    return found


def findings(document: FindingsDocument):
    """Every finding of a document, of every kind."""
    return (*document.outcome_results, *document.adverse_events, *document.mechanisms)


# --- example and fixture files -------------------------------------------------------------


def test_all_example_files_are_present():
    assert EXPECTED_EXAMPLES <= {path.name for path in EXAMPLE_FILES}


@pytest.mark.parametrize("path", EXAMPLE_FILES + VALID_FILES, ids=lambda path: path.name)
def test_file_validates(path):
    document = load_document(path)
    assert document.source.publication is not None


@pytest.mark.parametrize("path", EXAMPLE_FILES + VALID_FILES, ids=lambda path: path.name)
def test_file_survives_a_json_round_trip(path):
    document = load_document(path)
    assert FindingsDocument.model_validate(document.model_dump(mode="json")) == document


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.name)
def test_example_findings_carry_provenance_and_an_analysis(path):
    document = load_document(path)
    assert findings(document), "an example file should hold findings"
    for finding in findings(document):
        assert finding.provenance is not None, finding.key
        assert finding.provenance.location, finding.key
        assert finding.provenance.quote or finding.provenance.note, finding.key
    for result in (*document.outcome_results, *document.adverse_events):
        assert result.analysis is not None, f"{result.key}: each report's figures belong to one of its analyses"


def test_examples_describe_each_trial_with_the_same_registry_id_and_arm_keys():
    registry: dict[str, set[tuple[str, ...]]] = {}
    for path in EXAMPLE_FILES:
        for trial in load_document(path).trials:
            assert {arm.key for arm in trial.arms} == {"len-dex", "placebo-dex"}, (path.name, trial.key)
            registry.setdefault(trial.key, set()).add(trial.registry_ids)
    assert registry["mm009"] == {("NCT00056160",)}
    assert registry["mm010"] == {("NCT00424047",)}
    assert registry["pooled"] == {()}


def test_mm009_example_holds_the_seed_record():
    document = load_document(examples_dir() / "mm009_weber2007.yaml")
    publication = document.source.publication
    assert publication.doi == "10.1056/nejmoa070596"
    assert publication.pmid is None  # not verified, deliberately left out
    assert publication.journal.issn_print == "0028-4793"
    assert publication.journal.issn_electronic == "1533-4406"
    assert publication.journal.nlm_id == "0255562"
    assert publication.pages == "2133-2142"
    assert publication.date == "2007-11-22"
    assert len(publication.authors) == 16
    assert publication.authors[0].display_name == "Weber DM"
    assert publication.authors[-1].display_name == "Knight RD"
    assert document.source.status == "draft"

    (trial,) = document.trials
    assert trial.enrollment == sum(arm.n_randomized for arm in trial.arms) == 353
    assert trial.arm("len-dex").n_randomized == 177

    ttp = next(result for result in document.outcome_results if result.outcome == "time to progression")
    assert ttp.role == "primary"
    assert [m.value for m in ttp.measurements] == [11.1, 4.7]
    assert ttp.comparisons[0].p_relation == "<"

    assert {(m.target, m.direction, m.aspect) for m in document.mechanisms} == {
        ("interleukin-6", "decreased", "abundance"),
        ("nuclear factor kappa-B", "decreased", "activity"),
        ("caspase 8", "increased", "activity"),
    }
    assert all(m.system == "in_vitro" and m.status == "verified" for m in document.mechanisms)


def test_ash2007_hazard_ratio_keeps_the_reports_direction():
    document = load_document(examples_dir() / "pooled_ash2007.yaml")
    (comparison,) = document.outcome_results[0].comparisons
    assert (comparison.arm, comparison.reference_arm) == ("placebo-dex", "len-dex")
    assert comparison.estimate == 1.295
    assert (comparison.ci_lower, comparison.ci_upper, comparison.ci_level) == (1.040, 1.614, 0.95)


def test_leukemia2009_example_keeps_its_two_analyses_apart():
    document = load_document(examples_dir() / "pooled_leukemia2009.yaml")
    pooled = next(trial for trial in document.trials if trial.key == "pooled")
    assert pooled.pooled_from == ("mm009", "mm010")
    assert {a.key: (a.kind, a.cutoff_date) for a in document.analyses} == {
        "unblinding": ("unblinding", "2005-08"),
        "followup-2008": ("long_term_follow_up", "2008-07"),
    }
    survival = next(result for result in document.outcome_results if result.outcome == "overall survival")
    assert survival.analysis == "followup-2008"
    assert "47.6%" in survival.provenance.note


# --- invalid files -------------------------------------------------------------------------


def test_there_are_invalid_fixtures():
    assert len(INVALID_FILES) >= 8


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda path: path.name)
def test_invalid_file_is_rejected_naming_the_field(path):
    expected = expectations(path)
    assert expected, f"{path.name} must start with a '{EXPECT_PREFIX} <substring of the error>' line"
    with pytest.raises(ValidationError) as caught:
        load_document(path)
    message = render_errors(caught.value)
    for substring in expected:
        assert substring in message


# --- identifiers: normalization ------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalize", "raw", "expected"),
    [
        (normalize_doi, "https://doi.org/10.1056/NEJMoa070596", "10.1056/nejmoa070596"),
        (normalize_doi, "http://dx.doi.org/10.1056/NEJMoa070596", "10.1056/nejmoa070596"),
        (normalize_doi, "doi:10.1056/NEJMoa070596", "10.1056/nejmoa070596"),
        (normalize_doi, "DOI: 10.1056/NEJMoa070596", "10.1056/nejmoa070596"),
        (normalize_doi, "10.1056/NEJMOA070596", "10.1056/nejmoa070596"),
        (normalize_doi, "  10.1038/LEU.2009.147 ", "10.1038/leu.2009.147"),
        (normalize_doi, "https://doi.org/10.1038%2Fleu.2009.147", "10.1038/leu.2009.147"),
        (normalize_pmid, "19626046", "19626046"),
        (normalize_pmid, 19626046, "19626046"),
        (normalize_pmid, "PMID: 19626046", "19626046"),
        (normalize_pmid, "pubmed:19626046", "19626046"),
        (normalize_pmcid, "pmc1234567", "PMC1234567"),
        (normalize_pmcid, "1234567", "PMC1234567"),
        (normalize_nct, "nct00056160", "NCT00056160"),
        (normalize_nct, " NCT00424047 ", "NCT00424047"),
        (normalize_nct, "https://clinicaltrials.gov/study/NCT00424047", "NCT00424047"),
        (normalize_nct, "clinicaltrials:NCT00056160", "NCT00056160"),
        (normalize_orcid, "https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        (normalize_orcid, "orcid:0000-0002-1825-0097", "0000-0002-1825-0097"),
        (normalize_orcid, "0000-0002-1694-233x", "0000-0002-1694-233X"),
        (normalize_issn, "0028-4793", "0028-4793"),
        (normalize_issn, "00284793", "0028-4793"),
        (normalize_issn, "1533 4406", "1533-4406"),
        (normalize_issn, "2434-561x", "2434-561X"),
        (normalize_curie, " CHEBI:63791 ", "CHEBI:63791"),
    ],
)
def test_identifier_normalizes(normalize, raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("normalize", "raw"),
    [
        (normalize_doi, "10.1056"),
        (normalize_doi, "11.1056/nejmoa070596"),
        (normalize_doi, "10.12/too-short-registrant"),
        (normalize_doi, "https://example.org/10.1056/nejmoa070596"),
        (normalize_doi, ""),
        (normalize_doi, None),
        (normalize_pmid, "0123"),
        (normalize_pmid, "1962604a"),
        (normalize_pmid, "1234567890"),
        (normalize_pmid, True),
        (normalize_pmcid, "PMCX1"),
        (normalize_nct, "NCT0005616"),
        (normalize_nct, "NCT000561600"),
        (normalize_nct, "00056160"),
        (normalize_orcid, "0000-0002-1825-0098"),
        (normalize_orcid, "0000-0002-1825-009"),
        (normalize_issn, "0028-4794"),
        (normalize_issn, "0028-479"),
        (normalize_curie, "http://purl.obolibrary.org/obo/CHEBI_63791"),
        (normalize_curie, "CHEBI 63791"),
    ],
)
def test_malformed_identifier_is_rejected_with_its_value(normalize, raw):
    with pytest.raises(IdentifierError) as caught:
        normalize(raw)
    assert isinstance(caught.value, KBError) and isinstance(caught.value, ValueError)
    assert repr(raw) in str(caught.value)


def test_model_field_normalizes_and_reports_the_bad_value():
    assert Publication(doi="https://doi.org/10.1056/NEJMoa070596").doi == "10.1056/nejmoa070596"
    with pytest.raises(ValidationError) as caught:
        Publication(doi="not-a-doi")
    assert "doi: Value error, malformed DOI 'not-a-doi'" in render_errors(caught.value)


# --- identifiers: properties ---------------------------------------------------------------

# Printable, non-space characters a DOI suffix may hold; '%' is left out because percent
# escapes are decoded (see test_doi_normalization_is_idempotent_with_percent_escapes).
_SUFFIX_CHARS = st.characters(blacklist_categories=("Z", "C"), blacklist_characters="%")
_DOI_PREFIXES = st.sampled_from(["", "doi:", "DOI:", "https://doi.org/", "http://dx.doi.org/", "doi.org/"])


@st.composite
def dois(draw) -> str:
    """A valid DOI: ``10.`` + 4-9 digit registrant + ``/`` + a non-empty printable suffix."""
    registrant = draw(st.from_regex(r"\A[0-9]{4,9}\Z"))
    suffix = draw(st.text(_SUFFIX_CHARS, min_size=1, max_size=40))
    return f"10.{registrant}/{suffix}"


_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


@given(doi=dois(), prefix=_DOI_PREFIXES, upper=st.booleans())
def test_valid_doi_round_trips(doi, prefix, upper):
    # DOIs are case-insensitive for ASCII letters only, so only those are upper-cased.
    written = prefix + (doi.translate(_ASCII_UPPER) if upper else doi)
    normalized = normalize_doi(written)
    assert normalized == doi.lower()
    publication = Publication(doi=written)
    assert publication.doi == normalized
    assert Publication.model_validate(publication.model_dump(mode="json")) == publication


@given(raw=st.one_of(dois(), _DOI_PREFIXES.flatmap(lambda prefix: dois().map(lambda doi: prefix + doi)), st.text(_SUFFIX_CHARS)))
def test_doi_normalization_is_idempotent(raw):
    try:
        once = normalize_doi(raw)
    except IdentifierError:
        return
    assert normalize_doi(once) == once


def test_doi_normalization_is_idempotent_with_percent_escapes():
    once = normalize_doi("10.1234/abc%2541")
    assert normalize_doi(once) == once


def _iso7064_check(digits: str) -> str:
    total = 0
    for char in digits:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _issn_check(digits: str) -> str:
    check = (11 - sum(int(d) * w for d, w in zip(digits, range(8, 1, -1))) % 11) % 11
    return "X" if check == 10 else str(check)


@given(st.from_regex(r"\A[0-9]{15}\Z"))
def test_orcid_checksum_accepts_exactly_the_right_check_character(base):
    right = _iso7064_check(base)
    formatted = "-".join((base + right)[i:i + 4] for i in range(0, 16, 4))
    assert normalize_orcid(formatted) == formatted
    assert normalize_orcid(normalize_orcid(formatted)) == formatted
    wrong = next(c for c in "0123456789X" if c != right)
    with pytest.raises(IdentifierError):
        normalize_orcid(formatted[:-1] + wrong)


@given(st.from_regex(r"\A[0-9]{7}\Z"))
def test_issn_check_digit_accepts_exactly_the_right_check_character(base):
    right = _issn_check(base)
    formatted = f"{base[:4]}-{base[4:]}{right}"
    assert normalize_issn(formatted) == formatted
    assert normalize_issn(formatted.replace("-", "")) == formatted
    wrong = next(c for c in "0123456789X" if c != right)
    with pytest.raises(IdentifierError):
        normalize_issn(formatted[:-1] + wrong)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_nct_and_pmid_normalization_is_idempotent(number):
    nct = f"nct{number:08d}"
    assert normalize_nct(normalize_nct(nct)) == normalize_nct(nct) == nct.upper()
    assert normalize_pmid(normalize_pmid(number)) == normalize_pmid(number) == str(number)


# --- record behaviour ----------------------------------------------------------------------


def test_records_are_frozen():
    publication = Publication(title="A made-up report")
    with pytest.raises(ValidationError):
        publication.title = "Another"


def test_percent_may_be_rounded_from_counts():
    count = ArmEventCount(arm="len-dex", n_affected=73, n_at_risk=177, percent=41.2)
    assert count.incidence_percent == 41.2
    assert ArmEventCount(arm="len-dex", n_affected=73, n_at_risk=177).incidence_percent == 41.24


def test_comparison_direction_and_ratio_rules():
    Comparison(arm="placebo-dex", reference_arm="len-dex", measure="hazard_ratio", estimate=1.295)
    Comparison(arm="a", reference_arm="b", measure="risk_difference", estimate=-0.1)
    with pytest.raises(ValidationError, match="cannot be compared with itself"):
        Comparison(arm="a", reference_arm="a", p_value=0.1)
    with pytest.raises(ValidationError, match="an estimate needs its measure"):
        Comparison(arm="a", reference_arm="b", estimate=0.5)
    with pytest.raises(ValidationError, match="outside its interval"):
        Comparison(arm="a", reference_arm="b", measure="hazard_ratio", estimate=2.0, ci_lower=0.5, ci_upper=1.5)


@pytest.mark.parametrize(
    ("grade", "lowest", "highest"),
    [(Grade.any, 1, 5), (Grade.unspecified, 1, 5), (Grade.g3, 3, 3), (Grade.g1_2, 1, 2), (Grade.g3_4, 3, 4), (Grade.g3_plus, 3, 5)],
)
def test_grade_bounds(grade, lowest, highest):
    assert (grade.minimum, grade.maximum) == (lowest, highest)


def test_author_display_name_and_collective():
    assert Author(family="Rajkumar", given="S. Vincent").display_name == "Rajkumar SV"
    assert Author(collective="Example Study Group").display_name == "Example Study Group"
    with pytest.raises(ValidationError, match="needs 'family'"):
        Author(given="Ada")


def test_hazard_ratio_interval_must_be_positive():
    with pytest.raises(ValidationError):
        Comparison(arm="a", reference_arm="b", measure="hazard_ratio", estimate=0.44, ci_lower=-0.1, ci_upper=0.9)


def test_percentage_measurement_is_at_most_100():
    from kb.models import ArmMeasurement

    with pytest.raises(ValidationError):
        ArmMeasurement(arm="a", statistic="percentage", value=161.0, unit="percent")


def test_quote_offsets_are_ordered():
    from kb.models import Provenance

    with pytest.raises(ValidationError):
        Provenance(quote="abc", quote_start=10, quote_end=2)


def test_registry_fields_validate() -> None:
    """Registry fields: MeSH condition ids, references need a PMID or citation, non-drug interventions need a type."""
    from kb.models import Intervention
    from kb.models.trial import ConditionTerm, TrialReference

    assert ConditionTerm(name="Dermatitis, Atopic", mesh_id="D000003876").mesh_id == "D000003876"
    with pytest.raises(ValidationError):
        ConditionTerm(name="x", mesh_id="C12345")
    with pytest.raises(ValidationError):
        TrialReference(type="result")
    assert Intervention(label="Surgery", type="procedure").drug is None
    with pytest.raises(ValidationError):
        Intervention(label="Surgery")
