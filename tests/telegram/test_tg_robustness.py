"""Old and forged buttons, edited messages, unknown updates, the error handler, the flood limit."""
from __future__ import annotations

import logging

import pytest

from tests.telegram.tg_helpers import data

NO_LONGER_ACTIVE = {"km": "ប៊ូតុងនោះលែងប្រើបានហើយ។ នេះជាម៉ឺនុយ។", "en": "That button is no longer active. Here is the menu."}
MENU_PROMPT = {"km": "សូមជ្រើសរើសប្រធានបទ ឬសរសេរសំណួររបស់អ្នកតាមពាក្យសម្ដីផ្ទាល់ខ្លួន។",
               "en": "Choose a topic, or write your question in your own words."}
APOLOGY = {"km": "សូមទោស មានបញ្ហាកើតឡើងនៅខាងយើង។", "en": "Sorry, something went wrong on our side."}
FORGED = ["../../etc/passwd", "l:../x", "m:grooming:9", "m:grooming:0", "m:screen_time:4", "f:nope:up",
          "f:grooming:sideways", "l:nope", "g:fr", "menu:later", "l:grooming ", "L:grooming", "", "x" * 70,
          "l:" + "a" * 62, "none;drop table", "ល:grooming", "\u0000", "{\"kind\":\"lesson\"}"]


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize("forged", FORGED)
def test_old_or_forged_callback_data_is_answered_with_the_menu(tg, lang, forged):
    chat = tg.chat(lang)
    press = chat.press_data(forged)
    assert press.notice == NO_LONGER_ACTIVE[lang]
    [menu] = press.messages
    assert menu["text"] == MENU_PROMPT[lang]
    assert "menu:now" in data(menu)
    assert tg.api.file_requests() == []


def test_callback_without_data_or_message_is_answered(tg):
    chat = tg.chat("en")
    update = tg.api.callback_query(chat.user, "l:grooming")
    del update["callback_query"]["data"]  # e.g. a game button
    press = chat.callback(update)
    assert press.notice == NO_LONGER_ACTIVE["en"]

    # A button under a message sent in inline mode: no chat to write to, but answered.
    update = tg.api.callback_query(chat.user, "l:grooming")
    query = update["callback_query"]
    del query["message"]
    query["inline_message_id"] = "AAAAAEXAMPLE"
    press = chat.callback(update)
    assert len(press.answers) == 1 and press.answers[0].ok
    assert press.messages == []


@pytest.mark.parametrize("lang, edit", [("km", "កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើអីទៅ"), ("en", "how many hours should a child use a phone")])
def test_edited_messages_are_handled_without_a_second_answer(tg, lang, edit):
    chat = tg.chat(lang)
    chat.say("how many hours should my child use phone" if lang == "en" else "កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើម៉េចទៅ")
    assert chat.push(tg.api.edited_message(chat.user, edit)) == []
    assert chat.command("/help")  # and the bot still answers


@pytest.mark.parametrize("lang, danger", [("en", "my son is missing"), ("km", "កូនខ្ញុំបាត់ខ្លួន")])
def test_an_edit_that_adds_danger_words_gets_the_help_lines(tg, lang, danger):
    chat = tg.chat(lang)
    chat.say("how many hours should my child use phone" if lang == "en" else "កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើម៉េចទៅ")
    [help_lines] = chat.push(tg.api.edited_message(chat.user, danger))
    assert help_lines["text"].startswith("🆘")
    assert help_lines["text"] == tg.parts.conversation.urgent_help("emergency", lang).text


@pytest.mark.parametrize("command", ["/start", "/menu", "/forget", "/start lesson_grooming"])
def test_an_edited_command_is_not_run_again(tg, command):
    chat = tg.chat("en")
    chat.command("/language")
    chat.press("English")
    [_] = chat.command(command)
    edited = tg.api.edited_message(chat.user, command)
    word = command.split()[0]
    edited["edited_message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    assert chat.push(edited) == []
    if command != "/forget":
        assert chat.language == "en"


@pytest.mark.parametrize("make", [
    lambda api, user: api.unknown_update(),
    lambda api, user: api.unknown_update("business_future_kind", {"weird": True}),
    lambda api, user: api.unknown_update("message_reaction_count", {
        "chat": api.private_chat(user), "message_id": 1, "date": 1767225600,
        "reactions": [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 2}]}),
    lambda api, user: api.chat_boost(),
    lambda api, user: {"channel_post": {"message_id": 7, "date": 1767225600, "text": "hello parents",
                                        "chat": {"id": -1009999, "type": "channel", "title": "News"}}},
    lambda api, user: {"edited_channel_post": {"message_id": 7, "date": 1767225600, "text": "hello",
                                               "edit_date": 1767225601,
                                               "chat": {"id": -1009999, "type": "channel", "title": "News"}}},
    lambda api, user: api.my_chat_member(user, "kicked"),
    lambda api, user: api.my_chat_member(user, "member", "kicked"),
])
def test_unknown_and_unhandled_update_types_are_handled_without_error(tg, make):
    chat = tg.chat("en")
    mark = tg.push(make(tg.api, chat.user))
    assert tg.api.calls_to("sendMessage", since=mark) == []
    assert chat.command("/help")


def _without(update, *path):
    *parents, key = path
    body = update
    for name in parents:
        body = body[name]
    del body[key]
    return update


@pytest.mark.parametrize("broken", [
    lambda api, user: _without(api.text_message(user, "no date"), "message", "date"),
    lambda api, user: {**api.message(user, text="no date"), "edited_message": "not an object"},
    lambda api, user: api.unknown_update("message_reaction_count", {"weird": True}),
])
def test_an_update_the_library_cannot_read_is_skipped_and_the_bot_keeps_answering(tg, caplog, broken):
    caplog.set_level(logging.INFO)
    chat = tg.chat("en")
    poison = broken(tg.api, chat.user)
    mark = tg.push(poison, tg.api.command(chat.user, "/help"))
    [reply] = tg.api.sent_messages(chat.id, since=mark)
    assert reply["text"].startswith("Write your worry")
    assert f"update {poison['update_id']} could not be read" in caplog.text
    assert "no date" not in caplog.text  # skipped without logging its content


@pytest.mark.parametrize("kind", ["text", "command", "photo"])
def test_a_message_without_a_chat_is_ignored_quietly(tg, kind):
    chat = tg.chat("en")
    update = {"text": lambda: tg.api.text_message(chat.user, "my son is missing"),
              "command": lambda: tg.api.command(chat.user, "/start"),
              "photo": lambda: tg.api.photo_message(chat.user)}[kind]()
    mark = tg.push(_without(update, "message", "chat"))
    assert tg.api.calls_to("sendMessage", since=mark) == []
    assert chat.command("/help")


def test_an_update_delivered_twice_is_handled_once(tg):
    chat = tg.chat("en")
    update = tg.api.command(chat.user, "/privacy")
    mark = tg.api.mark()
    tg.process(update)
    tg.process(update)  # e.g. a webhook delivery retried by Telegram
    assert len(tg.api.sent_messages(chat.id, since=mark)) == 1


# ------------------------------------------------------------------------- the error handler

def _error_records(caplog):
    return [r for r in caplog.records if r.name == "bot.telegram.handlers" and r.levelno == logging.ERROR]


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_failing_handler_is_logged_without_the_text_and_the_user_gets_an_apology(tg, caplog, monkeypatch, lang):
    tg.allow_errors = True
    secret = "my daughter Sophea sends photos to a man called Dara"

    async def boom(*args, **kwargs):
        raise RuntimeError("the NLU fell over")

    monkeypatch.setattr(tg.parts.conversation, "on_text", boom)
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    [apology] = chat.say(secret)
    assert apology["text"].startswith(APOLOGY[lang])
    assert "<b>117</b>" in apology["text"] and "<b>1280</b>" in apology["text"]

    [record] = _error_records(caplog)
    message = record.getMessage()
    assert "message" in message and tg.who(chat.user) in message
    assert str(chat.id) not in message
    everything = "\n".join(r.getMessage() + (r.exc_text or "") + str(r.exc_info and r.exc_info[1]) for r in caplog.records)
    assert secret not in everything and "Sophea" not in everything


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_bot_api_error_on_send_gets_an_apology_in_the_users_language(tg, caplog, lang):
    tg.allow_errors = True
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    tg.api.inject("sendMessage", "400", times=1, chat_id=chat.id)
    messages = chat.command("/privacy")
    [apology] = messages
    assert apology["text"].startswith(APOLOGY[lang])
    [record] = _error_records(caplog)
    assert "message" in record.getMessage() and tg.who(chat.user) in record.getMessage()


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_failing_button_is_answered_and_apologised_for(tg, caplog, monkeypatch, lang):
    tg.allow_errors = True
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    chat.command("/menu")
    tg.api.inject("sendMessage", "400", times=1, chat_id=chat.id)
    # Like Telegram, refuse a second answer to the same query.
    answered = set()

    def answer(params):
        from tests.support.botapi import ApiError
        if params["callback_query_id"] in answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        answered.add(params["callback_query_id"])
        return True

    tg.api.set_handler("answerCallbackQuery", answer)
    try:
        press = chat.press("menu:now")
    finally:
        tg.api.set_handler("answerCallbackQuery", None)
    assert press.answers and press.answers[0].ok
    assert [m["text"][:len(APOLOGY[lang])] for m in press.messages] == [APOLOGY[lang]]
    [record] = _error_records(caplog)
    assert "callback_query" in record.getMessage()


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_button_whose_handler_fails_is_still_answered(tg, caplog, monkeypatch, lang):
    tg.allow_errors = True
    caplog.set_level(logging.INFO)

    async def boom(*args, **kwargs):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(tg.parts.conversation, "on_callback", boom)
    chat = tg.chat(lang)
    press = chat.press_data("l:grooming")
    assert len(press.answers) == 1 and press.answers[0].ok
    [apology] = press.messages
    assert apology["text"].startswith(APOLOGY[lang])
    [record] = _error_records(caplog)
    assert "callback_query" in record.getMessage() and tg.who(chat.user) in record.getMessage()


@pytest.mark.parametrize("status", ["502", "500", "drop"])
def test_a_failed_poll_is_retried_and_not_reported_as_a_handler_failure(tg, caplog, status):
    caplog.set_level(logging.INFO)
    chat = tg.chat("en")
    fault = tg.api.inject("getUpdates", status, times=1)
    tg.api.wait_until_sync(lambda: fault.remaining <= 0, timeout=10)
    [reply] = chat.command("/help")  # the next poll brings the message
    assert reply["text"].startswith("Write your worry")
    assert not _error_records(caplog)  # and the tg fixture checks nothing at all was logged at ERROR
    assert any(r.levelno == logging.WARNING and r.getMessage().startswith("polling the Bot API failed")
               and not r.exc_info for r in caplog.records)


# ------------------------------------------------------------------------------ flood limit

@pytest.mark.parametrize("lang, notice", [
    ("km", "អ្នកកំពុងផ្ញើសារលឿនពេក។"), ("en", "You are sending messages very fast."),
])
def test_too_many_messages_get_exactly_one_polite_notice(tg, lang, notice):
    limit = tg.settings.flood_limit
    chat = tg.chat(lang)
    words = ["/help", "/privacy", "hello" if lang == "en" else "សួស្តី"]
    updates = [tg.api.command(chat.user, words[i % 3]) if words[i % 3].startswith("/")
               else tg.api.text_message(chat.user, words[i % 3]) for i in range(limit + 6)]
    mark = tg.push(*updates)
    sent = tg.api.sent_messages(chat.id, since=mark)
    notices = [m for m in sent if m["text"].startswith(notice)]
    assert len(notices) == 1
    assert len(sent) == limit + 1
    # Other users are not slowed down.
    assert tg.chat(lang).command("/help")
    # Button presses are still answered while the user is over the limit.
    press = chat.press_data("menu:now")
    assert press.notice is None and press.messages


@pytest.mark.parametrize("lang, start", [("km", "ខ្ញុំមិនអាចអានសារនោះបានទេ"), ("en", "I could not read that message")])
def test_a_message_with_nothing_to_read_gets_the_menu(tg, lang, start):
    [reply] = tg.chat(lang).say("👍 🙏 ?!")
    assert reply["text"].startswith(start) and "menu:now" in data(reply)
