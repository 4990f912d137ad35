"""Inline mode (@bot words: lessons as cards) and groups (commands and mentions only)."""
from __future__ import annotations

import pytest

from tests.support.botapi import BOT_USERNAME
from tests.telegram.tg_helpers import ENGLISH_GREETING, KHMER_GREETING, data, heading


def _inline(tg, user, query):
    update = tg.api.inline_query(user, query)
    mark = tg.push(update)
    [answer] = tg.api.calls_to("answerInlineQuery", since=mark)
    assert answer.ok and answer.params["inline_query_id"] == update["inline_query"]["id"]
    return answer.params


@pytest.mark.parametrize("lang, query", [("en", "bullied"), ("km", "សម្លុត"), ("en", "សម្លុត")])
def test_inline_query_returns_matching_lessons_as_cards_in_the_users_language(tg, lang, query):
    user = tg.user(lang)
    answer = _inline(tg, user, query)
    library = tg.parts.content.library
    shown = "km" if query == "សម្លុត" else lang  # Khmer words: Khmer lessons
    results = answer["results"]
    assert results, "no lesson matched"
    first = results[0]
    lesson = library.lesson("cyberbullying", shown)
    assert any(r["title"] == lesson.title for r in results)
    assert all(r["id"].startswith(f"{shown}-") for r in results)
    assert first["type"] == "article"
    card = first["input_message_content"]
    assert card["parse_mode"] == "HTML" and card["message_text"].startswith("<b>")
    [[ask]] = first["reply_markup"]["inline_keyboard"]
    assert ask["text"] == {"km": "💬 សួរបូត", "en": "💬 Ask the bot"}[shown]
    assert ask["url"].startswith(f"https://t.me/{BOT_USERNAME}?start=lesson_")
    # Results depend on the user's language, so Telegram must not share its cache across users.
    assert answer.get("is_personal") is True


@pytest.mark.parametrize("lang", ["km", "en"])
def test_share_button_query_finds_the_shared_lesson_first(tg, lang):
    chat = tg.chat(lang)
    [lesson_message] = chat.command("/start lesson_stranger_contact")
    share = next(b for row in lesson_message["reply_markup"]["inline_keyboard"] for b in row
                 if "switch_inline_query" in b)
    answer = _inline(tg, chat.user, share["switch_inline_query"])
    lesson = tg.parts.content.library.lesson("stranger_contact", lang)
    assert answer["results"][0]["title"] == lesson.title
    card = answer["results"][0]["input_message_content"]["message_text"]
    assert card.startswith(heading(lesson))
    url = answer["results"][0]["reply_markup"]["inline_keyboard"][0][0]["url"]

    # The card's button is a deep link that opens the same lesson for the next parent.
    payload = url.split("?start=", 1)[1]
    other = tg.chat(lang)
    [opened] = other.command(f"/start {payload}")
    assert opened["text"].startswith(heading(lesson))


def test_inline_query_with_nothing_matching_answers_an_empty_list(tg):
    answer = _inline(tg, tg.user("en"), "zzzzqqqq")
    assert answer["results"] == []


def test_empty_inline_query_lists_lessons(tg):
    answer = _inline(tg, tg.user("km"), "")
    assert 1 <= len(answer["results"]) <= 50
    assert all(r["id"].startswith("km-") for r in answer["results"])


# ---------------------------------------------------------------------------------- groups

@pytest.fixture
def group(tg):
    return tg.api.group_chat(title="Parents of class 5", supergroup=True)


def _in_group(tg, group, *updates):
    mark = tg.push(*updates)
    return tg.api.sent_messages(group["id"], since=mark)


def test_group_chatter_without_a_mention_is_ignored(tg, group):
    user = tg.user("en")
    sent = _in_group(tg, group, tg.api.text_message(user, "my son is addicted to his phone", chat=group),
                     tg.api.text_message(user, "កូនខ្ញុំបាត់ខ្លួន", chat=group))
    assert sent == []


@pytest.mark.parametrize("lang, text, private", [
    ("en", f"@{BOT_USERNAME} how many hours should my child use phone", "For personal questions"),
    ("km", f"@{BOT_USERNAME} កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើម៉េចទៅ", "សម្រាប់សំណួរផ្ទាល់ខ្លួន"),
])
def test_group_mention_is_answered_with_a_private_chat_suggestion(tg, group, lang, text, private):
    user = tg.user("km" if lang == "en" else "en")
    entities = [{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}]
    sent = _in_group(tg, group, tg.api.text_message(user, text, chat=group, entities=entities))
    assert len(sent) == 2
    lesson = tg.parts.content.library.lesson("screen_time", lang)
    assert sent[0]["text"].startswith(heading(lesson))
    assert sent[1]["text"].startswith(private)


@pytest.mark.parametrize("lang, greeting", [("km", KHMER_GREETING), ("en", ENGLISH_GREETING)])
def test_group_commands_are_answered(tg, group, lang, greeting):
    user = tg.user(lang)
    [welcome] = _in_group(tg, group, tg.api.command(user, f"/start@{BOT_USERNAME}", chat=group))
    assert welcome["text"].startswith(greeting)
    [menu] = _in_group(tg, group, tg.api.command(user, "/menu", chat=group))
    assert "menu:now" in data(menu)
    mark = tg.push(tg.api.press_button(user, "menu:now", chat_id=group["id"]))
    [answer] = tg.api.calls_to("answerCallbackQuery", since=mark)
    assert answer.ok
    [section] = tg.api.sent_messages(group["id"], since=mark)
    assert "l:emergency" in data(section)


def test_group_edits_and_commands_for_other_bots_are_ignored(tg, group):
    user = tg.user("en")
    sent = _in_group(tg, group, tg.api.command(user, "/start@SomeOtherBot", chat=group))
    assert sent == []
    tg.push(tg.api.command(user, "/help", chat=group))
    sent = _in_group(tg, group, tg.api.edited_message(user, f"@{BOT_USERNAME} my son is missing", chat=group))
    assert sent == []


def test_a_mention_of_another_account_with_a_longer_name_is_not_for_the_bot(tg, group):
    user = tg.user("en")
    text = f"@{BOT_USERNAME}Fans my son is addicted to his phone"
    entities = [{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 5}]
    assert _in_group(tg, group, tg.api.text_message(user, text, chat=group, entities=entities)) == []


def test_a_mention_in_the_middle_of_a_message_is_answered(tg, group):
    user = tg.user("en")
    text = f"my son is addicted to his phone, what do you think @{BOT_USERNAME.lower()}?"
    offset = text.index("@")
    entities = [{"type": "mention", "offset": offset, "length": len(BOT_USERNAME) + 1}]
    sent = _in_group(tg, group, tg.api.text_message(user, text, chat=group, entities=entities))
    assert len(sent) == 2 and sent[1]["text"].startswith("For personal questions")
