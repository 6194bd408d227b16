"""Scoring an extractor against a gold file (the schema of the project's ``extraction/README.md``).

Matching rules:

- an effect estimate matches as a whole tuple when measure, value and both CI bounds are equal
  after number normalization (rounded to 6 decimals; a missing bound equals only a missing
  bound) and the spans overlap; each gold estimate matches at most one proposal;
- field by field, a proposal is paired with the gold estimate its span overlaps most, and each
  field (measure, value, ci_lower, ci_upper, ci_level, p, where p is relation and value
  together) is counted on its own: a stated value equal to the gold's is a true positive, a
  stated value that differs or has no gold is a false positive, a gold value missed or
  differing is a false negative;
- an arm size matches when the counts are equal and the spans overlap;
- the total randomized is exact when the number equals the gold's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from kb.errors import InputFileError
from kb.extraction.model import EffectEstimate, Extraction, Extractor

__all__ = ["GoldEstimate", "GoldArm", "GoldRecord", "FieldScore", "EvaluationReport", "read_gold", "evaluate"]

_PRECISION = 6


class _Gold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class GoldEstimate(_Gold):
    """One hand-annotated effect estimate."""

    measure: Literal[
        "hazard_ratio", "odds_ratio", "risk_ratio", "rate_ratio", "mean_difference", "risk_difference",
        "median_difference", "standardized_mean_difference", "other",
    ]
    value: float
    ci_lower: float | None = None
    ci_upper: float | None = None
    ci_level: float | None = None
    p_relation: Literal["=", "<", ">", "<=", ">="] | None = None
    p_value: float | None = None
    outcome: str | None = None
    span: tuple[int, int]


class GoldArm(_Gold):
    """One hand-annotated arm size."""

    label: str | None = None
    n: int
    span: tuple[int, int]


class GoldRecord(_Gold):
    """One abstract with its gold annotations."""

    id: str
    text: str
    effect_estimates: tuple[GoldEstimate, ...] = ()
    arm_sizes: tuple[GoldArm, ...] = ()
    total_randomized: int | None = None


def read_gold(path: str | Path) -> Iterator[GoldRecord]:
    """Each record of a gold JSONL file; a bad line is an :class:`InputFileError` naming file, line and field."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read: {error.strerror or error}")]) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputFileError(str(path), [(f"line {number}", f"not JSON: {error.msg} at column {error.colno}")]) from None
            try:
                record = GoldRecord.model_validate(data)
            except ValidationError as error:
                problems = [(f"line {number}." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
                raise InputFileError(str(path), problems) from None
            spans = [(f"effect_estimates.{i}", e.span) for i, e in enumerate(record.effect_estimates)]
            spans += [(f"arm_sizes.{i}", a.span) for i, a in enumerate(record.arm_sizes)]
            for where, (start, end) in spans:
                if not 0 <= start <= end <= len(record.text):
                    raise InputFileError(str(path), [(f"line {number}.{where}.span", f"{[start, end]} lies outside the text")])
            yield record


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, _PRECISION)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass
class FieldScore:
    """True and false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall}


@dataclass
class EvaluationReport:
    """Per-field scores, with every miss and false positive and its text."""

    gold_path: str
    extractor: str
    version: str
    abstracts: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    total_stated: int = 0
    total_exact: int = 0
    no_estimate_abstracts: int = 0
    no_estimate_clean: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)

    def score(self, name: str) -> FieldScore:
        return self.fields.setdefault(name, FieldScore())

    def summary(self) -> dict[str, Any]:
        """The headline figures."""
        return {
            "abstracts": self.abstracts,
            "abstracts_per_second": self.abstracts / self.seconds if self.seconds else None,
            "abstracts_per_cpu_second": self.abstracts / self.cpu_seconds if self.cpu_seconds else None,
            "total_randomized_exact": self.total_exact,
            "total_randomized_stated": self.total_stated,
            "total_randomized_exact_share": self.total_exact / self.total_stated if self.total_stated else None,
            "no_estimate_abstracts": self.no_estimate_abstracts,
            "no_estimate_without_false_estimate": self.no_estimate_clean,
        }

    def to_json(self) -> str:
        """The report as JSON: extractor, summary, fields, misses, false_positives."""
        return json.dumps(
            {
                "gold": self.gold_path, "extractor": self.extractor, "version": self.version, "summary": self.summary(),
                "fields": {name: score.as_dict() for name, score in self.fields.items()},
                "misses": self.misses, "false_positives": self.false_positives,
            },
            indent=2, ensure_ascii=False,
        )

    def to_text(self) -> str:
        """A plain-text report: a table of fields, the summary, then each miss and false positive."""

        def pct(value: float | None) -> str:
            return "   -" if value is None else f"{value:.3f}"

        lines = [f"Gold: {self.gold_path} ({self.abstracts} abstracts); extractor {self.extractor} {self.version}", ""]
        lines.append(f"{'field':<28} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>10} {'recall':>8}")
        for name, score in self.fields.items():
            lines.append(f"{name:<28} {score.tp:>5} {score.fp:>5} {score.fn:>5} {pct(score.precision):>10} {pct(score.recall):>8}")
        summary = self.summary()
        lines += [
            "",
            f"total randomized exact: {self.total_exact} of {self.total_stated} abstracts that state it ({pct(summary['total_randomized_exact_share'])})",
            f"abstracts with no estimate and no false estimate: {self.no_estimate_clean} of {self.no_estimate_abstracts}",
        ]
        if summary["abstracts_per_second"]:
            cpu = summary["abstracts_per_cpu_second"]
            lines.append(f"speed: {summary['abstracts_per_second']:.0f} abstracts/s" + (f" ({cpu:.0f} per CPU second)" if cpu else ""))
        for title, items in (("Misses", self.misses), ("False positives", self.false_positives)):
            lines += ["", f"{title} ({len(items)}):"]
            for item in items:
                lines.append(f"  {item['id']} {item['field']}: {item['detail']} | {item['text']!r}")
        return "\n".join(lines)


def _describe(estimate: GoldEstimate | EffectEstimate) -> str:
    measure = estimate.measure if isinstance(estimate.measure, str) else estimate.measure.value
    ci = f" [{estimate.ci_lower}, {estimate.ci_upper}]" if estimate.ci_lower is not None else ""
    p = f" p{estimate.p_relation}{estimate.p_value}" if estimate.p_value is not None else ""
    return f"{measure} {estimate.value}{ci}{p}"


def _tuple(estimate: GoldEstimate | EffectEstimate) -> tuple[str, float | None, float | None, float | None]:
    measure = estimate.measure if isinstance(estimate.measure, str) else estimate.measure.value
    return (measure, _num(estimate.value), _num(estimate.ci_lower), _num(estimate.ci_upper))


def _field_values(estimate: GoldEstimate | EffectEstimate) -> dict[str, object]:
    measure = estimate.measure if isinstance(estimate.measure, str) else estimate.measure.value
    return {
        "measure": measure, "value": _num(estimate.value), "ci_lower": _num(estimate.ci_lower), "ci_upper": _num(estimate.ci_upper),
        "ci_level": _num(estimate.ci_level), "p": None if estimate.p_value is None else (estimate.p_relation, _num(estimate.p_value)),
    }


def _score_estimates(report: EvaluationReport, record: GoldRecord, proposed: tuple[EffectEstimate, ...]) -> None:
    spans = [(e.span.start, e.span.end) for e in proposed]
    used: set[int] = set()
    whole = report.score("estimates (whole tuple)")
    for gold in record.effect_estimates:
        hit = next(
            (i for i, e in enumerate(proposed) if i not in used and _overlap(spans[i], gold.span) and _tuple(e) == _tuple(gold)), None
        )
        if hit is None:
            whole.fn += 1
            report.misses.append({"id": record.id, "field": "estimate", "detail": _describe(gold), "text": record.text[gold.span[0]: gold.span[1]]})
        else:
            used.add(hit)
            whole.tp += 1
    for i, estimate in enumerate(proposed):
        if i not in used:
            whole.fp += 1
            report.false_positives.append({"id": record.id, "field": "estimate", "detail": _describe(estimate), "text": estimate.span.quote})
    # Field by field: pair each gold estimate with the proposal overlapping it most.
    paired: set[int] = set()
    pairs: list[tuple[GoldEstimate | None, EffectEstimate | None]] = []
    for gold in record.effect_estimates:
        best = max(((i, _overlap(spans[i], gold.span)) for i in range(len(proposed)) if i not in paired), key=lambda p: p[1], default=None)
        if best and best[1] > 0:
            paired.add(best[0])
            pairs.append((gold, proposed[best[0]]))
        else:
            pairs.append((gold, None))
    pairs += [(None, proposed[i]) for i in range(len(proposed)) if i not in paired]
    for gold_e, proposal in pairs:
        gold_values = _field_values(gold_e) if gold_e else {}
        proposed_values = _field_values(proposal) if proposal else {}
        for name in ("measure", "value", "ci_lower", "ci_upper", "ci_level", "p"):
            score = report.score(f"estimates.{name}")
            g, p = gold_values.get(name), proposed_values.get(name)
            if p is not None and p == g:
                score.tp += 1
                continue
            if p is not None:
                score.fp += 1
            if g is not None:
                score.fn += 1


def _score_arms_and_total(report: EvaluationReport, record: GoldRecord, extraction: Extraction) -> None:
    arms = report.score("arm sizes")
    used: set[int] = set()
    for gold in record.arm_sizes:
        hit = next(
            (i for i, a in enumerate(extraction.arm_sizes) if i not in used and a.n == gold.n and _overlap((a.span.start, a.span.end), gold.span)),
            None,
        )
        if hit is None:
            arms.fn += 1
            report.misses.append({"id": record.id, "field": "arm size", "detail": f"{gold.label}: {gold.n}", "text": record.text[max(0, gold.span[0] - 40): gold.span[1] + 20]})
        else:
            used.add(hit)
            arms.tp += 1
    for i, arm in enumerate(extraction.arm_sizes):
        if i not in used:
            arms.fp += 1
            start = arm.span.start
            report.false_positives.append({"id": record.id, "field": "arm size", "detail": f"{arm.label}: {arm.n}", "text": record.text[max(0, start - 40): arm.span.end + 20]})
    total = report.score("total randomized")
    proposed = extraction.total_randomized
    if record.total_randomized is not None:
        report.total_stated += 1
    if proposed is not None and proposed.n == record.total_randomized:
        total.tp += 1
        report.total_exact += 1
        return
    if proposed is not None:
        total.fp += 1
        start = proposed.span.start
        report.false_positives.append({"id": record.id, "field": "total randomized", "detail": f"{proposed.n} (gold {record.total_randomized})", "text": record.text[max(0, start - 40): proposed.span.end + 30]})
    if record.total_randomized is not None:
        total.fn += 1
        if proposed is None:
            report.misses.append({"id": record.id, "field": "total randomized", "detail": str(record.total_randomized), "text": ""})


_WARM_UP = "Aspirin inhibits cyclooxygenase in vitro. We randomized 20 patients (HR 0.5, 95% CI 0.3-0.9)."


def evaluate(gold_path: str | Path, extractor: Extractor | None = None) -> EvaluationReport:
    """Score ``extractor`` (default: the rule-based one) on the gold file at ``gold_path``."""
    if extractor is None:
        from kb.extraction.rules import RuleBasedExtractor

        extractor = RuleBasedExtractor()
    records = list(read_gold(gold_path))
    report = EvaluationReport(gold_path=str(gold_path), extractor=extractor.name, version=extractor.version)
    # One-off start-up (loading a vocabulary, compiling patterns) is not the extractor's speed.
    extractor.extract(_WARM_UP)
    started, cpu = time.perf_counter(), time.process_time()
    extractions = [extractor.extract(record.text, text_id=record.id) for record in records]
    report.seconds = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu
    report.abstracts = len(records)
    for record, extraction in zip(records, extractions):
        _score_estimates(report, record, extraction.estimates)
        _score_arms_and_total(report, record, extraction)
        if not record.effect_estimates:
            report.no_estimate_abstracts += 1
            report.no_estimate_clean += not extraction.estimates
    return report
