"""``kb synthesize``: pool a drug's ratio estimates of one outcome across trials (:mod:`kb.synthesis`)."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kb.cli.context import Wait, open_kb
from kb.errors import ExportError

__all__ = ["register", "SynthesisFormat", "synthesize"]


class SynthesisFormat(StrEnum):
    """How ``kb synthesize`` prints its result."""

    table = "table"
    csv = "csv"
    json = "json"


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _interval(estimate: float | None, lower: float | None, upper: float | None) -> str:
    if estimate is None:
        return ""
    if lower is None or upper is None:
        return f"{estimate:.3f} (no CI)"
    return f"{estimate:.3f} ({lower:.3f}-{upper:.3f})"


def _reference(estimate: Any) -> str:
    """Where an estimate is from: the source id, and the DOI or PMID when there is one."""
    parts = [estimate.source]
    if estimate.doi:
        parts.append(f"doi:{estimate.doi}")
    elif estimate.pmid:
        parts.append(f"pmid:{estimate.pmid}")
    return " ".join(parts)


def _print_table(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False) if sys.stdout.isatty() else Console(width=200, highlight=False)
    measure = result.measure.replace("_", " ")
    console.print(f"[bold]{result.drug}, {result.outcome}[/bold]: {measure} of {result.drug}'s arm against its comparator; "
                  f"{result.k} estimate(s) pooled, {len(result.excluded)} left out", markup=True)
    included = Table(title="Pooled estimates", title_justify="left", header_style="bold")
    for column in ("trial", "analysis", "estimate (95% CI)", "weight fixed", "weight random", "inverted", "status", "report", "source"):
        included.add_column(column, overflow="fold")
    for e in result.included:
        included.add_row(
            e.trial, e.cutoff_label, _interval(e.estimate, e.ci_lower, e.ci_upper), f"{e.weight_fixed:.1f}%", f"{e.weight_random:.1f}%",
            "yes" if e.inverted else "no", e.status or "", e.citation, _reference(e),
        )
    console.print(included)
    if result.excluded:
        left = Table(title="Left out", title_justify="left", header_style="bold")
        for column in ("trial", "analysis", "estimate", "reason", "report", "source"):
            left.add_column(column, overflow="fold")
        for x in result.excluded:
            e = x.estimate
            left.add_row(e.trial, e.cutoff_label, _interval(e.estimate, e.ci_lower, e.ci_upper), x.reason, e.citation, _reference(e))
        console.print(left)
    if result.fixed is not None:
        pooled = Table(title="Pooled result", title_justify="left", header_style="bold")
        for column in ("model", f"{measure} (95% CI)", "log estimate", "se", "z", "p"):
            pooled.add_column(column)
        models = [("fixed effect (inverse variance)", result.fixed)]
        if result.k > 1:
            models.append((f"random effects ({'DerSimonian-Laird' if result.method == 'dl' else 'Paule-Mandel'})", result.random))
        for name, p in models:
            pooled.add_row(name, _interval(p.estimate, p.ci_lower, p.ci_upper), _number(p.log_estimate, 4), _number(p.se, 4),
                           _number(p.z, 2), f"{p.p_value:.3g}")
        console.print(pooled)
        h = result.heterogeneity
        if h.df > 0:
            console.print(f"Heterogeneity: Q = {h.q:.3f} on {h.df} df (p = {h.q_p_value:.3g}), tau² = {h.tau2:.4f} ({h.method.upper()}), "
                          f"I² = {h.i2:.1f}%", markup=False)
    for e in result.included:
        if e.inverted:
            console.print(f"Inverted: {e.trial} ({e.citation}): {e.inverted_reason}", markup=False)
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)


def _print_csv(result: Any) -> None:
    from kb.synthesis import ROW_COLUMNS

    writer = csv.DictWriter(sys.stdout, fieldnames=ROW_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in result.to_rows():
        writer.writerow({k: "" if v is None else ("TRUE" if v is True else "FALSE" if v is False else v) for k, v in row.items()})


def _plot_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise ExportError(f"--plot {path}: give a file ending in .svg or .png (the format is taken from the extension)")
    return suffix


def synthesize(
    ctx: typer.Context,
    drug: Annotated[str, typer.Option("--drug", help="Drug by name, synonym, CURIE or IRI, e.g. lenalidomide, Revlimid.", show_default=False)],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome by name, synonym, CURIE or IRI, e.g. 'overall survival'.", show_default=False)],
    measure: Annotated[str, typer.Option("--measure", help="Ratio measure to pool: hazard_ratio, odds_ratio or risk_ratio.")] = "hazard_ratio",
    method: Annotated[str, typer.Option("--method", metavar="dl|pm", help="Random-effects tau² estimator: dl (DerSimonian-Laird) or pm (Paule-Mandel).")] = "dl",
    select: Annotated[str, typer.Option("--select", metavar="latest|earliest", help="Which analysis of a trial with several is pooled.")] = "latest",
    plot: Annotated[Path | None, typer.Option("--plot", metavar="FILE.svg|png", help="Also write the forest plot (SVG or PNG, by the extension).")] = None,
    fmt: Annotated[SynthesisFormat, typer.Option("--format", "-f", help="table, csv (one row per estimate, then the pooled rows) or json.")] = SynthesisFormat.table,
    wait: Wait = 0.0,
) -> None:
    """Pool a drug's ratio estimates of one outcome across trials (log scale, inverse variance, fixed and random effects).

    Estimates are the drug's arm against its comparator (reversed comparisons are inverted), one
    per trial (its latest analysis unless --select earliest), and a pooled analysis is never pooled
    with the trials it contains. Estimates without a CI are listed, not pooled. Every row names its source.
    """
    from kb.export import atomic_file, is_special_file
    from kb.synthesis import forest_plot
    from kb.synthesis import synthesize as run

    plot_format = _plot_format(plot) if plot is not None else None
    with open_kb(ctx, read_only=True, wait=wait) as kb:
        result = run(kb, drug, outcome, measure=measure, method=method, select=select)
    if plot is not None and plot_format is not None:
        image = forest_plot(result, plot_format)
        if is_special_file(plot):
            plot.write_bytes(image)
        else:
            with atomic_file(plot) as partial:
                partial.write_bytes(image)
    if fmt is SynthesisFormat.json:
        sys.stdout.write(result.to_json() + "\n")
    elif fmt is SynthesisFormat.csv:
        _print_csv(result)
    else:
        _print_table(result)
    if plot is not None:
        from kb.cli.output import stderr_console

        stderr_console.print(f"wrote the forest plot to {plot}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``synthesize`` to ``app``."""
    app.command("synthesize")(synthesize)
