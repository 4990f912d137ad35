"""Check content/ for editors: every problem, as `file:line: what to do`.

`check()` reads every lesson, helplines.yml, safety.yml and glossary.yml and collects all
problems (it never stops at the first one). `error_lines()` is what the running bot uses to
refuse a broken edit; warnings (a review date that has passed, ...) never block an edit.
`parity()` lists where the English and Khmer versions of a lesson differ in shape.
"""
from __future__ import annotations

import datetime as dt
import difflib
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import yaml

from bot.content.loader import (
    LESSON_FIELDS, Document, parse_helplines, parse_lesson, read_document,
)
from bot.content.models import LANGUAGES, Library

logger = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"

REPO_ROOT = Path(__file__).resolve().parents[2]

# Help-line numbers checked in shared/reference/facts.md. Only these may appear in
# helplines.yml. Compared digit by digit; +855 is written 0 in Cambodia.
ALLOWED_NUMBERS = ("117", "1280", "1288", "092 311 511", "+855 23 224 841")

LIMITS = {"title": 80, "summary": 140, "button": 28, "first": 600}
MORE_TITLE_LIMIT = 60
MORE_TEXT_LIMIT = 1200
MESSAGE_LIMIT = 4096          # Telegram's limit for one message, after its HTML is parsed
MAX_MORE_PARTS = 9            # the "More" button's callback data holds one digit
STEPS_RANGE = (3, 7)          # content/SCHEMA.md (a warning outside it)
RELATED_RANGE = (1, 4)
LESSON_ID = re.compile(r"[a-z][a-z0-9_]{0,40}")   # what bot.callbacks accepts

HELPLINE_FIELDS = ("number", "name", "note", "url", "source")
MORE_FIELDS = ("title", "text")
SOURCE_FIELDS = ("title", "url")
GLOSSARY_FIELDS = ("en", "km", "note")
LANGUAGE_NAMES = {"en": "English", "km": "Khmer"}

# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style)
ALLOWED_TAGS = ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a",
                "code", "pre", "blockquote", "tg-spoiler")
TAG_ATTRIBUTES = {"a": {"href"}, "blockquote": {"expandable"}}
TELEGRAM_ENTITIES = ("lt", "gt", "amp", "quot")

_KHMER_ANY = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*?)?)\s*(/?)>")
_TAG_LIKE = re.compile(r"</?[A-Za-z][^<>]*>")
_ATTRIBUTE = re.compile(r"""([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|gov|edu|kh|uk|au|int|io|me)\b\S*",
                  re.IGNORECASE)
_DIGITS = "0-9\u17e0-\u17e9"
_NUMBER_RUN = re.compile(rf"(?<![{_DIGITS}])(\+\s?)?[{_DIGITS}]+(?:(?:[ \u00a0]|[ \u00a0]?[-\u2013][ \u00a0]?)[{_DIGITS}]+)*")
_THOUSANDS = re.compile(rf"(?<![{_DIGITS},])[{_DIGITS}]{{1,3}}(?:,[{_DIGITS}]{{3}})+(?![{_DIGITS}]|,[{_DIGITS}])")
_TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{display_path(self.path)}:{self.line}: {prefix}{self.message}"


def display_path(path: Path) -> str:
    """The path relative to the repository root when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except (ValueError, OSError):
        return str(path)


# --------------------------------------------------------------------------- public API

def check(content_dir: Path, today: Optional[dt.date] = None) -> List[Problem]:
    """Every problem in content_dir, sorted by file and line."""
    content_dir = Path(content_dir)
    today = today or dt.date.today()
    checker = _Checker(content_dir, today)
    checker.run()
    order = {p: n for n, p in enumerate(checker.problems)}
    return sorted(dict.fromkeys(checker.problems), key=lambda p: (str(p.path), p.line, order[p]))


def error_lines(content_dir: Path) -> List[str]:
    """The errors only, as `file:line: message` (the bot refuses an edit with any)."""
    return [str(p) for p in check(content_dir) if p.severity == ERROR]


def parity(content_dir: Path) -> List[str]:
    """Where the en and km versions of each lesson differ in shape, one line per difference."""
    content_dir = Path(content_dir)
    versions: Dict[str, Dict[str, Dict]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((content_dir / lang).glob("*.yml")):
            try:
                data = read_document(path).data
            except Exception:  # noqa: BLE001 - check() reports unreadable files
                continue
            versions[lang][path.stem] = data if isinstance(data, dict) else {}
    lines: List[str] = []
    for lesson_id in sorted(set(versions["en"]) & set(versions["km"])):
        en, km = versions["en"][lesson_id], versions["km"][lesson_id]
        for name, label in (("steps", "steps"), ("more", "more sections")):
            a, b = len(_as_list(en.get(name))), len(_as_list(km.get(name)))
            if a != b:
                lines.append(f"{lesson_id}: {label} en {a}, km {b}")
        for name in ("related", "helplines"):
            a, b = [str(v) for v in _as_list(en.get(name))], [str(v) for v in _as_list(km.get(name))]
            if set(a) != set(b):
                lines.append(f"{lesson_id}: {name} en [{', '.join(a)}], km [{', '.join(b)}]")
            elif a != b:
                lines.append(f"{lesson_id}: {name} order en [{', '.join(a)}], km [{', '.join(b)}]")
        a, b = en.get("urgent"), km.get("urgent")
        if a != b:
            lines.append(f"{lesson_id}: urgent en {_yaml_word(a)}, km {_yaml_word(b)}")
        a, b = len(_as_list(en.get("sources"))), len(_as_list(km.get("sources")))
        if a != b:
            lines.append(f"{lesson_id}: sources en {a}, km {b}")
    return lines


# --------------------------------------------------------------------------- documents

class _Doc:
    """A YAML file's data and where each key, list item and value is."""

    def __init__(self, path: Path, data: Any, nodes: Dict[Tuple, yaml.Node], key_lines: Dict[Tuple, int]) -> None:
        self.path, self.data, self.nodes, self.key_lines = path, data, nodes, key_lines

    def line(self, *key_path: Any) -> int:
        key_path = tuple(k if isinstance(k, int) and not isinstance(k, bool) else str(k) for k in key_path)
        while key_path:
            if key_path in self.key_lines:
                return self.key_lines[key_path]
            if key_path in self.nodes:
                return self.nodes[key_path].start_mark.line + 1
            key_path = key_path[:-1]
        return 1

    def text_line(self, key_path: Tuple, value: str, offset: int) -> int:
        """The line of character `offset` of a text value (exact in `|` blocks)."""
        node = self.nodes.get(tuple(k if isinstance(k, int) else str(k) for k in key_path))
        if isinstance(node, yaml.ScalarNode):
            if node.style == "|":
                return node.start_mark.line + 2 + value[:offset].count("\n")
            return node.start_mark.line + 1
        return self.line(*key_path)


def _walk(node: yaml.Node, key_path: Tuple, nodes: Dict, key_lines: Dict, duplicates: List) -> None:
    nodes[key_path] = node
    if isinstance(node, yaml.MappingNode):
        seen: Dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            line = key.start_mark.line + 1
            if name in seen:
                duplicates.append((line, key_path, name, seen[name]))
            seen[name] = line
            child = key_path + (name,)
            _walk(value, child, nodes, key_lines, duplicates)
            key_lines[child] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, key_path + (index,), nodes, key_lines, duplicates)


# --------------------------------------------------------------------------- the checker

class _Checker:
    def __init__(self, content_dir: Path, today: dt.date) -> None:
        self.content_dir = content_dir
        self.today = today
        self.problems: List[Problem] = []
        self.lesson_ids: Set[str] = set()
        self.helpline_ids: Set[str] = set()

    # -- reporting
    def error(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, ERROR, message))

    def warning(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, WARNING, message))

    def read(self, path: Path) -> Optional[_Doc]:
        """Parse one file as bot.content.loader does; report what stops it and give None."""
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.error(path, line, f"the file is not UTF-8 text ({error.reason}): save it as UTF-8"
                                   " (in your editor: Save with encoding, UTF-8)")
            return None
        except OSError as error:
            self.error(path, 1, f"the file cannot be read ({error.strerror or error})")
            return None
        hint = (". Check the indentation, and put text that contains ': ' or starts with a quote,"
                " [ or { in double quotes")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            loader = yaml.SafeLoader("")
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.error(path, mark.line + 1 if mark else 1, f"YAML syntax: {error.problem or error}{hint}")
            return None
        except yaml.YAMLError as error:  # e.g. a control character the YAML reader refuses
            position = getattr(error, "position", None)
            line = text[:position].count("\n") + 1 if isinstance(position, int) else 1
            self.error(path, line, f"the file has a character YAML does not allow ({getattr(error, 'reason', error)}):"
                                   " retype the line without it")
            return None
        except (ValueError, TypeError, OverflowError) as error:  # e.g. a date like 2026-13-10
            line, value = _bad_scalar(node)
            if value is not None:
                self.error(path, line, f"'{value}' is not a real date: write dates like 2026-11-29 (year-month-day)")
            else:
                self.error(path, line, f"a value cannot be read ({error})")
            return None
        nodes: Dict[Tuple, yaml.Node] = {}
        key_lines: Dict[Tuple, int] = {}
        duplicates: List = []
        if node is not None:
            _walk(node, (), nodes, key_lines, duplicates)
        for line, key_path, name, first_line in duplicates:
            where = f" in {_label(key_path)}" if key_path else ""
            self.error(path, line, f"'{name}'{where} is written twice (lines {first_line} and {line}):"
                                   " keep one, only the last one counts")
        return _Doc(path, data, nodes, key_lines)

    # -- the whole folder
    def run(self) -> None:
        content_dir = self.content_dir
        if not content_dir.is_dir():
            self.error(content_dir, 1, "the content folder does not exist")
            return
        lesson_docs: Dict[str, Dict[str, Optional[_Doc]]] = {lang: {} for lang in LANGUAGES}
        for lang in LANGUAGES:
            folder = content_dir / lang
            if not folder.is_dir():
                self.error(folder, 1, f"the folder {content_dir.name}/{lang}/ for {LANGUAGE_NAMES[lang]} lessons is missing")
                continue
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix == ".yml":
                    lesson_docs[lang][path.stem] = self.guarded(path, self.read, path)
                elif path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".txt") and not path.name.startswith("."):
                    self.warning(path, 1, f"this file is ignored: lesson files must end in .yml (rename it to {path.stem}.yml)")
        self.lesson_ids = set(lesson_docs["en"]) | set(lesson_docs["km"])

        helplines_path = content_dir / "helplines.yml"
        helplines_doc = None
        if helplines_path.exists():
            helplines_doc = self.guarded(helplines_path, self.read, helplines_path)
            if helplines_doc is not None:
                self.guarded(helplines_path, self.check_helplines, helplines_doc)
        else:
            self.error(helplines_path, 1, "helplines.yml is missing: lessons take their help lines from it"
                                          " and the bot cannot start without it")

        for lang in LANGUAGES:
            for lesson_id, doc in lesson_docs[lang].items():
                if doc is not None:
                    self.guarded(doc.path, self.check_lesson, doc, lang)
        for lang in LANGUAGES:
            other = "km" if lang == "en" else "en"
            for lesson_id in sorted(set(lesson_docs[lang]) - set(lesson_docs[other])):
                self.error(content_dir / lang / f"{lesson_id}.yml", 1,
                           f"this lesson has no {LANGUAGE_NAMES[other]} version: add {content_dir.name}/{other}/{lesson_id}.yml"
                           f" (every lesson needs both en and km)")

        safety = content_dir / "safety.yml"
        if safety.exists():
            doc = self.guarded(safety, self.read, safety)
            if doc is not None:
                self.guarded(safety, self.check_safety, doc)
        glossary = content_dir / "glossary.yml"
        if glossary.exists():
            doc = self.guarded(glossary, self.read, glossary)
            if doc is not None:
                self.guarded(glossary, self.check_glossary, doc)

        self.guarded(content_dir, self.check_rendered, lesson_docs, helplines_doc)

    def guarded(self, path: Path, function, *args):
        """Run one check; a bug in the checker is reported, never raised into the bot."""
        try:
            return function(*args)
        except Exception as error:  # noqa: BLE001 - the bot must keep running
            logger.exception("content checker failed on %s", path)
            self.error(path, 1, f"the checker could not check this file ({type(error).__name__}: {error});"
                                " please tell a developer")
            return None

    # -- lessons
    def check_lesson(self, doc: _Doc, lang: str) -> None:
        path, data = doc.path, doc.data
        stem = path.stem
        if not LESSON_ID.fullmatch(stem):
            self.error(path, 1, f"the file name '{path.name}' cannot be a lesson id: use lowercase English letters,"
                                f" digits and _ only, like online_gaming.yml")
        if data is None:
            self.error(path, 1, "the file is empty: a lesson needs the fields " + ", ".join(LESSON_FIELDS)
                       + " (see content/SCHEMA.md)")
            return
        if not isinstance(data, dict):
            self.error(path, 1, "a lesson file must be a set of fields, one per line (id:, title:, summary:, ...),"
                                f" not {_kind(data)}")
            return
        for name, required in LESSON_FIELDS.items():
            if required and name not in data:
                self.error(path, 1, f"the field '{name}' is missing: add it (see content/SCHEMA.md)")
        self.unknown_fields(doc, (), data, tuple(LESSON_FIELDS))

        texts: Dict[str, Optional[str]] = {}
        for name in ("id", "title", "summary", "button", "first"):
            if name in data:
                texts[name] = self.text(doc, (name,), data[name], f"'{name}'")
        if "urgent" in data and not isinstance(data["urgent"], bool):
            self.error(path, doc.line("urgent"), f"'urgent' must be true or false, not {_kind(data['urgent'])}")
        urgent = data.get("urgent") is True

        steps = self.items(doc, "steps", "'steps' must be a list, one '- step' per line")
        step_texts = [(("steps", n), self.text(doc, ("steps", n), s, f"step {n + 1}")) for n, s in enumerate(steps)]
        if steps and not STEPS_RANGE[0] <= len(steps) <= STEPS_RANGE[1]:
            self.warning(path, doc.line("steps"), f"there are {len(steps)} steps; keep to {STEPS_RANGE[0]}-{STEPS_RANGE[1]}"
                                                  " short steps so a parent can follow them")
        if urgent and not steps:
            self.error(path, doc.line("urgent") if "steps" not in data else doc.line("steps"),
                       "urgent lessons need 'steps:' (what to do now, 3-7 short steps)")

        more = self.items(doc, "more", "'more' must be a list of parts, each with title: and text:")
        more_texts: List[Tuple[Tuple, Optional[str]]] = []
        for n, part in enumerate(more):
            if not isinstance(part, dict):
                self.error(path, doc.line("more", n), f"more part {n + 1} must have title: and text: on their own lines,"
                                                      f" not {_kind(part)}")
                continue
            self.unknown_fields(doc, ("more", n), part, MORE_FIELDS)
            for field in MORE_FIELDS:
                if field not in part:
                    self.error(path, doc.line("more", n), f"more part {n + 1} has no {field}:")
                else:
                    more_texts.append((("more", n, field), self.text(doc, ("more", n, field), part[field],
                                                                     f"more part {n + 1} {field}")))
        if len(more) > MAX_MORE_PARTS:
            self.error(path, doc.line("more"), f"there are {len(more)} more parts; the 'More' button works for at most"
                                               f" {MAX_MORE_PARTS}: merge some")

        related = self.id_list(doc, "related")
        helplines = self.id_list(doc, "helplines")
        self.check_related(doc, related)
        self.check_helpline_ids(doc, helplines)
        sources = self.check_sources(doc)
        self.check_dates(doc)

        if isinstance(texts.get("id"), str) and texts["id"] != stem:
            self.error(path, doc.line("id"), f"the id '{texts['id']}' does not match the file name '{path.name}':"
                                             f" they must be the same (id: {stem})")

        # every text that is shown: (key path, value, is HTML)
        shown: List[Tuple[Tuple, str, bool]] = []
        for name in ("title", "summary", "button"):
            if isinstance(texts.get(name), str):
                shown.append(((name,), data[name], False))
        if isinstance(texts.get("first"), str):
            shown.append((("first",), data["first"], True))
        shown += [(key, data["steps"][key[1]], True) for key, value in step_texts if value is not None]
        shown += [(key, more[key[1]][key[2]], key[2] == "text") for key, value in more_texts if value is not None]
        source_titles = [(("sources", n, "title"), s["title"], False) for n, s in enumerate(sources)
                         if isinstance(s, dict) and isinstance(s.get("title"), str)]

        for key, value, is_html in shown + source_titles:
            if is_html:
                self.check_html(doc, key, value)
            else:
                self.check_plain(doc, key, value)
        self.check_lengths(doc, shown)
        for key, value, _ in shown:
            self.check_phone_numbers(doc, key, value)
        if lang == "en":
            self.check_no_khmer(doc, (), data)
        else:
            self.check_khmer_script(doc, shown)

    def unknown_fields(self, doc: _Doc, key_path: Tuple, data: Dict, allowed: Sequence[str]) -> None:
        where = f" in {_label(key_path)}" if key_path else ""
        for key in data:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            self.error(doc.path, doc.line(*key_path, key),
                       f"unknown field '{key}'{where}{hint}; the allowed fields are: {', '.join(allowed)}")

    def text(self, doc: _Doc, key_path: Tuple, value: Any, label: str) -> Optional[str]:
        """A non-empty text, or None after reporting what is wrong with it."""
        if isinstance(value, str) and value.strip():
            return value.strip()
        line = doc.line(*key_path)
        if isinstance(value, str) or value is None:
            self.error(doc.path, line, f"{label} is empty: write some text")
        elif isinstance(value, dict) and len(value) == 1:
            self.error(doc.path, line, f"{label} must be text, but YAML read it as 'name: value' because it contains"
                                       " ': ' - put the whole text in double quotes")
        else:
            hint = " - put it in double quotes" if isinstance(value, (int, float, bool, dt.date)) else ""
            self.error(doc.path, line, f"{label} must be text, not {_kind(value)}{hint}")
        return None

    def items(self, doc: _Doc, name: str, message: str) -> List[Any]:
        value = doc.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(doc.path, doc.line(name), f"{message}, not {_kind(value)}")
            return []
        return value

    def id_list(self, doc: _Doc, name: str) -> List[str]:
        value = doc.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(doc.path, doc.line(name), f"'{name}' must be a list of ids in square brackets, like [get_help],"
                                                 f" not {_kind(value)}")
            return []
        ids = []
        for n, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                ids.append(item.strip())
            else:
                self.error(doc.path, doc.line(name, n), f"'{name}' item {n + 1} must be an id like get_help,"
                                                        f" not {_kind(item)}")
        return ids

    def check_related(self, doc: _Doc, related: List[str]) -> None:
        path, stem = doc.path, doc.path.stem
        if "related" in doc.data and not RELATED_RANGE[0] <= len(related) <= RELATED_RANGE[1] and isinstance(
                doc.data.get("related") or [], list):
            self.warning(path, doc.line("related"), f"'related' lists {len(related)} lessons; give"
                                                    f" {RELATED_RANGE[0]}-{RELATED_RANGE[1]} (they become buttons)")
        seen: Set[str] = set()
        for n, lesson_id in enumerate(doc.data.get("related") or []):
            if not isinstance(lesson_id, str):
                continue
            lesson_id = lesson_id.strip()
            line = doc.line("related", n)
            if lesson_id == stem:
                self.error(path, line, f"'related' names this lesson itself ('{lesson_id}'): list other lessons")
            elif lesson_id not in self.lesson_ids:
                guess = difflib.get_close_matches(lesson_id, sorted(self.lesson_ids), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                self.error(path, line, f"'related' names '{lesson_id}', which is not a lesson{hint}; use the file"
                                       f" name of a lesson in {self.content_dir.name}/en without .yml")
            elif lesson_id in seen:
                self.warning(path, line, f"'related' lists '{lesson_id}' twice")
            seen.add(lesson_id)

    def check_helpline_ids(self, doc: _Doc, ids: List[str]) -> None:
        for n, helpline_id in enumerate(doc.data.get("helplines") or []):
            if isinstance(helpline_id, str) and helpline_id.strip() not in self.helpline_ids:
                known = ", ".join(sorted(self.helpline_ids)) or "none yet"
                self.error(doc.path, doc.line("helplines", n),
                           f"'helplines' names '{helpline_id.strip()}', which is not in helplines.yml; the ids there are: {known}")

    def check_sources(self, doc: _Doc) -> List[Any]:
        path = doc.path
        sources = self.items(doc, "sources", "'sources' must be a list, each with title: and url:")
        if "sources" in doc.data and doc.data["sources"] in (None, []):
            self.error(path, doc.line("sources"), "there are no sources: add at least one, with title: and url: https://...")
        for n, source in enumerate(sources):
            label = f"source {n + 1}"
            if not isinstance(source, dict):
                self.error(path, doc.line("sources", n), f"{label} must have title: and url: on their own lines,"
                                                         f" not {_kind(source)}")
                continue
            self.unknown_fields(doc, ("sources", n), source, SOURCE_FIELDS)
            if "title" not in source:
                self.error(path, doc.line("sources", n), f"{label} has no title:")
            else:
                self.text(doc, ("sources", n, "title"), source["title"], f"{label} title")
            url = source.get("url")
            if not isinstance(url, str) or not url.strip().startswith("https://"):
                self.error(path, doc.line("sources", n, "url"),
                           f"{label} needs a url: starting with https:// (the address of the page that supports the lesson)")
            elif any(c.isspace() for c in url.strip()):
                self.error(path, doc.line("sources", n, "url"), f"{label} url contains a space")
        return sources

    def check_dates(self, doc: _Doc) -> None:
        dates = {}
        for name in ("reviewed", "review_by"):
            if name not in doc.data:
                continue
            value = doc.data[name]
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, dt.date):
                dates[name] = value
            else:
                hint = " without quotes" if isinstance(value, str) else ""
                self.error(doc.path, doc.line(name), f"'{name}' must be a date written like 2026-11-29{hint},"
                                                     f" not {_kind(value)}")
        reviewed, review_by = dates.get("reviewed"), dates.get("review_by")
        if reviewed and review_by and review_by < reviewed:
            self.error(doc.path, doc.line("review_by"), f"review_by ({review_by}) is before reviewed ({reviewed}):"
                                                        " the next review must come after the last one")
        elif review_by and review_by < self.today:
            self.warning(doc.path, doc.line("review_by"), f"the review date {review_by} has passed: check the lesson"
                                                          " against current facts, then update reviewed: and review_by:")

    # -- text rules
    def check_html(self, doc: _Doc, key_path: Tuple, value: str) -> None:
        label = _label(key_path)
        for offset, message in html_problems(value):
            self.error(doc.path, doc.text_line(key_path, value, offset), f"{label}: {message}")

    def check_plain(self, doc: _Doc, key_path: Tuple, value: str) -> None:
        label = _label(key_path)
        match = _TAG_LIKE.search(value) or _ENTITY.search(value)
        if match:
            self.error(doc.path, doc.text_line(key_path, value, match.start()),
                       f"{label} is shown as plain text, so '{match.group(0)}' would appear as written:"
                       " remove tags, and write &, < and > as themselves")

    def check_lengths(self, doc: _Doc, shown: List[Tuple[Tuple, str, bool]]) -> None:
        for key, value, is_html in shown:
            if key[0] in LIMITS:
                limit = LIMITS[key[0]]
            elif key[0] == "more":
                limit = MORE_TEXT_LIMIT if key[2] == "text" else MORE_TITLE_LIMIT
            else:
                continue
            size = len(visible_text(value) if is_html else value.strip())
            if size > limit:
                what = " (not counting tags)" if is_html else ""
                advice = {"first": ": shorten it, or move some of it to 'more'",
                          "button": ": buttons must fit on a phone screen"}.get(key[0], ": shorten it")
                self.error(doc.path, doc.line(*key), f"{_label(key)} is {size} characters long{what}; the limit is"
                                                     f" {limit}{advice}")

    def check_phone_numbers(self, doc: _Doc, key_path: Tuple, value: str) -> None:
        for offset, number in phone_numbers(value):
            self.error(doc.path, doc.text_line(key_path, value, offset),
                       f"{_label(key_path)} contains '{number}', which looks like a phone number: help lines belong"
                       " in helplines.yml and the bot shows them (list the id under helplines:). Ages, years and"
                       " percentages are fine; write other large numbers in words")

    def check_no_khmer(self, doc: _Doc, key_path: Tuple, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self.check_no_khmer(doc, key_path + (key,), item)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                self.check_no_khmer(doc, key_path + (n,), item)
        elif isinstance(value, str):
            match = _KHMER_ANY.search(value)
            if match:
                self.error(doc.path, doc.text_line(key_path, value, match.start()),
                           f"{_label(key_path)} contains Khmer text ('{match.group(0)[:30]}'): English lessons are"
                           f" English only; the Khmer belongs in {self.content_dir.name}/km/{doc.path.name}")

    def check_khmer_script(self, doc: _Doc, shown: List[Tuple[Tuple, str, bool]]) -> None:
        total_khmer = total_latin = 0
        latin_fields = []
        for key, value, _ in shown:
            khmer, latin = script_counts(value)
            total_khmer += khmer
            total_latin += latin
            if latin >= 20 and khmer * 3 < latin:
                latin_fields.append(key)
        if total_latin > total_khmer:
            fields = ", ".join(_label(k) for k in latin_fields) or "title, summary, button, first, steps, more"
            line = doc.line(*latin_fields[0]) if latin_fields else 1
            self.error(doc.path, line, f"this Khmer lesson is mostly not in Khmer script ({total_khmer} Khmer"
                                       f" letters, {total_latin} Latin letters): translate {fields}")
        else:
            for key in latin_fields:
                self.warning(doc.path, doc.line(*key), f"{_label(key)} is mostly in Latin letters: is it translated"
                                                       " into Khmer? (brand names and web addresses are fine)")

    # -- helplines.yml, safety.yml, glossary.yml
    def check_helplines(self, doc: _Doc) -> None:
        path, data = doc.path, doc.data
        if not isinstance(data, dict):
            self.error(path, 1, "helplines.yml must list help lines by id, each with number:, name: and note:")
            return
        self.helpline_ids = {str(k) for k in data}
        allowed = {_phone_key(n): n for n in ALLOWED_NUMBERS}
        for key, entry in data.items():
            if not isinstance(entry, dict):
                self.error(path, doc.line(key), f"help line '{key}' needs number:, name: and note: on their own lines")
                continue
            self.unknown_fields(doc, (key,), entry, HELPLINE_FIELDS)
            number = entry.get("number")
            if "number" not in entry:
                self.error(path, doc.line(key), f"help line '{key}' has no number:")
            elif not isinstance(number, str):
                self.error(path, doc.line(key, "number"), f"help line '{key}': write the number in double quotes,"
                                                          f' like number: "{number}"')
            if number is not None and _phone_key(str(number)) not in allowed:
                self.error(path, doc.line(key, "number"),
                           f"help line '{key}': the number {number} is not one of the numbers checked in"
                           f" shared/reference/facts.md ({', '.join(ALLOWED_NUMBERS)}); only those may be used")
            for part in ("name", "note"):
                value = entry.get(part)
                if part not in entry:
                    self.error(path, doc.line(key), f"help line '{key}' has no {part}: (give en: and km:)")
                elif not isinstance(value, dict):
                    self.error(path, doc.line(key, part), f"help line '{key}' {part}: must have en: and km: on their"
                                                          f" own lines, not {_kind(value)}")
                else:
                    for lang in LANGUAGES:
                        if not isinstance(value.get(lang), str) or not value[lang].strip():
                            self.error(path, doc.line(key, part), f"help line '{key}' has no {part} in {lang}")
            url = entry.get("url")
            if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
                self.error(path, doc.line(key, "url"), f"help line '{key}': url must start with https://")

    def check_safety(self, doc: _Doc) -> None:
        path, data = doc.path, doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.error(path, 1, "safety.yml must list lesson ids, each with en: and km: lists of phrases")
            return
        for topic, by_lang in data.items():
            if str(topic) not in self.lesson_ids:
                guess = difflib.get_close_matches(str(topic), sorted(self.lesson_ids), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                self.error(path, doc.line(topic), f"'{topic}' is not a lesson id{hint}: each topic here must be the"
                                                  " name of a lesson file, the lesson the bot answers with")
            if not isinstance(by_lang, dict):
                self.error(path, doc.line(topic), f"'{topic}' needs en: and km: lists of phrases")
                continue
            for lang, phrases in by_lang.items():
                line = doc.line(topic, lang)
                if lang not in LANGUAGES:
                    self.error(path, line, f"'{topic}': the language '{lang}' is not used; write phrases under en: or km:")
                    continue
                if phrases is None or phrases == []:
                    self.error(path, line, f"'{topic}' {lang}: the list of phrases is empty: add phrases or remove {lang}:")
                elif not isinstance(phrases, list):
                    self.error(path, line, f"'{topic}' {lang}: must be a list of phrases, one '- phrase' per line")
                else:
                    for n, phrase in enumerate(phrases):
                        if not isinstance(phrase, str) or not phrase.strip():
                            self.error(path, doc.line(topic, lang, n), f"'{topic}' {lang}: phrase {n + 1} must be some"
                                                                       f" text, not {_kind(phrase)}")
            for lang in LANGUAGES:
                if lang not in by_lang:
                    self.warning(path, doc.line(topic), f"'{topic}' has no {lang}: phrases, so messages in"
                                                        f" {LANGUAGE_NAMES[lang]} will not trigger it")

    def check_glossary(self, doc: _Doc) -> None:
        path, data = doc.path, doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.error(path, 1, "glossary.yml must list terms, each with en: and km: (and an optional note:)")
            return
        for term, entry in data.items():
            if not isinstance(entry, dict):
                self.error(path, doc.line(term), f"term '{term}' needs en: and km: on their own lines")
                continue
            self.unknown_fields(doc, (term,), entry, GLOSSARY_FIELDS)
            for lang in LANGUAGES:
                value = entry.get(lang)
                if not isinstance(value, str) or not value.strip():
                    what = "has no" if lang not in entry else "needs text for"
                    self.error(path, doc.line(term, lang), f"term '{term}' {what} {lang}:")

    # -- rendering
    def check_rendered(self, lesson_docs: Dict[str, Dict[str, Optional[_Doc]]], helplines_doc: Optional[_Doc]) -> None:
        from bot.content.render import lesson_message

        helplines = {}
        if helplines_doc is not None:
            try:
                helplines = parse_helplines(_as_document(helplines_doc))
            except Exception:  # noqa: BLE001 - already reported by check_helplines
                helplines = {}
        lessons = {}
        for lang in LANGUAGES:
            for doc in lesson_docs[lang].values():
                if doc is None:
                    continue
                try:
                    lesson = parse_lesson(_as_document(doc), lang)
                except Exception:  # noqa: BLE001 - the field checks report what is wrong
                    continue
                lessons[(lang, lesson.id)] = (lesson, doc)
        library = Library(lessons={k: v[0] for k, v in lessons.items()}, helplines=helplines)
        for lesson, doc in lessons.values():
            text = lesson_message(lesson, library, _Untranslated()).text
            size = telegram_length(text)
            if size > MESSAGE_LIMIT:
                self.error(doc.path, doc.line("first"),
                           f"the lesson's first message (help lines, title, first, steps and sources) is {size}"
                           f" characters as Telegram counts them; the limit is {MESSAGE_LIMIT}: shorten first or steps")


# --------------------------------------------------------------------------- text helpers

def html_problems(text: str) -> List[Tuple[int, str]]:
    """(offset, message) for everything Telegram's HTML parser would refuse."""
    problems: List[Tuple[int, str]] = []
    stack: List[Tuple[str, int]] = []
    position = 0
    allowed = ", ".join(f"<{t}>" for t in ALLOWED_TAGS)
    while True:
        lt, amp = text.find("<", position), text.find("&", position)
        candidates = [p for p in (lt, amp) if p >= 0]
        if not candidates:
            break
        at = min(candidates)
        if at == amp:
            match = _ENTITY.match(text, at)
            if not match:
                problems.append((at, "a bare '&': write &amp; for the & sign"))
                position = at + 1
                continue
            name = match.group(1)
            if not name.startswith("#") and name not in TELEGRAM_ENTITIES:
                problems.append((at, f"Telegram does not know '{match.group(0)}': use &lt; &gt; &amp; &quot;"
                                     " or type the character itself"))
            position = match.end()
            continue
        match = _TAG.match(text, at)
        if not match:
            problems.append((at, "a bare '<': write &lt; for the < sign, or finish the tag"))
            position = at + 1
            continue
        closing, name, attributes, self_closing = match.group(1), match.group(2).lower(), match.group(3), match.group(4)
        position = match.end()
        if name not in ALLOWED_TAGS:
            hint = " (start a new line instead)" if name in ("br", "p", "div") else ""
            problems.append((at, f"<{closing}{name}> is not allowed in Telegram messages{hint}; the allowed tags are"
                                 f" {allowed}"))
            continue
        if self_closing:
            problems.append((at, f"<{name}/> is not allowed: write <{name}>...</{name}>"))
            continue
        if closing:
            if attributes.strip():
                problems.append((at, f"the closing tag </{name}> cannot have attributes"))
            open_names = [n for n, _ in stack]
            if name not in open_names:
                problems.append((at, f"</{name}> closes a tag that is not open"))
            elif stack[-1][0] != name:
                problems.append((at, f"</{name}> closes <{name}> before the <{stack[-1][0]}> inside it is closed:"
                                     f" write </{stack[-1][0]}></{name}>"))
                while stack and stack[-1][0] != name:
                    stack.pop()
                stack.pop()
            else:
                stack.pop()
            continue
        attrs = {}
        for attribute in _ATTRIBUTE.finditer(attributes):
            key = attribute.group(1).lower()
            attrs[key] = next((g for g in attribute.group(2, 3, 4) if g is not None), None)
        for key in attrs:
            if key not in TAG_ATTRIBUTES.get(name, set()):
                only = " only href=\"...\"" if name == "a" else " no attributes"
                problems.append((at, f"<{name}> cannot have '{key}': it takes{only}"))
        if name == "a":
            href = attrs.get("href")
            if not href:
                problems.append((at, "<a> needs href=\"https://...\" (the link's address)"))
            elif not re.match(r"(https?|tg)://", href.strip()):
                problems.append((at, f"the link address '{href}' must start with https://"))
        stack.append((name, at))
    for name, at in stack:
        problems.append((at, f"<{name}> is never closed: add </{name}>"))
    return sorted(problems)


def visible_text(text: str) -> str:
    """What a reader sees: tags removed, entities turned into characters."""
    return html.unescape(_TAG_LIKE.sub("", text)).strip()


def telegram_length(text: str) -> int:
    """A message's length as Telegram counts it: UTF-16 units of the visible text."""
    return len(visible_text(text).encode("utf-16-le")) // 2


def script_counts(text: str) -> Tuple[int, int]:
    """(Khmer letters, Latin letters) in text, ignoring tags, entities and web addresses."""
    plain = _URL.sub(" ", _ENTITY.sub(" ", _TAG_LIKE.sub(" ", text)))
    khmer = sum(1 for c in plain if "\u1780" <= c <= "\u17d3")
    latin = sum(1 for c in plain if c.isalpha() and c < "\u0250")
    return khmer, latin


def phone_numbers(text: str) -> List[Tuple[int, str]]:
    """(offset, number) for runs of digits that look like phone numbers.

    Flagged: a number of 3 or more digits (Latin or Khmer digits, groups joined by spaces
    or dashes) that is not a year 1900-2099 or a percentage, a number written with +, or
    7+ digits in small groups. Ages (1-2 digits), years, percentages, ranges like 12-17 or
    2021-2025, numbers with thousands commas (160,000) and web addresses are fine.
    """
    blanked = _blank(text, _TAG_LIKE)
    blanked = _blank(blanked, _URL)
    blanked = _blank(blanked, _THOUSANDS)
    found = []
    for match in _NUMBER_RUN.finditer(blanked):
        run = match.group(0)
        after = blanked[match.end():].lstrip(" \u00a0")
        if after.startswith(("%", "\u066a")):
            continue
        groups = [g.translate(_TO_ASCII) for g in re.findall(rf"[{_DIGITS}]+", run)]
        is_year = [len(g) == 4 and 1900 <= int(g) <= 2099 for g in groups]
        long_group = any(len(g) >= 3 and not year for g, year in zip(groups, is_year))
        small_groups = len(groups) >= 3 and sum(map(len, groups)) >= 7 and not any(is_year)
        if run.startswith("+") or long_group or small_groups:
            found.append((match.start(), run.strip()))
    return found


def _blank(text: str, pattern: re.Pattern) -> str:
    """Replace matches by spaces (keeping newlines), so offsets stay the same."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _bad_scalar(root: Optional[yaml.Node]) -> Tuple[int, Optional[str]]:
    """(line, value) of the first date-like value YAML cannot turn into a date."""
    def walk(node: yaml.Node) -> Optional[yaml.Node]:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    yaml.SafeLoader("").construct_yaml_timestamp(node)
                except (ValueError, TypeError, OverflowError):
                    return node
            return None
        children = node.value if isinstance(node, yaml.SequenceNode) else [
            n for pair in getattr(node, "value", []) for n in pair]
        for child in children:
            found = walk(child)
            if found is not None:
                return found
        return None

    bad = walk(root) if root is not None else None
    return (bad.start_mark.line + 1, bad.value) if bad is not None else (1, None)


def _phone_key(number: str) -> str:
    digits = re.sub(r"[^0-9]", "", number.translate(_TO_ASCII))
    if number.strip().startswith("+855"):
        digits = "0" + digits[3:]
    return digits


# --------------------------------------------------------------------------- small helpers

class _Untranslated:
    """A translator whose gettext returns the English msgid (for measuring messages)."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


def _as_document(doc: _Doc) -> Document:
    lines = dict(doc.key_lines)
    for key_path, node in doc.nodes.items():
        lines.setdefault(key_path, node.start_mark.line + 1)
    return Document(doc.path, doc.data, lines)


def _label(key_path: Tuple) -> str:
    """How editors name a place: 'first', 'step 3', 'more part 2 text', 'source 1 title'."""
    if not key_path:
        return "the file"
    head, rest = key_path[0], key_path[1:]
    if head == "steps" and rest and isinstance(rest[0], int):
        return f"step {rest[0] + 1}"
    if head == "more" and rest and isinstance(rest[0], int):
        return f"more part {rest[0] + 1}" + (f" {rest[1]}" if len(rest) > 1 else "")
    if head == "sources" and rest and isinstance(rest[0], int):
        return f"source {rest[0] + 1}" + (f" {rest[1]}" if len(rest) > 1 else "")
    parts = [str(head)] + [str(p + 1) if isinstance(p, int) else str(p) for p in rest]
    return "'" + " ".join(parts) + "'"


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({_yaml_word(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"a date ({value})"
    if isinstance(value, str):
        return f"the text '{value[:40]}'" if value.strip() else "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return type(value).__name__


def _yaml_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "missing" if value is None else str(value)


def _as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []
