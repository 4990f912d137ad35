"""Helpers for the Telegram tests: a private chat to drive, and what to read off sent messages."""
from __future__ import annotations

import dataclasses
from html import escape
from typing import Any, Dict, List, Optional

from tests.support.botapi import Call, FakeBotAPI

Json = Dict[str, Any]
KHMER_GREETING = "សួស្តី"
ENGLISH_GREETING = "Hello!"


@dataclasses.dataclass
class Chat:
    """A private chat with one user: send something, get the bot's messages back."""

    bot: Any  # the session's Harness (conftest.py)
    user: Json

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def api(self) -> FakeBotAPI:
        return self.bot.api

    def push(self, update: Json) -> List[Json]:
        mark = self.bot.push(update)
        return self.api.sent_messages(self.id, since=mark)

    def say(self, text: str) -> List[Json]:
        return self.push(self.api.text_message(self.user, text))

    def command(self, text: str) -> List[Json]:
        return self.push(self.api.command(self.user, text))

    def press(self, label: str) -> "Press":
        """Press the inline button with this label (or data) on the bot's latest message with one."""
        return self.callback(self.api.press_button(self.user, label))

    def press_data(self, data: str) -> "Press":
        """A button press with any callback data, as a forged or stale button would send."""
        return self.callback(self.api.callback_query(self.user, data))

    def callback(self, update: Json) -> "Press":
        mark = self.bot.push(update)
        query_id = update["callback_query"]["id"]
        answers = [c for c in self.api.calls_to("answerCallbackQuery", since=mark)
                   if c.params.get("callback_query_id") == query_id]
        return Press(answers, self.api.sent_messages(self.id, since=mark))

    @property
    def language(self) -> Optional[str]:
        return self.bot.parts.store.language(self.bot.who(self.user))


@dataclasses.dataclass
class Press:
    answers: List[Call]
    messages: List[Json]

    @property
    def notice(self) -> Optional[str]:
        assert len(self.answers) == 1, f"expected one answerCallbackQuery, got {self.answers}"
        assert self.answers[0].ok
        return self.answers[0].params.get("text")


def buttons(message: Json) -> List[Json]:
    """The inline buttons of a sent message, row by row flattened."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in rows for b in row]


def labels(message: Json) -> List[str]:
    return [b["text"] for b in buttons(message)]


def data(message: Json) -> List[str]:
    return [b.get("callback_data") for b in buttons(message) if b.get("callback_data")]


def texts(messages: List[Json]) -> List[str]:
    return [m["text"] for m in messages]


def heading(lesson) -> str:
    """A lesson's title as the bot writes it: bold, HTML-escaped."""
    return f"<b>{escape(lesson.title)}</b>"
