"""Candidate training examples, measured before they go into nlu_data/.

A candidate file is bench/candidates/<lang>_<kind>.tsv, one `intent<TAB>text` per line. Each
kind (both languages' files of it) is added to the training data on its own, then all kinds
together, and every variant is scored by 5-fold CV with several shuffles of the folds. The
scores count only the examples every variant shares (nlu_data/ as it is): scored on all of a
variant's examples, new examples written to be hard would lower its score for being hard.
Two numbers beside recall say what the bot does with urgent messages: urgent messages read
as a non-urgent intent (they lose their urgent lesson; the safety net may still show the help
lines) and other messages read as emergency (false alarms). The held-out columns train once on
all of a variant's examples, for information.

  python -m bench.candidates_bench [--seeds 42,1] [FILE.tsv ...]
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bench import common
from bench.common import LANGS, URGENT, Example, ProjectPipeline, table

CANDIDATES = Path(__file__).resolve().parent / "candidates"


def language_and_kind(path: Path) -> Tuple[str, str]:
    """("km", "breadth") for km_breadth.tsv."""
    lang, _, kind = path.stem.partition("_")
    if lang not in LANGS or not kind:
        raise ValueError(f"{path.name}: the name must be <{'|'.join(LANGS)}>_<kind>.tsv")
    return lang, kind


def read_candidates(path: Path) -> List[Example]:
    """The examples of one candidate file, in the language its name gives."""
    lang, _ = language_and_kind(path)
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        intent, _, text = line.partition("\t")
        if not text.strip():
            raise ValueError(f"{path.name}:{number}: expected intent<TAB>text")
        out.append(Example(text.strip(), intent.strip(), lang))
    return out


def variants(files: Sequence[Path]) -> Dict[str, List[Example]]:
    """{label: examples to add}: nothing, each kind alone, and every kind together when there are two or more."""
    by_kind: Dict[str, List[Example]] = {}
    for path in files:
        by_kind.setdefault(language_and_kind(path)[1], []).extend(read_candidates(path))
    out = {"as is": []}
    out.update((f"+ {k}", examples) for k, examples in by_kind.items())
    if len(by_kind) > 1:
        out["+ " + " + ".join(by_kind)] = [e for examples in by_kind.values() for e in examples]
    return out


def shared_scores(examples: Sequence[Example], pred: Dict[int, str], shared: int, lang: str) -> Dict[str, float]:
    """Scores of one language over examples[:shared], the ones every variant has."""
    idx = [i for i in range(shared) if examples[i].lang == lang]
    truth, guess = [examples[i].intent for i in idx], [pred[i] for i in idx]
    s = common.scores(truth, guess)
    return {
        "f1": s.macro_f1,
        **{intent: s.recall[intent] for intent in URGENT},
        "urgent_lost": sum(t in URGENT and g not in URGENT for t, g in zip(truth, guess)),
        "false_emergency": sum(g == "emergency" and t != "emergency" for t, g in zip(truth, guess)),
    }


def measure(base: List[Example], added: List[Example], heldout: List[Example], seeds: Sequence[int],
            config, vectors) -> Dict[str, object]:
    known = {(e.text, e.intent) for e in base}
    examples = base + [e for e in added if (e.text, e.intent) not in known]
    make = lambda: ProjectPipeline(config=config, vectors=vectors)  # noqa: E731
    runs = []
    for seed in seeds:
        pred = common.cross_val_predict(make, examples, common.folds(examples, seed=seed), n_jobs=2)
        runs.append({lang: shared_scores(examples, pred, len(base), lang) for lang in LANGS})
    held = make().fit(examples).predict([e.text for e in heldout])
    held_f1 = {lang: common.scores([e.intent for e in heldout if e.lang == lang],
                                   [p for p, e in zip(held, heldout) if e.lang == lang]).macro_f1 for lang in LANGS}
    mean = {lang: {k: statistics.mean(r[lang][k] for r in runs) for k in runs[0][lang]} for lang in LANGS}
    spread = {lang: statistics.pstdev([r[lang]["f1"] for r in runs]) for lang in LANGS}
    return {"added": len(examples) - len(base), "mean": mean, "f1_sd": spread, "held": held_f1}


def rows(label: str, r: Dict[str, object]) -> List[List[object]]:
    out = []
    for lang in LANGS:
        m = r["mean"][lang]
        out.append([label if lang == LANGS[0] else "", r["added"] if lang == LANGS[0] else "", lang,
                    f"{m['f1']:.3f} ±{r['f1_sd'][lang]:.3f}", " / ".join(f"{m[i]:.3f}" for i in URGENT),
                    f"{m['urgent_lost']:.1f}", f"{m['false_emergency']:.1f}", r["held"][lang]])
    return out


HEADS = ["variant", "added", "lang", "CV macro-F1 (sd)", "CV recall emergency / sextortion / nude",
         "urgent lost", "false emergency", "held-out F1"]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="42,1", help="shuffles of the 5 folds, comma-separated")
    parser.add_argument("files", nargs="*", type=Path, help="candidate files (default: bench/candidates/*.tsv)")
    args = parser.parse_args(argv)
    files = args.files or sorted(CANDIDATES.glob("*.tsv"))
    if not files:
        print(f"No candidate files in {CANDIDATES}.")
        return
    common.quiet()
    base, heldout = common.all_training(), common.all_heldout()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    config = common.classifier_config()
    chosen = variants(files)
    every = {e.text for examples in chosen.values() for e in examples}
    vectors = common.sentence_vectors([e.text for e in base + heldout] + sorted(every))
    print(f"Candidates: {', '.join(p.name for p in files)}; {len(base)} training examples now; "
          f"5-fold CV with shuffles {seeds}, scored on the {len(base)} examples every variant shares (means).")
    body = []
    for label, added in chosen.items():
        result = measure(base, added, heldout, seeds, config, vectors)
        body += rows(label, result)
        print("  done: " + label, flush=True)
    print(table(HEADS, body, "== Candidate training examples (urgent lost: urgent messages read as a non-urgent "
                             "intent; false emergency: other messages read as emergency)"))


if __name__ == "__main__":
    main()
