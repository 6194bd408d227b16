"""The forest plot of a synthesis (matplotlib, Agg, no pyplot state): SVG or PNG bytes.

One row per pooled estimate: the trial, its report and analysis (cut-off) on the left; a square
sized by its fixed-effect weight and its CI on a log axis; the figures and both weights on the
right. Then a diamond per pooled estimate (fixed effect, random effects), the line of no effect, the
direction ("favours <drug>") under the axis, and footnotes: which estimates were inverted and how,
heterogeneity, and the estimates left out with the reason. Draft estimates are drawn hollow,
verified ones filled.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from typing import TYPE_CHECKING

from kb.errors import ParameterError
from kb.synthesis.model import Estimate, Pooled, Synthesis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FORMATS", "forest_plot", "direction_labels"]

#: The image formats :func:`forest_plot` writes.
FORMATS: tuple[str, ...] = ("svg", "png")
#: matplotlib's rcParams (read while saving) are process-wide: one drawing at a time, so a server's
#: threads do not swap each other's SVG settings.
_DRAWING = threading.Lock()
_MAX_LEFT_OUT = 8  # footnotes listing the estimates left out; the rest are counted
#: Tick sets for the log axis, densest first: the first with at most 8 ticks in the axis' range is used.
_TICK_LEVELS: tuple[tuple[float, ...], ...] = (
    (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0),
    (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
    (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0),
    (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0),
)


def direction_labels(measure: str, drug: str) -> tuple[str, str]:
    """What a ratio below and above 1 means, for the labels under the axis.

    A hazard ratio's event is harmful (death, progression): below 1 favours the drug. For an odds
    or risk ratio the KB does not know whether the event is good (a response) or bad, so the
    labels say only which way the ratio goes.

    >>> direction_labels("hazard_ratio", "lenalidomide")
    ('favours lenalidomide', 'favours comparator')
    >>> direction_labels("odds_ratio", "lenalidomide")
    ('lower odds with lenalidomide', 'higher odds with lenalidomide')
    """
    if measure == "hazard_ratio":
        return f"favours {drug}", "favours comparator"
    word = {"odds_ratio": "odds", "risk_ratio": "risk"}.get(measure, "ratio")
    return f"lower {word} with {drug}", f"higher {word} with {drug}"


def _interval(value: float, lower: float, upper: float) -> str:
    return f"{value:.2f} ({lower:.2f}-{upper:.2f})"


def _mark(index: int) -> str:
    """Footnote marks: *, †, ‡, §, then numbers."""
    marks = ("*", "†", "‡", "§")
    return marks[index] if index < len(marks) else str(index + 1)


def forest_plot(result: Synthesis, fmt: str = "svg") -> bytes:
    """Draw ``result`` as a forest plot; ``fmt`` ``"svg"`` or ``"png"`` (150 dpi).

    A result with nothing pooled gives a plot that says so and lists what was left out.

    :raises ParameterError: for another format.
    """
    if fmt not in FORMATS:
        raise ParameterError(f"the forest plot is written as {' or '.join(FORMATS)}, not {fmt!r}")
    with _DRAWING:
        return _draw(result, fmt)


def _draw(result: Synthesis, fmt: str) -> bytes:
    """The drawing itself (:func:`forest_plot` holds the lock)."""
    import matplotlib

    # A Figure made without pyplot: no global figure state (safe in a server's threads) and no
    # backend switch in the caller's process; savefig draws PNG with Agg and SVG with the SVG backend.
    from matplotlib.figure import Figure

    estimates = result.included
    pooled: list[tuple[str, Pooled]] = []
    if result.fixed is not None and result.random is not None:
        pooled.append(("Fixed effect (inverse variance)", result.fixed))
        if result.k > 1:
            pooled.append((f"Random effects ({'DerSimonian-Laird' if result.method == 'dl' else 'Paule-Mandel'})", result.random))
    inverted = [e for e in estimates if e.inverted]
    footnotes = _footnotes(result, inverted)
    rows = len(estimates) + len(pooled)
    height = 1.5 + 0.55 * max(rows, 1) + 0.42 + 0.17 * len(footnotes)
    figure = Figure(figsize=(11.5, height), dpi=150)
    top_in, bottom_in = 0.75, 0.62 + 0.17 * len(footnotes)
    grid = figure.add_gridspec(1, 3, width_ratios=(4.6, 3.6, 3.1), wspace=0.02,
                               left=0.01, right=0.985, top=1 - top_in / height, bottom=bottom_in / height)
    left, axis, right = (figure.add_subplot(grid[0, i]) for i in range(3))
    measure = result.measure.replace("_", " ")
    figure.suptitle(f"{result.drug}: {result.outcome}, {measure} ({result.drug}'s arm against its comparator)",
                    x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=11, fontweight="bold")

    span = rows + 1
    for ax in (left, axis, right):
        ax.set_ylim(0.2, span + 0.4)
    for ax in (left, right):
        ax.set_xlim(0, 1)
        ax.axis("off")
    left.text(0.0, span, "Trial / report / analysis", fontsize=8.5, fontweight="bold", va="center")
    right.text(0.02, span, f"{measure.capitalize()} (95% CI)", fontsize=8.5, fontweight="bold", va="center")
    right.text(0.66, span, "Weight\nfixed / random", fontsize=7.5, fontweight="bold", va="center", linespacing=1.0)

    labels = _labels(estimates)
    bounds = [1.0]
    for index, estimate in enumerate(estimates):
        y = span - 1 - index
        _estimate_row(left, axis, right, estimate, y, inverted, labels[index])
        bounds += [estimate.ci_lower or 1.0, estimate.ci_upper or 1.0]
    for offset, (label, figures) in enumerate(pooled):
        y = span - 1 - len(estimates) - offset
        colour = "#1f3a93" if offset == 0 else "#8e1b1b"
        half = 0.22
        axis.fill([figures.ci_lower, figures.estimate, figures.ci_upper, figures.estimate],
                  [y, y + half, y, y - half], color=colour, zorder=3)
        left.text(0.0, y, label, fontsize=8.5, fontweight="bold", va="center")
        right.text(0.02, y, _interval(figures.estimate, figures.ci_lower, figures.ci_upper), fontsize=8.5, fontweight="bold", va="center")
        right.text(0.66, y, "100% / -" if offset == 0 else "- / 100%", fontsize=8, va="center")
        bounds += [figures.ci_lower, figures.ci_upper]
    if not estimates:
        axis.text(1.0, span / 2, "nothing to pool", ha="center", va="center", fontsize=10, color="#555555")

    low, high = min(bounds), max(bounds)
    pad = (math.log(high) - math.log(low)) * 0.08 + 0.05
    axis.set_xscale("log")
    axis.set_xlim(math.exp(math.log(low) - pad), math.exp(math.log(high) + pad))
    ticks = _ticks(*axis.get_xlim())
    axis.set_xticks(ticks, [f"{t:g}" for t in ticks], fontsize=8)
    axis.minorticks_off()
    axis.axvline(1.0, color="#333333", linewidth=0.9, zorder=1)
    if result.fixed is not None:
        axis.axvline(result.fixed.estimate, color="#1f3a93", linewidth=0.7, linestyle=(0, (4, 3)), zorder=1)
    axis.set_yticks([])
    for side in ("left", "right", "top"):
        axis.spines[side].set_visible(False)
    below, above = direction_labels(result.measure, result.drug)
    axis.set_xlabel(f"\u2190 {below}          {above} \u2192", fontsize=8.5)

    for number, note in enumerate(footnotes):
        figure.text(0.01, (bottom_in - 0.45 - 0.17 * number) / height, note, fontsize=7.2, ha="left", va="top", color="#222222")
    buffer = io.BytesIO()
    # SVG: fixed ids and no date, so one result gives the same bytes every time.
    metadata = {"Date": None} if fmt == "svg" else {"Software": "trial-evidence-kb (matplotlib)"}
    # SVG text stays text (searchable, selectable, read by screen readers), not glyph outlines.
    with matplotlib.rc_context({"svg.hashsalt": "trial-evidence-kb", "svg.fonttype": "none"}):
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _ticks(low: float, high: float) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high``: the densest level with at most 8 in range.

    >>> _ticks(0.35, 1.7)
    [0.5, 0.7, 1.0, 1.5]
    >>> _ticks(0.6, 1.0)
    [0.6, 0.7, 0.8, 0.9, 1.0]
    """
    for level in _TICK_LEVELS:
        ticks = [t for t in level if low <= t <= high]
        if len(ticks) <= 8:
            return ticks
    return [t for t in _TICK_LEVELS[-1] if low <= t <= high]


def _labels(estimates: list[Estimate]) -> list[str]:
    """Each row's trial label; a label two different trials share gets its trial's id (the IRI's last part)."""
    trials_by_label: dict[str, set[str]] = {}
    for estimate in estimates:
        trials_by_label.setdefault(estimate.trial, set()).add(estimate.trial_iri)
    return [e.trial if len(trials_by_label[e.trial]) == 1 else f"{e.trial} ({e.trial_iri.rstrip('/').rsplit('/', 1)[-1]})" for e in estimates]


def _estimate_row(left: Axes, axis: Axes, right: Axes, estimate: Estimate, y: float, inverted: list[Estimate], label: str) -> None:
    """One estimate's row: labels, square and CI, figures and weights."""
    mark = f" {_mark(inverted.index(estimate))}" if estimate in inverted else ""
    draft = estimate.status != "verified"
    left.text(0.0, y + 0.13, textwrap.shorten(label, 48, placeholder="...") + mark, fontsize=8.5, fontweight="bold", va="center")
    detail = f"{estimate.citation} · {estimate.cutoff_label}" + (" · draft" if draft else "")
    left.text(0.0, y - 0.17, textwrap.shorten(detail, 70, placeholder="..."), fontsize=7, va="center", color="#444444")
    assert estimate.estimate is not None and estimate.ci_lower is not None and estimate.ci_upper is not None  # included: screened
    weight = estimate.weight_fixed or 0.0
    size = 4 + 10 * math.sqrt(weight / 100)
    axis.plot([estimate.ci_lower, estimate.ci_upper], [y, y], color="black", linewidth=1.1, zorder=2)
    axis.plot([estimate.estimate], [y], marker="s", markersize=size, color="black",
              markerfacecolor="white" if draft else "black", markeredgewidth=1.2, zorder=3)
    level = "" if estimate.ci_level in (None, 0.95) else f" [{estimate.ci_level:.0%} CI]"  # the column is headed 95%
    right.text(0.02, y, _interval(estimate.estimate, estimate.ci_lower, estimate.ci_upper) + level, fontsize=8.5, va="center")
    random = f"{estimate.weight_random:.1f}%" if estimate.weight_random is not None else "-"
    right.text(0.66, y, f"{weight:.1f}% / {random}", fontsize=8, va="center")


def _footnotes(result: Synthesis, inverted: list[Estimate]) -> list[str]:
    notes = []
    for index, estimate in enumerate(inverted):
        notes.append(f"{_mark(index)} Inverted: {estimate.inverted_reason}.")
    het = result.heterogeneity
    if het is not None and het.df > 0:
        p = "" if het.q_p_value is None else "p < 0.001" if het.q_p_value < 0.001 else f"p = {het.q_p_value:.3f}"
        notes.append(f"Heterogeneity: Q = {het.q:.2f} on {het.df} df ({p}), tau\u00b2 = {het.tau2:.4f} ({het.method.upper()}), I\u00b2 = {het.i2:.0f}%.")
    elif het is not None:
        notes.append("One estimate: the pooled figure is that estimate; heterogeneity cannot be assessed.")
    notes.append("Squares: filled = verified, hollow = draft (awaiting verification); size by fixed-effect weight.")
    for left_out in result.excluded[:_MAX_LEFT_OUT]:
        e = left_out.estimate
        notes.append(textwrap.shorten(f"Not pooled: {e.trial} ({e.citation}, {e.cutoff_label}): {left_out.reason}.", 190, placeholder="..."))
    if len(result.excluded) > _MAX_LEFT_OUT:
        notes.append(f"... and {len(result.excluded) - _MAX_LEFT_OUT} more estimate(s) not pooled (see the table).")
    return notes
