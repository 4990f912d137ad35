"""Khmer word segmentation: khmercut (through bot.nlu.khmer_text) against khmer-nltk.

On the Khmer training examples (nlu_data/km): speed (tokens per second, median of
REPEATS passes, caches cleared before each), whether the tokens map back to the raw
message, and cross-validated macro-F1 of this pipeline (bot.nlu.classifier.build_pipeline
with config.yml's settings but no sentence vectors, 5 stratified folds, seed 42, Khmer
only) with words from each.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

from bench import common
from bench.common import FOLDS, ProjectPipeline, table

REPEATS = 5
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _nltk():
    import logging

    from khmernltk import word_tokenize

    logging.getLogger("khmer-nltk").setLevel(logging.ERROR)  # after the import, which sets it to INFO
    return word_tokenize


def khmercut_tokens(text: str) -> List[str]:
    from bot.nlu import khmer_text

    return [w.text for w in khmer_text.words(text)]


def nltk_tokens(text: str) -> List[str]:
    return [t for t in _nltk()(text) if t.strip() and t.translate(_ZERO_WIDTH)]


def _fold(token: str) -> str:
    from bot.nlu.khmer_text import KHMER_DIGITS

    return token.casefold().translate(KHMER_DIGITS).translate(_ZERO_WIDTH)


def _khnormal(text: str) -> str:
    from khmerspell.khnormal import khnormal

    try:
        return khnormal(text)
    except Exception:
        return text


# Words for the classifier under each segmentation (what the pipeline's vectorizers read).
def words_khmercut(text: str) -> str:
    return common.project_words(text)


def words_nltk_raw(text: str) -> str:
    return " ".join(w for w in map(_fold, nltk_tokens(text)) if w)


def words_nltk_normalised(text: str) -> str:
    return " ".join(w for w in map(_fold, nltk_tokens(_khnormal(text.translate(_ZERO_WIDTH)))) if w)


def words_unsegmented(text: str) -> str:
    """The same normalisation, but Khmer runs kept whole (split on spaces and punctuation only)."""
    from bot.nlu.khmer_text import _RUN

    norm = _khnormal(text.translate(_ZERO_WIDTH))
    return " ".join(_fold(m.group(0)) for m in _RUN.finditer(norm))


def speed(tokenize: Callable[[str], List[str]], texts: Sequence[str], clear: Callable[[], None]) -> Dict[str, float]:
    rates, count = [], 0
    for _ in range(REPEATS):
        clear()
        started = time.perf_counter()
        count = sum(len(tokenize(t)) for t in texts)
        rates.append(count / (time.perf_counter() - started))
    return {"tokens": count, "rate": statistics.median(rates)}


def _clear_khmercut() -> None:
    from bot.nlu import khmer_text

    khmer_text._segments.cache_clear()
    khmer_text._normalise_cluster.cache_clear()


def offsets_khmercut(text: str) -> bool:
    from bot.nlu import khmer_text

    at = 0
    for w in khmer_text.words(text):
        if w.start < at or w.end <= w.start or text[w.start:w.end] != w.text:
            return False
        at = w.end
    return True


def locatable(text: str, tokens: Sequence[str]) -> bool:
    """Every token found in the raw text, in order (khmer-nltk gives no offsets)."""
    at = 0
    for tok in tokens:
        found = text.find(tok, at)
        if found < 0:
            return False
        at = found + len(tok)
    return True


def cv_macro_f1(examples, split, words: Callable[[str], str]) -> Dict[str, float]:
    # Words only: the sentence vectors do not depend on the segmenter and would blur the difference.
    config = {**common.classifier_config(), "sentence_weight": 0.0}
    pred = common.cross_val_predict(lambda: ProjectPipeline(config=config, words=words), examples, split, n_jobs=2)
    idx = sorted(pred)
    s = common.scores([examples[i].intent for i in idx], [pred[i] for i in idx])
    return {"macro_f1": s.macro_f1, "accuracy": s.accuracy, "urgent": s.urgent_min()}


def main(argv: Optional[List[str]] = None) -> None:
    common.quiet()
    examples = common.training_examples("km")
    texts = [e.text for e in examples]
    _nltk()("ក")  # load the CRF model outside the timings
    khmercut_tokens("ក")

    cut = speed(khmercut_tokens, texts, _clear_khmercut)
    nltk = speed(nltk_tokens, texts, lambda: None)
    cut_ok = sum(offsets_khmercut(t) for t in texts)
    nltk_raw = [_nltk()(t) for t in texts]
    nltk_same = sum("".join(toks) == t for toks, t in zip(nltk_raw, texts))
    nltk_found = sum(locatable(t, [x for x in toks if x.strip()]) for toks, t in zip(nltk_raw, texts))
    zw = [t for t in texts if re.search("[\u200b\u200c\u200d\ufeff]", t)]
    zw_found = sum(locatable(t, [x for x in _nltk()(t) if x.strip()]) for t in zw)
    n = len(texts)
    print(f"Khmer training examples: {n} ({sum(map(len, texts))} characters; {len(zw)} contain zero-width characters).")
    print(table(
        ["segmenter", "tokens", "tokens/s (median of 5)", "tokens = raw[start:end]", "tokens re-join to raw", "tokens found in raw in order", "... of messages with ZWSP"],
        [
            ["khmercut via bot.nlu.khmer_text (khnormal + CRF)", cut["tokens"], f"{cut['rate']:,.0f}", f"{cut_ok}/{n}", "n/a (offsets)", f"{cut_ok}/{n}", f"{sum(offsets_khmercut(t) for t in zw)}/{len(zw)}"],
            ["khmer-nltk word_tokenize", nltk["tokens"], f"{nltk['rate']:,.0f}", "no offsets", f"{nltk_same}/{n}", f"{nltk_found}/{n}", f"{zw_found}/{len(zw)}"],
        ],
        "\n== Segmenters on nlu_data/km (khmercut's tokens/s include khnormal and the offset bookkeeping; caches cleared each pass)"))

    split = common.folds(examples)
    rows = []
    for label, words in (
        ("khmercut via bot.nlu.khmer_text (this pipeline)", words_khmercut),
        ("khmer-nltk on raw text", words_nltk_raw),
        ("khmer-nltk on khnormal-ed text", words_nltk_normalised),
        ("no segmentation (Khmer runs whole)", words_unsegmented),
    ):
        started = time.perf_counter()
        r = cv_macro_f1(examples, split, words)
        rows.append([label, r["macro_f1"], r["accuracy"], r["urgent"], f"{time.perf_counter() - started:.0f} s"])
    print()
    print(table(["words from", "macro-F1", "accuracy", "min urgent recall", "CV time"], rows,
                f"== This pipeline on Khmer only, {FOLDS}-fold stratified CV (seed {common.SEED}), words from each segmenter"))


if __name__ == "__main__":
    main(sys.argv[1:])
