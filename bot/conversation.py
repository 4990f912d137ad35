"""One turn of the conversation, independent of Telegram: input in, Replies out.

The Telegram front end and the terminal chat both call these methods, so what a
caregiver sees is decided here once. Handlers stay a few lines each.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html import escape
from typing import List, Optional, Tuple

from bot import callbacks, metrics, text_input
from bot.content import render
from bot.content.loader import ContentStore
from bot.content.models import TOPICS, Lesson
from bot.engine import EMPTY, FALLBACK_INTENT, Engine, Parse
from bot.i18n import LANGUAGES, Translator, language_name, negotiate
from bot.nlu.khmer_text import script_share
from bot.nlu.khmer_text import words as khmer_words
from bot.replies import Button, Reply
from bot.safety import danger_topic, outranks
from bot.storage import Store

logger = logging.getLogger(__name__)
_SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
MEDIA_WARNING = ("photo", "video", "document", "animation")


def N_(message: str) -> str:
    """Marks a UI string for the catalogs; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Turn:
    """Replies to send, and a short notice for the button that was pressed (if any)."""

    replies: Tuple[Reply, ...]
    notice: str = ""


class Conversation:
    def __init__(self, engine: Engine, content: ContentStore, translator: Translator, store: Store) -> None:
        self.engine = engine
        self.content = content
        self.tr = translator
        self.store = store

    # -- language -----------------------------------------------------------------

    def language(self, who: str, language_code: Optional[str] = None) -> str:
        return self.store.language(who) or negotiate(language_code)

    def language_of(self, text: str, who: str, language_code: Optional[str]) -> str:
        """The language to answer a message in: the one it is written in, when clear."""
        share = script_share(text)
        clear = "km" if share > 0.5 else "en" if share < 0.2 else None
        if clear is None:
            return self.language(who, language_code)
        if self.store.language(who) != clear:
            # Remembered, so buttons pressed next answer in the same language.
            self.store.set_language(who, clear)
        return clear

    # -- messages -----------------------------------------------------------------

    async def on_text(self, who: str, text: str, language_code: Optional[str] = None) -> Turn:
        text = text_input.clean(text)
        if not khmer_words(text):  # empty, or only emoji and punctuation: nothing to understand
            lang = self.language(who, language_code)
            return Turn((self._reply(lang, N_("I could not read that message. Please write your question in Khmer or English, or choose a topic."), self._menu_rows(lang)),))
        lang = self.language_of(text, who, language_code)
        library = self.content.library
        urgent = danger_topic(text, library.danger)
        parse = await self.engine.parse(text)
        first: List[Reply] = []
        if urgent:
            # Urgent help never waits behind a question or a button: the help lines go
            # first, then the lesson the NLU chose (or the urgent lesson if it chose none).
            # A less urgent lesson than the net's (sextortion for a self-harm threat) does
            # not replace them: each urgent lesson lists only its own lines.
            self.store.count("safety_net", urgent)
            chosen = library.lesson(parse.intent, lang) if parse.intent in TOPICS else None
            if chosen is None:
                parse = parse.with_intent(urgent)
            elif outranks(urgent, chosen.id):
                first.append(self.urgent_help(urgent, lang))
        payloads = await self.engine.respond(who, parse)
        replies = first + [r for p in payloads for r in self._render(p, lang, parse)]
        if not replies:
            replies = [self.menu(lang)]
        return Turn(tuple(replies))

    async def on_start(self, who: str, payload: str, language_code: Optional[str]) -> Turn:
        """/start, maybe from a deep link: `lesson_<id>` opens a lesson, other codes are sources."""
        lang = self.language(who, language_code)
        payload = (payload or "").strip()
        if payload.startswith("lesson_") and self.content.library.has(payload[len("lesson_"):]):
            lesson_id = payload[len("lesson_"):]
            self.store.count("deep_link", payload)
            return Turn((self.lesson(lesson_id, lang),))
        if payload and _SOURCE.fullmatch(payload):
            self.store.count("source", payload)  # a school or teacher's code, counted only in aggregate
        return Turn((self.welcome(lang),))

    async def on_callback(self, who: str, data: Optional[str], language_code: Optional[str]) -> Turn:
        lang = self.language(who, language_code)
        _ = self.tr(lang).gettext
        action = callbacks.parse(data)
        library = self.content.library
        if not self._active(action, lang):
            return Turn((self.menu(lang),), _("That button is no longer active. Here is the menu."))
        if action.kind == "lesson":
            self.store.count("topic", action.arg)
            return Turn((self.lesson(action.arg, lang),))
        if action.kind == "more":
            lesson = library.lesson(action.arg, lang)
            return Turn((render.more_message(lesson, int(action.extra), library, self.tr(lang)),))
        if action.kind == "feedback":
            self.store.count(f"feedback_{action.extra}", action.arg)
            return Turn((), _("Thank you for telling us."))
        if action.kind == "language":
            self.store.set_language(who, action.arg)
            return Turn((self.welcome(action.arg, choose_language=False),), language_name(action.arg))
        if action.kind == "menu":
            return Turn((self.menu(lang, action.arg),))
        # "none of these": the menu, and a person to talk to
        return Turn((self.menu(lang), self.someone_to_talk_to(lang)))

    def on_edit(self, who: str, text: str, language_code: Optional[str]) -> Turn:
        """An edited message was answered already; only danger words added by the edit get a
        reply: the urgent help lines (a second lesson would repeat the first answer)."""
        text = text_input.clean(text)
        urgent = danger_topic(text, self.content.library.danger) if khmer_words(text) else None
        if not urgent:
            return Turn(())
        self.store.count("safety_net", urgent)
        return Turn((self.urgent_help(urgent, self.language_of(text, who, language_code)),))

    def on_media(self, who: str, kind: str, language_code: Optional[str], caption: str = "") -> Turn:
        """Media is never downloaded: photos, videos and files get guidance, the rest the menu.

        A caption with danger words gets the urgent help lines first, as a message would.
        """
        caption = text_input.clean(caption)
        lang = self.language_of(caption, who, language_code) if caption else self.language(who, language_code)
        library = self.content.library
        self.store.count("media", kind)
        urgent = danger_topic(caption, library.danger) if caption else None
        first = (self.urgent_help(urgent, lang),) if urgent else ()
        if urgent:
            self.store.count("safety_net", urgent)
        if kind not in MEDIA_WARNING:
            return Turn(first + (self._reply(lang, N_("I can only read text. Please type your question, or choose a topic."), self._menu_rows(lang)),))
        lines = render.helplines_block(library, ["aple_hotline"], lang)
        text = self.tr(lang).gettext(
            "Please do not send photos, videos or files here: this bot does not open or keep them. "
            "Never send or forward a sexual image of a child, even to report it; that is itself abuse material. "
            "To report one, send the web address (URL) to the hotline, or use the app's Report button.")
        rows = (tuple(render.topic_buttons(library, ["report_abuse", "nude_image_shared"], lang)),) + self._menu_rows(lang)
        return Turn(first + (Reply(f"{escape(text)}\n\n{lines}", rows),))

    def forget(self, who: str, language_code: Optional[str]) -> Turn:
        lang = self.language(who, language_code)
        self.store.forget(who)
        return Turn((self._reply(lang, N_("Everything this bot kept about you has been erased: your language choice and your conversation history. Counts that never included who you are stay.")),))

    def shared_lessons(self, who: Optional[str], query: str, language_code: Optional[str]) -> Tuple[str, Tuple[Lesson, ...]]:
        """Inline mode: lessons matching the words, in their language (else the user's).

        A share button types the lesson's id after the bot's name: that lesson comes first.
        """
        lang = "km" if script_share(query) > 0.5 else self.language(who, language_code)
        library = self.content.library
        found = library.search(query[:64], lang)
        exact = library.lesson(query.strip(), lang) if library.has(query.strip()) else None
        if exact is not None:
            found = (exact,) + tuple(lesson for lesson in found if lesson.id != exact.id)
        return lang, found[:10]

    # -- replies ------------------------------------------------------------------

    def welcome(self, lang: str, choose_language: bool = True) -> Reply:
        _ = self.tr(lang).gettext
        text = escape(_("Hello! I help parents, grandparents and other caregivers keep children safe online. "
                        "Write your question in your own words, in Khmer or English, or choose a topic."))
        rows = self._menu_rows(lang)
        if choose_language:
            rows = (tuple(Button(language_name(l), callbacks.language(l)) for l in LANGUAGES),) + rows
        return Reply(text, rows)

    def menu(self, lang: str, group: str = "") -> Reply:
        _ = self.tr(lang).gettext
        library = self.content.library
        if group in render.MENU_GROUPS:
            titles = {"now": _("Happening now"), "prevent": _("Prevent"), "help": _("Get help")}
            buttons = render.topic_buttons(library, render.MENU_GROUPS[group], lang)
            return Reply(f"<b>{escape(titles[group])}</b>", tuple(render.pairs(buttons)) + ((Button("☰ " + _("Menu"), callbacks.menu()),),))
        return Reply(escape(_("Choose a topic, or write your question in your own words.")), self._menu_rows(lang))

    def lesson(self, lesson_id: str, lang: str) -> Reply:
        library = self.content.library
        return render.lesson_message(library.lesson(lesson_id, lang), library, self.tr(lang))

    def urgent_help(self, topic: str, lang: str) -> Reply:
        """Help lines of an urgent topic, on their own, before another lesson."""
        library = self.content.library
        lesson = library.lesson(topic, lang)
        text = escape(self.tr(lang).gettext("Call now if a child is in danger:"))
        lines = render.helplines_block(library, lesson.helplines, lang)
        return Reply(f"🆘 <b>{text}</b>\n{lines}", (tuple(render.topic_buttons(library, [topic], lang)),))

    def someone_to_talk_to(self, lang: str) -> Reply:
        library = self.content.library
        text = escape(self.tr(lang).gettext("If you are worried, you can talk to someone:"))
        return Reply(f"{text}\n{render.helplines_block(library, ['child_helpline'], lang)}")

    def help(self, lang: str) -> Reply:
        return self._reply(lang, N_("Write your worry in your own words, for example: \"a man on TikTok keeps asking my daughter for photos\". "
                                 "Commands: /menu topics, /language change language, /privacy what is kept, /forget erase your data."),
                           self._menu_rows(lang))

    def privacy(self, lang: str) -> Reply:
        return self._reply(lang, N_("What this bot keeps: your language choice, and for each conversation the topics it recognised (not your words), for 30 days at most. "
                                 "Counts of topics, feedback and links are kept without knowing who you are. "
                                 "Photos, videos and files are never opened or kept. Send /forget to erase your data."))

    def language_choice(self, lang: str) -> Reply:
        return self._reply(lang, N_("Choose your language:"), (tuple(Button(language_name(l), callbacks.language(l)) for l in LANGUAGES),))

    def flood_notice(self, lang: str) -> Reply:
        return self._reply(lang, N_("You are sending messages very fast. Please wait a moment, then send your question again."))

    def error_notice(self, lang: str) -> Reply:
        library = self.content.library
        text = escape(self.tr(lang).gettext("Sorry, something went wrong on our side. Please try again. If a child is in danger, call now:"))
        return Reply(f"{text}\n{render.helplines_block(library, ['police_117', 'child_helpline'], lang)}")

    def group_notice(self, lang: str) -> Reply:
        return self._reply(lang, N_("For personal questions, please write to me in a private chat. In groups I answer commands and mentions only."))

    # -- internals ----------------------------------------------------------------

    def _active(self, action: Optional[callbacks.Action], lang: str) -> bool:
        """A button the bot could have sent: a known lesson and, for "more", a part it has."""
        if action is None:
            return False
        library = self.content.library
        if action.kind in ("lesson", "more", "feedback") and not library.has(action.arg):
            return False
        return action.kind != "more" or int(action.extra) <= len(library.lesson(action.arg, lang).more)

    def _reply(self, lang: str, message: str, rows=()) -> Reply:
        return Reply(escape(self.tr(lang).gettext(message)), tuple(rows))

    def _menu_rows(self, lang: str):
        _ = self.tr(lang).gettext
        library = self.content.library
        emergency = render.topic_buttons(library, ["emergency"], lang)
        return (
            tuple(Button(f"🆘 {b.label}", b.data) for b in emergency),
            (Button("🚨 " + _("Happening now"), callbacks.menu("now")), Button("🛡 " + _("Prevent"), callbacks.menu("prevent"))),
            (Button("🤝 " + _("Get help"), callbacks.menu("help")),),
        )

    def _render(self, payload: dict, lang: str, parse: Parse) -> List[Reply]:
        library = self.content.library
        lesson_id = payload.get("lesson")
        if lesson_id and library.has(lesson_id):
            self.store.count("topic", lesson_id)
            return [self.lesson(lesson_id, lang)]
        kind = payload.get("reply")
        if kind == "did_you_mean":
            return [self._did_you_mean(lang, parse)]
        simple = {
            "greet": lambda: self.welcome(lang, choose_language=False),
            "goodbye": lambda: self._reply(lang, N_("Goodbye. Come back any time you have a question.")),
            "welcome": lambda: self._reply(lang, N_("You are welcome. Ask me anything else about keeping children safe online.")),
            "ok": lambda: self._reply(lang, N_("Good. Is there anything else you want to ask?"), self._menu_rows(lang)),
            "menu": lambda: self.menu(lang),
            "bot_challenge": lambda: self._reply(lang, N_("I am a chatbot, not a person. My answers come from lessons checked by child-protection sources. To talk to a person, call the Child Helpline."), ((Button("🤝 " + self.tr(lang).gettext("Get help"), callbacks.lesson('get_help')),),)),
            "choose_language": lambda: self.language_choice(lang),
            "out_of_scope": lambda: self._out_of_scope(lang),
        }
        if kind in simple:
            return [simple[kind]()]
        logger.warning("no rendering for a response payload of kind %r", kind)
        return []

    def _did_you_mean(self, lang: str, parse: Parse) -> Reply:
        self.store.count("fallback", "nlu")
        metrics.FALLBACKS.labels("did_you_mean").inc()
        candidates = [t for t in parse.top(10) if t in TOPICS][:3]
        library = self.content.library
        _ = self.tr(lang).gettext
        rows = tuple((b,) for b in render.topic_buttons(library, candidates, lang))
        rows += ((Button(_("None of these"), callbacks.NONE),),)
        return Reply(escape(_("I am not sure I understood. Did you mean:")), rows)

    def _out_of_scope(self, lang: str) -> Reply:
        self.store.count("fallback", "out_of_scope")
        metrics.FALLBACKS.labels("out_of_scope").inc()
        return self._reply(lang, N_("Sorry, I can only help with keeping children safe online. Choose a topic, or ask about that."), self._menu_rows(lang))
