"""How figures read on the pages: numbers, estimates with their CI, p-values, grades.

>>> figure({"statistic": "hazard_ratio", "value": 0.44, "ci_lower": 0.33, "ci_upper": 0.59, "ci_level": 0.95})
'HR 0.44 (95% CI 0.33 to 0.59)'
>>> figure({"statistic": "median", "value": 11.1, "unit": "month"})
'median 11.1 month'
>>> p_value({"p_relation": "<", "p_value": 0.001})
'p < 0.001'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["number", "figure", "p_value", "statistic_name", "status_of", "analysis_name"]

_STATISTICS = {
    "hazard_ratio": "HR",
    "odds_ratio": "OR",
    "risk_ratio": "RR",
    "relative_risk": "RR",
    "rate_ratio": "rate ratio",
    "mean_difference": "mean difference",
    "risk_difference": "risk difference",
    "percentage": "",
}


def number(value: object) -> str:
    """A number as printed in a report: no trailing zeros, no exponent.

    >>> number(0.4400), number(353), number(None)
    ('0.44', '353', '')
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return str(value)


def statistic_name(statistic: object) -> str:
    """``hazard_ratio`` as ``HR``; other statistics with spaces for underscores."""
    text = str(statistic or "")
    return _STATISTICS.get(text, text.replace("_", " "))


def figure(row: Mapping[str, object], value_key: str = "value", statistic_key: str = "statistic") -> str:
    """The figure of a result row: its statistic, value (or 'not reached'), unit and CI."""
    name = statistic_name(row.get(statistic_key))
    if row.get("not_reached"):
        value = "not reached"
    else:
        value = number(row.get(value_key))
    if not value:
        return ""
    unit = row.get("unit")
    if unit == "percent":
        value += "%"
    elif unit:
        value += f" {unit}"
    text = f"{name} {value}".strip()
    lower, upper = row.get("ci_lower"), row.get("ci_upper")
    if lower is not None and upper is not None:
        level = row.get("ci_level")
        percent = number(float(level) * 100) if isinstance(level, (int, float)) else "95"
        text += f" ({percent}% CI {number(lower)} to {number(upper)})"
    return text


def p_value(row: Mapping[str, object]) -> str:
    """``p < 0.001`` from a row's p_relation and p_value (empty without a p-value)."""
    if row.get("p_value") is None:
        return ""
    relation = str(row.get("p_relation") or "=")
    return f"p {relation} {number(row.get('p_value'))}"


def status_of(row: Mapping[str, object]) -> str:
    """The curation status a page shows: ``verified``, else ``draft`` (never blank: a figure nobody
    checked is a draft)."""
    return "verified" if row.get("status") == "verified" else "draft"


def analysis_name(row: Mapping[str, object]) -> str:
    """The analysis and cut-off of a row: ``long-term follow-up, cut-off 2008-07``.

    >>> analysis_name({"analysis": "unblinding"})
    'unblinding, cut-off not stated'
    """
    kind = str(row.get("analysis") or "").replace("long_term_follow_up", "long-term follow-up").replace("_", " ")
    cutoff = f"cut-off {row['cutoff']}" if row.get("cutoff") else "cut-off not stated"
    return f"{kind}, {cutoff}" if kind else cutoff
