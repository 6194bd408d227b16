"""The benchmark harness behind ``python -m benchmarks`` (see benchmarks/README.md).

For two corpus sizes 10x apart (``--quick``: about 15k and 150k quads; default: about 300k and
3M), it writes the synthetic corpus of ``benchmarks/corpus.py`` and measures, each in its own
process so peaks do not mix:

- ingest (``kb ingest pubmed`` then ``kb ingest findings``): records/s, quads/s, peak RSS, next
  to floors run in the same session: a bare lxml ``iterparse`` of the XML, a libyaml load of the
  findings files, and pyoxigraph's ``Store.bulk_load`` of the built KB's N-Quads into a fresh store;
- every SELECT template of the catalogue with representative parameters, through
  ``KnowledgeBase.open(path, read_only=True).query``: median and p95 of up to N runs, rows,
  ms per row; a template that raises is recorded and the run goes on; one that runs past the
  per-case timeout is killed and recorded;
- export of the larger KB to N-Quads, Turtle, GraphML and KGX against ``Store.dump`` to N-Quads;
- start-up of the ``kb`` process (``kb --help``, ``kb query trial_reports``) against a bare
  ``python -c pass``.

Every figure is printed with its ratio to the floor measured in the same run; nothing asserts
on time. Results are printed as Markdown tables and written as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.corpus import DEFAULT_SEED, Corpus, reports_for_records, write_corpus
from benchmarks.targets import print_targets

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"

#: (records, reports) of the two sizes, per mode; about 300 quads per PubMed record with its share of reports.
SIZES = {"quick": ((50, 8), (500, 75)), "full": ((1_000, 150), (10_000, 1_500))}


def _kb_command() -> list[str]:
    script = Path(sys.executable).with_name("kb")
    if script.exists():
        return [str(script)]
    found = shutil.which("kb")
    return [found] if found else [sys.executable, "-m", "kb.cli"]


# -- subprocesses ---------------------------------------------------------------------------------
@dataclass
class Proc:
    seconds: float
    maxrss_mib: float
    code: int
    stdout: str
    stderr: str


# The harness process is large (it imports kb); a child forked from it would report the parent's
# resident set as its own ru_maxrss (Linux carries the pre-exec high-water mark). So every measured
# command is started by this small launcher (python -S, ~10 MiB), which forks, execs the command
# and writes the command's own rusage (wait4) to a file. It also kills the command when its resident set
# passes half the machine's memory (BENCH_MEMORY_LIMIT_MIB): the 3M-quad KGX export once reached 23 GiB.
_LAUNCHER = """
import json, os, signal, sys, time
limit_kib = int(sys.argv[2]) * 1024
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
killed = False
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    try:
        with open(f"/proc/{pid}/statm") as f:
            rss_kib = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        rss_kib = 0
    if limit_kib and rss_kib > limit_kib and not killed:
        os.kill(pid, signal.SIGKILL)
        killed = True
    time.sleep(0.05)
with open(sys.argv[1], "w") as f:
    json.dump({"maxrss_kib": usage.ru_maxrss, "status": status, "killed_over_mib": limit_kib // 1024 if killed else None}, f)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def _memory_limit_mib() -> int:
    """Kill a measured process whose RSS passes half of this machine's memory (the machine is shared)."""
    try:
        total = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        return 0
    return int(os.environ.get("BENCH_MEMORY_LIMIT_MIB", total // 1024 // 2))


def launch(command: list[str], rusage_file: Path, **popen: Any) -> subprocess.Popen:
    """Start ``command`` through the launcher, in its own session (so a timeout can kill the group)."""
    return subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, str(rusage_file), str(_memory_limit_mib()), *command],
                            cwd=ROOT, start_new_session=True, **popen)


def kill_group(process: subprocess.Popen) -> None:
    """Kill a launched command and its launcher (a process group this harness started)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_measured(command: list[str], *, timeout: float | None = None) -> Proc:
    """Run ``command``; its wall time and its own peak RSS, not shared with other processes."""
    with tempfile.TemporaryDirectory() as folder:
        rusage = Path(folder) / "rusage.json"
        with open(Path(folder) / "out", "w+b") as out, open(Path(folder) / "err", "w+b") as err:
            start = time.perf_counter()
            process = launch(command, rusage, stdout=out, stderr=err)
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_group(process)
                code = -9
            seconds = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        usage = json.loads(rusage.read_text()) if rusage.exists() else {}
        maxrss = usage.get("maxrss_kib", float("nan")) / 1024
        if usage.get("killed_over_mib"):
            stderr += f"\nkilled: resident set over {usage['killed_over_mib']} MiB (BENCH_MEMORY_LIMIT_MIB)"
    return Proc(seconds, maxrss, code, stdout, stderr)


def worker(*args: str, timeout: float | None = None) -> dict[str, Any]:
    proc = run_measured([sys.executable, "-m", "benchmarks.worker", *args], timeout=timeout)
    if proc.code != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.code}"])[-1][:500], "wall_s": proc.seconds}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = proc.seconds
    result["process_maxrss_mib"] = proc.maxrss_mib
    return result


# -- ingest -----------------------------------------------------------------------------------------
def bench_ingest(corpus: Corpus, store: Path, work: Path) -> dict[str, Any]:
    kb = _kb_command()
    result: dict[str, Any] = {"records": corpus.records, "reports": corpus.reports, "commit": _commit(),
                              "xml_mib": corpus.pubmed.stat().st_size / 2**20}
    init = run_measured([*kb, "--store", str(store), "init"])
    base = worker("count", str(store)).get("quads", 0)
    result["init"] = {"seconds": init.seconds, "maxrss_mib": init.maxrss_mib, "quads": base, "code": init.code}
    pubmed = run_measured([*kb, "--store", str(store), "ingest", "pubmed", str(corpus.pubmed), "--quiet"])
    after_pubmed = worker("count", str(store)).get("quads", 0)
    findings = run_measured([*kb, "--store", str(store), "ingest", "findings", *map(str, corpus.findings), "--quiet"])
    total = worker("count", str(store)).get("quads", 0)
    for key, proc, n, quads in (("pubmed", pubmed, corpus.records, after_pubmed - base), ("findings", findings, corpus.reports, total - after_pubmed)):
        result[key] = {"seconds": proc.seconds, "records": n, "quads": quads, "records_per_s": n / proc.seconds,
                       "quads_per_s": quads / proc.seconds, "maxrss_mib": proc.maxrss_mib, "code": proc.code,
                       "stderr_tail": proc.stderr.strip()[-400:] if proc.code else ""}
    result["quads"] = total
    # Floors, same session, same data.
    result["floor_parse"] = worker("parse", str(corpus.pubmed))
    result["floor_yaml"] = worker("yaml", str(corpus.findings[0].parent))
    nquads = work / f"{store.name}.nq"
    result["dump"] = worker("dump", str(store), str(nquads))
    result["floor_bulk_load"] = worker("bulkload", str(nquads), str(work / f"{store.name}-bulk"))
    shutil.rmtree(work / f"{store.name}-bulk", ignore_errors=True)
    result["store_mib"] = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**20
    ours = pubmed.seconds + findings.seconds
    bulk = result["floor_bulk_load"].get("seconds")
    parse = result["floor_parse"].get("seconds")
    yaml_s = result["floor_yaml"].get("seconds")
    result["ratios"] = {
        "ingest_over_bulk_load": ours / bulk if bulk else None,
        "pubmed_over_parse": pubmed.seconds / parse if parse else None,
        "findings_over_yaml": findings.seconds / yaml_s if yaml_s else None,
    }
    nquads.unlink(missing_ok=True)
    return result


# -- templates ------------------------------------------------------------------------------------
def template_cases(params: dict[str, str]) -> list[dict[str, Any]]:
    """Representative cases for every SELECT template in the catalogue, as it is now."""
    from kb.rdf.iris import default_base

    p = params
    trial_iri = f"{default_base()}trial/{p['trial']}"
    known: dict[str, list[dict[str, str]]] = {
        "publication": [{"doi": p["doi"]}, {"pmid": p["pmid"]}, *([{"doi": p["doi_pubmed_only"]}] if p.get("doi_pubmed_only") else [])],
        "outcome_results": [{"drug": p["common_drug"]}, {"drug": p["rare_drug"]}, {"trial": p["trial"]}, {"doi": p["doi"]},
                            {"drug": p["common_drug"], "outcome": p["outcome"]}],
        "adverse_events": [{"drug": p["common_drug"], "min_grade": "3"}, {"drug": p["rare_drug"]}, {"trial": p["trial"]},
                           {"event": p["event"], "min_grade": "3"}],
        "mechanisms": [{"drug": p["common_drug"]}, {"drug": p["rare_drug"]}, {"target": p["target"]}],
        "drugs_for_target": [{"target": p["target"]}, {"target": "proteasome"}],
        "trial_reports": [{"trial": p["trial"]}, {"trial": p["trial_acronym"]}],
        "registry_results": [{"trial": p["trial"]}],
        "provenance": [{"source": p["source"]}, {"finding": "@finding"}],
        "unresolved": [{}, {"category": "drug"}],
        "synthesis_estimates": [{"drug": p["common_drug"], "outcome": p["outcome"]}],
        "page_search": [{"text": p["common_drug"]}, {"text": p["doi"]}],
        "page_node": [{"iri": trial_iri}],
        "page_links": [{"iri": trial_iri}],
    }
    by_name = {"drug": p["common_drug"], "target": p["target"], "trial": p["trial"], "doi": p["doi"], "pmid": p["pmid"],
               "source": p["source"], "finding": "@finding", "outcome": p["outcome"], "event": p["event"]}
    from kb.paths import queries_dir
    from kb.query import load_template

    cases = []
    for path in sorted(queries_dir().glob("*.rq")):
        name, chosen = path.stem, None
        try:  # templates change under us (other work in progress): a bad one is recorded, not fatal
            template = load_template(name)
            if template.form != "select":
                continue
            chosen = known.get(name)
            if chosen is None:  # a template the harness does not know yet: fill what it requires
                required = {k: by_name.get(k, "") for k, v in template.parameters.items() if v.required}
                chosen = [{n: by_name.get(n, "") for n in (one,)} for one in template.one_of] if template.one_of else [required]
        except Exception:  # noqa: BLE001 - running it will report the error
            if "CONSTRUCT" in path.read_text(encoding="utf-8").upper().split("WHERE")[0]:
                continue
            chosen = known.get(name, [{}])
        for number, case in enumerate(chosen):
            label = ", ".join(f"{k}={v}" for k, v in case.items()) or "-"
            cases.append({"id": f"{name}#{number}", "template": name, "params": case, "label": label, "trial": p["trial"]})
    return cases


def bench_templates(store: Path, cases: list[dict[str, Any]], work: Path, *, repeat: int, budget: float, timeout: float) -> list[dict[str, Any]]:
    """Run the cases in a worker; a case past ``timeout`` seconds kills it and a new worker goes on."""
    results: dict[str, dict[str, Any]] = {}
    pending = list(cases)
    while pending:
        path = work / "cases.json"
        path.write_text(json.dumps(pending), encoding="utf-8")
        stderr_path = work / "templates-stderr.txt"
        (work / "templates-rusage.json").unlink(missing_ok=True)
        with open(stderr_path, "wb") as stderr_file:
            process = launch([sys.executable, "-m", "benchmarks.worker", "templates", str(store), str(path), str(repeat), str(budget)],
                             work / "templates-rusage.json", stdout=subprocess.PIPE, stderr=stderr_file)
        # Raw reads from the pipe (a buffered reader would hide lines from select); stderr goes to a file.
        fd = process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        current: str | None = None
        last = time.perf_counter()
        buffer = b""
        finished = False
        while not finished:
            allowed = timeout if current else 300.0  # opening a large store and loading vocabularies: 300 s
            if time.perf_counter() - last > allowed:
                kill_group(process)
                if current:
                    results[current] = {"error": f"timeout: no result within {timeout:g} s (worker killed)", "runs_ms": [], "rows": None}
                break
            if not selector.select(timeout=0.5):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # the worker exited
                process.wait()
                if current:
                    tail = stderr_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                    usage_path = work / "templates-rusage.json"
                    usage = json.loads(usage_path.read_text()) if usage_path.exists() else {}
                    if usage.get("killed_over_mib"):
                        tail.append(f"killed: resident set over {usage['killed_over_mib']} MiB (BENCH_MEMORY_LIMIT_MIB)")
                    results[current] = {"error": f"worker died: {(tail or ['?'])[-1][:300]}", "runs_ms": [], "rows": None}
                finished = True
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                message = json.loads(line)
                if message.get("event") == "start":
                    current, last = message["id"], time.perf_counter()
                elif message.get("event") == "case":
                    results[message["id"]] = message
                    current, last = None, time.perf_counter()
                elif message.get("event") == "opened":
                    last = time.perf_counter()
        selector.close()
        process.stdout.close()
        if process.poll() is None:
            kill_group(process)
        before = len(pending)
        pending = [case for case in pending if case["id"] not in results]
        if len(pending) == before:  # the worker could not even open the store
            tail = " / ".join(stderr_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-2:])[:300]
            for case in pending:
                results[case["id"]] = {"error": f"worker failed before running any case: {tail or '?'}", "runs_ms": [], "rows": None}
            pending = []
    rows = []
    for case in cases:
        r = results.get(case["id"], {})
        runs = r.get("runs_ms") or []
        median = statistics.median(runs) if runs else None
        p95 = sorted(runs)[max(0, int(round(0.95 * len(runs))) - 1)] if runs else None
        n_rows = r.get("rows")
        rows.append({"id": case["id"], "template": case["template"], "params": case["label"], "runs": len(runs), "median_ms": median, "p95_ms": p95,
                     "rows": n_rows, "ms_per_row": (median / n_rows) if (median is not None and n_rows) else None,
                     "error": r.get("error"), "maxrss_mib": r.get("maxrss_mib")})
    return rows


# -- export, start-up ---------------------------------------------------------------------------------
def bench_export(store: Path, work: Path, *, timeout: float) -> dict[str, Any]:
    # The floor runs twice (the first also warms the page cache for the exports after it); the faster counts.
    dumps = [worker("dump", str(store), str(work / "dump.nq"), timeout=timeout) for _ in range(2)]
    out: dict[str, Any] = {"floor_dump_nquads": min(dumps, key=lambda d: d.get("seconds", float("inf"))), "floor_dump_runs_s": [d.get("seconds") for d in dumps]}
    (work / "dump.nq").unlink(missing_ok=True)
    for fmt, target, extra in (("nquads", "export.nq", ()), ("turtle", "export.ttl", ()), ("graphml", "export.graphml", ()),
                               ("kgx", "kgx", ("infores:bench",))):
        path = work / target
        result = worker("export", str(store), fmt, str(path), *extra, timeout=timeout)
        if result.get("error") and result.get("wall_s", 0) >= timeout:
            result["error"] = f"timeout after {timeout:.0f} s"
        out[fmt] = result
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    floor = out["floor_dump_nquads"].get("seconds")
    for fmt in ("nquads", "turtle", "graphml", "kgx"):
        r = out[fmt]
        if r.get("seconds"):
            r["triples_per_s"] = r["quads"] / r["seconds"]
            r["over_dump"] = r["seconds"] / floor if floor else None
    return out


def bench_startup(store: Path, trial: str, repeat: int = 5) -> dict[str, Any]:
    kb = _kb_command()
    commands = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "python -c 'import kb'": [sys.executable, "-c", "import kb"],
        "kb --help": [*kb, "--help"],
        "kb query trial_reports": [*kb, "--store", str(store), "query", "trial_reports", "-p", f"trial={trial}"],
        "kb query stats": [*kb, "--store", str(store), "query", "stats"],
    }
    out: dict[str, Any] = {}
    for label, command in commands.items():
        runs = [run_measured(command) for _ in range(repeat)]
        out[label] = {"median_s": statistics.median(r.seconds for r in runs), "maxrss_mib": max(r.maxrss_mib for r in runs),
                      "codes": sorted({r.code for r in runs})}
    # What the CLI imports before it does anything (python -X importtime), median of `repeat` runs.
    for module in ("kb.cli", "kb.cli.main", "kb.cli.query_cmd"):
        out[f"import {module} (importtime)"] = {"import_ms": statistics.median(import_time_ms(module) for _ in range(repeat))}
    return out


def import_time_ms(module: str) -> float:
    """The cumulative import time of ``module`` and everything it imports, from ``python -X importtime``."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT)
    total_us = 0
    for line in result.stderr.splitlines():
        # "import time:       self [us] |  cumulative | imported package"; top-level imports are not indented.
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and not parts[2].startswith("  ") and parts[1].strip().isdigit():
            total_us += int(parts[1].strip())
    return total_us / 1000


# -- machine, printing ----------------------------------------------------------------------------------
def _commit() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "kb", "ingest", "queries"], cwd=ROOT, capture_output=True, text=True).stdout.strip())
    return commit + ("+uncommitted kb/ingest/queries changes" if dirty else "")


def machine() -> dict[str, Any]:
    import pyoxigraph

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory = ""
    try:
        memory = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "platform": platform.platform(), "commit": _commit()}


def _f(value: Any, spec: str = ",.0f") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"\n## Machine\n{m['nproc']} cores, {m['cpu']}, {m['memory']} RAM; Python {m['python']}, pyoxigraph {m['pyoxigraph']}; "
          f"commit {m['commit']} (at end {report.get('commit_at_end', '?')}); mode {report['mode']}, seed {report['seed']}, total {report.get('total_s', float('nan')):.0f} s\n")
    print("## Ingest (each step its own process; wall time includes the kb process start)\n")
    print("| size | step | records | quads | wall s | records/s | quads/s | peak RSS MiB | floor | floor s | ours/floor |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for label, ing in report["ingest"].items():
        pub, fin, r = ing["pubmed"], ing["findings"], ing["ratios"]
        print(f"| {label} | kb ingest pubmed | {pub['records']:,} | {pub['quads']:,} | {pub['seconds']:.1f} | {pub['records_per_s']:,.0f} | "
              f"{pub['quads_per_s']:,.0f} | {pub['maxrss_mib']:.0f} | lxml iterparse | {_f(ing['floor_parse'].get('seconds'), '.2f')} | {_f(r['pubmed_over_parse'], '.0f')}x |")
        print(f"| {label} | kb ingest findings | {fin['records']:,} | {fin['quads']:,} | {fin['seconds']:.1f} | {fin['records_per_s']:,.0f} | "
              f"{fin['quads_per_s']:,.0f} | {fin['maxrss_mib']:.0f} | libyaml load | {_f(ing['floor_yaml'].get('seconds'), '.2f')} | {_f(r['findings_over_yaml'], '.0f')}x |")
        bulk = ing["floor_bulk_load"]
        both = pub["seconds"] + fin["seconds"]
        print(f"| {label} | both ({ing['quads']:,} quads in store, {ing['store_mib']:.0f} MiB) | {pub['records'] + fin['records']:,} | "
              f"{pub['quads'] + fin['quads']:,} | {both:.1f} | {(pub['records'] + fin['records']) / both:,.0f} | {(pub['quads'] + fin['quads']) / both:,.0f} | "
              f"{max(pub['maxrss_mib'], fin['maxrss_mib']):.0f} | Store.bulk_load (RSS {_f(bulk.get('process_maxrss_mib'))}) | {_f(bulk.get('seconds'), '.2f')} | {_f(r['ingest_over_bulk_load'], '.1f')}x |")
    sizes = list(report["templates"])
    if sizes:
        _print_templates(report, sizes)
    _print_rest(report)


def _print_templates(report: dict[str, Any], sizes: list[str]) -> None:
    print(f"\n## Templates (KnowledgeBase.open(read_only=True).query; median and p95 of up to {report['repeat']} runs)\n")
    print("| template | parameters | " + " | ".join(f"{s}: rows | median ms | p95 ms | ms/row" for s in sizes) + " |")
    print("|---|---|" + "---:|---:|---:|---:|" * len(sizes))
    by_size = {s: {r["id"]: r for r in report["templates"][s]} for s in sizes}
    ids = list(dict.fromkeys(i for s in sizes for i in by_size[s]))
    for case_id in ids:
        row = next(by_size[s][case_id] for s in sizes if case_id in by_size[s])
        cells = []
        for s in sizes:
            r = by_size[s].get(case_id)
            if r is None:
                cells.append("- | - | - | -")
            elif r["error"]:
                cells.append(f"error: {r['error'][:90].replace('|', '/')} | | |")
            else:
                cells.append(f"{_f(r['rows'])} | {_f(r['median_ms'], ',.1f')} | {_f(r['p95_ms'], ',.1f')} | {_f(r['ms_per_row'], '.3f')}")
        print(f"| {row['template']} | {row['params']} | " + " | ".join(cells) + " |")


def _print_export(label: str, ex: dict[str, Any]) -> None:
    floor = ex["floor_dump_nquads"]
    print(f"\n## Export of the {label} KB ({_f(floor.get('quads'))} quads)\n")
    print("| format | seconds | quads/s | output MiB | peak RSS MiB | ours/Store.dump |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| Store.dump N-Quads (floor) | {_f(floor.get('seconds'), '.2f')} | {_f(floor['quads'] / floor['seconds'] if floor.get('seconds') else None)} | "
          f"{_f(floor.get('bytes', 0) / 2**20, '.1f')} | {_f(floor.get('process_maxrss_mib'))} | 1.0x |")
    for fmt in ("nquads", "turtle", "graphml", "kgx"):
        r = ex[fmt]
        if r.get("error"):
            print(f"| {fmt} | error: {r['error'][:120]} | | | | |")
            continue
        print(f"| {fmt}{' (infores:bench)' if fmt == 'kgx' else ''} | {r['seconds']:.2f} | {_f(r.get('triples_per_s'))} | {r['bytes'] / 2**20:.1f} | "
              f"{_f(r.get('process_maxrss_mib'))} | {_f(r.get('over_dump'), '.1f')}x |")


def _print_rest(report: dict[str, Any]) -> None:
    exports = report.get("export_by_size") or ({report["export_size"]: report["export"]} if report.get("export") else {})
    for label, ex in exports.items():
        _print_export(label, ex)
    if not report.get("startup"):
        return
    print(f"\n## Start-up (wall time, median of 5 processes; query against the {report['export_size']} KB)\n")
    print("| command | median s | peak RSS MiB | over python -c pass |")
    print("|---|---:|---:|---:|")
    floor_s = report["startup"]["python -c pass (floor)"]["median_s"]
    for label, r in report["startup"].items():
        if "import_ms" in r:
            continue
        print(f"| {label} | {r['median_s']:.3f} | {r['maxrss_mib']:.0f} | {r['median_s'] / floor_s:.1f}x |")
    imports = {label: r["import_ms"] for label, r in report["startup"].items() if "import_ms" in r}
    if imports:
        print("\n| import (python -X importtime, cumulative) | ms |")
        print("|---|---:|")
        for label, ms in imports.items():
            print(f"| {label} | {ms:.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (about 15k and 150k quads), under 3 minutes on 2 cores")
    parser.add_argument("--records", type=int, nargs=2, metavar=("SMALL", "LARGE"), help="PubMed records at the two sizes (reports: 3 per 20)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=None, help="runs per template case (default 5 quick, 7 full)")
    parser.add_argument("--budget", type=float, default=None, help="stop repeating a case after this many seconds (default 3 quick, 30 full)")
    parser.add_argument("--timeout", type=float, default=None, help="kill a template case or export after this many seconds (default 30 quick, 900 full)")
    parser.add_argument("--skip", nargs="*", default=[], choices=("templates", "export", "startup"), help="parts to leave out")
    parser.add_argument("--json", type=Path, default=None, help="results JSON (default benchmarks/out/results-<mode>.json)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpora and stores here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    sizes = SIZES[mode] if not args.records else tuple((n, reports_for_records(n)) for n in args.records)
    repeat = args.repeat or (5 if args.quick else 7)
    budget = args.budget if args.budget is not None else (3.0 if args.quick else 30.0)
    timeout = args.timeout or (30.0 if args.quick else 900.0)
    json_path = args.json or OUT / f"results-{mode}.json"
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="tekb-bench-")) if args.workdir is None else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    labels = [f"{records:,} rec + {reports:,} rep" for records, reports in sizes]
    report: dict[str, Any] = {"mode": mode, "seed": args.seed, "sizes": [list(s) for s in sizes], "repeat": repeat, "budget_s": budget,
                              "timeout_s": timeout, "machine": machine(), "ingest": {}, "templates": {}, "corpus": {}}
    def save() -> None:  # after every part, so an interrupted run keeps what it measured
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    try:
        stores = {}
        for label, (records, reports) in zip(labels, sizes):
            t0 = time.perf_counter()
            corpus = write_corpus(work / f"corpus-{records}", records=records, reports=reports, seed=args.seed)
            report["corpus"][label] = {**corpus.manifest(), "generate_s": time.perf_counter() - t0}
            store = work / f"store-{records}"
            shutil.rmtree(store, ignore_errors=True)
            print(f"[{time.perf_counter() - started:6.0f} s] {label}: ingest", file=sys.stderr, flush=True)
            report["ingest"][label] = bench_ingest(corpus, store, work)
            report["ingest"][label]["corpus_params"] = corpus.params
            save()
            stores[label] = (store, corpus)
            if "templates" not in args.skip:
                print(f"[{time.perf_counter() - started:6.0f} s] {label}: templates", file=sys.stderr, flush=True)
                report["templates"][label] = bench_templates(store, template_cases(corpus.params), work, repeat=repeat, budget=budget, timeout=timeout)
                save()
        large_label = labels[-1]
        store, corpus = stores[large_label]
        report["export_size"] = large_label
        if "export" not in args.skip:
            report["export_by_size"] = {}
            for label in labels:  # both sizes, so the run shows whether export time is linear in the KB
                print(f"[{time.perf_counter() - started:6.0f} s] {label}: export", file=sys.stderr, flush=True)
                report["export_by_size"][label] = bench_export(stores[label][0], work, timeout=timeout * 4)
                save()
            report["export"] = report["export_by_size"][large_label]
        if "startup" not in args.skip:
            print(f"[{time.perf_counter() - started:6.0f} s] start-up", file=sys.stderr, flush=True)
            report["startup"] = bench_startup(store, corpus.params["trial"])
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    report["total_s"] = time.perf_counter() - started
    report["commit_at_end"] = _commit()
    save()
    print_report(report)
    print_targets(report)
    print(f"\nJSON: {json_path}   total {report['total_s']:.0f} s", flush=True)
    return 0
