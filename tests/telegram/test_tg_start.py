"""/start, the language choice, deep links and the registered commands, in both languages."""
from __future__ import annotations

import pytest

from tests.telegram.tg_helpers import ENGLISH_GREETING, KHMER_GREETING, buttons, data, heading, labels

LANGUAGE_BUTTONS = ["ភាសាខ្មែរ", "English"]


@pytest.mark.parametrize("language_code, greeting, menu_label", [
    ("km", KHMER_GREETING, "🚨 កំពុងកើតឡើង"),
    ("en", ENGLISH_GREETING, "🚨 Happening now"),
    ("en-US", ENGLISH_GREETING, "🚨 Happening now"),
    ("EN-gb", ENGLISH_GREETING, "🚨 Happening now"),
    ("km-KH", KHMER_GREETING, "🚨 កំពុងកើតឡើង"),
    ("ru", KHMER_GREETING, "🚨 កំពុងកើតឡើង"),   # neither language: Khmer, the bot's default
    (None, KHMER_GREETING, "🚨 កំពុងកើតឡើង"),
])
def test_start_greets_in_the_language_guessed_from_language_code(tg, language_code, greeting, menu_label):
    chat = tg.chat(language_code)
    [welcome] = chat.command("/start")
    assert welcome["text"].startswith(greeting)
    assert welcome["parse_mode"] == "HTML"
    assert labels(welcome)[:2] == LANGUAGE_BUTTONS
    assert data(welcome)[:2] == ["g:km", "g:en"]
    assert menu_label in labels(welcome)
    assert chat.language is None  # a guess is not a choice: nothing stored yet


@pytest.mark.parametrize("first, then", [("en", "km"), ("km", "en")])
def test_language_buttons_switch_the_language_of_texts_and_buttons(tg, first, then):
    chat = tg.chat(first)
    chat.command("/start")
    label = {"km": "ភាសាខ្មែរ", "en": "English"}[then]
    press = chat.press(label)
    assert press.notice == label
    [welcome] = press.messages
    assert welcome["text"].startswith({"km": KHMER_GREETING, "en": ENGLISH_GREETING}[then])
    assert not set(LANGUAGE_BUTTONS) & set(labels(welcome))  # chosen: no second choice
    assert chat.language == then

    # Everything after follows the choice, whatever Telegram's language_code says.
    [menu] = chat.command("/menu")
    expected = {"km": ["🚨 កំពុងកើតឡើង", "🛡 ការពារ", "🤝 រកជំនួយ"],
                "en": ["🚨 Happening now", "🛡 Prevent", "🤝 Get help"]}[then]
    assert all(label in labels(menu) for label in expected)
    [section] = chat.press(expected[0]).messages
    assert section["text"] == f"<b>{expected[0][2:]}</b>"
    lesson_button = next(b for b in buttons(section) if b["callback_data"].startswith("l:"))
    lesson = tg.parts.content.library.lesson(lesson_button["callback_data"][2:], then)
    assert lesson_button["text"] == lesson.button


def test_language_command_offers_both_languages_in_the_users_language(tg):
    for code, prompt in (("km", "សូមជ្រើសរើសភាសា៖"), ("en", "Choose your language:")):
        chat = tg.chat(code)
        [choice] = chat.command("/language")
        assert choice["text"] == prompt
        assert labels(choice) == LANGUAGE_BUTTONS
        press = chat.press("English" if code == "km" else "ភាសាខ្មែរ")
        assert press.notice in LANGUAGE_BUTTONS
        assert chat.language == ("en" if code == "km" else "km")


@pytest.mark.parametrize("language_code", ["km", "en"])
def test_deep_link_opens_a_lesson_in_the_users_language(tg, language_code):
    chat = tg.chat(language_code)
    [message] = chat.command("/start lesson_screen_time")
    lesson = tg.parts.content.library.lesson("screen_time", language_code)
    assert message["text"].startswith(heading(lesson))
    assert "m:screen_time:1" in data(message)
    assert tg.parts.store.totals()[("deep_link", "lesson_screen_time")] >= 1


@pytest.mark.parametrize("language_code, greeting", [("km", KHMER_GREETING), ("en", ENGLISH_GREETING)])
def test_deep_link_with_a_source_code_is_counted_in_aggregate_only(tg, language_code, greeting):
    before = tg.parts.store.totals().get(("source", "school_42"), 0)
    chat = tg.chat(language_code)
    [welcome] = chat.command("/start school_42")
    assert welcome["text"].startswith(greeting)
    assert tg.parts.store.totals()[("source", "school_42")] == before + 1
    assert chat.language is None  # nothing about the user is kept for a source code


@pytest.mark.parametrize("payload", ["lesson_nope", "lesson_../../etc", "x" * 65, "<b>hi</b>"])
def test_deep_link_with_an_unknown_or_bad_payload_greets(tg, payload):
    chat = tg.chat("en")
    [welcome] = chat.command(f"/start {payload}")
    assert welcome["text"].startswith(ENGLISH_GREETING)
    totals = tg.parts.store.totals()
    assert ("deep_link", payload) not in totals
    if payload != "lesson_nope":  # not a code a school could hand out: not counted at all
        assert ("source", payload) not in totals


def test_commands_are_registered_in_both_languages(tg):
    # Telegram shows the menu of the app's language, else the one without a language code:
    # Khmer, as the bot answers everyone whose language is not English.
    names = ["start", "menu", "language", "help", "privacy", "forget"]
    english = tg.api.commands(language_code="en")
    khmer = tg.api.commands()
    assert [c["command"] for c in english] == names
    assert [c["command"] for c in khmer] == names
    assert english[0]["description"] == "Start and choose a language"
    assert khmer[0]["description"] == "ចាប់ផ្ដើម និងជ្រើសរើសភាសា"
    assert all(e["description"] != k["description"] for e, k in zip(english, khmer))
