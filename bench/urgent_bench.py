"""Ways to choose among the urgent intents, tried against this pipeline's remaining urgent misses.

On 5-fold CV most urgent misses are another urgent intent (a self-harm emergency told through
a shared nude, a ransom that reads like sextortion), and most have the true intent second.
Each method starts from this pipeline's probabilities (config.yml's settings, the same folds
as bench/nlu_bench.py, the sentence vector for every message) and changes only how the
intent is chosen:

- second stage: a logistic regression trained on the urgent examples alone re-decides when
  the top intent is urgent, alone or multiplied with the first model's urgent probabilities;
- neighbours: the probabilities blended with a cosine k-nearest-neighbour vote over the
  same features (weight a);
- clause precedence: a message of two or more clauses is also classified clause by clause,
  and a higher-precedence urgent intent (nlu_data/README: emergency, then sextortion, then
  nude_image_shared) at least tau sure in one clause wins;
- ratio precedence: when the top intent is urgent, a higher-precedence urgent intent whose
  probability is at least r times the top one's wins (the README's order as a bias).

Choose on the CV columns; the held-out columns are for information.
"""
from __future__ import annotations

import re
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from bench import common
from bench.common import FOLDS, LANGS, URGENT, ProjectPipeline

URG = list(URGENT)
_KHMER = re.compile(r"[\u1780-\u17FF]")
_BREAKS = re.compile(r"[.,!?;:\n។៕]+|\s+(?:and|but|then|so|because|now)\s+")


def clauses(text: str) -> List[str]:
    """The clauses of a message (two or more) or []: split at punctuation and conjunctions,
    Khmer also at spaces, which Khmer writers put between phrases; Latin words in a Khmer
    phrase stay with it."""
    out: List[str] = []
    for piece in (p.strip() for p in _BREAKS.split(text) if p and p.strip()):
        if not _KHMER.search(piece):
            out.append(piece)
            continue
        phrases: List[str] = []
        for word in piece.split():
            if phrases and (not _KHMER.search(word) or not _KHMER.search(phrases[-1])):
                phrases[-1] += " " + word
            else:
                phrases.append(word)
        out += phrases
    out = [c for c in out if len(c) >= 8]
    return out if len(out) >= 2 else []


def _fit(train, test, vectors) -> Dict[str, Any]:
    """One fold: the pipeline's probabilities, an urgent-only model's, the clauses' and the features."""
    from sklearn.utils.class_weight import compute_sample_weight

    from bot.nlu.classifier import Inputs, linear_model

    # Every message reads its vector here (no words-first model), as nlu_bench's "always" row.
    cfg = {**common.classifier_config(), "words_first_threshold": 0.0}
    fitted = ProjectPipeline(config=cfg, vectors=vectors).fit(train).model.pipeline
    feats, clf = fitted.named_steps["features"], fitted.named_steps["clf"]
    rows = lambda texts: [Inputs(common.project_words(t), vectors[t]) for t in texts]  # noqa: E731
    x = feats.transform(rows([e.text for e in train]))
    xt = feats.transform(rows([e.text for e in test]))
    y = [e.intent for e in train]
    names = list(clf.classes_)
    urgent = [i for i, label in enumerate(y) if label in URG]
    urgent_y = np.asarray([y[i] for i in urgent])
    second = linear_model(cfg).fit(x[urgent], urgent_y, sample_weight=compute_sample_weight("balanced", urgent_y))
    p2 = second.predict_proba(xt)[:, [list(second.classes_).index(u) for u in URG]]
    pieces = [(r, c) for r, e in enumerate(test) for c in clauses(e.text)]
    by_clause: Dict[int, List[np.ndarray]] = {}
    if pieces:
        for (r, _), p in zip(pieces, clf.predict_proba(feats.transform(rows([c for _, c in pieces])))):
            by_clause.setdefault(r, []).append(p)
    return {"names": names, "p1": clf.predict_proba(xt), "p2": p2, "clauses": by_clause,
            "x": x, "xt": xt, "y": y}


def neighbours(part: Dict[str, Any], k: int) -> np.ndarray:
    from sklearn.preprocessing import normalize

    sims = (normalize(part["xt"]) @ normalize(part["x"]).T).toarray()
    labels = np.array([part["names"].index(label) for label in part["y"]])
    votes = np.zeros((sims.shape[0], len(part["names"])))
    for r, nearest in enumerate(np.argsort(-sims, axis=1)[:, :k]):
        np.add.at(votes[r], labels[nearest], sims[r, nearest])
    return votes / (votes.sum(axis=1, keepdims=True) + 1e-12)


def second_stage(part: Dict[str, Any], product: bool) -> List[str]:
    names, p1 = part["names"], part["p1"]
    cols = [names.index(u) for u in URG]
    out = []
    for r, row in enumerate(p1):
        top = names[int(row.argmax())]
        if top in URG:
            q = part["p2"][r] * (row[cols] if product else 1.0)
            top = URG[int(q.argmax())]
        out.append(top)
    return out


def clause_precedence(part: Dict[str, Any], tau: float) -> List[str]:
    names = part["names"]
    out = []
    for r, row in enumerate(part["p1"]):
        top = names[int(row.argmax())]
        rank = URG.index(top) if top in URG else -1
        for u in URG[:max(rank, 0)]:
            if max(c[names.index(u)] for c in part["clauses"].get(r, [np.zeros(len(names))])) >= tau:
                top = u
                break
        out.append(top)
    return out


def ratio_precedence(part: Dict[str, Any], r: float) -> List[str]:
    names = part["names"]
    out = []
    for row in part["p1"]:
        top = names[int(row.argmax())]
        if top in URG:
            top = next(u for u in URG if row[names.index(u)] >= r * row.max())
        out.append(top)
    return out


def blended(part: Dict[str, Any], votes: np.ndarray, a: float) -> List[str]:
    p = (1 - a) * part["p1"] + a * votes
    return [part["names"][j] for j in p.argmax(axis=1)]


def _cells(examples: Sequence[common.Example], pred: Sequence[str]) -> List[Any]:
    cells: List[Any] = []
    for lang in LANGS:
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        s = common.scores([examples[i].intent for i in idx], [pred[i] for i in idx])
        cells += [s.macro_f1, "/".join(f"{s.recall[u]:.3f}" for u in URG)]
    return cells


def main(argv: Optional[List[str]] = None) -> None:
    from joblib import Parallel, delayed

    common.quiet()
    train, heldout = common.all_training(), common.all_heldout()
    split = common.folds(train)
    started = time.perf_counter()
    texts = [e.text for e in train + heldout]
    vectors = common.sentence_vectors(texts + [c for t in texts for c in clauses(t)])
    jobs = [([train[i] for i in tr], [train[i] for i in te]) for tr, te in split] + [(train, heldout)]
    parts = Parallel(n_jobs=2)(delayed(_fit)(a, b, vectors) for a, b in jobs)
    methods = {"this pipeline (argmax)": lambda p: [p["names"][j] for j in p["p1"].argmax(axis=1)],
               "second stage, alone": lambda p: second_stage(p, product=False),
               "second stage x first": lambda p: second_stage(p, product=True)}
    votes = {(id(p), k): neighbours(p, k) for p in parts for k in (5, 10, 20)}  # once, for every weight
    for k in (5, 10, 20):
        for a in (0.2, 0.35, 0.5):
            methods[f"neighbours k={k} a={a}"] = (lambda k, a: lambda p: blended(p, votes[id(p), k], a))(k, a)
    for tau in (0.5, 0.7, 0.8, 0.9):
        methods[f"clause precedence tau={tau}"] = (lambda t: lambda p: clause_precedence(p, t))(tau)
    for r in (0.3, 0.5, 0.7):
        methods[f"ratio precedence r={r}"] = (lambda r: lambda p: ratio_precedence(p, r))(r)
    rows = []
    for label, method in methods.items():
        cv: List[str] = [""] * len(train)
        for (_, te), part in zip(split, parts[:FOLDS]):
            for i, intent in zip(te, method(part)):
                cv[i] = intent
        rows.append([label, *_cells(train, cv), *_cells(heldout, method(parts[FOLDS]))])
    recall = "recall " + "/".join(u[:5] for u in URG)
    heads = ["method", "CV F1 en", f"CV en {recall}", "CV F1 km", "CV km recall",
             "held F1 en", "held en recall", "held F1 km", "held km recall"]
    print(common.table(heads, rows, f"Choosing among the urgent intents ({FOLDS}-fold CV and held-out; "
                                    f"{time.perf_counter() - started:.0f} s)"))


if __name__ == "__main__":
    main()
