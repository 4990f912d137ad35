"""Read content/ into a Library; reload on edits, keeping the last good content on errors."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

from bot.content.models import LANGUAGES, Helpline, Lesson, Library, Section, Source

logger = logging.getLogger(__name__)

LESSON_FIELDS = {
    "id": True, "title": True, "summary": True, "button": True, "urgent": True, "first": True,
    "steps": False, "more": False, "related": True, "helplines": True, "sources": True,
    "reviewed": True, "review_by": True,
}


class ContentError(Exception):
    """A problem in one content file, with the line an editor should look at."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Document:
    """A parsed YAML file and the line of each key path, for messages an editor can act on."""

    path: Path
    data: Any
    lines: Dict[Tuple, int]

    def line(self, *key_path: Any) -> int:
        while key_path and key_path not in self.lines:
            key_path = key_path[:-1]
        return self.lines.get(key_path, 1)


def read_document(path: Path) -> Document:
    """Parse a YAML file safely, recording where every key and list item starts."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(path, 1, f"the file is not UTF-8 text ({error.reason})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError(path, line, f"YAML syntax: {error.problem or error}") from None
    lines: Dict[Tuple, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return Document(path, data, lines)


def _record_lines(node: yaml.Node, key_path: Tuple, lines: Dict[Tuple, int]) -> None:
    lines[key_path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = key_path + (key.value,)
            _record_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, key_path + (index,), lines)


def lesson_files(content_dir: Path) -> Iterator[Tuple[str, Path]]:
    for lang in LANGUAGES:
        for path in sorted((content_dir / lang).glob("*.yml")):
            yield lang, path


def parse_lesson(doc: Document, lang: str) -> Lesson:
    """Build a Lesson, raising ContentError for a missing or mistyped field."""
    data = doc.data
    if not isinstance(data, dict):
        raise ContentError(doc.path, 1, "a lesson file must be a set of fields (id:, title:, ...)")
    for name, required in LESSON_FIELDS.items():
        if required and name not in data:
            raise ContentError(doc.path, 1, f"the field '{name}' is missing")

    def text(name: str, value: Any = None) -> str:
        value = data.get(name) if value is None else value
        if not isinstance(value, str) or not value.strip():
            raise ContentError(doc.path, doc.line(name), f"'{name}' must be some text")
        return value.strip()

    def id_list(name: str) -> Tuple[str, ...]:
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ContentError(doc.path, doc.line(name), f"'{name}' must be a list of ids, like [get_help]")
        return tuple(value)

    def day(name: str) -> dt.date:
        value = data.get(name)
        if not isinstance(value, dt.date):
            raise ContentError(doc.path, doc.line(name), f"'{name}' must be a date written 2026-11-29")
        return value

    steps = data.get("steps") or []
    if not isinstance(steps, list):
        raise ContentError(doc.path, doc.line("steps"), "'steps' must be a list, one '- step' per line")
    more = data.get("more") or []
    if not isinstance(more, list) or not all(isinstance(m, dict) for m in more):
        raise ContentError(doc.path, doc.line("more"), "'more' must be a list of parts, each with title: and text:")
    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise ContentError(doc.path, doc.line("sources"), "'sources' must be a list, each with title: and url:")
    if not isinstance(data.get("urgent"), bool):
        raise ContentError(doc.path, doc.line("urgent"), "'urgent' must be true or false")
    return Lesson(
        id=text("id"), lang=lang, title=text("title"), summary=text("summary"), button=text("button"),
        urgent=data["urgent"], first=text("first"),
        steps=tuple(text("steps", s) for s in steps),
        more=tuple(Section(text("more", m.get("title")), text("more", m.get("text"))) for m in more),
        related=id_list("related"), helplines=id_list("helplines"),
        sources=tuple(Source(text("sources", s.get("title")), text("sources", s.get("url"))) for s in sources),
        reviewed=day("reviewed"), review_by=day("review_by"),
    )


def parse_helplines(doc: Document) -> Dict[str, Helpline]:
    if not isinstance(doc.data, dict):
        raise ContentError(doc.path, 1, "help lines must be a set of ids, each with number:, name:, note:")
    helplines = {}
    for key, entry in doc.data.items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), (str, dict)) for f in ("number", "name", "note")):
            raise ContentError(doc.path, doc.line(key), f"help line '{key}' needs number:, name: and note:")
        for part in ("name", "note"):
            missing = [lang for lang in LANGUAGES if not (entry[part] or {}).get(lang)]
            if missing:
                raise ContentError(doc.path, doc.line(key, part), f"help line '{key}' has no {part} in {', '.join(missing)}")
        helplines[key] = Helpline(key, str(entry["number"]), dict(entry["name"]), dict(entry["note"]), entry.get("url"))
    return helplines


def parse_danger(doc: Document) -> Dict[str, Dict[str, Tuple[str, ...]]]:
    if not isinstance(doc.data, dict):
        raise ContentError(doc.path, 1, "safety.yml must list topics, each with en: and km: phrases")
    danger = {}
    for topic, by_lang in doc.data.items():
        if not isinstance(by_lang, dict):
            raise ContentError(doc.path, doc.line(topic), f"'{topic}' needs en: and km: lists of phrases")
        danger[topic] = {}
        for lang, phrases in by_lang.items():
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise ContentError(doc.path, doc.line(topic, lang), f"'{topic}' {lang}: must be a list of phrases")
            danger[topic][lang] = tuple(p.strip() for p in phrases)
    return danger


def load_library(content_dir: Path) -> Library:
    """Read and parse every content file; the first problem raises ContentError."""
    lessons = {}
    for lang, path in lesson_files(content_dir):
        lesson = parse_lesson(read_document(path), lang)
        lessons[(lang, lesson.id)] = lesson
    helplines = parse_helplines(read_document(content_dir / "helplines.yml"))
    safety = content_dir / "safety.yml"
    danger = parse_danger(read_document(safety)) if safety.exists() else {}
    return Library(lessons=lessons, helplines=helplines, danger=danger)


class ContentStore:
    """The current Library; reloads when files change and keeps the last good one on errors."""

    def __init__(self, content_dir: Path, check=None) -> None:
        # `check` returns a list of error strings for a Library (the validator), so an
        # edit that parses but breaks a rule is refused too.
        self.content_dir = Path(content_dir)
        self._check = check
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self.library: Library = self._load()

    def _fingerprint(self) -> Tuple:
        files = sorted(self.content_dir.rglob("*.yml"))
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())

    def _load(self) -> Library:
        library = load_library(self.content_dir)
        errors = self._check(self.content_dir) if self._check else []
        if errors:
            raise ContentError(Path(errors[0].split(":", 1)[0]), 0, "; ".join(errors[:3]))
        return library

    def reload_if_changed(self) -> bool:
        """Reload when any file changed; True when new content is live."""
        stamp = self._fingerprint()
        if stamp == self._stamp:
            return False
        return self.reload(stamp)

    def reload(self, stamp: Optional[Tuple] = None) -> bool:
        with self._lock:
            self._stamp = stamp or self._fingerprint()
            try:
                library = self._load()
            except ContentError as error:
                logger.error("content not reloaded, keeping the last good version: %s", error)
                return False
            except Exception:  # a broken edit must never take the bot down
                logger.exception("content not reloaded, keeping the last good version")
                return False
            self.library = library
            logger.info("content reloaded: %d lessons", len(library.lessons))
            return True


def all_lessons(library: Library) -> List[Lesson]:
    return sorted(library.lessons.values(), key=lambda l: (l.lang, l.id))
