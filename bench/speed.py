"""Speed and size of the real Rasa model, each step in a fresh process so its peak RSS is its own.

  python -m bench.speed train CONFIG OUT_DIR      -> JSON: seconds, peak RSS, model path
  python -m bench.speed serve MODEL MESSAGES.json -> JSON: load seconds, parse latencies, peak RSS, parses

The bench (bench/nlu_bench.py) runs these as subprocesses and prints the figures.
"""
from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import bench  # noqa: F401  (telemetry off before rasa is imported)

WARMUP = 5


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM on Linux.

    Not ru_maxrss: Linux carries it over fork and exec, so a step started by a large
    parent (the bench, after its cross-validation) reported at least the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def train(config: str, out: str) -> Dict[str, Any]:
    import os

    # Rasa's training cache (.rasa/cache) would skip components trained before with the
    # same data and settings; the figure must be a full training.
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    from bench.common import quiet
    from bot.training import train as bot_train

    quiet()
    started = time.perf_counter()
    model = bot_train(Path(config), Path(out), name="bench")
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(), "model": str(model)}


def serve(model: str, messages_file: str) -> Dict[str, Any]:
    from bench.common import quiet
    from bot.engine import Engine

    quiet()
    messages: List[str] = json.loads(Path(messages_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    engine = Engine.load(Path(model))
    load_seconds = time.perf_counter() - started
    rss_after_load = peak_rss_mb()

    async def run():
        first = None
        for text in messages[:WARMUP]:
            t = time.perf_counter()
            await engine.parse(text)
            first = first if first is not None else (time.perf_counter() - t) * 1000
        latencies, parses = [], []
        for text in messages:
            t = time.perf_counter()
            parse = await engine.parse(text)
            latencies.append((time.perf_counter() - t) * 1000)
            parses.append({"intent": parse.intent, "confidence": parse.confidence,
                           "ranking": [list(r) for r in parse.ranking if r[0] != "nlu_fallback"][:3]})
        return first, latencies, parses

    first, latencies, parses = asyncio.run(run())
    ordered = sorted(latencies)
    return {
        "load_seconds": load_seconds,
        "first_parse_ms": first,
        "parses": len(latencies),
        "median_ms": statistics.median(latencies),
        "p95_ms": ordered[max(0, int(round(0.95 * len(ordered))) - 1)],
        "max_ms": ordered[-1],
        "rss_after_load_mb": rss_after_load,
        "peak_rss_mb": peak_rss_mb(),
        "results": parses,
    }


def run_subprocess(*args: str) -> Dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON is the last line of stdout."""
    done = subprocess.run([sys.executable, "-m", "bench.speed", *args], capture_output=True, text=True,
                          cwd=str(Path(__file__).resolve().parent.parent))
    if done.returncode != 0:
        raise RuntimeError(f"bench.speed {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: List[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("train", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    result = train(argv[1], argv[2]) if argv[0] == "train" else serve(argv[1], argv[2])
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
