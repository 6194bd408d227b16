"""Run hostile-input cases as ``kb`` processes with a time limit, and classify what happened.

Each case is its own process: forked from a fork server that imported ``kb`` once (``MODE =
"fork"``, the default on POSIX) or a new interpreter (``"exec"``); either way a hang is killed at
the limit and a signal is seen as such.

Each case runs in its own folder (the working directory of the subprocess, so messages name files
by their short names): its data files are copied there, its generator writes the large ones, and
``store`` is a copy of a small base store (or no store at all). The store is fingerprinted before
and after the command, so a case that must not change it is checked quad for quad.

A run is classified as one of: ``hang`` (the time limit passed; the process is killed), ``crash``
(killed by a signal, a Python traceback, or the CLI's catch-all ``internal error``), ``error``
(exit status not 0) or ``loaded`` (exit status 0). :func:`problems` then compares it with what the
case expects.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import multiprocessing
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.hostile.cases import BASE_FILES, CASES, DATA, Case, Expect

__all__ = ["Result", "StoreState", "build_base_store", "problems", "run_case", "run_cases", "store_state"]

#: Runs ``kb`` with the interpreter running the tests (no reliance on a console script on PATH).
KB = (sys.executable, "-c", "from kb.cli import main; main()")
SOURCE_ID = "https://w3id.org/trial-evidence-kb/ontology#sourceId"
_NOWHERE = "http://127.0.0.1:9/"
_BOX = re.compile(r"[│╭╮╰╯─┃━]+")


@dataclass(frozen=True)
class StoreState:
    """A store's fingerprint: a digest of its sorted quads, and the ids of its sources."""

    digest: str
    sources: frozenset[str]


ABSENT = StoreState("absent", frozenset())


@dataclass
class Result:
    """What one run of a case did."""

    case: Case
    kind: str  # "hang", "crash", "error" or "loaded" ("lost" only between a forked run and its rerun)
    code: int | None
    output: str
    seconds: float
    before: StoreState = ABSENT
    after: StoreState = ABSENT
    setup_error: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the run met every expectation of its case."""
        return not self.problems


_HOME: str | None = None


def _home() -> str:
    """A throw-away home folder: a case that reaches for the default store or HTTP cache finds it empty."""
    global _HOME
    if _HOME is None:
        _HOME = tempfile.mkdtemp(prefix="kb-hostile-home-")
        atexit.register(shutil.rmtree, _HOME, True)
    return _HOME


def _kb_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_") and not k.startswith("XDG_")}
    env["HOME"] = _home()
    # Wide, plain output: a message is not folded inside a box, so a file name stays whole.
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8")
    # No case may reach the network: every service points at a closed local port.
    env.update(KB_CROSSREF_URL=_NOWHERE, KB_EUTILS_URL=_NOWHERE, KB_CTGOV_URL=_NOWHERE)
    # The subprocess imports kb and tests from this checkout, wherever it is started.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _classify(code: int, output: str) -> str:
    if code < 0 or "Traceback (most recent call last)" in output or "internal error" in output:
        return "crash"
    return "error" if code else "loaded"


def _run_exec(args: list[str], cwd: Path, limit: float) -> tuple[str, int | None, str, float]:
    """``kb ARGS`` as a new interpreter; the process group is killed on a hang."""
    started = time.monotonic()
    process = subprocess.Popen(
        [*KB, *args], cwd=cwd, env=_kb_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        raw, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        raw, _ = process.communicate()
        return "hang", None, raw.decode("utf-8", "replace"), time.monotonic() - started
    output = raw.decode("utf-8", "replace")
    return _classify(process.returncode, output), process.returncode, output, time.monotonic() - started


def _child(args: list[str], cwd: str, out: str) -> None:
    """In a process forked from the fork server: run ``kb ARGS`` in ``cwd``, output to ``out``; exit with its status."""
    os.setsid()  # its own process group, killed whole on a hang
    os.chdir(cwd)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    from kb.cli import main

    code = main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


_SERVER: Any = None
_SERVER_LOCK = threading.Lock()


def _fork_server() -> Any:
    """A multiprocessing fork-server context with kb's CLI imported once (kb's import is most of a run's CPU).

    Every case is still its own process, forked from that server: a hang is killed at the limit, a
    signal is an exit status below 0, and nothing of one case reaches another. The server starts with
    the environment of :func:`_kb_env`, so output is as wide and plain as in exec mode.
    """
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["kb.cli", "kb.cli.main", "kb.knowledge_base", "kb.ingestion", "kb.readers", "tests.hostile.runner"])
            saved = dict(os.environ)
            os.environ.clear()
            os.environ.update(_kb_env())
            try:  # the server is started by the first process and keeps this environment
                probe = context.Process(target=os.getpid)
                probe.start()
                probe.join()
            finally:
                os.environ.clear()
                os.environ.update(saved)
            _SERVER = context
        return _SERVER


#: The exit status multiprocessing reports when it could not read one from the fork server
#: (popen_forkserver: "perhaps the forkserver process itself got killed"); seen once in a full run.
_LOST = 255


def _run_forked(args: list[str], cwd: Path, limit: float) -> tuple[str, int | None, str, float]:
    """``kb ARGS`` in a process forked from the fork server; killed (with its group) on a hang."""
    out = cwd / ".kb-output.txt"
    started = time.monotonic()
    process = _fork_server().Process(target=_child, args=(args, str(cwd), str(out)))
    process.start()
    process.join(limit)
    if process.is_alive():
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:  # it ended between the check and the kill
            pass
        process.join()
        output = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        return "hang", None, output, time.monotonic() - started
    output = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
    out.unlink(missing_ok=True)
    code = process.exitcode if process.exitcode is not None else -9
    if code == _LOST:  # multiprocessing could not read the status from the server; kb never exits 255
        return "lost", code, output, time.monotonic() - started
    return _classify(code, output), code, output, time.monotonic() - started


#: How cases run: "fork" (from a fork server with kb imported; POSIX) or "exec" (a new interpreter each).
MODE = "fork" if "forkserver" in multiprocessing.get_all_start_methods() else "exec"


def _run(args: Iterable[str], cwd: Path, limit: float, mode: str | None = None) -> tuple[str, int | None, str, float]:
    """Run ``kb ARGS`` in ``cwd`` with a time limit; (kind, exit status, output, seconds)."""
    chosen = mode or MODE
    return (_run_forked if chosen == "fork" else _run_exec)(list(args), cwd, limit)


def store_state(path: Path) -> StoreState:
    """The fingerprint of the store at ``path`` (:data:`ABSENT` when there is none)."""
    if not path.exists():
        return ABSENT
    if not path.is_dir():
        return StoreState("file:" + hashlib.sha256(path.read_bytes()).hexdigest(), frozenset())
    from kb.store import open_store

    try:
        store = open_store(path, read_only=True)
    except Exception:  # a folder that is not a store (a case's own): its files are its state
        files = sorted(p for p in path.rglob("*") if p.is_file())
        listing = "\n".join(f"{p.relative_to(path)} {hashlib.sha256(p.read_bytes()).hexdigest()}" for p in files)
        return StoreState("folder:" + hashlib.sha256(listing.encode("utf-8")).hexdigest(), frozenset())
    try:
        quads = sorted(str(quad) for quad in store.quads())
        sources = frozenset(str(getattr(q.object, "value", q.object)) for q in store.quads() if q.predicate.value == SOURCE_ID)
    finally:
        store.close()
    return StoreState(hashlib.sha256("\n".join(quads).encode("utf-8")).hexdigest(), sources)


def build_base_store(folder: Path) -> Path:
    """A small store (one good findings file) that cases copy; built once per run."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        shutil.copy(DATA / name, folder / Path(name).name)
    store = folder / "store"
    kind, code, output, _ = _run(["--store", "store", "ingest", "findings", *(Path(n).name for n in BASE_FILES)], folder, 60)
    if kind != "loaded":
        raise RuntimeError(f"cannot build the base store for the hostile corpus: {output}")
    return store


@contextmanager
def _lock_holder(store: Path) -> Iterator[None]:
    """Another process holding the store open for writing while the case runs."""
    script = "from kb import KnowledgeBase; import sys, time; kb = KnowledgeBase.open(sys.argv[1]); print('held', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", script, str(store)], env=_kb_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert holder.stdout is not None
        holder.stdout.readline()  # "held": the store is locked
        yield
    finally:
        holder.kill()
        holder.communicate()  # closes its pipes too


_PROGRESS = re.compile(r"^\s*(added|replaced|unchanged)\s|^\d+ source\(s\) loaded", re.IGNORECASE)


def normalized(text: str) -> str:
    """``text`` lower-cased, without box drawing and with runs of white space as one space."""
    return " ".join(_BOX.sub(" ", text).lower().split())


def messages(output: str) -> str:
    """The output without the lines that list loaded sources and the batch's summary line.

    What a case says must be named is looked for in what remains (errors, failures, notes), so a
    source id or a file name on an ``added`` line does not pass for a note that is not there.
    """
    return "\n".join(line for line in output.splitlines() if not _PROGRESS.search(line))


def problems(result: Result) -> list[str]:
    """How ``result`` falls short of what its case expects (empty: as expected)."""
    case, found = result.case, []
    if result.setup_error:
        return [f"setup failed: {result.setup_error}"]
    if result.kind in ("hang", "crash"):
        return [f"{result.kind} (exit {result.code})"]
    text = normalized(messages(result.output))
    missing = [name for name in case.names if normalized(name) not in text]
    if missing:
        found.append(f"the output does not name {missing}")
    if case.expect in (Expect.ERROR, Expect.PARTIAL) and result.kind != "error":
        found.append(f"expected a non-zero exit status, got {result.code}")
    if case.expect in (Expect.LOADED, Expect.NOTE) and result.kind != "loaded":
        found.append(f"expected exit status 0, got {result.code}")
    lost = set(case.good) - result.after.sources
    if lost:
        found.append(f"good records lost: {sorted(lost)}")
    if case.unchanged and result.after != result.before:
        found.append("the store changed")
    return found


def _broken(case: Case, error: Exception) -> Result:
    result = Result(case, "error", None, "", 0.0, setup_error=f"{type(error).__name__}: {error}")
    result.problems = problems(result)
    return result


def run_case(case: Case, folder: Path, base_store: Path | None, mode: str | None = None) -> Result:
    """Run ``case`` in ``folder`` (created; must not exist) and judge it.

    When a forked run's exit status is lost, the case runs again from the start, in a new folder,
    as a new interpreter: the result is that run's, never a guess.
    """
    result = _run_case(case, folder, base_store, mode)
    if result.kind == "lost":
        result = _run_case(case, folder.with_name(folder.name + "-exec"), base_store, "exec")
    return result


def _run_case(case: Case, folder: Path, base_store: Path | None, mode: str | None) -> Result:
    folder.mkdir(parents=True)
    try:
        for name in case.files:
            shutil.copy(DATA / name, folder / Path(name).name)
        if case.make is not None:
            case.make(folder)
        # An empty --store falls to the default store, in the throw-away home: watch that one.
        store = folder / case.store_arg if case.store_arg else Path(_home(), ".local", "share", "trial-evidence-kb", "store")
        if case.store == "base":
            if base_store is None:
                raise RuntimeError("the case needs the base store")
            shutil.copytree(base_store, store)
        for command in case.before:
            kind, code, output, _ = _run(["--store", "store", *command], folder, case.limit, mode)
            if kind == "lost":
                kind, code, output, _ = _run(["--store", "store", *command], folder, case.limit, "exec")
            if kind != "loaded":
                raise RuntimeError(f"kb {' '.join(command)} failed: {output[-500:]}")
        before = store_state(store)
    except Exception as error:  # a broken case is reported as such, not as a crash of kb
        return _broken(case, error)
    args = ["--store", case.store_arg, *case.args]
    if case.hold_lock:
        with _lock_holder(store):
            kind, code, output, seconds = _run(args, folder, case.limit, mode)
    else:
        kind, code, output, seconds = _run(args, folder, case.limit, mode)
    try:
        after = store_state(store)
    except Exception as error:  # e.g. a store left locked or corrupt: the case failed, loudly
        after = StoreState(f"unreadable: {type(error).__name__}: {error}", frozenset())
    result = Result(case, kind, code, output, seconds, before=before, after=after)
    result.problems = problems(result)
    return result


def run_cases(cases: Iterable[Case] | None, folder: Path, *, workers: int = 4) -> dict[str, Result]:
    """Run ``cases`` (default: the whole corpus) a few at a time in ``folder``; results by case id."""
    chosen = list(CASES if cases is None else cases)
    base = build_base_store(folder / "_base") if any(c.store == "base" for c in chosen) else None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {case.id: pool.submit(run_case, case, folder / case.id, base) for case in chosen}
    return {case_id: future.result() for case_id, future in futures.items()}
