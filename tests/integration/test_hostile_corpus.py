"""The hostile-input corpus (issue 12): every case meets its expected outcome, and none crashes or hangs.

The cases are data (:mod:`tests.hostile.cases`); each runs ``kb`` as a subprocess with a time limit
(a hang guard: 20 s, or less where a case says so), a few at a time: the selected cases run once,
together, when the first of them is checked. A case fails when ``kb`` hangs, crashes (signal,
traceback, or the CLI's catch-all ``internal error``), changes a store it must leave alone, loses a
good record of a mixed batch, or ends otherwise than the case expects. Cases whose fix is still in
progress are ``xfail(strict=True)``: they fail the day the fix lands, and their mark goes.

The figures of the whole corpus: ``python -m tests.hostile`` (tests/data/hostile/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.cases import CASES, Case
from tests.hostile.runner import Result, run_cases

BY_ID = {case.id: case for case in CASES}


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.pending)] if case.pending else []
    return pytest.param(case.id, id=case.id, marks=marks)


@pytest.fixture(scope="session")
def corpus_results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """The results of every selected case of this module, run together a few at a time."""
    selected = [
        BY_ID[item.callspec.params["case_id"]]
        for item in request.session.items
        if item.path == Path(__file__) and hasattr(item, "callspec") and "case_id" in item.callspec.params
    ]
    return run_cases(selected, tmp_path_factory.mktemp("hostile"), workers=6)


def test_case_ids_are_unique() -> None:
    assert len(BY_ID) == len(CASES)


@pytest.mark.parametrize("case_id", [_param(case) for case in CASES])
def test_hostile_case(case_id: str, corpus_results: dict[str, Result]) -> None:
    result = corpus_results[case_id]
    shown = f"{case_id} ({result.kind}, exit {result.code}, {result.seconds:.1f} s):\n{result.output[-3000:]}"
    # Never the catch-all, a traceback or a hang, whatever the case expects.
    assert result.kind not in ("crash", "hang"), shown
    assert "internal error" not in result.output and "Traceback (most recent call last)" not in result.output, shown
    assert result.ok, f"{'; '.join(result.problems)}\n{shown}"


def test_every_reader_and_cli_area_has_cases() -> None:
    from kb.readers import available_readers

    areas = {case.area for case in CASES}
    assert set(available_readers()) <= areas
    assert {"vocab", "sparql", "query", "export", "sources", "store"} <= areas


def test_the_runner_calls_signals_tracebacks_and_the_catch_all_crashes() -> None:
    from tests.hostile.runner import _classify

    assert _classify(-11, "") == "crash"
    assert _classify(1, "error: internal error: KeyError: 'x' (set KB_DEBUG=1 for the traceback)") == "crash"
    assert _classify(1, "Traceback (most recent call last):\n  File ...") == "crash"
    assert _classify(1, "failed  x.ris: line 1: no RIS record found") == "error"
    assert _classify(0, "1 source(s) loaded") == "loaded"
