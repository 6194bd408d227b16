"""A deterministic, format-faithful synthetic corpus: PubMed XML plus findings files.

``write_corpus(folder, records=N, reports=M, seed=S)`` writes

- ``pubmed.xml``: a ``PubmedArticleSet`` of N articles shaped like NLM's: PMID, DOI and PII in
  ``ArticleIdList``, authors with Unicode names (accents, CJK, Greek), ORCIDs, affiliations and
  collective authors, a journal with print/electronic ISSNs and an NLM id, dates, a structured
  abstract with inline markup, MeSH headings with qualifiers and major topics, grants, keywords,
  NCT numbers in ``DataBankList``, publication types, history dates and references;
- ``findings/*.yaml``: M curated reports (one source each), most of them the findings of a PubMed
  article above (same DOI and NCT number), with a trial and its arms, analyses, outcome results
  (per-arm measurements and between-arm comparisons with CI and p), adverse events by grade and
  mechanism claims;
- ``corpus.json``: counts and representative query parameters (a common and a rare drug, a
  trial, a DOI, a source, a target) for the harness.

The data are skewed like the literature: the experimental drug of a trial is drawn from a
Zipf-like popularity curve (lenalidomide and bortezomib in thousands of trials at the full size,
thalidomide in few; dexamethasone is the backbone of most arms), and outcomes, adverse events and
targets are drawn, with their synonyms, from the bundled vocabularies (``ontology/vocab``) so the
names resolve; the tail of drugs the vocabulary does not know (pomalidomide, daratumumab ...)
stays unresolved, as in real data. Identifiers are made up and cannot be mistaken for real
records: DOIs use the Crossref test prefix 10.5555, PMIDs start at 80,000,001 and NCT numbers at
NCT90000001. The same arguments give byte-identical files (a seeded ``random.Random``, no clock).

Run ``python -m benchmarks.corpus FOLDER --records 2000 --reports 300`` to write one by hand.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml

__all__ = ["Corpus", "write_corpus", "reports_for_records", "DEFAULT_SEED"]

DEFAULT_SEED = 20071122
PMID_BASE = 80_000_000
NCT_BASE = 90_000_000

# -- vocabularies ------------------------------------------------------------------------------
# Experimental drugs by popularity rank (Zipf-like weights 1/rank^s). The first four are in
# ontology/vocab/drugs.ttl (with their synonyms); thalidomide sits far down the curve, so it is the
# "rare" drug the harness queries. The rest are real myeloma drugs the bundled vocabulary does not
# know: they load as unresolved concepts, as names outside a vocabulary do in real data.
_DRUG_RANKS: tuple[str, ...] = (
    "lenalidomide", "bortezomib", "pomalidomide", "carfilzomib", "daratumumab", "ixazomib", "elotuzumab",
    "isatuximab", "melphalan", "selinexor", "panobinostat", "cyclophosphamide", "venetoclax",
    "belantamab mafodotin", "doxorubicin", "thalidomide", "vorinostat", "teclistamab", "elranatamab",
    "talquetamab", "iberdomide", "mezigdomide", "bendamustine", "cilta-cel",
)
_ZIPF_S = 1.15
_DRUG_SYNONYMS = {"lenalidomide": ("lenalidomide", "Revlimid", "CC-5013"), "bortezomib": ("bortezomib", "Velcade", "PS-341"),
                  "thalidomide": ("thalidomide", "Thalomid"), "dexamethasone": ("dexamethasone", "Decadron")}
COMMON_DRUG, SECOND_DRUG, RARE_DRUG = "lenalidomide", "bortezomib", "thalidomide"

# Outcomes (name variants the vocabulary resolves) with a kind: time-to-event or a rate.
_OUTCOMES: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("progression-free survival", "PFS"), "time", 5.0),
    (("overall survival", "OS"), "time", 4.0),
    (("overall response rate", "response rate", "ORR", "overall response"), "rate", 3.0),
    (("time to progression", "TTP", "time to disease progression"), "time", 1.5),
    (("complete response rate", "complete response"), "rate", 1.5),
    (("duration of response", "DOR"), "time", 0.8),
)
_EVENTS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("neutropenia", "neutrophil count decreased", "neutropaenia"), 6.0),
    (("thrombocytopenia", "platelet count decreased"), 5.0),
    (("anemia", "anaemia"), 5.0),
    (("fatigue", "tiredness"), 3.0),
    (("peripheral neuropathy", "neuropathy"), 3.0),
    (("constipation",), 2.0),
    (("febrile neutropenia", "neutropenic fever"), 1.5),
    (("thromboembolism", "thromboembolic events"), 1.5),
    (("venous thromboembolism", "VTE"), 1.2),
    (("deep vein thrombosis", "DVT"), 1.0),
    (("pulmonary embolism",), 0.8),
    (("peripheral sensory neuropathy", "sensory neuropathy"), 0.6),
    (("venous thrombosis",), 0.4),
    (("peripheral motor neuropathy",), 0.2),
)
_GRADES = (("3-4", 5.0), ("any", 4.0), (">=3", 2.0), ("3", 1.0), ("4", 1.0), ("1-2", 1.0), ("unspecified", 1.5))
# Targets (with their spellings, Greek letters included) and what a drug does to them.
_TARGETS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("cereblon", "CRBN"), "increased", "activity"),
    (("proteasome", "26S proteasome", "proteasome complex"), "decreased", "activity"),
    (("interleukin-6", "IL-6", "interleukin 6"), "decreased", "abundance"),
    (("NF-κB", "NF-kB", "nuclear factor kappa-B"), "decreased", "activity"),
    (("caspase 8", "caspase-8", "CASP8"), "increased", "activity"),
    (("NFKB1", "NF-κB1"), "decreased", "expression"),
)
_DRUG_TARGETS = {"lenalidomide": (0, 2, 3, 4), "pomalidomide": (0, 2, 3), "thalidomide": (0, 2, 3), "iberdomide": (0,),
                 "mezigdomide": (0,), "bortezomib": (1, 3, 5), "carfilzomib": (1,), "ixazomib": (1, 3)}
_CONDITIONS = ("multiple myeloma", "relapsed or refractory multiple myeloma", "plasma cell myeloma", "myeloma")

# -- people, places, journals -------------------------------------------------------------------
_FAMILY = (
    "Weber", "Dimopoulos", "Rajkumar", "San Miguel", "Moreau", "Richardson", "Lonial", "Anderson", "Kumar", "Palumbo",
    "Müller", "García-Sanz", "Ødegaard", "Łukasiewicz", "Dvořák", "Nguyễn", "Søndergaard", "Çelik", "Núñez", "Björkholm",
    "O'Donnell", "van de Donk", "Mateos", "Hájek", "Zweegman", "Terpos", "Kastritis", "Papadopoulos", "Σταματόπουλος",
    "Παπαδημητρίου", "Suzuki", "Iida", "Chen", "Wang", "Lu", "Kim", "Lee", "Huang", "王", "李", "张", "田中", "佐藤",
    "김", "Ivanova", "Schröder", "Lefèvre", "Goldschmidt", "Einsele", "Sonneveld", "Facon", "Attal", "Avet-Loiseau",
    "Jagannath", "Orlowski", "Siegel", "Usmani", "Mikhael", "Gay", "Cavo", "Boccadoro", "Ludwig", "Spencer", "Quach",
)
_GIVEN = (
    "Donna M", "Meletios A", "S Vincent", "Jesús F", "Philippe", "Paul G", "Sagar", "Kenneth C", "Shaji K", "Antonio",
    "Jürgen", "Ramón", "Øystein", "Łukasz", "Zoë", "Søren", "Thị Minh", "Ayşe", "José Luis", "Åsa", "Hervé", "François",
    "Maria-Victoria", "Roman", "Sonja", "Evangelos", "Efstathios", "Γεώργιος", "Ελένη", "Kenshi", "Shinsuke", "Wen-Ming",
    "Xiao", "伟", "娜", "Yūko", "Jin Seok", "Hélène", "Björn", "Noémie", "Niels W C J", "Ola", "Irene M", "Ajai",
    "Nikhil C", "Rafael", "Andrew", "Hang", "Ravi", "Thierry", "Michel", "Hartmut", "Pieter", "Francesca", "Saad Z",
)
_INSTITUTIONS = (
    ("Department of Lymphoma/Myeloma", "The University of Texas MD Anderson Cancer Center", "Houston, TX", "USA"),
    ("Department of Clinical Therapeutics", "National and Kapodistrian University of Athens", "Athens", "Greece"),
    ("Division of Hematology", "Mayo Clinic", "Rochester, MN", "USA"),
    ("Servicio de Hematología", "Clínica Universidad de Navarra", "Pamplona", "Spain"),
    ("Service d'Hématologie", "CHU de Nantes", "Nantes", "France"),
    ("Medizinische Klinik V", "Universitätsklinikum Heidelberg", "Heidelberg", "Germany"),
    ("Department of Haematology", "Amsterdam UMC, Vrije Universiteit", "Amsterdam", "The Netherlands"),
    ("Avdeling for blodsykdommer", "Oslo universitetssykehus", "Oslo", "Norway"),
    ("Klinika Hematologii", "Uniwersytet Jagielloński", "Kraków", "Poland"),
    ("Interní hematologická klinika", "Fakultní nemocnice Ostrava", "Ostrava", "Czech Republic"),
    ("Department of Hematology", "Peking Union Medical College Hospital", "北京 (Beijing)", "China"),
    ("Department of Hematology", "National Cancer Center Hospital", "東京 (Tokyo)", "Japan"),
    ("Division of Hematology-Oncology", "Samsung Medical Center", "서울 (Seoul)", "Korea"),
    ("Θεραπευτική Κλινική", "Νοσοκομείο Αλεξάνδρα", "Αθήνα", "Greece"),
    ("Dana-Farber Cancer Institute", "Harvard Medical School", "Boston, MA", "USA"),
)
_COLLECTIVES = ("{acronym} Study Investigators", "Intergroupe Francophone du Myélome", "GIMEMA Myeloma Working Party",
                "HOVON/GMMG Study Group", "European Myeloma Network", "Japan Myeloma Study Group (日本骨髄腫研究会)")
# (title, ISO abbreviation, print ISSN, electronic ISSN, NLM id, publisher, weight)
_JOURNALS = (
    ("The New England journal of medicine", "N Engl J Med", "0028-4793", "1533-4406", "0255562", "Massachusetts Medical Society", 3.0),
    ("Blood", "Blood", "0006-4971", "1528-0020", "7603509", "American Society of Hematology", 5.0),
    ("Journal of clinical oncology", "J Clin Oncol", "0732-183X", "1527-7755", "8309333", "American Society of Clinical Oncology", 4.0),
    ("Leukemia", "Leukemia", "0887-6924", "1476-5551", "8704895", "Springer Nature", 3.0),
    ("Haematologica", "Haematologica", "0390-6078", "1592-8721", "0417435", "Ferrata Storti Foundation", 2.5),
    ("The Lancet. Oncology", "Lancet Oncol", "1470-2045", "1474-5488", "100957246", "Elsevier", 2.0),
    ("Lancet (London, England)", "Lancet", "0140-6736", "1474-547X", "2985213R", "Elsevier", 1.5),
    ("British journal of haematology", "Br J Haematol", "0007-1048", "1365-2141", "0372544", "Wiley", 2.0),
    ("American journal of hematology", "Am J Hematol", "0361-8609", "1096-8652", "7610369", "Wiley", 1.5),
    ("Blood advances", "Blood Adv", "2473-9529", "2473-9537", "101698425", "American Society of Hematology", 1.5),
)
_MESH = (  # (descriptor, UI, qualifiers it takes)
    ("Multiple Myeloma", "D009101", ("drug therapy", "mortality", "pathology")),
    ("Antineoplastic Combined Chemotherapy Protocols", "D000971", ("therapeutic use", "adverse effects", "administration & dosage")),
    ("Dexamethasone", "D003907", ("administration & dosage", "therapeutic use")),
    ("Lenalidomide", "D000077269", ("therapeutic use", "adverse effects")),
    ("Bortezomib", "D000069286", ("therapeutic use", "adverse effects")),
    ("Thalidomide", "D013792", ("analogs & derivatives", "therapeutic use")),
    ("Neutropenia", "D009503", ("chemically induced",)),
    ("Venous Thrombosis", "D020246", ("chemically induced", "prevention & control")),
    ("Humans", "D006801", ()), ("Male", "D008297", ()), ("Female", "D005260", ()), ("Aged", "D000368", ()),
    ("Middle Aged", "D008875", ()), ("Aged, 80 and over", "D000369", ()), ("Treatment Outcome", "D016896", ()),
    ("Disease-Free Survival", "D018572", ()), ("Survival Analysis", "D016019", ()), ("Recurrence", "D012008", ()),
    ("Drug Resistance, Neoplasm", "D019008", ()), ("Double-Blind Method", "D004311", ()),
)
_QUALIFIER_UI = {"drug therapy": "Q000188", "mortality": "Q000401", "pathology": "Q000473", "therapeutic use": "Q000627",
                 "adverse effects": "Q000009", "administration & dosage": "Q000008", "analogs & derivatives": "Q000031",
                 "chemically induced": "Q000139", "prevention & control": "Q000517"}
_AGENCIES = (("NCI NIH HHS", "CA", "United States"), ("Cancer Research UK", None, "United Kingdom"),
             ("Deutsche Forschungsgemeinschaft", None, "Germany"), ("Ministero della Salute", None, "Italy"),
             ("Japan Society for the Promotion of Science", None, "Japan"))
_KEYWORDS = ("multiple myeloma", "immunomodulatory drugs", "proteasome inhibitor", "relapsed/refractory", "randomized trial",
             "minimal residual disease", "NF-κB", "cereblon", "β2-microglobulin", "autologous stem-cell transplantation")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reports_for_records(records: int) -> int:
    """The default number of findings reports for ``records`` PubMed articles (3 for every 20)."""
    return max(1, records * 3 // 20)


def _orcid(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(15)]
    total = 0
    for d in digits:
        total = (total + d) * 2
    check = (12 - total % 11) % 11
    text = "".join(map(str, digits)) + ("X" if check == 10 else str(check))
    return f"{text[0:4]}-{text[4:8]}-{text[8:12]}-{text[12:16]}"


def _weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


@dataclass
class _Trial:
    index: int
    nct: str
    acronym: str | None
    drug: str
    design: str  # "placebo", "active", "three"
    phase: str
    n_exp: int
    n_ctl: int
    reports: int = 0


@dataclass
class Corpus:
    """What :func:`write_corpus` wrote, and the parameters the harness queries with."""

    folder: Path
    records: int
    reports: int
    seed: int
    pubmed: Path
    findings: list[Path]
    params: dict[str, str] = field(default_factory=dict)
    drug_trials: dict[str, dict[str, int]] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        return {"records": self.records, "reports": self.reports, "seed": self.seed, "pubmed": self.pubmed.name,
                "findings": len(self.findings), "params": self.params, "trials_per_drug": self.drug_trials}


class _Generator:
    def __init__(self, records: int, reports: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records, self.reports = records, reports
        weights = [1 / (rank + 1) ** _ZIPF_S for rank in range(len(_DRUG_RANKS))]
        self.drug_weights = weights
        self.trials: list[_Trial] = []
        # A PubMed article or findings report i (i < reports) is about trial_of[i].
        self.trial_of: list[_Trial] = []
        for i in range(max(records, reports)):
            self.trial_of.append(self._pick_trial(i))

    def _new_trial(self) -> _Trial:
        rng = self.rng
        index = len(self.trials)
        drug = _weighted(rng, _DRUG_RANKS, self.drug_weights)
        trial = _Trial(index=index, nct=f"NCT{NCT_BASE + index + 1:08d}",
                       acronym=f"MM-{index + 1:04d}" if rng.random() < 0.6 else None, drug=drug,
                       design=_weighted(rng, ("placebo", "active", "three"), (5, 4, 1)),
                       phase=_weighted(rng, ("3", "2", "1/2", "2/3"), (6, 3, 1, 1)),
                       n_exp=rng.randint(40, 450), n_ctl=rng.randint(40, 450))
        self.trials.append(trial)
        return trial

    def _pick_trial(self, i: int) -> _Trial:
        # Three in ten reports are a later report (update, follow-up) of an earlier trial.
        if self.trials and self.rng.random() < 0.3:
            trial = self.trials[int(len(self.trials) * self.rng.random() ** 2)]
        else:
            trial = self._new_trial()
        trial.reports += 1
        return trial

    # -- shared by both formats -----------------------------------------------------------------
    def doi(self, i: int) -> str:
        return f"10.5555/tekb.bench.{i + 1}"

    def pmid(self, i: int) -> str:
        return str(PMID_BASE + i + 1)

    def arms(self, trial: _Trial) -> list[dict[str, Any]]:
        drug = trial.drug
        exp = {"key": "exp", "label": f"{drug.capitalize()} plus dexamethasone", "role": "experimental", "n_randomized": trial.n_exp,
               "interventions": [{"drug": drug, "dose": f"{self.rng.choice((1.3, 4, 10, 25, 16, 20))} mg", "route": self.rng.choice(("oral", "intravenous", "subcutaneous"))},
                                 {"drug": self.rng.choice(_DRUG_SYNONYMS["dexamethasone"]), "dose": "40 mg", "route": "oral",
                                  "schedule": "days 1, 8, 15 and 22 of each 28-day cycle"}]}
        if trial.design == "placebo":
            ctl = {"key": "ctl", "label": "Placebo plus dexamethasone", "role": "placebo_comparator", "n_randomized": trial.n_ctl,
                   "interventions": [{"placebo": True, "label": f"placebo identical to {drug}"}, {"drug": "dexamethasone", "dose": "40 mg", "route": "oral"}]}
        else:
            other = "bortezomib" if drug != "bortezomib" else "lenalidomide"
            ctl = {"key": "ctl", "label": f"{other.capitalize()} plus dexamethasone", "role": "active_comparator", "n_randomized": trial.n_ctl,
                   "interventions": [{"drug": other}, {"drug": "dexamethasone", "dose": "40 mg", "route": "oral"}]}
        arms = [exp, ctl]
        if trial.design == "three":
            arms.append({"key": "dex", "label": "Dexamethasone alone", "role": "active_comparator", "n_randomized": max(20, trial.n_ctl // 2),
                         "interventions": [{"drug": "dexamethasone", "dose": "40 mg", "route": "oral"}]})
        return arms


# -- PubMed XML ---------------------------------------------------------------------------------
def _x(text: str) -> str:
    return escape(text)


class _PubmedWriter:
    def __init__(self, gen: _Generator) -> None:
        self.gen = gen
        self.rng = gen.rng

    def author(self, trial: _Trial) -> str:
        rng = self.rng
        if rng.random() < 0.04:
            name = rng.choice(_COLLECTIVES).format(acronym=trial.acronym or trial.nct)
            return f'<Author ValidYN="Y"><CollectiveName>{_x(name)}</CollectiveName></Author>'
        family, given = rng.choice(_FAMILY), rng.choice(_GIVEN)
        initials = "".join(part[0] for part in given.replace("-", " ").split() if part[0].isalpha()) or given[:1]
        parts = [f'<Author ValidYN="Y"><LastName>{_x(family)}</LastName><ForeName>{_x(given)}</ForeName><Initials>{_x(initials)}</Initials>']
        if rng.random() < 0.25:
            parts.append(f'<Identifier Source="ORCID">https://orcid.org/{_orcid(rng)}</Identifier>')
        for _ in range(1 if rng.random() < 0.85 else 2):
            dept, inst, city, country = rng.choice(_INSTITUTIONS)
            parts.append(f"<AffiliationInfo><Affiliation>{_x(f'{dept}, {inst}, {city}, {country}.')}</Affiliation></AffiliationInfo>")
        parts.append("</Author>")
        return "".join(parts)

    def abstract(self, trial: _Trial, drug_label: str) -> str:
        rng = self.rng
        hr = round(rng.uniform(0.35, 0.95), 2)
        sections = (
            ("BACKGROUND", f"{drug_label.capitalize()} is active in multiple myeloma; it down-regulates interleukin-6 and "
                           f"NF-κB signalling <i>in vitro</i>. We assessed {drug_label} plus dexamethasone in relapsed disease."),
            ("METHODS", f"In this phase {trial.phase} trial ({trial.nct}), {trial.n_exp + trial.n_ctl} patients were randomly assigned "
                        f"to {drug_label} plus dexamethasone or a comparator. The primary end point was progression-free survival."),
            ("RESULTS", f"Median progression-free survival was {rng.uniform(8, 30):.1f} months versus {rng.uniform(3, 12):.1f} months "
                        f"(hazard ratio, {hr}; 95% CI, {hr * 0.8:.2f} to {hr * 1.2:.2f}; P&lt;0.001). Grade ≥3 neutropenia occurred in "
                        f"{rng.randint(10, 45)}% of patients; β<sub>2</sub>-microglobulin ≥3.5 mg/L predicted shorter survival."),
            ("CONCLUSIONS", f"{drug_label.capitalize()} plus dexamethasone improved outcomes in relapsed myeloma. (Funded by the "
                            f"sponsor; ClinicalTrials.gov number, {trial.nct}.)"),
        )
        body = "".join(f'<AbstractText Label="{label}" NlmCategory="{label}">{text}</AbstractText>' for label, text in sections)
        return f"<Abstract>{body}<CopyrightInformation>© {2000 + trial.index % 25} Synthetic Publishing.</CopyrightInformation></Abstract>"

    def article(self, i: int) -> str:
        gen, rng = self.gen, self.rng
        trial = gen.trial_of[i]
        title, iso, issn_p, issn_e, nlm, _publisher, _ = _weighted(rng, _JOURNALS, [j[-1] for j in _JOURNALS])
        year = 1998 + (i * 7 + trial.index) % 28
        month = rng.randrange(12)
        day = rng.randint(1, 28)
        volume, issue = str(year - 1900 + rng.randint(0, 60)), str(rng.randint(1, 24))
        first = rng.randint(1, 3000)
        drug_label = rng.choice(_DRUG_SYNONYMS.get(trial.drug, (trial.drug,)))
        pmid, doi = gen.pmid(i), gen.doi(i)
        n_authors = min(60, max(1, int(rng.lognormvariate(2.3, 0.6))))
        authors = "".join(self.author(trial) for _ in range(n_authors))
        acronym = f" ({trial.acronym})" if trial.acronym else ""
        article_title = (f"{drug_label.capitalize()} plus dexamethasone versus {'placebo plus dexamethasone' if trial.design == 'placebo' else 'standard therapy'} "
                         f"in relapsed multiple myeloma{acronym}: a randomised, phase {trial.phase} trial of <i>CRBN</i>-directed therapy.")
        has_nct = i < gen.reports or rng.random() < 0.7
        databank = (f"<DataBankList CompleteYN=\"Y\"><DataBank><DataBankName>ClinicalTrials.gov</DataBankName><AccessionNumberList>"
                    f"<AccessionNumber>{trial.nct}</AccessionNumber></AccessionNumberList></DataBank></DataBankList>") if has_nct else ""
        grants = ""
        if rng.random() < 0.5:
            items = []
            for _ in range(rng.randint(1, 3)):
                agency, acr, country = rng.choice(_AGENCIES)
                gid = f"P01 {acr}{rng.randint(10000, 999999):06d}" if acr else f"{rng.choice(('GR', 'SFB', 'KAKENHI-'))}{rng.randint(1000, 99999)}"
                items.append(f"<Grant><GrantID>{gid}</GrantID>{f'<Acronym>{acr}</Acronym>' if acr else ''}<Agency>{_x(agency)}</Agency><Country>{country}</Country></Grant>")
            grants = f'<GrantList CompleteYN="Y">{"".join(items)}</GrantList>'
        pub_types = ["Journal Article", "Randomized Controlled Trial", f"Clinical Trial, Phase {'III' if trial.phase == '3' else 'II'}"]
        if rng.random() < 0.3:
            pub_types.append("Multicenter Study")
        if grants:
            pub_types.append("Research Support, N.I.H., Extramural")
        ptypes = "".join(f'<PublicationType UI="D0{16428 + k}">{_x(t)}</PublicationType>' for k, t in enumerate(pub_types))
        mesh_items = []
        for descriptor, ui, qualifiers in rng.sample(_MESH, rng.randint(6, 14)):
            major_descriptor = "Y" if (not qualifiers and rng.random() < 0.15) else "N"
            quals = "".join(f'<QualifierName UI="{_QUALIFIER_UI[q]}" MajorTopicYN="{"Y" if rng.random() < 0.3 else "N"}">{_x(q)}</QualifierName>'
                            for q in rng.sample(qualifiers, rng.randint(0, len(qualifiers))))
            mesh_items.append(f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="{major_descriptor}">{_x(descriptor)}</DescriptorName>{quals}</MeshHeading>')
        keywords = "".join(f'<Keyword MajorTopicYN="N">{_x(k)}</Keyword>' for k in rng.sample(_KEYWORDS, rng.randint(0, 5)))
        keyword_list = f'<KeywordList Owner="NOTNLM">{keywords}</KeywordList>' if keywords else ""
        chemicals = "".join(f'<Chemical><RegistryNumber>0</RegistryNumber><NameOfSubstance UI="{ui}">{_x(name)}</NameOfSubstance></Chemical>'
                            for name, ui, _ in _MESH[2:6] if name.lower() in (trial.drug, "dexamethasone"))
        references = "".join(
            f'<Reference><Citation>Reference {k + 1} of article {pmid}.</Citation><ArticleIdList>'
            f'<ArticleId IdType="pubmed">{PMID_BASE + rng.randint(1, max(1, gen.records))}</ArticleId></ArticleIdList></Reference>'
            for k in range(rng.randint(0, 12)))
        reference_list = f"<ReferenceList>{references}</ReferenceList>" if references else ""
        pmc = f'<ArticleId IdType="pmc">PMC{9_000_000 + i + 1}</ArticleId>' if rng.random() < 0.3 else ""
        received = f"<PubMedPubDate PubStatus=\"received\"><Year>{year - 1}</Year><Month>{rng.randint(1, 12)}</Month><Day>{rng.randint(1, 28)}</Day></PubMedPubDate>"
        return (
            f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated"><PMID Version="1">{pmid}</PMID>'
            f"<DateCompleted><Year>{year}</Year><Month>{month + 1:02d}</Month><Day>{day:02d}</Day></DateCompleted>"
            f'<Article PubModel="Print-Electronic"><Journal><ISSN IssnType="Print">{issn_p}</ISSN><JournalIssue CitedMedium="Print">'
            f"<Volume>{volume}</Volume><Issue>{issue}</Issue><PubDate><Year>{year}</Year><Month>{_MONTHS[month]}</Month><Day>{day:02d}</Day></PubDate>"
            f"</JournalIssue><Title>{_x(title)}</Title><ISOAbbreviation>{_x(iso)}</ISOAbbreviation></Journal>"
            f"<ArticleTitle>{article_title}</ArticleTitle>"
            f"<Pagination><StartPage>{first}</StartPage><EndPage>{first + rng.randint(5, 14)}</EndPage><MedlinePgn>{first}-{first + rng.randint(5, 14)}</MedlinePgn></Pagination>"
            f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>'
            f"{self.abstract(trial, drug_label)}"
            f'<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>{databank}{grants}'
            f"<PublicationTypeList>{ptypes}</PublicationTypeList>"
            f'<ArticleDate DateType="Electronic"><Year>{year}</Year><Month>{month + 1:02d}</Month><Day>{day:02d}</Day></ArticleDate></Article>'
            f"<MedlineJournalInfo><Country>United States</Country><MedlineTA>{_x(iso)}</MedlineTA><NlmUniqueID>{nlm}</NlmUniqueID>"
            f"<ISSNLinking>{issn_p}</ISSNLinking></MedlineJournalInfo>"
            f"{f'<ChemicalList>{chemicals}</ChemicalList>' if chemicals else ''}"
            f'<CitationSubset>IM</CitationSubset><MeshHeadingList>{"".join(mesh_items)}</MeshHeadingList>{keyword_list}'
            f"</MedlineCitation><PubmedData><History>{received}</History><PublicationStatus>ppublish</PublicationStatus>"
            f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">{doi}</ArticleId>'
            f'<ArticleId IdType="pii">S0000-0000({year % 100:02d}){i + 1:05d}-X</ArticleId>{pmc}</ArticleIdList>'
            f"{reference_list}</PubmedData></PubmedArticle>\n"
        )

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
                      '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')
            for i in range(self.gen.records):
                out.write(self.article(i))
            out.write("</PubmedArticleSet>\n")


# -- findings -----------------------------------------------------------------------------------
class _FindingsWriter:
    def __init__(self, gen: _Generator) -> None:
        self.gen = gen
        self.rng = gen.rng

    def report(self, i: int) -> dict[str, Any]:
        gen, rng = self.gen, self.rng
        trial = gen.trial_of[i]
        arms = gen.arms(trial)
        later = rng.random() < 0.35
        kind = _weighted(rng, ("interim", "primary", "final", "updated", "long_term_follow_up"), (2, 3, 3, 1, 1))
        year = 2000 + (trial.index + i) % 25
        analyses = [{"key": "a1", "kind": kind, "label": f"{kind.replace('_', ' ')} analysis", "cutoff_date": f"{year}-{rng.randint(1, 12):02d}"}]
        if later:
            analyses.append({"key": "a2", "kind": "long_term_follow_up", "cutoff_date": f"{year + 2}-{rng.randint(1, 12):02d}"})
        quote = (f"{trial.drug.capitalize()} plus dexamethasone improved progression-free survival as compared with the control "
                 f"arm in relapsed myeloma (report {i + 1}).")
        outcomes = []
        picked = rng.sample(range(len(_OUTCOMES)), k=rng.randint(2, 4))
        for k, o in enumerate(sorted(picked, key=lambda j: -_OUTCOMES[j][2])):
            names, kind_o, _ = _OUTCOMES[o]
            for analysis in analyses if rng.random() < 0.5 else analyses[:1]:
                outcomes.append(self.outcome(f"o{k}-{analysis['key']}", names, kind_o, analysis["key"], arms, quote, primary=k == 0))
        events = []
        for k, e in enumerate(rng.sample(range(len(_EVENTS)), k=min(len(_EVENTS), rng.randint(2, 8)))):
            names = _EVENTS[e][0]
            grades = rng.sample([g for g, _ in _GRADES], k=rng.randint(1, 2))
            for grade in grades:
                event_arms = []
                for arm in arms:
                    n = arm["n_randomized"] - rng.randint(0, 5)
                    affected = rng.randint(0, max(1, int(n * (0.5 if arm["key"] == "exp" else 0.3))))
                    entry: dict[str, Any] = {"arm": arm["key"], "n_affected": affected, "n_at_risk": n}
                    if rng.random() < 0.5:
                        entry["percent"] = round(100 * affected / n, 1)
                    event_arms.append(entry)
                events.append({"key": f"e{k}-{grade.replace('>=', 'ge')}", "trial": "t", "analysis": "a1", "event": rng.choice(names),
                               "grade": grade, **({"serious": True} if rng.random() < 0.1 else {}), "arms": event_arms,
                               "provenance": {"location": rng.choice(("table 3", "table 4", "results")), "quote": f"Grade {grade} events (report {i + 1})."}})
        mechanisms = []
        for k, t in enumerate(_DRUG_TARGETS.get(trial.drug, ())):
            if rng.random() < 0.6:
                names, direction, aspect = _TARGETS[t]
                claim: dict[str, Any] = {"key": f"m{k}", "drug": rng.choice(_DRUG_SYNONYMS.get(trial.drug, (trial.drug,))),
                                         "target": rng.choice(names), "direction": direction, "aspect": aspect,
                                         "system": _weighted(rng, ("in_vitro", "cell_line", "patients", "animal"), (4, 3, 1, 1)),
                                         "provenance": {"location": "introduction",
                                                        "quote": f"{trial.drug.capitalize()} {'activates' if direction == 'increased' else 'inhibits'} {names[0]} (report {i + 1})."}}
                if rng.random() < 0.3:
                    claim["mechanism"] = "activation" if direction == "increased" else "inhibition"
                mechanisms.append(claim)
        trial_record: dict[str, Any] = {"key": "t", "registry_ids": [trial.nct]}
        if trial.acronym:
            trial_record["acronym"] = trial.acronym
        trial_record.update({"phase": trial.phase, "randomized": True,
                             "blinding": "double_blind" if trial.design == "placebo" else "open_label",
                             "conditions": [rng.choice(_CONDITIONS)], "enrollment": sum(a["n_randomized"] for a in arms),
                             "locations": rng.sample(["United States", "Canada", "France", "Germany", "España", "Ελλάδα", "日本", "Norge"], k=rng.randint(1, 4)),
                             "arms": arms})
        family = rng.choice(_FAMILY)
        publication: dict[str, Any] = {
            "doi": gen.doi(i), "title": f"{trial.drug.capitalize()} plus dexamethasone in relapsed myeloma: report {i + 1}",
            "authors": [{"family": family, "given": rng.choice(_GIVEN)}] + [{"family": rng.choice(_FAMILY), "given": rng.choice(_GIVEN)} for _ in range(rng.randint(0, 5))],
            "journal": {"title": "Blood", "issn_print": "0006-4971", "issn_electronic": "1528-0020"},
            "date": f"{year}-{rng.randint(1, 12):02d}", "registry_ids": [trial.nct],
        }
        if i < gen.records:
            publication["pmid"] = gen.pmid(i)
        return {
            "schema_version": 1,
            "source": {"id": f"bench-{i + 1}", "status": "verified" if rng.random() < 0.3 else "draft", "method": "manual_curation",
                       "publication": publication},
            "trials": [trial_record],
            "analyses": analyses,
            "outcome_results": outcomes,
            "adverse_events": events,
            "mechanisms": mechanisms,
        }

    def outcome(self, key: str, names: tuple[str, ...], kind: str, analysis: str, arms: list[dict[str, Any]], quote: str, *, primary: bool) -> dict[str, Any]:
        rng = self.rng
        measurements, comparisons = [], []
        for arm in arms:
            if kind == "time":
                m: dict[str, Any] = {"arm": arm["key"], "statistic": "median", "unit": "month", "n": arm["n_randomized"]}
                if rng.random() < 0.05:
                    m["not_reached"] = True
                else:
                    m["value"] = round(rng.uniform(3, 48), 1)
                measurements.append(m)
            else:
                measurements.append({"arm": arm["key"], "statistic": "percentage", "value": round(rng.uniform(5, 90), 1), "unit": "percent", "n": arm["n_randomized"]})
        for arm in arms[1:]:
            if kind == "time":
                est = round(rng.uniform(0.3, 1.15), 2)
                measure = "hazard_ratio"
            else:
                est = round(rng.uniform(0.8, 6.0), 2)
                measure = rng.choice(("odds_ratio", "risk_ratio"))
            p = round(rng.uniform(0.0001, 0.3), 4)
            comparison: dict[str, Any] = {"arm": "exp", "reference_arm": arm["key"], "measure": measure, "estimate": est,
                                          "ci_lower": round(est * rng.uniform(0.6, 0.9), 2), "ci_upper": round(est * rng.uniform(1.1, 1.6), 2), "ci_level": 0.95}
            if p < 0.001:
                comparison.update({"p_value": 0.001, "p_relation": "<"})
            else:
                comparison["p_value"] = p
            comparisons.append(comparison)
        result: dict[str, Any] = {"key": key, "trial": "t", "analysis": analysis, "outcome": rng.choice(names),
                                  "role": "primary" if primary else "secondary", "measurements": measurements, "comparisons": comparisons}
        if rng.random() < 0.6:
            result["conclusion"] = _weighted(rng, ("improved", "no_difference", "worsened"), (6, 3, 1))
        result["provenance"] = {"quote": quote, "location": "abstract"}
        return result

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        paths = []
        for i in range(self.gen.reports):
            path = folder / f"bench-{i + 1:06d}.yaml"
            text = yaml.dump(self.report(i), Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
            path.write_text(f"# Synthetic findings report {i + 1} (benchmarks/corpus.py); made-up identifiers.\n{text}", encoding="utf-8")
            paths.append(path)
        return paths


def write_corpus(folder: str | Path, *, records: int, reports: int | None = None, seed: int = DEFAULT_SEED) -> Corpus:
    """Write ``records`` PubMed articles and ``reports`` findings files under ``folder``; see the module doc."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    reports = reports_for_records(records) if reports is None else reports
    gen = _Generator(records, reports, seed)
    pubmed = folder / "pubmed.xml"
    # Findings first, then PubMed: each writer draws from the one seeded stream in a fixed order.
    findings = _FindingsWriter(gen).write(folder / "findings")
    _PubmedWriter(gen).write(pubmed)
    counts: dict[str, list[int]] = {}  # drug: [trials in the articles, trials with findings reports]
    for n, trials in enumerate((gen.trial_of[:records], gen.trial_of[:reports])):
        for trial in {t.index: t for t in trials}.values():
            counts.setdefault(trial.drug, [0, 0])[n] += 1
    # Representative parameters: a trial of the common drug with several reports, its first report.
    reported = [t for t in gen.trial_of[:reports]]
    common_trials = [t for t in reported if t.drug == COMMON_DRUG] or reported
    trial = max(common_trials, key=lambda t: (t.reports, -t.index))
    first = next(i for i, t in enumerate(gen.trial_of[:reports]) if t is trial)
    params = {
        "common_drug": COMMON_DRUG, "second_drug": SECOND_DRUG, "rare_drug": RARE_DRUG,
        "trial": trial.nct, "trial_acronym": trial.acronym or trial.nct,
        "doi": gen.doi(first), "pmid": gen.pmid(first) if first < records else "",
        "doi_pubmed_only": gen.doi(records - 1) if records > reports else "",
        "source": f"bench-{first + 1}", "target": "interleukin-6", "outcome": "overall survival", "event": "neutropenia",
    }
    corpus = Corpus(folder, records, reports, seed, pubmed, findings, params, {d: {"articles": a, "reports": r} for d, (a, r) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))})
    (folder / "corpus.json").write_text(json.dumps(corpus.manifest(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return corpus


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic PubMed + findings corpus (see benchmarks/corpus.py).")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--records", type=int, default=2000, help="PubMed articles (default 2000)")
    parser.add_argument("--reports", type=int, default=None, help="findings reports (default 3 per 20 articles)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    corpus = write_corpus(args.folder, records=args.records, reports=args.reports, seed=args.seed)
    print(json.dumps(corpus.manifest(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
