"""Lessons and help lines as the bot sends them: Telegram HTML and buttons."""
from __future__ import annotations

from html import escape
from typing import Iterable, List, Sequence, Tuple

from bot import callbacks
from bot.content.models import Helpline, Lesson, Library
from bot.replies import Button, Reply

MENU_GROUPS = {
    # "happening now" / "prevent" / "get help": the /menu sections, in display order
    "now": ("emergency", "sextortion", "nude_image_shared", "grooming", "stranger_contact", "cyberbullying", "harmful_content"),
    "prevent": ("talk_to_child", "privacy_settings", "parental_controls", "screen_time", "age_limits",
                "online_gaming", "live_streaming", "sharing_child_photos", "online_learning"),
    "help": ("get_help", "report_abuse", "emergency"),
}


def helpline_line(helpline: Helpline, lang: str) -> str:
    name = escape(helpline.name.get(lang) or helpline.name["en"])
    note = escape(helpline.note.get(lang) or helpline.note["en"])
    return f"☎️ <b>{escape(helpline.number)}</b> {name}: {note}"


def helplines_block(library: Library, ids: Iterable[str], lang: str) -> str:
    return "\n".join(helpline_line(library.helplines[i], lang) for i in ids if i in library.helplines)


def lesson_message(lesson: Lesson, library: Library, tr) -> Reply:
    """The first message of a lesson; urgent ones open with their help lines."""
    _ = tr.gettext
    parts: List[str] = []
    lines = helplines_block(library, lesson.helplines, lesson.lang)
    if lesson.urgent and lines:
        parts.append("🆘 <b>" + escape(_("Call now if a child is in danger:")) + f"</b>\n{lines}")
    parts.append(f"<b>{escape(lesson.title)}</b>\n{lesson.first}")
    if lesson.steps:
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(lesson.steps, 1))
        parts.append("<b>" + escape(_("What to do now")) + f"</b>\n{steps}")
    if not lesson.urgent and lines:
        parts.append("<b>" + escape(_("Someone to talk to")) + f"</b>\n{lines}")
    if not lesson.more:
        parts.append(sources_line(lesson, tr))
    return Reply("\n\n".join(p for p in parts if p), lesson_buttons(lesson, library, tr, next_part=1))


def more_message(lesson: Lesson, part: int, library: Library, tr) -> Reply:
    """Part `part` (1-based) of the lesson's "more" sections."""
    section = lesson.more[part - 1]
    text = f"<b>{escape(section.title)}</b>\n{section.text}"
    if part == len(lesson.more):
        text += "\n\n" + sources_line(lesson, tr)
    return Reply(text, lesson_buttons(lesson, library, tr, next_part=part + 1))


def sources_line(lesson: Lesson, tr) -> str:
    links = ", ".join(f'<a href="{escape(s.url, quote=True)}">{escape(s.title)}</a>' for s in lesson.sources)
    return "📚 " + escape(tr.gettext("Sources")) + f": {links}" if links else ""


def lesson_buttons(lesson: Lesson, library: Library, tr, next_part: int) -> Tuple[Tuple[Button, ...], ...]:
    _ = tr.gettext
    rows: List[Tuple[Button, ...]] = []
    if next_part <= len(lesson.more):
        rows.append((Button(_("More") + " ▸", callbacks.more(lesson.id, next_part)),))
    related = [library.lesson(r, lesson.lang) for r in lesson.related]
    rows.extend(pairs([Button(r.button, callbacks.lesson(r.id)) for r in related if r]))
    rows.append((Button("👍 " + _("Helpful"), callbacks.feedback(lesson.id, "up")),
                 Button("👎 " + _("Not helpful"), callbacks.feedback(lesson.id, "down"))))
    rows.append((Button("📤 " + _("Share with another parent"), share=lesson.id),
                 Button("☰ " + _("Menu"), callbacks.menu())))
    return tuple(rows)


def topic_buttons(library: Library, ids: Sequence[str], lang: str) -> List[Button]:
    return [Button(l.button, callbacks.lesson(l.id)) for l in (library.lesson(i, lang) for i in ids) if l]


def pairs(buttons: Sequence[Button]) -> List[Tuple[Button, ...]]:
    """Two buttons to a row: readable on a small phone."""
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def share_card(lesson: Lesson, library: Library, tr, bot_username: str) -> Reply:
    """What a shared lesson looks like in someone else's chat (inline mode)."""
    text = f"<b>{escape(lesson.title)}</b>\n{lesson.first}"
    lines = helplines_block(library, lesson.helplines, lesson.lang)
    if lines:
        text += "\n\n" + lines
    url = f"https://t.me/{bot_username}?start=lesson_{lesson.id}"
    return Reply(text, ((Button("💬 " + tr.gettext("Ask the bot"), url=url),),))
