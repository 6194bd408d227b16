"""Run the hostile-input corpus and print its figures: ``python -m tests.hostile [-v] [-k TEXT] [-j N]``.

Prints one table of figures (cases, clear errors, of which "unforeseen" (the ingest runner's safety
net caught a reader's exception), loaded, loaded with a note, crashes, hangs, unexpected store
changes, good records lost, unmet expectations, pending fixes) and, per area,
the same counts; ``-v`` adds one line per case. Exit status 0 when every case that is not pending
met its expectations, else 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.hostile.cases import CASES, Expect
from tests.hostile import runner
from tests.hostile.runner import Result, run_cases

COLUMNS = ("cases", "clear errors", "unforeseen", "loaded", "with note", "crashes", "hangs", "store changes", "good lost", "unmet", "pending")
#: What the ingest runner says when a reader raised what no check of its own foresaw: still a clear
#: error naming the file and record, but a sign that a reader could name the field instead.
UNFORESEEN = " reader failed: "


def figures(results: list[Result]) -> Counter[str]:
    """The report's counts over ``results``."""
    counts: Counter[str] = Counter()
    for result in results:
        case = result.case
        counts["cases"] += 1
        counts["crashes"] += result.kind == "crash"
        counts["hangs"] += result.kind == "hang"
        counts["clear errors"] += result.kind == "error" and not any("does not name" in p for p in result.problems)
        counts["unforeseen"] += UNFORESEEN in result.output
        loaded = result.kind == "loaded"
        noted = loaded and case.expect in (Expect.NOTE, Expect.FLAGGED) and not any("does not name" in p for p in result.problems)
        counts["with note"] += noted
        counts["loaded"] += loaded and not noted
        counts["store changes"] += any(p == "the store changed" for p in result.problems)
        counts["good lost"] += sum(1 for p in result.problems if p.startswith("good records lost"))
        if case.pending:
            counts["pending"] += 1
            counts["pending now met"] += result.ok
        else:
            counts["unmet"] += not result.ok
    return counts


def _row(label: str, counts: Counter[str]) -> str:
    return f"{label:<10}" + "".join(f"{counts[name]:>{len(name) + 2}}" for name in COLUMNS)


def main(argv: list[str] | None = None) -> int:
    """Run the corpus (or the cases whose id contains ``-k``) and print the report."""
    parser = argparse.ArgumentParser(prog="python -m tests.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="select", default="", help="run only the cases whose id contains this text")
    parser.add_argument("-j", dest="workers", type=int, default=6, help="cases run at once (default 6)")
    parser.add_argument("-v", dest="verbose", action="store_true", help="one line per case")
    parser.add_argument("--exec", dest="exec_mode", action="store_true", help="start a new interpreter per case (default: fork from a server with kb imported)")
    args = parser.parse_args(argv)
    if args.exec_mode:
        runner.MODE = "exec"
    chosen = [case for case in CASES if args.select in case.id]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kb-hostile-") as folder:
        results = list(run_cases(chosen, Path(folder), workers=args.workers).values())
    elapsed = time.monotonic() - started
    if args.verbose:
        for result in results:
            state = "pending" if result.case.pending else ("ok" if result.ok else "UNMET")
            detail = "; ".join(result.problems)
            print(f"{state:<8}{result.case.id:<40}{result.case.expect.value:<17}{result.kind:<7}{result.seconds:6.1f}s  {detail}")
        print()
    print(f"hostile-input corpus: {len(results)} cases in {elapsed:.1f} s ({runner.MODE} mode)")
    print(f"{'':<10}" + "".join(f"{name:>{len(name) + 2}}" for name in COLUMNS))
    for area in dict.fromkeys(result.case.area for result in results):
        print(_row(area, figures([r for r in results if r.case.area == area])))
    total = figures(results)
    print(_row("total", total))
    print(f"pending fixes: {total['pending']} cases marked xfail, {total['pending now met']} of them now met (remove their mark)")
    for result in results:
        if not result.ok and not result.case.pending:
            print(f"UNMET {result.case.id}: {'; '.join(result.problems)}", file=sys.stderr)
    return 1 if total["unmet"] else 0


if __name__ == "__main__":
    sys.exit(main())
