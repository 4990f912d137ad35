"""Every lesson and every "more" part renders as Telegram accepts it, in both languages.

The stand-in runs in strict mode: malformed HTML, a message over 4096 characters or callback
data over 64 bytes would be refused with a 400, as Telegram would.
"""
from __future__ import annotations

import pytest

from bot.content.models import LANGUAGES, TOPICS
from tests.telegram.tg_helpers import data, heading


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_lesson_opens_and_pages_through_its_parts(tg, lang):
    mark = tg.api.mark()
    library = tg.parts.content.library
    assert set(library.ids(lang)) == set(TOPICS)
    for topic in TOPICS:
        lesson = library.lesson(topic, lang)
        chat = tg.chat(lang)
        [first] = chat.command(f"/start lesson_{topic}")
        assert heading(lesson) in first["text"]
        assert first["text"].startswith("🆘") == lesson.urgent
        assert f"f:{topic}:up" in data(first) and f"f:{topic}:down" in data(first)
        for part in range(1, len(lesson.more) + 1):
            [more] = chat.press(f"m:{topic}:{part}").messages
            assert more["text"].startswith(heading(lesson.more[part - 1]))
        for related in lesson.related:
            assert f"l:{related}" in data(first)
    refused = [c for c in tg.api.calls_to("sendMessage", "answerCallbackQuery", since=mark) if not c.ok]
    assert not refused
