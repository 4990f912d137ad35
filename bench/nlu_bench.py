"""NLU bench: how well, how fast, and with which fallback threshold.

  python -m bench nlu                       everything (Rasa DIET results come from the cache when fresh)
  python -m bench.nlu_bench [--no-diet] [--refresh-diet] [--diet-only] [--no-speed]

Systems, all trained on both languages together as the bot is, scored per language:
  this pipeline  bot.nlu.khmer_text words and bot.nlu.sentence_vectors ->
                 bot.nlu.classifier.build_pipeline(config.yml's settings);
                 the Rasa component without Rasa (the bench checks the two agree).
  Rasa default   `rasa init`'s NLU pipeline (WhitespaceTokenizer ... DIETClassifier 100 epochs),
                 trained with rasa.model_training.train_nlu and parsed with Agent (bench/rasa_default.py).
  keywords       each intent's most distinctive words (bench/keywords.py).

Cross-validation: 5 stratified folds (strata language x intent, seed 42) for this pipeline
and keywords, and DIET on the same folds. DIET needs 25-75 min per training on 2 cores:
it trains the folds that are not stored in bench/diet (all of them after a change of the
training data), and with --no-diet the tables show the folds that are; the side-by-side
table shows every system on DIET's folds too. Held-out: each system trained on all of
nlu_data/, scored on bench/data/heldout_*.yml.

DIET predictions are kept in bench/diet/ (committed: a training takes 25-75 min, so the
figures accumulate across machines), one file per training, under a hash of what it
trained on, what it predicted, DIET's config and Rasa's version; a change to any of them
makes a new file. --refresh-diet retrains, --diet-folds '' trains only the held-out model,
--no-diet-heldout (with --diet-only) only the folds, so folds can train in parallel processes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from bench import common
from bench.common import (FOLDS, LANGS, OUT_OF_SCOPE, SEED, URGENT, VAGUE, Example, ProjectPipeline, fmt_counts, ok,
                          table)
from bench.keywords import KeywordMatcher

DIET_FOLDS = (0, 1, 2, 3, 4)
RESULTS = Path(__file__).resolve().parent / "results"
DIET_CACHE = Path(__file__).resolve().parent / "diet"
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 13)]  # 0.05 .. 0.60
AMBIGUITIES = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2]
LATENCY_MESSAGES = 500

TARGET_TRAIN_S = 300
TARGET_LOAD_S = 15
TARGET_P95_MS = 50
TARGET_RSS_MB = 1.2 * 1024


# --- running the systems -------------------------------------------------------------

def gated(first: Optional[np.ndarray], full: np.ndarray, threshold: float) -> Tuple[np.ndarray, np.ndarray]:
    """(probabilities, rows that computed the vector) as IntentModel.predict_proba gives them."""
    if first is None or not threshold:
        return full, np.ones(len(full), dtype=bool)
    from bot.nlu.classifier import share_of_top

    need = share_of_top(first) < threshold
    return np.where(need[:, None], full, first), need


def run_project(train: List[Example], split, heldout: List[Example], vague: Sequence[Example] = ()) -> Dict[str, Any]:
    """Out-of-fold predictions and probabilities, then a model on all data for the held-out set
    (and the vague messages' probabilities, for the fallback threshold).

    Each model gives both its words-only and its with-vector probabilities for every message,
    so the words-first threshold can be scored at several values from the same fits; the
    main rows use config.yml's.
    """
    from joblib import Parallel, delayed

    vectors = common.sentence_vectors(e.text for e in [*train, *heldout, *vague])

    def fold(part):
        tr, te = part
        system = ProjectPipeline(vectors=vectors).fit([train[i] for i in tr])
        names, first, full = system.both_proba([train[i].text for i in te])
        return te, names, first, full

    started = time.perf_counter()
    parts = Parallel(n_jobs=2)(delayed(fold)(f) for f in split)
    cv_seconds = time.perf_counter() - started
    names = parts[0][1]
    oof_first = None if parts[0][2] is None else np.zeros((len(train), len(names)))
    oof_full = np.zeros((len(train), len(names)))
    for te, n, first, full in parts:
        assert n == names
        oof_full[te] = full
        if oof_first is not None:
            oof_first[te] = first
    started = time.perf_counter()
    model = ProjectPipeline(vectors=vectors).fit(train)
    fit_seconds = time.perf_counter() - started
    _, held_first, held_full = model.both_proba([e.text for e in heldout])
    threshold = model.config["words_first_threshold"]
    oof, _ = gated(oof_first, oof_full, threshold)
    held_p, _ = gated(held_first, held_full, threshold)
    vague_p = gated(*model.both_proba([e.text for e in vague])[1:], threshold)[0] if vague else None
    return {"names": names, "oof": oof, "cv_pred": {i: names[j] for i, j in enumerate(oof.argmax(1))},
            "held_p": held_p, "vague_p": vague_p, "held_pred": [names[j] for j in held_p.argmax(1)], "cv_seconds": cv_seconds,
            "fit_seconds": fit_seconds, "words_first": (oof_first, oof_full, held_first, held_full, threshold)}


WORDS_FIRST = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]


def print_words_first(train: List[Example], heldout: List[Example], project: Dict[str, Any]) -> None:
    """What the words-first threshold saves (vectors computed) and costs (scores), CV and held-out."""
    oof_first, oof_full, held_first, held_full, current = project["words_first"]
    if oof_first is None:
        print("Words-first model: off (words_first_threshold 0 or no sentence vectors).\n")
        return
    names = project["names"]
    rows = []
    for threshold in sorted(set(WORDS_FIRST + [current])):
        row: List[Any] = [f"{threshold:g}" + (" (config.yml)" if threshold == current else "")]
        for examples, first, full in ((train, oof_first, oof_full), (heldout, held_first, held_full)):
            p, need = gated(first, full, threshold)
            pred = [names[j] for j in p.argmax(1)]
            got = {lang: common.scores([e.intent for e in examples if e.lang == lang],
                                       [q for q, e in zip(pred, examples) if e.lang == lang]) for lang in LANGS}
            row += [f"{need.mean():.0%}", got["en"].macro_f1, got["km"].macro_f1, min(s.urgent_min() for s in got.values())]
        rows.append(row)
    print(table(["words_first_threshold", "CV vector computed", "CV F1 en", "CV F1 km", "CV min urgent R",
                 "held vector computed", "held F1 en", "held F1 km", "held min urgent R"], rows,
                "== Words-first model: the sentence vector only below this words-only confidence (0: always)"))
    print()


def run_keywords(train: List[Example], split, heldout: List[Example]) -> Dict[str, Any]:
    cv = common.cross_val_predict(KeywordMatcher, train, split)
    full = KeywordMatcher().fit(train)
    return {"cv_pred": cv, "held_pred": full.predict([e.text for e in heldout])}


def diet_key(train: List[Example], test_texts: Sequence[str]) -> str:
    """Cache key of one DIET training: Rasa's version, the config, what it trains on and what it predicts."""
    import rasa

    from bench.rasa_default import DEFAULT_CONFIG

    blob = json.dumps({"rasa": rasa.__version__, "config": DEFAULT_CONFIG,
                       "train": [(e.text, e.intent, e.lang) for e in train], "test": list(test_texts)},
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def diet_predictions(train: List[Example], test_texts: List[str], label: str, refresh: bool,
                     allow_train: bool) -> Optional[Tuple[List[str], float, str]]:
    """(predictions, training seconds, where from) of DIET trained on `train`, cached per training."""
    cache = DIET_CACHE / f"diet-{diet_key(train, test_texts)}.json"
    if cache.exists() and not refresh:
        data = json.loads(cache.read_text(encoding="utf-8"))
        return data["pred"], data["train_seconds"], f"{label}: cache from {data['when']}"
    if not allow_train:
        return None
    from bench.rasa_default import RasaDefault

    print(f"  DIET {label}: training on {len(train)} examples ...", flush=True)
    system = RasaDefault().fit(train)
    pred = system.predict(test_texts)
    print(f"    trained in {system.train_seconds:.0f} s", flush=True)
    DIET_CACHE.mkdir(exist_ok=True)
    cache.write_text(json.dumps({"label": label, "when": time.strftime("%Y-%m-%d %H:%M"),
                                 "train_seconds": round(system.train_seconds), "pred": pred},
                                ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return pred, system.train_seconds, f"{label}: trained now"


def run_diet(train: List[Example], split, heldout: List[Example], folds: Sequence[int], refresh: bool,
             allow_train: bool, with_heldout: bool = True) -> Optional[Dict[str, Any]]:
    """DIET's out-of-fold predictions on `folds` and its held-out predictions: the stored ones,
    and with allow_train the missing ones trained now. "folds" lists the folds it has, and
    "held_pred" is there when the held-out model is; None when nothing is."""
    data: Dict[str, Any] = {"cv_pred": {}, "folds": [], "train_seconds": [], "sources": []}
    for number in folds:
        tr, te = split[number]
        got = diet_predictions([train[i] for i in tr], [train[i].text for i in te],
                               f"fold {number + 1}/{FOLDS}", refresh, allow_train)
        if got is None:
            continue
        data["cv_pred"].update(zip(te, got[0]))
        data["folds"].append(number)
        data["train_seconds"].append(got[1])
        data["sources"].append(got[2])
    got = None
    if with_heldout:
        got = diet_predictions(train, [e.text for e in heldout], "all data for the held-out set", refresh, allow_train)
    if got is not None:
        data["held_pred"], seconds, source = got
        data["train_seconds"].append(seconds)
        data["sources"].append(source)
    if not data["sources"]:
        return None
    data["source"] = "; ".join(data["sources"])
    return data


# --- fallback threshold ------------------------------------------------------------------

def fallback_table(truth: Sequence[str], names: List[str], p: np.ndarray, threshold: float, ambiguity: float) -> Dict[str, float]:
    """What FallbackClassifier(threshold, ambiguity) does to these predictions.

    Score per message: 1 for a right answer, 0.5 for a fallback ("did you mean" with the
    top three), 0 for a wrong answer. For out_of_scope messages the right answer is
    out_of_scope (a fallback counts too); for vague ones the fallback is the only right
    answer (a lesson the caregiver did not ask for is a wrong one). Coverage and
    answered-accuracy are over in-scope messages with a topic only.
    """
    order = np.argsort(-p, axis=1)
    top = p[np.arange(len(p)), order[:, 0]]
    second = p[np.arange(len(p)), order[:, 1]]
    fallback = (top < threshold) | ((top - second) < ambiguity)
    pred = [names[j] for j in order[:, 0]]
    right = np.array([a == b for a, b in zip(truth, pred)])
    vague = np.array([t == VAGUE for t in truth])
    in_scope = np.array([t != OUT_OF_SCOPE for t in truth]) & ~vague
    top3 = np.array([t in {names[j] for j in order[i, :3]} for i, t in enumerate(truth)])
    answered = in_scope & ~fallback
    urgent = np.array([t in URGENT for t in truth])
    score = np.where(vague, fallback.astype(float), np.where(fallback, 0.5, right.astype(float)))
    return {
        "threshold": threshold, "ambiguity": ambiguity,
        "coverage": answered.sum() / max(1, in_scope.sum()),
        "acc_answered": (right & answered).sum() / max(1, answered.sum()),
        "fallback_top3": (top3 & fallback & in_scope).sum() / max(1, (fallback & in_scope).sum()),
        "oos_ok": ((~in_scope & ~vague) & (fallback | right)).sum() / max(1, (~in_scope & ~vague).sum()),
        "vague_asked": (vague & fallback).sum() / max(1, vague.sum()),
        "urgent_wrong": (urgent & ~fallback & ~right).sum(),
        "urgent_fallback": (urgent & fallback).sum(),
        "score": score.mean(),
    }


def choose(rows: List[Dict[str, float]]) -> Dict[str, float]:
    """Highest score; ties (within 0.001) go to the fewest urgent messages left without their
    lesson (a wrong lesson or "did you mean"), then the highest threshold, then the lowest ambiguity.

    An urgent message that waits for a tap waits for the help lines too. Among the rest,
    asking "did you mean" with three choices costs the caregiver a tap, a confident wrong
    lesson costs more, and out-of-scope messages are caught more often.
    """
    best = max(r["score"] for r in rows)
    return min((r for r in rows if r["score"] >= best - 1e-3),
               key=lambda r: (r["urgent_wrong"] + r["urgent_fallback"], -r["threshold"], r["ambiguity"]))


def with_vague(row: Dict[str, float], held_n: int, vague_asked: float, weight: float) -> Dict[str, float]:
    """The held-out row with the vague messages counted as one more intent of `weight` messages:
    1 each when asked again, 0 when answered with a lesson nobody asked for."""
    return {**row, "held_score": row["score"], "vague_asked": vague_asked,
            "score": (row["score"] * held_n + vague_asked * weight) / (held_n + weight)}


def fallback_grid(heldout: Sequence[Example], names, held_p, vague: Sequence[Example] = (), vague_p=None,
                  lang: Optional[str] = None, thresholds: Sequence[float] = THRESHOLDS,
                  ambiguities: Sequence[float] = AMBIGUITIES) -> List[Dict[str, float]]:
    """Every (threshold, ambiguity) row of the fallback table, scored on the held-out messages
    with the vague ones as one more intent (of one language, or both when lang is None)."""
    held = [i for i, e in enumerate(heldout) if lang in (None, e.lang)]
    mine = [i for i, e in enumerate(vague) if lang in (None, e.lang)]
    truth = [heldout[i].intent for i in held]
    # The vague messages weigh as much as an intent of the held-out set (the median intent's
    # count): how often caregivers write them is not known, and all 90 at full weight would
    # outvote the clear messages.
    weight = float(np.median(list(Counter(truth).values()))) if mine else 0.0

    def scored(t: float, a: float) -> Dict[str, float]:
        asked = fallback_table([VAGUE] * len(mine), names, vague_p[mine], t, a)["vague_asked"] if mine else 0.0
        return {**with_vague(fallback_table(truth, names, held_p[held], t, a), len(truth), asked, weight),
                "vague_weight": weight}

    return [scored(t, a) for t in thresholds for a in ambiguities]


def print_fallback(heldout: List[Example], names, held_p, train: List[Example], oof, vague: Sequence[Example] = (),
                   vague_p=None) -> Tuple[float, float]:
    """The threshold table: scores on the held-out set, and how many vague messages each
    threshold asks again."""
    def scored(t: float, a: float, lang: Optional[str] = None) -> Dict[str, float]:
        return fallback_grid(heldout, names, held_p, vague, vague_p, lang, [t], [a])[0]

    grid = fallback_grid(heldout, names, held_p, vague, vague_p)
    weight = grid[0]["vague_weight"]
    best = choose(grid)
    rest = ["coverage", "acc answered", "fallback has right in top3", "oos handled", "urgent wrong",
            "urgent to fallback", "held-out score", "vague asked", "score"]

    def row(r):
        return [f"{r['threshold']:.2f}", r["coverage"], r["acc_answered"], r["fallback_top3"], r["oos_ok"],
                int(r["urgent_wrong"]), int(r["urgent_fallback"]), r["held_score"], r["vague_asked"], r["score"]]

    print(table(["threshold", *rest], [row(r) for r in grid if r["ambiguity"] == best["ambiguity"]],
                f"\nFallbackClassifier threshold on the held-out set (both languages, n={len(heldout)}), "
                f"ambiguity_threshold {best['ambiguity']:.2f}.\nscore = mean of 1 right answer / 0.5 fallback / 0 wrong "
                "answer (out_of_scope messages: right = out_of_scope); coverage and accuracy over in-scope messages;\n"
                f"vague asked: share of {len(vague)} messages that name no topic (bench/data/vague_*.yml) that get "
                f"\"did you mean\"; score: the held-out score with them as one more intent of {weight:.0f} messages."))
    print(table(["ambiguity", *rest],
                [[f"{r['ambiguity']:.2f}", *row(r)[1:]] for r in grid if r["threshold"] == best["threshold"]],
                f"\nambiguity_threshold at threshold {best['threshold']:.2f}:"))
    # One threshold for both languages unless a language's own best is clearly better: the
    # FallbackClassifier has one, and 45 vague messages per language are few to tune on.
    for lang in LANGS:
        r = scored(best["threshold"], best["ambiguity"], lang)
        own = choose(fallback_grid(heldout, names, held_p, vague, vague_p, lang))
        print(f"  {lang}: coverage {r['coverage']:.3f}, accuracy answered {r['acc_answered']:.3f}, "
              f"vague asked {r['vague_asked']:.3f}, held-out {r['held_score']:.3f}, score {r['score']:.4f}; "
              f"on its own the same rule would choose {own['threshold']:.2f} (score {own['score']:.4f}, "
              f"{own['score'] - r['score']:+.4f})")
    cv_truth = [e.intent for e in train]
    cv_best = choose([fallback_table(cv_truth, names, oof, t, a) for t in THRESHOLDS for a in AMBIGUITIES])  # no vague
    current = common.fallback_config()
    now = scored(current["threshold"], current["ambiguity_threshold"])
    print(f"\nChosen: threshold {best['threshold']:.2f}, ambiguity_threshold {best['ambiguity']:.2f} "
          f"(score {best['score']:.3f}, held-out {best['held_score']:.3f}, vague asked {best['vague_asked']:.3f}, "
          f"coverage {best['coverage']:.3f}, accuracy answered {best['acc_answered']:.3f}).")
    print(f"Same rule on the cross-validation out-of-fold predictions would choose threshold {cv_best['threshold']:.2f}, "
          f"ambiguity {cv_best['ambiguity']:.2f} (score {cv_best['score']:.3f}).")
    print(f"config.yml now: threshold {current['threshold']:.2f}, ambiguity_threshold {current['ambiguity_threshold']:.2f} "
          f"-> score {now['score']:.3f} (held-out {now['held_score']:.3f}, vague asked {now['vague_asked']:.3f})"
          + ("" if (current["threshold"], current["ambiguity_threshold"]) == (best["threshold"], best["ambiguity"])
             else "  (differs from the chosen)"))
    return best["threshold"], best["ambiguity"]


# --- printing ----------------------------------------------------------------------------

def subset(examples: Sequence[Example], pred: Dict[int, str], lang: str, only: Optional[set] = None):
    idx = [i for i in sorted(pred) if examples[i].lang == lang and (only is None or i in only)]
    return [examples[i].intent for i in idx], [pred[i] for i in idx]


def score_row(label: str, truth, pred) -> List[Any]:
    s = common.scores(truth, pred)
    return [label, s.n, s.accuracy, s.macro_f1, *(s.recall[i] for i in URGENT)]


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_bench")
    parser.add_argument("--no-diet", action="store_true", help="train no DIET; compare with what bench/diet has")
    parser.add_argument("--refresh-diet", action="store_true", help="retrain DIET even when stored")
    parser.add_argument("--diet-only", action="store_true", help="only train DIET into bench/diet")
    parser.add_argument("--no-diet-heldout", action="store_true",
                        help="with --diet-only: train only the folds, not the held-out model")
    parser.add_argument("--no-speed", action="store_true", help="skip training/loading the real Rasa model")
    parser.add_argument("--diet-folds", default=",".join(str(f + 1) for f in DIET_FOLDS),
                        help="which of the 5 folds DIET is trained for (each takes 25-75 min); '' for the held-out set only")
    args = parser.parse_args([] if argv is None else argv)
    diet_folds = [int(f) - 1 for f in args.diet_folds.split(",") if f.strip()]
    common.quiet()

    train = common.all_training()
    heldout = common.all_heldout()
    split = common.folds(train)
    if args.diet_only:
        run_diet(train, split, heldout, diet_folds, refresh=args.refresh_diet, allow_train=True,
                 with_heldout=not args.no_diet_heldout)
        return {}

    cfg = common.classifier_config()
    print(f"Training examples: " + ", ".join(f"{l} {sum(e.lang == l for e in train)}" for l in LANGS)
          + f"; held-out: " + ", ".join(f"{l} {sum(e.lang == l for e in heldout)}" for l in LANGS)
          + f"; intents {len({e.intent for e in train})}.")
    both = sum(len(common.training_examples(l)) for l in LANGS) - len(train)
    print(f"{both} examples are in both languages' files (English conversation in nlu_data/km); "
          f"counted once, as Rasa does, under en.")
    seen = common.seen_in_training(heldout)
    print(f"Held-out messages that are also training examples (exact, case-folded): "
          + ", ".join(f"{l} {sum(s for s, e in zip(seen, heldout) if e.lang == l)}" for l in LANGS)
          + " (mostly 'hi', 'ok', 'menu'); the 'held-out unseen' rows leave them out.")
    print(f"This pipeline's settings (config.yml over defaults): "
          + ", ".join(f"{k}={cfg[k]}" for k in ("linear_model", "C", "word_ngram_max", "char_ngram_max", "sentence_weight",
                                           "urgent_weight")) + " (class weights balanced x urgent_weight)")

    vague = common.all_vague()
    project = run_project(train, split, heldout, vague)
    keywords = run_keywords(train, split, heldout)
    diet = run_diet(train, split, heldout, diet_folds, refresh=args.refresh_diet, allow_train=not args.no_diet)
    # The DIET rows compare on the folds it has (with --no-diet, those stored).
    diet_folds = diet["folds"] if diet else []
    diet_only = {i for f in diet_folds for i in split[f][1]}
    print(f"This pipeline: {FOLDS}-fold CV in {project['cv_seconds']:.0f} s (2 jobs), one fit on all data {project['fit_seconds']:.0f} s.")
    if diet:
        print(f"Rasa default (DIET): {diet['source']}; training took "
              + ", ".join(f"{s:.0f}" for s in diet["train_seconds"]) + " s (each fold, then all data if stored; "
              "under 60 s means Rasa reused a cached training of the same data).")
    else:
        print("Rasa default (DIET): skipped (--no-diet and nothing stored in bench/diet for these data).")

    # Side by side.
    heads = ["system / evaluation", "n", "accuracy", "macro-F1", *(f"recall {u}" for u in URGENT)]
    summary: Dict[str, Any] = {}
    for lang in LANGS:
        rows = []
        held_idx = [i for i, e in enumerate(heldout) if e.lang == lang]
        held_truth = [heldout[i].intent for i in held_idx]
        systems = [("this pipeline", project), ("keywords", keywords)] + ([("Rasa default", diet)] if diet else [])
        for name, result in systems:
            if name != "Rasa default":
                rows.append(score_row(f"{name}: CV {FOLDS} folds", *subset(train, result["cv_pred"], lang)))
            if diet_only:
                rows.append(score_row(f"{name}: CV folds {','.join(str(f + 1) for f in diet_folds)} of {FOLDS}",
                                      *subset(train, result["cv_pred"], lang, diet_only)))
            if "held_pred" in result:  # DIET's held-out model may not be stored
                rows.append(score_row(f"{name}: held-out", held_truth, [result["held_pred"][i] for i in held_idx]))
                unseen = [i for i in held_idx if not seen[i]]
                rows.append(score_row(f"{name}: held-out unseen", [heldout[i].intent for i in unseen],
                                      [result["held_pred"][i] for i in unseen]))
                summary[(name, lang, "held")] = common.scores(held_truth, [result["held_pred"][i] for i in held_idx])
                summary[(name, lang, "unseen")] = common.scores([heldout[i].intent for i in unseen],
                                                                [result["held_pred"][i] for i in unseen])
            summary[(name, lang, "cv")] = common.scores(*subset(train, result["cv_pred"], lang))
            if diet_only:
                summary[(name, lang, "cv_diet")] = common.scores(*subset(train, result["cv_pred"], lang, diet_only))
        print()
        print(table(heads, rows, f"== {lang}: side by side (CV: trained on the other folds of both languages; "
                                 f"held-out: trained on all training data)"))

    # Per intent, this pipeline.
    for lang in LANGS:
        cv_t, cv_p = subset(train, project["cv_pred"], lang)
        held_idx = [i for i, e in enumerate(heldout) if e.lang == lang]
        ho = {r[0]: r for r in common.per_intent([heldout[i].intent for i in held_idx], [project["held_pred"][i] for i in held_idx])}
        rows = []
        for name, p, r, f, n in common.per_intent(cv_t, cv_p):
            h = ho.get(name, (name, 0.0, 0.0, 0.0, 0))
            rows.append([name, n, p, r, f, h[4], h[1], h[2], h[3]])
        rows.sort(key=lambda r: r[4])
        print()
        print(table(["intent", "CV n", "CV P", "CV R", "CV F1", "held n", "held P", "held R", "held F1"], rows,
                    f"== {lang}: this pipeline per intent (sorted by CV F1)"))

    # Urgent confusions.
    for lang in LANGS:
        cv_t, cv_p = subset(train, project["cv_pred"], lang)
        held_idx = [i for i, e in enumerate(heldout) if e.lang == lang]
        ht = [heldout[i].intent for i in held_idx]
        hp = [project["held_pred"][i] for i in held_idx]
        rows = []
        for intent in URGENT:
            for label, t, p in (("CV", cv_t, cv_p), ("held-out", ht, hp)):
                missed, alarms = common.confusions(t, p, intent)
                rows.append([f"{intent} ({label})", sum(missed.values()), fmt_counts(missed), sum(alarms.values()), fmt_counts(alarms)])
        print()
        print(table(["intent", "missed", "predicted instead", "false alarms", "true intent of false alarms"], rows,
                    f"== {lang}: urgent intents, this pipeline: what they were confused with"))
        if diet and "held_pred" in diet:
            rows = []
            dp = [diet["held_pred"][i] for i in held_idx]
            for intent in URGENT:
                missed, alarms = common.confusions(ht, dp, intent)
                rows.append([f"{intent} (held-out)", sum(missed.values()), fmt_counts(missed), sum(alarms.values()), fmt_counts(alarms)])
            print(table(["intent", "missed", "predicted instead", "false alarms", "true intent of false alarms"], rows,
                        f"-- {lang}: the same for Rasa default (DIET)"))

    print_help_lines_shown(train, heldout, project)
    print_words_first(train, heldout, project)
    write_errors(train, project)
    threshold, ambiguity = print_fallback(heldout, project["names"], project["held_p"], train, project["oof"], vague,
                                          project["vague_p"])

    speed = None if args.no_speed else print_speed(heldout, project)
    print_targets(summary, speed, diet is not None)
    return {"summary": summary, "threshold": threshold, "ambiguity": ambiguity, "speed": speed}


def print_help_lines_shown(train: List[Example], heldout: List[Example], project: Dict[str, Any]) -> None:
    """What a caregiver with an urgent message gets: the help lines come first when the NLU picks
    any urgent lesson (each one starts with them) or the safety net (content/safety.yml) fires.
    Its own topic's lines: the NLU picks the message's lesson, or the net names the message's
    topic and it outranks the NLU's pick (bot.conversation shows the net's lines first then)."""
    from bot.content.loader import ContentStore
    from bot.safety import danger_topic, outranks
    from bot.settings import ROOT as BOT_ROOT

    danger = ContentStore(BOT_ROOT / "content").library.danger
    rows = []
    for lang in LANGS:
        for label, examples, pred in (("CV", train, project["cv_pred"]),
                                      ("held-out", heldout, dict(enumerate(project["held_pred"])))):
            urgent = [i for i, e in enumerate(examples) if e.lang == lang and e.intent in URGENT and i in pred]
            by_nlu = {i for i in urgent if pred[i] in URGENT}
            net = {i: danger_topic(examples[i].text, danger) for i in urgent}
            by_net = {i for i in urgent if net[i]}
            own = {i for i in urgent if pred[i] == examples[i].intent
                   or (net[i] == examples[i].intent and outranks(net[i], pred[i]))}
            # The other side of the net: help lines before an ordinary question's lesson.
            others = [i for i, e in enumerate(examples) if e.lang == lang and e.intent not in URGENT and i in pred]
            net_alarms = sum(1 for i in others if danger_topic(examples[i].text, danger))
            rows.append([f"{lang} {label}", len(urgent), len(by_nlu) / len(urgent), len(by_net) / len(urgent),
                         len(by_nlu | by_net) / len(urgent), len(set(urgent) - by_nlu - by_net),
                         len(own) / len(urgent), f"{net_alarms}/{len(others)}"])
    print()
    print(table(["messages", "urgent n", "NLU picks an urgent lesson", "safety net fires", "help lines shown",
                 "no help lines", "its own topic's lines", "net fires on other intents"], rows,
                "== Urgent messages (emergency, sextortion, nude_image_shared): are the help lines shown first?"))


def write_errors(train: List[Example], project: Dict[str, Any]) -> None:
    """Every cross-validation error of this pipeline, most confident first: where to look for weak data."""
    RESULTS.mkdir(exist_ok=True)
    names, oof = project["names"], project["oof"]
    for lang in LANGS:
        rows = []
        for i, e in enumerate(train):
            if e.lang != lang or project["cv_pred"][i] == e.intent:
                continue
            p = oof[i]
            rows.append((p.max(), e.intent, project["cv_pred"][i], p[names.index(e.intent)], e.text))
        rows.sort(reverse=True)
        path = RESULTS / f"cv_errors_{lang}.tsv"
        with path.open("w", encoding="utf-8") as out:
            out.write("confidence\tlabel\tpredicted\tp(label)\ttext\n")
            for conf, label, pred, p_label, text in rows:
                out.write(f"{conf:.2f}\t{label}\t{pred}\t{p_label:.2f}\t{' '.join(text.split())}\n")
        print(f"{lang}: {len(rows)} cross-validation errors written to {path.relative_to(common.ROOT)}")


def print_speed(heldout: List[Example], project: Dict[str, Any]) -> Dict[str, Any]:
    from bench.speed import run_subprocess

    print("\n== Speed and size of the real Rasa model (config.yml, bot.training.train; each step in a fresh process)")
    with tempfile.TemporaryDirectory(prefix="bench-model-") as out:
        trained = run_subprocess("train", str(common.CONFIG), out)
        # Interleave the languages, then repeat to LATENCY_MESSAGES parses.
        by_lang = [[e for e in heldout if e.lang == l] for l in LANGS]
        mixed = [e for pair in zip(*by_lang) for e in pair]
        chosen = (mixed * (LATENCY_MESSAGES // len(mixed) + 1))[:LATENCY_MESSAGES]
        messages = Path(out) / "messages.json"
        messages.write_text(json.dumps([e.text for e in chosen], ensure_ascii=False), encoding="utf-8")
        served = run_subprocess("serve", trained["model"], str(messages))
    # The sklearn pipeline here and the Rasa component must agree (same words, same model).
    index = {id(e): i for i, e in enumerate(heldout)}
    agree, delta = 0, 0.0
    for e, parse in zip(chosen, served["results"]):
        i = index[id(e)]
        probs = project["held_p"][i]
        top = int(probs.argmax())
        # A fallback keeps the classifier's ranking after the nlu_fallback entry.
        agree += bool(parse["ranking"]) and parse["ranking"][0][0] == project["names"][top]
        if parse["ranking"]:
            delta = max(delta, abs(parse["ranking"][0][1] - probs[top]))
    rows = [
        ["training (bot.training.train, NLU + dialogue)", f"{trained['seconds']:.1f} s", f"<= {TARGET_TRAIN_S} s", ok(trained["seconds"], TARGET_TRAIN_S, False)],
        ["peak RSS while training", f"{trained['peak_rss_mb']:.0f} MB", "-", ""],
        ["model load (Engine.load)", f"{served['load_seconds']:.2f} s", f"<= {TARGET_LOAD_S} s", ok(served["load_seconds"], TARGET_LOAD_S, False)],
        ["first parse (after load)", f"{served['first_parse_ms']:.1f} ms", "-", ""],
        [f"parse latency median ({served['parses']} held-out messages)", f"{served['median_ms']:.1f} ms", "-", ""],
        ["parse latency p95", f"{served['p95_ms']:.1f} ms", f"<= {TARGET_P95_MS} ms", ok(served["p95_ms"], TARGET_P95_MS, False)],
        ["parse latency max", f"{served['max_ms']:.1f} ms", "-", ""],
        ["peak RSS serving (VmHWM after load + parses)", f"{served['peak_rss_mb']:.0f} MB", f"<= {TARGET_RSS_MB:.0f} MB", ok(served["peak_rss_mb"], TARGET_RSS_MB, False)],
        ["Rasa model vs bench pipeline: same top intent", f"{agree}/{len(chosen)}", "all", "PASS" if agree == len(chosen) else "FAIL"],
        # Two fits, one through Rasa's loader and graph, one here; lbfgs stops at its tolerance
        # (1e-4), not at the exact optimum. They agreed to 1e-6 at C=10 and to 2e-4 at C=20.
        ["Rasa model vs bench pipeline: max |confidence diff|", f"{delta:.2e}", "< 1e-3", "PASS" if delta < 1e-3 else "FAIL"],
    ]
    print(table(["measure", "value", "target", ""], rows))
    return {**trained, **{k: v for k, v in served.items() if k != "results"}}


def print_targets(summary: Dict[Any, Any], speed: Optional[Dict[str, Any]], have_diet: bool) -> None:
    rows = []
    for lang in LANGS:
        for kind, label in (("held", "held-out"), ("unseen", "held-out unseen"), ("cv", f"CV {FOLDS} folds")):
            s = summary[("this pipeline", lang, kind)]
            rows.append([f"{lang} macro-F1 ({label})", s.macro_f1, f">= {common.TARGET_MACRO_F1[lang]:.2f}", ok(s.macro_f1, common.TARGET_MACRO_F1[lang])])
            rows.append([f"{lang} min urgent recall ({label})", s.urgent_min(), f">= {common.TARGET_URGENT_RECALL:.2f}", ok(s.urgent_min(), common.TARGET_URGENT_RECALL)])
    if have_diet:
        for kind, label in (("held", "held-out"), ("unseen", "held-out unseen"), ("cv_diet", "CV same folds")):
            if ("Rasa default", "km", kind) not in summary:
                continue
            ours = summary[("this pipeline", "km", kind)].macro_f1
            theirs = summary[("Rasa default", "km", kind)].macro_f1
            rows.append([f"km macro-F1 margin over Rasa default ({label})", f"{100 * (ours - theirs):+.1f} pts", f">= +{100 * common.TARGET_KM_MARGIN:.0f} pts", ok(ours - theirs, common.TARGET_KM_MARGIN - 1e-9)])
    if speed:
        rows.append(["training time", f"{speed['seconds']:.0f} s", f"<= {TARGET_TRAIN_S} s", ok(speed["seconds"], TARGET_TRAIN_S, False)])
        rows.append(["load time", f"{speed['load_seconds']:.1f} s", f"<= {TARGET_LOAD_S} s", ok(speed["load_seconds"], TARGET_LOAD_S, False)])
        rows.append(["parse p95", f"{speed['p95_ms']:.1f} ms", f"<= {TARGET_P95_MS} ms", ok(speed["p95_ms"], TARGET_P95_MS, False)])
        rows.append(["peak RSS serving", f"{speed['peak_rss_mb']:.0f} MB", f"<= {TARGET_RSS_MB:.0f} MB", ok(speed["peak_rss_mb"], TARGET_RSS_MB, False)])
    print()
    print(table(["target (from the issue)", "value", "target", ""], rows, "== Targets: this pipeline"))


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
