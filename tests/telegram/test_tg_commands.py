"""/menu (happening now, prevent, get help), /help, /privacy and /forget, in both languages."""
from __future__ import annotations

import pytest

from bot.content.render import MENU_GROUPS
from tests.telegram.tg_helpers import data, labels

MENU = {
    "km": {"now": "🚨 កំពុងកើតឡើង", "prevent": "🛡 ការពារ", "help": "🤝 រកជំនួយ", "menu": "☰ ម៉ឺនុយ",
           "prompt": "សូមជ្រើសរើសប្រធានបទ ឬសរសេរសំណួររបស់អ្នកតាមពាក្យសម្ដីផ្ទាល់ខ្លួន។"},
    "en": {"now": "🚨 Happening now", "prevent": "🛡 Prevent", "help": "🤝 Get help", "menu": "☰ Menu",
           "prompt": "Choose a topic, or write your question in your own words."},
}


@pytest.mark.parametrize("lang", ["km", "en"])
def test_menu_groups_topics_as_happening_now_prevent_and_get_help(tg, lang):
    chat = tg.chat(lang)
    [menu] = chat.command("/menu")
    words = MENU[lang]
    assert menu["text"] == words["prompt"]
    library = tg.parts.content.library
    assert labels(menu) == ["🆘 " + library.lesson("emergency", lang).button, words["now"], words["prevent"], words["help"]]
    assert data(menu) == ["l:emergency", "menu:now", "menu:prevent", "menu:help"]
    for group in ("now", "prevent", "help"):
        [section] = chat.press(words[group]).messages
        topics = [d[2:] for d in data(section) if d.startswith("l:")]
        assert topics == list(MENU_GROUPS[group])
        assert labels(section)[:len(topics)] == [library.lesson(t, lang).button for t in topics]
        assert labels(section)[-1] == words["menu"]
        # and back to the menu
        [again] = chat.press(words["menu"]).messages
        assert again["text"] == words["prompt"]


@pytest.mark.parametrize("lang, start", [
    ("km", "សូមសរសេរអំពីកង្វល់របស់អ្នក"), ("en", "Write your worry in your own words"),
])
def test_help(tg, lang, start):
    [reply] = tg.chat(lang).command("/help")
    assert reply["text"].startswith(start)
    assert "/menu" in reply["text"] and "/forget" in reply["text"]
    assert MENU[lang]["now"] in labels(reply)


@pytest.mark.parametrize("lang, start, words", [
    ("km", "អ្វីដែលបូតនេះរក្សាទុក", ["៣០ ថ្ងៃ", "/forget"]),
    ("en", "What this bot keeps", ["30 days", "Photos, videos and files are never opened or kept", "/forget"]),
])
def test_privacy_says_what_is_stored(tg, lang, start, words):
    [reply] = tg.chat(lang).command("/privacy")
    assert reply["text"].startswith(start)
    assert all(w in reply["text"] for w in words)


@pytest.mark.parametrize("lang, start", [("km", "អ្វីៗដែលបូតនេះបានរក្សាទុក"), ("en", "Everything this bot kept")])
def test_forget_erases_the_users_data(tg, lang, start):
    chat = tg.chat("en")
    chat.command("/start")
    chat.press({"km": "ភាសាខ្មែរ", "en": "English"}[lang])
    chat.say("how many hours should my child use phone" if lang == "en" else "កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើម៉េចទៅ")
    assert chat.language == lang
    [reply] = chat.command("/forget")
    assert reply["text"].startswith(start)  # answered in the language that was kept
    assert chat.language is None
    who = tg.who(chat.user)
    tracker = tg.run(tg.parts.conversation.engine.agent.tracker_store.retrieve(who))
    assert tracker is None or not [e for e in tracker.events if getattr(e, "intent", None)]
