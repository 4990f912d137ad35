"""Callback data: a short, strict grammar. Anything else is treated as an old or forged button.

Data is never used as a path or a query: it is matched whole against fixed patterns and
ids are looked up in the content library by the caller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_ID = r"[a-z][a-z0-9_]{0,40}"
_PATTERNS = {
    "lesson": re.compile(rf"l:({_ID})"),
    "more": re.compile(rf"m:({_ID}):([1-9])"),
    "feedback": re.compile(rf"f:({_ID}):(up|down)"),
    "language": re.compile(r"g:(km|en)"),
    "menu": re.compile(r"menu(?::(now|prevent|help))?"),
    "none": re.compile(r"none"),
}


@dataclass(frozen=True)
class Action:
    kind: str
    arg: str = ""
    extra: str = ""


def lesson(lesson_id: str) -> str:
    return f"l:{lesson_id}"


def more(lesson_id: str, part: int) -> str:
    return f"m:{lesson_id}:{part}"


def feedback(lesson_id: str, vote: str) -> str:
    return f"f:{lesson_id}:{vote}"


def language(lang: str) -> str:
    return f"g:{lang}"


def menu(group: str = "") -> str:
    return f"menu:{group}" if group else "menu"


NONE = "none"


def parse(data: Optional[str]) -> Optional[Action]:
    """The action a button stands for, or None for anything unknown or malformed."""
    if not isinstance(data, str) or len(data) > 64:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(data)
        if match:
            groups = [g or "" for g in match.groups()]
            return Action(kind, *groups)
    return None
