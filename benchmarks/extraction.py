"""``python -m benchmarks.extraction [FILE ...]``: speed of the rule-based extractor, one core.

Reads abstracts from gold-style JSONL files (a ``text`` per line; default:
``../shared/extraction/dev.jsonl``) or PubMed XML files (every record's abstract), repeats them
up to ``--abstracts`` texts, and prints, as Markdown, the abstracts per second of

- the floor: a bare read of the same abstracts (reading the files and decoding the JSON or XML);
- the extractor: the same read, then ``RuleBasedExtractor().extract`` on every text;

with the ratio of the two (how many times the bare read the extraction takes). The start-up
(the first extraction, which loads the vocabulary) is timed on its own, before the passes. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "extraction" / "dev.jsonl"


def _read(paths: list[Path]) -> list[str]:
    """Every abstract text in ``paths`` (the bare read that is the floor)."""
    texts: list[str] = []
    for path in paths:
        if path.suffix == ".xml":
            from ingest.biblio.pubmed_xml import read_pubmed_xml

            for record in read_pubmed_xml(path):
                if record.publication is not None and record.publication.abstract:
                    texts.append("\n".join(section.text for section in record.publication.abstract))
        else:
            with path.open(encoding="utf-8") as handle:
                texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts


def _best(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best wall-clock and the best CPU seconds of ``repeat`` runs (CPU time is what one core spent,
    which other processes on a shared machine disturb less than wall-clock time)."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="JSONL (a 'text' per line) or PubMed XML files; default: the dev gold set")
    parser.add_argument("--abstracts", type=int, default=2000, help="texts per timed pass (the corpus is cycled); default 2000")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best is reported; default 3")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    files = args.files or [DEFAULT]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    base = _read(files)
    if not base:
        print("error: the files hold no abstracts", file=sys.stderr)
        return 2
    copies = max(1, -(-args.abstracts // len(base)))
    count = len(base) * copies

    from kb.extraction.rules import RuleBasedExtractor

    # Start-up: the first extraction that reads a mechanism sentence loads the vocabulary.
    started = time.perf_counter()
    extractor = RuleBasedExtractor()
    extractor.extract("Aspirin inhibits cyclooxygenase in vitro.")
    vocabulary_seconds = time.perf_counter() - started

    def bare() -> object:
        return [_read(files) for _ in range(copies)]

    def extract() -> object:
        return [extractor.extract(text) for _ in range(copies) for text in _read(files)]

    extract()  # warm-up: compiled patterns and caches
    floor, floor_cpu = _best(bare, args.repeat)
    ours, ours_cpu = _best(extract, args.repeat)
    figures = {
        "abstracts": count,
        "distinct_abstracts": len(base),
        "bare_read_per_second": count / floor,
        "extract_per_second": count / ours,
        "extraction_only_per_second": count / max(ours - floor, 1e-9),
        "ratio_to_bare_read": ours / floor,
        "bare_read_per_cpu_second": count / max(floor_cpu, 1e-9),
        "extract_per_cpu_second": count / max(ours_cpu, 1e-9),
        "vocabulary_load_seconds": vocabulary_seconds,
        "extractor": f"{extractor.name} {extractor.version}",
    }
    print(f"## Extraction ({extractor.name} {extractor.version}), one core, {count} abstracts ({len(base)} distinct)\n")
    print("| pass | abstracts/s (wall) | abstracts per CPU second | x bare read (wall) |")
    print("|---|---:|---:|---:|")
    print(f"| bare read (floor) | {figures['bare_read_per_second']:,.0f} | {figures['bare_read_per_cpu_second']:,.0f} | 1.0 |")
    print(
        f"| read + extract | {figures['extract_per_second']:,.0f} | {figures['extract_per_cpu_second']:,.0f} | {figures['ratio_to_bare_read']:,.1f} |"
    )
    print(f"\nextraction alone: {figures['extraction_only_per_second']:,.0f} abstracts/s; start-up (first extraction, vocabulary load) {vocabulary_seconds:.2f} s, once")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
