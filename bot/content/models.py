"""Typed, immutable content: what editors write in content/, as the bot uses it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Dict, Mapping, Optional, Tuple

LANGUAGES = ("km", "en")
TOPICS = (
    "emergency", "sextortion", "nude_image_shared", "grooming", "stranger_contact",
    "cyberbullying", "harmful_content", "online_gaming", "live_streaming",
    "sharing_child_photos", "talk_to_child", "privacy_settings", "parental_controls",
    "screen_time", "age_limits", "online_learning", "report_abuse", "get_help",
)
# Most urgent first (nlu_data/README's order of precedence; bot.safety checks them so).
URGENT_TOPICS = ("emergency", "sextortion", "nude_image_shared")


@dataclass(frozen=True)
class Section:
    title: str
    text: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Lesson:
    id: str
    lang: str
    title: str
    summary: str
    button: str
    urgent: bool
    first: str
    steps: Tuple[str, ...] = ()
    more: Tuple[Section, ...] = ()
    related: Tuple[str, ...] = ()
    helplines: Tuple[str, ...] = ()
    sources: Tuple[Source, ...] = ()
    reviewed: Optional[date] = None
    review_by: Optional[date] = None


@dataclass(frozen=True)
class Helpline:
    id: str
    number: str
    name: Mapping[str, str]
    note: Mapping[str, str]
    url: Optional[str] = None


@dataclass(frozen=True)
class Library:
    """Everything the bot says that editors own, for both languages."""

    lessons: Mapping[Tuple[str, str], Lesson]
    helplines: Mapping[str, Helpline]
    # topic -> language -> phrases that trigger the urgent answer before NLU
    danger: Mapping[str, Mapping[str, Tuple[str, ...]]] = field(default_factory=dict)

    def lesson(self, lesson_id: str, lang: str) -> Optional[Lesson]:
        return self.lessons.get((lang, lesson_id)) or self.lessons.get(("en", lesson_id))

    def ids(self, lang: str) -> Tuple[str, ...]:
        return tuple(i for (l, i) in self.lessons if l == lang)

    def has(self, lesson_id: str) -> bool:
        return any(i == lesson_id for (_, i) in self.lessons)

    def search(self, query: str, lang: str, limit: int = 10) -> Tuple[Lesson, ...]:
        """Lessons whose title, summary or button mention the query's words (inline mode)."""
        words = [w for w in query.casefold().split() if w]
        scored = []
        for lesson_id in self.ids(lang):
            lesson = self.lessons[(lang, lesson_id)]
            haystack = " ".join((lesson.id.replace("_", " "), lesson.title, lesson.summary, lesson.button)).casefold()
            score = sum(w in haystack for w in words) if words else 1
            if score:
                scored.append((-score, TOPICS.index(lesson_id) if lesson_id in TOPICS else 99, lesson))
        return tuple(lesson for *_, lesson in sorted(scored, key=lambda s: s[:2]))[:limit]


Danger = Dict[str, Dict[str, Tuple[str, ...]]]
