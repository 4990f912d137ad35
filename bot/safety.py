"""The safety net that runs before the NLU: danger phrases from content/safety.yml."""
from __future__ import annotations

import re
from typing import Mapping, Optional, Tuple

from bot.nlu.khmer_text import normalise

# Checked in this order: the most urgent answer wins when several match.
PRIORITY = ("emergency", "sextortion", "nude_image_shared")


def _compact(text: str) -> str:
    # Khmer is written without spaces, so phrases match with all spaces removed.
    return re.sub(r"\s+", "", normalise(text))


def danger_topic(text: str, danger: Mapping[str, Mapping[str, Tuple[str, ...]]]) -> Optional[str]:
    """The urgent topic a message's words point to, whatever language it is in, or None."""
    spaced = f" {normalise(text)} "
    compact = _compact(text)
    topics = sorted(danger, key=lambda t: PRIORITY.index(t) if t in PRIORITY else len(PRIORITY))
    for topic in topics:
        for lang, phrases in danger[topic].items():
            for phrase in phrases:
                if lang == "km":
                    if _compact(phrase) and _compact(phrase) in compact:
                        return topic
                elif normalise(phrase) and f" {normalise(phrase)}" in spaced:
                    # From the start of a word: a stem ("kidnap") also finds "kidnapped".
                    return topic
    return None
