"""Settings of this pipeline tried by cross-validation (the same 5 folds as the NLU bench).

Each variant changes one thing from config.yml's settings (then a few combinations);
all are trained on both languages and scored per language. The choice is made on the
cross-validation columns; the held-out columns are shown for information only, so the
held-out set stays an honest check.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from bench import common
from bench.common import FOLDS, LANGS, ProjectPipeline, table


def _first(inputs) -> str:
    return inputs.words.split("\t", 1)[0]


def _second(inputs) -> str:
    return inputs.words.split("\t", 1)[1] if "\t" in inputs.words else ""


def raw_and_norm_words(text: str) -> str:
    """Normalised words, a tab, then the raw words (case-folded only)."""
    from bot.nlu import khmer_text

    words = khmer_text.words(text)
    return " ".join(w.norm for w in words if w.norm) + "\t" + " ".join(w.text.casefold() for w in words)


def with_raw_words(pipeline):
    """Word features from both the normalised and the raw words; characters from the normalised."""
    from sklearn.pipeline import FeatureUnion

    union = pipeline.named_steps["features"]
    words, chars = dict(union.transformer_list)["words"], dict(union.transformer_list)["chars"]
    raw = words.__class__(**{**words.get_params(), "preprocessor": _second})
    words.set_params(preprocessor=_first)
    chars.set_params(preprocessor=_first)
    parts = [("words", words), ("raw_words", raw), ("chars", chars)]
    parts += [(name, t) for name, t in union.transformer_list if name not in ("words", "chars")]  # the vector
    pipeline.steps[0] = ("features", FeatureUnion(parts))
    return pipeline


def set_params(**params) -> Callable[[Any], Any]:
    def tweak(pipeline):
        return pipeline.set_params(**params)

    return tweak


class PerLanguage:
    """One pipeline per language, each message sent to the model of its script (Khmer letters or not)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.models: Dict[str, ProjectPipeline] = {}

    def fit(self, examples) -> "PerLanguage":
        self.models = {lang: ProjectPipeline(**self.kwargs).fit([e for e in examples if e.lang == lang]) for lang in LANGS}
        return self

    def predict(self, texts) -> List[str]:
        from bot.nlu import khmer_text

        return [self.models["km" if khmer_text.script_share(t) > 0 else "en"].predict([t])[0] for t in texts]


# (label, config changes, words function or None, tweak or None[, system class instead of ProjectPipeline])
Variant = Tuple[Any, ...]


def variants(base: Dict[str, Any]) -> List[Variant]:
    out: List[Variant] = [("config.yml as is", {}, None, None)]
    # The linear model config.yml had before the calibrated SVM (its settings: C=20, urgent_weight 4).
    out += [("logistic regression, C=20, urgent_weight=4", {"linear_model": "logistic_regression", "C": 20.0,
                                                          "urgent_weight": 4.0}, None, None)]
    out += [(f"C={c}", {"C": c}, None, None) for c in (1.0, 3.0, 10.0, 30.0, 50.0, 100.0) if c != base["C"]]
    out += [(f"char_wb 1-{n}", {"char_ngram_max": n}, None, None) for n in (3, 5, 6) if n != base["char_ngram_max"]]
    out += [(f"urgent_weight={w}", {"urgent_weight": w}, None, None) for w in (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0) if w != base["urgent_weight"]]
    out += [(f"word n-grams 1-{n}", {"word_ngram_max": n}, None, None) for n in (1, 3) if n != base["word_ngram_max"]]
    out += [(f"sentence_weight={w}", {"sentence_weight": w}, None, None)
            for w in (0.0, 1.0, 2.0, 3.0) if w != base["sentence_weight"]]
    out += [
        ("char (across words) 1-5 instead of char_wb", {"char_ngram_max": 5}, None,
         set_params(features__chars__analyzer="char")),
        ("min_df=2 on both vectorizers", {}, None, set_params(features__words__min_df=2, features__chars__min_df=2)),
        ("words from raw and normalised text", {}, raw_and_norm_words, with_raw_words),
        ("two models, one per language", {}, None, None, PerLanguage),
    ]
    # Combinations of the single changes that did not lose.
    out += [
        ("C=30, char_wb 1-5", {"C": 30.0, "char_ngram_max": 5}, None, None),
        ("word n-grams 1-1, char_wb 1-5", {"word_ngram_max": 1, "char_ngram_max": 5}, None, None),
        ("word n-grams 1-1, C=30, char_wb 1-5", {"word_ngram_max": 1, "C": 30.0, "char_ngram_max": 5}, None, None),
    ]
    return out


def evaluate(examples, heldout, split, config, words, tweak, system=ProjectPipeline, vectors=None) -> Dict[str, Any]:
    make = lambda: system(config=config, words=words or common.project_words, tweak=tweak, vectors=vectors)  # noqa: E731
    started = time.perf_counter()
    pred = common.cross_val_predict(make, examples, split, n_jobs=2)
    seconds = time.perf_counter() - started
    full = make().fit(examples)
    held = full.predict([e.text for e in heldout])
    out: Dict[str, Any] = {"seconds": seconds}
    for lang in LANGS:
        idx = [i for i in sorted(pred) if examples[i].lang == lang]
        out[lang] = common.scores([examples[i].intent for i in idx], [pred[i] for i in idx])
        hidx = [i for i, e in enumerate(heldout) if e.lang == lang]
        out["held_" + lang] = common.scores([heldout[i].intent for i in hidx], [held[i] for i in hidx])
    return out


def row(label: str, r: Dict[str, Any]) -> List[Any]:
    return [label, r["en"].macro_f1, r["km"].macro_f1, (r["en"].macro_f1 + r["km"].macro_f1) / 2,
            min(r["en"].urgent_min(), r["km"].urgent_min()), r["held_en"].macro_f1, r["held_km"].macro_f1,
            f"{r['seconds']:.0f} s"]


HEADS = ["variant", "CV F1 en", "CV F1 km", "CV F1 mean", "CV min urgent R", "held F1 en", "held F1 km", "CV time"]


def main(argv: Optional[List[str]] = None, extra: Optional[List[Variant]] = None) -> List[Tuple[str, Dict[str, Any]]]:
    common.quiet()
    examples = common.all_training()
    heldout = common.all_heldout()
    split = common.folds(examples)
    base = common.classifier_config()
    print(f"Base (config.yml): C={base['C']}, word_ngram_max={base['word_ngram_max']}, "
          f"char_ngram_max={base['char_ngram_max']}, urgent_weight={base['urgent_weight']}, {base['linear_model']}. {FOLDS}-fold CV, both languages.")
    results = []
    vectors = common.sentence_vectors(e.text for e in examples + heldout)
    for label, changes, words, tweak, *system in variants(base) + (extra or []):
        r = evaluate(examples, heldout, split, {**base, **changes}, words, tweak, *system, vectors=vectors)
        results.append((label, r))
        print("  " + "  ".join(str(c if not isinstance(c, float) else f"{c:.3f}") for c in row(label, r)), flush=True)
    print()
    print(table(HEADS, [row(label, r) for label, r in results], "== Settings tried (macro-F1; chosen on CV)"))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
