"""Arms of a ClinicalTrials.gov study, and which arm each results group (OG000, EG000 ...) is.

Registry results groups carry their own titles, which often differ from the protocol's
arm group labels ('Lenalidomide' in the results, 'Arm #1 - Lenalidomide plus placebo'
in the protocol). A group is matched to an arm by, in order: the same label; the same
description; the drugs its title names (or 'placebo' alone); its title contained in
exactly one label. A group that matches no arm, or several, becomes an arm of its own,
keyed by a slug of its title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.models import Arm, ArmRole, Intervention
from kb.rdf.iris import slug

__all__ = ["ArmDraft", "ArmSet", "interventions_of", "arm_key"]

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
        if not placebo and kind_token in _DRUG_TYPES:
            names = [name, *(item.get("otherNames") or [])]
            drug = resolve_drug(names) if resolve_drug else name
        intervention = Intervention(
            drug=drug,
            placebo=placebo,
            label=name,
            type=kind.lower() or "other",
            description=(item.get("description") or None),
        )
        result[_norm(name)] = (intervention, {_norm(label) for label in item.get("armGroupLabels") or []})
    return result


class ArmSet:
    """The arms of one study, and the map from (table, group id) to arm key."""

    def __init__(self, arms_module: dict[str, Any], resolve_drug: Any = None) -> None:
        self.arms: list[ArmDraft] = []
        self.groups: dict[tuple[str, str], str] = {}
        self._known_drugs: set[str] = set()
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
        self._known_drugs = {name for name, (i, _) in interventions.items() if not i.placebo}

    def by_key(self, key: str) -> ArmDraft:
        """The arm with this key."""
        return next(arm for arm in self.arms if arm.key == key)

    def _match(self, title: str, description: str | None) -> ArmDraft | None:
        def unique(candidates: list[ArmDraft]) -> ArmDraft | None:
            return candidates[0] if len(candidates) == 1 else None

        wanted = _norm(title)
        if found := unique([arm for arm in self.arms if _norm(arm.label) == wanted]):
            return found
        if description and (found := unique([arm for arm in self.arms if arm.description and _norm(arm.description) == _norm(description)])):
            return found
        # By intervention: the arms receiving every drug the title names (and placebo, if it says so).
        named = {drug for drug in self._known_drugs if re.search(rf"(?<![\w-]){re.escape(drug)}(?![\w-])", wanted)}
        placebo = bool(_PLACEBO_RE.search(title))
        if named or placebo:
            candidates = [
                arm for arm in self.arms
                if named <= arm.drug_names and (not placebo or any(i.placebo for i in arm.interventions))
            ]
            if found := unique(candidates) or unique([arm for arm in candidates if arm.drug_names == named]):
                return found
        return unique([arm for arm in self.arms if wanted and wanted in _norm(arm.label)])

    def register(self, table: str, groups: list[dict[str, Any]]) -> None:
        """Map each results group of ``table`` (an outcome, the adverse events) to an arm."""
        for group in groups:
            group_id = (group.get("id") or "").strip()
            title = (group.get("title") or "").strip() or group_id
            if not group_id:
                continue
            arm = self._match(title, group.get("description"))
            if arm is None:
                # The same unmatched title in another table is the same new arm.
                arm = next((a for a in self.arms if a.registry_group is None and _norm(a.label) == _norm(title)), None)
            if arm is None:
                arm = ArmDraft(
                    key=arm_key(title, {a.key for a in self.arms}),
                    label=title,
                    description=group.get("description") or None,
                )
                self.arms.append(arm)
            arm.group_ids.append(group_id)
            self.groups[(table, group_id)] = arm.key

    def arm_of(self, table: str, group_id: str) -> str | None:
        """The arm key of a results group in a table, or None if the table does not list it."""
        return self.groups.get((table, group_id))

    def is_comparator(self, key: str) -> bool:
        """Whether the arm is a control: a comparator role, or placebo only."""
        arm = self.by_key(key)
        return arm.role in _COMPARATOR_ROLES or arm.placebo_only or bool(_PLACEBO_RE.fullmatch(arm.label.strip()))
