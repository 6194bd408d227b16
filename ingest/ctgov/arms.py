"""Arms of a ClinicalTrials.gov study, and which arm each results group (OG000, EG000 ...) is.

Registry results groups carry their own titles, which often differ from the protocol's
arm group labels ('Lenalidomide' in the results, 'Arm #1 - Lenalidomide plus placebo'
in the protocol; 'EXP 200 mg (FAS)' in the results, 'Examplimab Pegol 200 mg' in the
protocol). A group is matched to an arm by the first of these rules that names exactly one
arm (the rule, and the case-folded forms it compares, are documented in docs/rdf-mapping.md):

1. the same label;
2. the same description;
3. the same *canonical* label: the title without a population suffix ('(FAS)', '(SS)',
   '- ITT population', ...) and with each name of a drug replaced by one name for it — an
   intervention's other names (``otherNames``) and abbreviations the record defines
   ('Examplimab Pegol (EXP)' in an arm or intervention description) all read as its name;
4. the drugs its canonical title names (or 'placebo'): the arms receiving all of them, else
   those receiving exactly them, else those whose label also has every number of the title (doses);
5. its canonical title contained in exactly one canonical label;
6. its description naming exactly one arm's canonical label, else exactly one arm's drugs.

A group that matches no arm, or several, is kept as an arm of its own (label and
``registry_group`` its title as printed, keyed by a slug of it) so that its values and
analyses are kept; the study's report notes it. The same canonical title in another table
is the same new arm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.ctgov.common import StudyReport
from kb.models import Arm, ArmRole, Intervention
from kb.rdf.iris import slug

__all__ = ["ArmDraft", "ArmSet", "interventions_of", "arm_key", "strip_population"]

_ROLES = {
    "EXPERIMENTAL": ArmRole.experimental,
    "PLACEBO_COMPARATOR": ArmRole.placebo_comparator,
    "ACTIVE_COMPARATOR": ArmRole.active_comparator,
    "NO_INTERVENTION": ArmRole.no_intervention,
    "SHAM_COMPARATOR": ArmRole.other,
    "OTHER": ArmRole.other,
}
#: Registry intervention types whose name is a drug the vocabulary should resolve.
_DRUG_TYPES = {"DRUG", "BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT"}
_PLACEBO_RE = re.compile(r"\bplacebos?\b", re.IGNORECASE)
_COMPARATOR_ROLES = {ArmRole.placebo_comparator, ArmRole.active_comparator, ArmRole.no_intervention}


def arm_key(label: str, taken: set[str]) -> str:
    """A key for an arm: a slug of its label, made unique among ``taken``.

    >>> arm_key("Arm #1 - Lenalidomide plus placebo", set())
    'arm-1-lenalidomide-plus-placebo'
    >>> arm_key("Placebo", {"placebo"})
    'placebo-2'
    """
    base = slug(label)[:100].strip("-") or "arm"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "")).strip().casefold()


@dataclass
class ArmDraft:
    """An arm being built: the protocol's arm group, plus the registry groups found to be it."""

    key: str
    label: str
    role: ArmRole | None = None
    description: str | None = None
    interventions: list[Intervention] = field(default_factory=list)
    registry_group: str | None = None
    group_ids: list[str] = field(default_factory=list)

    @property
    def drug_names(self) -> set[str]:
        """The arm's non-placebo intervention names, case-folded."""
        return {_norm(i.label or i.drug) for i in self.interventions if not i.placebo and (i.label or i.drug)}

    @property
    def placebo_only(self) -> bool:
        """Whether the arm receives placebo and nothing else."""
        return any(i.placebo for i in self.interventions) and not self.drug_names

    def to_arm(self) -> Arm:
        """The finished arm."""
        return Arm(
            key=self.key,
            label=self.label,
            role=self.role,
            description=self.description,
            interventions=tuple(self.interventions),
            registry_group=self.registry_group,
            registry_group_ids=tuple(sorted(set(self.group_ids))),
        )


def interventions_of(module: dict[str, Any], resolve_drug: Any = None) -> dict[str, tuple[Intervention, set[str]]]:
    """The study's interventions by case-folded name, each with the arm labels it belongs to."""
    result: dict[str, tuple[Intervention, set[str]]] = {}
    for item in module.get("interventions") or []:
        name = (item.get("name") or "").strip()
        if not name:
            continue
        kind = (item.get("type") or "").strip()
        kind_token = re.sub(r"[^A-Z]+", "_", kind.upper()).strip("_")
        placebo = bool(_PLACEBO_RE.search(name))
        drug = None
        other_names = tuple(dict.fromkeys(
            other.strip() for other in item.get("otherNames") or [] if isinstance(other, str) and other.strip() and other.strip() != name
        ))
        if not placebo and kind_token in _DRUG_TYPES:
            drug = resolve_drug([name, *other_names]) if resolve_drug else name
        intervention = Intervention(
            drug=drug,
            placebo=placebo,
            label=name,
            type=kind.lower() or "other",
            description=(item.get("description") or None),
            other_names=other_names,
        )
        result[_norm(name)] = (intervention, {_norm(label) for label in item.get("armGroupLabels") or []})
    return result


#: Population suffixes of results group titles: '(FAS)', '[Safety Set]', '- ITT population', ', mITT'.
_POPULATION = (
    r"(?:m?itt|m?fas|ss|saf|pp|pps|eas|"
    r"(?:modified\s+)?intent(?:ion)?[-\s]+to[-\s]+treat|full\s+analysis|safety(?:\s+analysis)?|per[-\s]+protocol|"
    r"efficacy(?:\s+analysis)?|evaluable|all\s+(?:treated|randomi[sz]ed)(?:\s+(?:participants|subjects|patients))?)"
    r"(?:\s+(?:set|population|analysis\s+set|participants|subjects))?"
)
_SUFFIX_RE = re.compile(rf"(?:\s*[\(\[]\s*{_POPULATION}\s*[\)\]]|\s*[-\u2013\u2014:,;]\s*{_POPULATION})\s*$", re.IGNORECASE)
#: An abbreviation defined in parentheses: 'Examplimab Pegol (EXP)'. Two or more capitals, digits or hyphens.
_DEFINITION_RE = re.compile(r"\(\s*([A-Z][A-Za-z0-9-]{1,11})\s*\)")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


def strip_population(title: str) -> str:
    """A results group title without its population suffix(es).

    >>> strip_population("Examplimab Pegol 200 mg (FAS)"), strip_population("Placebo - Safety Set")
    ('Examplimab Pegol 200 mg', 'Placebo')
    >>> strip_population("Arm B (mITT Population)"), strip_population("Placebo (Part A)")
    ('Arm B', 'Placebo (Part A)')
    """
    text = title.strip()
    while True:
        stripped = _SUFFIX_RE.sub("", text).strip()
        if stripped == text or not stripped:
            return text
        text = stripped


def _abbreviations(texts: list[str], known: dict[str, str]) -> dict[str, str]:
    """Abbreviations the texts define, case-folded, to what they stand for (case-folded).

    An abbreviation stands for the known drug name just before it, or before one more word
    ('Examplimab Pegol (EXP)' for the drug 'Examplimab'), else for the words before it whose
    initials spell it ('Very Good Drug (VGD)'). One defined
    two ways means nothing (it is left out): the result must not depend on the order of texts.
    """
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _DEFINITION_RE.finditer(text):
            abbreviation = match.group(1)
            if sum(1 for c in abbreviation if c.isupper()) < 2 or _SUFFIX_RE.fullmatch(f"({abbreviation})"):
                continue
            before = _norm(text[: match.start()])
            meaning = next((known[name] for name in sorted(known, key=lambda n: (-len(n), n))
                            if re.search(rf"(?<![\w-]){re.escape(name)}(?:\s+[^\W\d_]+)?$", before)), None)
            if meaning is None:
                words = re.findall(r"[\w-]+", before)
                letters = re.sub(r"[^a-z]", "", abbreviation.casefold())
                for size in range(1, min(len(words), len(letters)) + 1):
                    phrase = words[-size:]
                    if "".join(w[0] for w in phrase) == letters:
                        meaning = " ".join(phrase)
                        break
            if meaning and meaning != abbreviation.casefold():
                found.setdefault(abbreviation.casefold(), set()).add(meaning)
    return {abbreviation: next(iter(meanings)) for abbreviation, meanings in found.items() if len(meanings) == 1}


class ArmSet:
    """The arms of one study, and the map from (table, group id) to arm key."""

    def __init__(self, arms_module: dict[str, Any], resolve_drug: Any = None) -> None:
        self.arms: list[ArmDraft] = []
        self.groups: dict[tuple[str, str], str] = {}
        self._known_drugs: set[str] = set()
        self._protocol_keys: set[str] = set()
        interventions = interventions_of(arms_module, resolve_drug)
        taken: set[str] = set()
        for group in arms_module.get("armGroups") or []:
            label = (group.get("label") or "").strip()
            if not label:
                continue
            key = arm_key(label, taken)
            taken.add(key)
            draft = ArmDraft(
                key=key,
                label=label,
                role=_ROLES.get(re.sub(r"[^A-Z]+", "_", (group.get("type") or "").upper()).strip("_")),
                description=group.get("description") or None,
                registry_group=label,
            )
            named = {_norm(n.split(":", 1)[-1]) for n in group.get("interventionNames") or []}
            for name, (intervention, labels) in interventions.items():
                if name in named or _norm(label) in labels:
                    draft.interventions.append(intervention)
            self.arms.append(draft)
        self._protocol_keys = {arm.key for arm in self.arms}
        self._known_drugs = {name for name, (i, _) in interventions.items() if not i.placebo}
        self._aliases = self._drug_aliases(arms_module)
        self._alias_re = (
            re.compile("|".join(rf"(?<![\w-]){re.escape(a)}(?![\w-])" for a in sorted(self._aliases, key=lambda a: (-len(a), a))))
            if self._aliases else None
        )

    def _drug_aliases(self, arms_module: dict[str, Any]) -> dict[str, str]:
        """Every name of a non-placebo drug (case-folded) to its intervention name: the name, other names, abbreviations."""
        aliases: dict[str, str] = {name: name for name in self._known_drugs}
        texts: list[str] = []
        for item in arms_module.get("interventions") or []:
            name = _norm(item.get("name"))
            texts += [item.get("name") or "", item.get("description") or ""]
            if name in self._known_drugs:
                for other in item.get("otherNames") or []:
                    # An other name shared by two drugs names neither.
                    other = _norm(str(other))
                    if other and aliases.setdefault(other, name) != name:
                        aliases[other] = ""
        for arm in self.arms:
            texts += [arm.label, arm.description or ""]
        known = {a: n for a, n in aliases.items() if n} | {"placebo": "placebo"}  # 'Placebo (PBO)' too
        for abbreviation, meaning in _abbreviations(texts, known).items():
            # An abbreviation of a drug name reads as that drug; of other words, as those words.
            aliases.setdefault(abbreviation, aliases.get(meaning) or meaning)
        return {alias: name for alias, name in aliases.items() if name and alias}

    def canonical(self, text: str | None) -> str:
        """``text`` case-folded, without population suffix or abbreviation definitions, every drug alias read as its name.

        Numbers are spaced from their units ('200mg' -> '200 mg') and punctuation other than
        '%', '.', '+' and '/' becomes a space, so 'EXP 200mg (FAS)' and 'Examplimab pegol 200 mg' compare equal.
        """
        if not text:
            return ""
        stripped = strip_population(text)
        if self._alias_re is not None:
            # '(EXP)' after what it abbreviates says the same twice: leave the definition out.
            stripped = _DEFINITION_RE.sub(lambda m: " " if m.group(1).casefold() in self._aliases else m.group(0), stripped)
        value = _norm(stripped)
        if self._alias_re is not None:
            value = self._alias_re.sub(lambda m: self._aliases[m.group(0)], value)
        value = re.sub(r"(\d)([^\W\d_])", r"\1 \2", value)
        return re.sub(r"\s+", " ", re.sub(r"[^\w%.+/]+", " ", value)).strip()

    def by_key(self, key: str) -> ArmDraft:
        """The arm with this key."""
        return next(arm for arm in self.arms if arm.key == key)

    def _protocol_arms(self) -> list[ArmDraft]:
        return [arm for arm in self.arms if arm.key in self._protocol_keys]

    def _by_drugs(self, text: str, candidates_of: list[ArmDraft]) -> list[ArmDraft]:
        """The arms receiving what ``text`` (canonical) names, narrowed to one where the rules can; [] if it names nothing."""
        named = {drug for drug in self._known_drugs if re.search(rf"(?<![\w-]){re.escape(drug)}(?![\w-])", text)}
        placebo = bool(_PLACEBO_RE.search(text))
        if not named and not placebo:
            return []
        candidates = [
            arm for arm in candidates_of
            if named <= arm.drug_names and (not placebo or any(i.placebo for i in arm.interventions))
        ]
        if len(candidates) > 1:
            exact = [arm for arm in candidates if arm.drug_names == named]
            candidates = exact or candidates
        if len(candidates) > 1:
            # Doses tell arms of one drug apart: the arms whose label has every number of the title.
            numbers = set(_NUMBER_RE.findall(text))
            dosed = [arm for arm in candidates if numbers and numbers <= set(_NUMBER_RE.findall(self.canonical(arm.label)))]
            candidates = dosed or candidates
        return candidates

    def _match(self, title: str, description: str | None) -> tuple[ArmDraft | None, list[ArmDraft]]:
        """The protocol arm a results group is, and the arms it was torn between when none (for the note)."""
        def unique(candidates: list[ArmDraft]) -> ArmDraft | None:
            return candidates[0] if len(candidates) == 1 else None

        arms = self._protocol_arms()
        wanted = _norm(title)
        if found := unique([arm for arm in arms if _norm(arm.label) == wanted]):
            return found, []
        if description and (found := unique([arm for arm in arms if arm.description and _norm(arm.description) == _norm(description)])):
            return found, []
        canonical = self.canonical(title)
        if found := unique([arm for arm in arms if canonical and self.canonical(arm.label) == canonical]):
            return found, []
        by_drugs = self._by_drugs(canonical, arms)
        if found := unique(by_drugs):
            return found, []
        if found := unique([arm for arm in arms if canonical and re.search(rf"(?<![\w-]){re.escape(canonical)}(?![\w-])", self.canonical(arm.label))]):
            return found, []
        if description:
            text = self.canonical(description)
            # An arm named by the description, unless the description names a drug the arm does not receive
            # ('Drug X at any dose, against placebo' is not the placebo arm).
            drugs = {drug for drug in self._known_drugs if re.search(rf"(?<![\w-]){re.escape(drug)}(?![\w-])", text)}
            named = [arm for arm in arms if (label := self.canonical(arm.label)) and drugs <= arm.drug_names
                     and re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text)]
            if found := unique(named):
                return found, []
            if found := unique(self._by_drugs(text, arms)):
                return found, []
        return None, by_drugs

    def register(self, table: str, groups: list[dict[str, Any]], report: StudyReport | None = None, where: str | None = None) -> None:
        """Map each results group of ``table`` (an outcome, the adverse events) to an arm.

        A group that matches no protocol arm becomes (or joins, by canonical title) an arm of its own;
        ``report`` (a :class:`~ingest.ctgov.common.StudyReport`) notes it, naming the table as ``where``.
        """
        for group in groups:
            group_id = (group.get("id") or "").strip()
            title = (group.get("title") or "").strip() or group_id
            if not group_id:
                continue
            arm, torn = self._match(title, group.get("description"))
            if arm is None:
                # The same unmatched title in another table (or another population of it) is the same new arm.
                arm = next((a for a in self.arms if a.key not in self._protocol_keys and self.canonical(a.label) == self.canonical(title)), None)
            if arm is None:
                arm = ArmDraft(
                    key=arm_key(title, {a.key for a in self.arms}),
                    label=title,
                    description=group.get("description") or None,
                    registry_group=title,
                )
                self.arms.append(arm)
                if report is not None:
                    why = (f"matches {len(torn)} arm groups ({', '.join(repr(a.label) for a in torn)})" if torn
                           else "matches no arm group of the protocol" if self._protocol_keys else "has no arm group to match (the protocol lists none)")
                    report.note(f"{where or table}: results group {group_id} {title!r} {why}; kept as an arm of its own ({arm.key!r}) with its values and analyses")
            arm.group_ids.append(group_id)
            self.groups[(table, group_id)] = arm.key

    def arm_of(self, table: str, group_id: str) -> str | None:
        """The arm key of a results group in a table, or None if the table does not list it."""
        return self.groups.get((table, group_id))

    def is_comparator(self, key: str) -> bool:
        """Whether the arm is a control: a comparator role, or placebo only."""
        arm = self.by_key(key)
        return arm.role in _COMPARATOR_ROLES or arm.placebo_only or bool(_PLACEBO_RE.fullmatch(strip_population(arm.label)))
