"""The safety net that runs before the NLU: danger phrases from content/safety.yml."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Optional, Tuple

from bot.content.models import URGENT_TOPICS
from bot.nlu.khmer_text import normalise

# Checked in this order: the most urgent answer wins when several match.
PRIORITY = URGENT_TOPICS


def _compact(text: str) -> str:
    # Khmer is written without spaces, so phrases match with all spaces removed.
    return re.sub(r"\s+", "", normalise(text))


@lru_cache(maxsize=8192)
def _prepared(phrase: str, lang: str) -> str:
    """A phrase in the form it is matched in; phrases are few and fixed, messages many."""
    return _compact(phrase) if lang == "km" else normalise(phrase)


def outranks(topic: Optional[str], chosen: Optional[str]) -> bool:
    """Whether the net's topic puts its help lines before the lesson the NLU chose.

    Yes when the chosen lesson is not urgent, and when it is a less urgent one: a message
    that tells of blackmail and of a child who "will kill herself tonight" is an emergency
    first (nlu_data/README's order), and the emergency lines (police 117) are not among
    the sextortion lesson's.
    """
    if topic not in PRIORITY:
        return False
    return chosen not in PRIORITY or PRIORITY.index(topic) < PRIORITY.index(chosen)


def danger_topic(text: str, danger: Mapping[str, Mapping[str, Tuple[str, ...]]]) -> Optional[str]:
    """The urgent topic a message's words point to, whatever language it is in, or None."""
    spaced = f" {normalise(text)} "
    compact = _compact(text)
    topics = sorted(danger, key=lambda t: PRIORITY.index(t) if t in PRIORITY else len(PRIORITY))
    for topic in topics:
        for lang, phrases in danger[topic].items():
            for phrase in phrases:
                prepared = _prepared(phrase, lang)
                if not prepared:
                    continue
                if lang == "km":
                    if prepared in compact:
                        return topic
                elif f" {prepared}" in spaced:
                    # From the start of a word: a stem ("kidnap") also finds "kidnapped".
                    return topic
    return None
