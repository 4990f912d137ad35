"""A plain keyword matcher: the baseline any classifier here has to beat."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Dict, List, Sequence, Set

from bench.common import OUT_OF_SCOPE, Example, project_words


class KeywordMatcher:
    """Each intent's most distinctive normalised words; the intent with most hits wins.

    A word is a keyword of an intent when at least 2 of the intent's examples contain
    it and at least `purity` of all examples containing it have that intent; each intent
    keeps its `per_intent` keywords found in most of its examples. A message with no
    keyword is out_of_scope; ties go to the intent whose matched keywords are commoner
    in its examples.
    """

    name = "keyword matcher"

    def __init__(self, per_intent: int = 25, purity: float = 0.6) -> None:
        self.per_intent = per_intent
        self.purity = purity
        self.keywords: Dict[str, Dict[str, float]] = {}

    @staticmethod
    def _words(text: str) -> Set[str]:
        return set(project_words(text).split())

    def fit(self, examples: Sequence[Example]) -> "KeywordMatcher":
        by_word: Dict[str, Counter] = defaultdict(Counter)
        sizes = Counter(e.intent for e in examples)
        for e in examples:
            for w in self._words(e.text):
                by_word[w][e.intent] += 1
        candidates: Dict[str, List[tuple]] = defaultdict(list)
        for w, counts in by_word.items():
            intent, n = counts.most_common(1)[0]
            if n >= 2 and n / sum(counts.values()) >= self.purity:
                candidates[intent].append((n / sizes[intent], w))
        self.keywords = {
            intent: {w: share for share, w in sorted(found, reverse=True)[: self.per_intent]}
            for intent, found in candidates.items()
        }
        return self

    def predict(self, texts: Sequence[str]) -> List[str]:
        out = []
        for text in texts:
            words = self._words(text)
            best, best_key = OUT_OF_SCOPE, (0, 0.0)
            for intent, keys in self.keywords.items():
                hits = [keys[w] for w in words if w in keys]
                key = (len(hits), sum(hits))
                if key > best_key:
                    best, best_key = intent, key
            out.append(best)
        return out
