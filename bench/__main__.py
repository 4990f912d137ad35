"""Run benchmarks and print their tables: `python -m bench [NAME ...]`.

With no names every bench in BENCHES runs, in order; with names only those
(`python -m bench nlu`, `python -m bench tokenizer tuning`). Each entry names a
module in this package that has a `main()` printing its own tables; to add one
(e.g. the load benchmarks), write bench/<module>.py with a `main()` and append a
line to BENCHES.
"""
from __future__ import annotations

import importlib
import sys
import time
from typing import List, Optional

import bench  # noqa: F401  (telemetry off before rasa is imported)

# (name on the command line, module in this package, what it measures)
BENCHES = [
    ("nlu", "bench.nlu_bench", "intent accuracy (CV and held-out) vs Rasa default and keywords; speed; fallback threshold"),
    ("tokenizer", "bench.tokenizer_bench", "khmercut vs khmer-nltk: speed, raw offsets, CV macro-F1"),
    ("tuning", "bench.tuning_bench", "settings of this pipeline tried by cross-validation"),
    ("urgent", "bench.urgent_bench", "ways to choose among the urgent intents (second stage, neighbours, clauses, probability ratio) by CV"),
    ("candidates", "bench.candidates_bench", "candidate training examples (bench/candidates) by repeated CV on the examples all variants share"),
    ("load", "bench.load_bench", "the bot process under 500 users x 10 messages, polling and webhook, vs a constant NLU; cold start"),
]


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    names = [name for name, _, _ in BENCHES]
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        for name, module, about in BENCHES:
            print(f"  {name:<10} {module:<24} {about}")
        return 0
    unknown = [a for a in argv if a not in names]
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; choose from {', '.join(names)}", file=sys.stderr)
        return 2
    chosen = [b for b in BENCHES if not argv or b[0] in argv]
    for name, module, about in chosen:
        print(f"\n{'=' * 100}\n== bench {name}: {about}\n{'=' * 100}", flush=True)
        started = time.perf_counter()
        importlib.import_module(module).main()
        print(f"\n(bench {name} took {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
