"""Khmer and Latin text into words with true offsets into the raw message.

Khmer is written without spaces between words, so words come from khmercut's CRF
segmenter. Before segmenting, each Khmer character cluster is put into the canonical
character order (khmerspell's khnormal), Khmer digits are folded to ASCII and
zero-width characters are dropped; every word keeps the span of the raw characters it
came from, so callers can slice the original message with it.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, List

# Khmer letters, signs and digits; punctuation (U+17D4-17DA except the repetition
# mark ៗ) ends a run so it never becomes part of a word.
_KHMER = "\u1780-\u17d3\u17d7\u17dc\u17dd\u17e0-\u17e9\u19e0-\u19ff"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_RUN = re.compile(
    rf"(?P<km>[{_KHMER}{_INVISIBLE}]+)|(?P<word>[^\W\u1780-\u17ff\u19e0-\u19ff]+)"
)
_INVISIBLE_SET = frozenset(_INVISIBLE)
_KHMER_LETTER = re.compile(r"[\u1780-\u17d3]")  # letters, vowels and signs: the script's weight
_LATIN_LETTER = re.compile(r"[A-Za-z]")
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# khmercut's CRF tagger is one object that keeps state between calls; the NLU thread
# (bot.engine) and the safety net on the event loop both segment text.
_TAGGER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Word:
    """A word of the message: raw text, its span, and the normalised form."""

    text: str
    start: int
    end: int
    norm: str


def words(text: str) -> List[Word]:
    """Split a message into words; Khmer runs are segmented, Latin runs split on word boundaries."""
    result: List[Word] = []
    for match in _RUN.finditer(text):
        if match.group("km"):
            result.extend(_khmer_words(text, match.start(), match.end()))
        else:
            raw = match.group("word")
            result.append(Word(raw, match.start(), match.end(), raw.casefold().translate(KHMER_DIGITS)))
    return result


def normalise(text: str) -> str:
    """The words of a text, normalised and joined by single spaces."""
    return " ".join(w.norm for w in words(text))


def script_share(text: str) -> float:
    """Share of Khmer among Khmer and Latin letters; 0.5 when there are none."""
    khmer = len(_KHMER_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return khmer / (khmer + latin) if khmer + latin else 0.5


def _khmer_words(text: str, start: int, end: int) -> Iterator[Word]:
    # Positions of the visible characters, so spans survive dropping invisible ones.
    positions = [i for i in range(start, end) if text[i] not in _INVISIBLE_SET]
    if not positions:
        return
    visible = "".join(text[i] for i in positions)
    clusters = _clusters(visible)
    norms = [_normalise_cluster(c) for c in clusters]
    offsets = []
    at = 0
    for cluster in clusters:
        offsets.append((at, at + len(cluster)))
        at += len(cluster)
    for first, last in _segments(tuple(norms)):
        raw_start = positions[offsets[first][0]]
        raw_end = positions[offsets[last][1] - 1] + 1
        yield Word(text[raw_start:raw_end], raw_start, raw_end, "".join(norms[first : last + 1]))


def _clusters(visible: str) -> List[str]:
    from khmercut import seg_kcc

    clusters = seg_kcc(visible)
    # seg_kcc keeps every character; if a future version did not, fall back to one
    # cluster per character rather than misplace spans.
    return clusters if "".join(clusters) == visible else list(visible)


@lru_cache(maxsize=65536)
def _normalise_cluster(cluster: str) -> str:
    from khmerspell.khnormal import khnormal

    try:
        norm = khnormal(cluster)
    except Exception:  # khnormal is not total on malformed input; keep the raw form
        norm = cluster
    return norm.translate(KHMER_DIGITS)


@lru_cache(maxsize=16384)
def _segments(norms: tuple) -> List[tuple]:
    """Group cluster indexes into words with khmercut's CRF tagger."""
    from khmercut import create_kcc_features, load

    features = create_kcc_features(list(norms))
    with _TAGGER_LOCK:
        tags = load().tag(features)
    spans: List[tuple] = []
    for i, tag in enumerate(tags):
        if tag == "1" or i == 0:
            spans.append((i, i))
        else:
            spans[-1] = (spans[-1][0], i)
    return spans
