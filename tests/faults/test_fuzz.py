"""Fuzzed updates against the real bot process (polling, strict stand-in).

Random text in any script (lone surrogates included, sent as JSON \\ud800 escapes), texts of
4096 characters, random /start payloads, malformed and stale callback data, unknown update
types, and updates with fields missing (no from, no chat, no text). After each one, a normal
message from another user must still be answered; at the end of each test no handler may
have failed (the error handler logs "handler failed") and the stand-in must have refused
nothing the bot sent (no 400 for a text too long, bad HTML, bad buttons).
"""
from __future__ import annotations

import copy
import json
import random
import time
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from tests.support.botprocess import wait_ok_sends

pytestmark = pytest.mark.timeout(300)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
FUZZ_FEW = settings(FUZZ, max_examples=12)
PROBE = 640_000  # the user whose /help after each example shows the bot still answers
FUZZER = 640_001  # the user the fuzzed updates come from

KHMER = st.characters(min_codepoint=0x1780, max_codepoint=0x17FF)
ANY_CHAR = st.characters(exclude_categories=())  # every code point, surrogates included
TEXT = st.one_of(st.text(ANY_CHAR, min_size=1, max_size=300), st.text(KHMER, min_size=1, max_size=300),
                 st.text(st.sampled_from("abc ក ខ 😀 \u200b\u0000\ud800\udfff<>&/\n\t"), min_size=1, max_size=60))


class Watch:
    """Where the log and the call log were when a test began, to judge only what came after."""

    def __init__(self, api, bot) -> None:
        self.api, self.bot = api, bot
        self.mark = api.mark()
        self.log_lines = len(bot.log().splitlines())

    def handler_failures(self):
        """(log line, the exception's last line) of each error-handler entry and CRITICAL line since the start."""
        new = self.bot.log().splitlines()[self.log_lines:]
        found = []
        for i, line in enumerate(new):
            if "handler failed" in line or " CRITICAL " in line:
                tail = next((l for l in new[i + 1:] if l and not l.startswith((" ", "Traceback"))), "")
                found.append((line, tail))
        return found

    def refused(self):
        return [c for c in self.api.calls_to(since=self.mark)
                if c.method != "getUpdates" and c.status not in (200, None) and not c.fault]

    def assert_clean(self) -> None:
        """Up, nothing refused by the stand-in, no handler failed and nothing CRITICAL logged."""
        time.sleep(0.5)  # the last fuzzed update may still be on its way through
        self.bot.assert_alive()
        assert not self.refused(), f"the stand-in refused calls (bot bugs): {self.refused()}"
        failures = self.handler_failures()
        assert not failures, "\n".join(f"{line}\n    -> {exc}" for line, exc in failures[:20]) + "\n" + self.bot.tail(60)


def still_answers(api, bot, timeout: float = 30.0) -> None:
    mark = api.mark()
    api.push_update(api.command(api.make_user(PROBE, "Probe", "en"), "/help"))
    wait_ok_sends(api, bot, PROBE, since=mark, timeout=timeout)


def fuzzer(api, language_code="en"):
    return api.make_user(FUZZER, "Fuzz", language_code)


@pytest.fixture
def watch(polling_bot):
    api, bot = polling_bot
    return Watch(api, bot)


# ------------------------------------------------------------------------------ text
def test_random_text_in_any_script(polling_bot, watch):
    api, bot = polling_bot

    @FUZZ
    @given(text=TEXT, language_code=st.sampled_from(["en", "km", None, "zz-ZZ", ""]))
    def body(text, language_code):
        api.push_update(api.text_message(fuzzer(api, language_code), text))
        still_answers(api, bot)

    body()
    watch.assert_clean()


def long_text(seed: int) -> str:
    rng = random.Random(seed)
    pools = ["ក ខ គ ឃ ង ញុំ ទូរស័ព្ទ ", "the child phone help ", "😀🆘<>&\"' ", "\u200b\u200c\u17d2", "\ud800\udc00x"]
    weights = [rng.random() for _ in pools]
    return "".join(rng.choices("".join(pools), weights=None, k=4096)) if seed % 3 == 0 else \
        "".join(rng.choices(pools, weights=weights, k=4096))[:4096]


def test_texts_of_4096_characters(polling_bot, watch):
    api, bot = polling_bot

    @FUZZ_FEW
    @given(seed=st.integers(0, 2**32))
    def body(seed):
        text = long_text(seed)
        assert len(text) == 4096
        mark = api.mark()
        api.push_update(api.text_message(fuzzer(api), text))
        wait_ok_sends(api, bot, FUZZER, since=mark, timeout=30)  # a 4096-character question is answered
        still_answers(api, bot)

    body()
    watch.assert_clean()


def test_random_start_payloads(polling_bot, watch):
    api, bot = polling_bot

    @FUZZ
    @given(payload=st.one_of(st.text(ANY_CHAR, max_size=80),
                             st.sampled_from(["lesson_", "lesson_sextortion", "lesson_../../etc/passwd",
                                              "lesson_SEXTORTION", "lesson_sextortion ", "lesson_emergency\n",
                                              "a" * 64, "a" * 65, "school_42", "lesson_" + "x" * 200])))
    def body(payload):
        mark = api.mark()
        api.push_update(api.command(fuzzer(api), f"/start {payload}"))
        wait_ok_sends(api, bot, FUZZER, since=mark, timeout=30)
        still_answers(api, bot)

    body()
    watch.assert_clean()


# ------------------------------------------------------------------------------ buttons
VALID_DATA = ["l:sextortion", "m:sextortion:1", "m:sextortion:3", "f:sextortion:up", "g:km", "g:en", "menu",
              "menu:now", "none"]
BAD_DATA = ["", "l:", "l:no_such_lesson", "m:sextortion:0", "m:sextortion:9", "m:no_such:1", "m:sextortion:x",
            "f:sextortion:sideways", "f:no_such:up", "g:fr", "menu:later", "none ", " none", "l:sextortion\n",
            "L:SEXTORTION", "l:" + "a" * 62, "x" * 64, "x" * 65, "l:../content", "\ud800", "🆘", "null", "0"]


def test_malformed_and_stale_callback_data(polling_bot, watch):
    api, bot = polling_bot

    @FUZZ
    @given(data=st.one_of(st.sampled_from(VALID_DATA + BAD_DATA), st.text(ANY_CHAR, max_size=70)),
           where=st.sampled_from(["fresh", "stale", "unknown"]),
           language_code=st.sampled_from(["en", "km", None]))
    def body(data, where, language_code):
        user = fuzzer(api, language_code)
        update = api.callback_query(user, data)
        query = update["callback_query"]
        if where == "stale":  # a button on an old message of the bot's
            old = api.bot_messages(FUZZER)
            if old:
                query["message"] = old[0]
        elif where == "unknown":
            query["message"]["message_id"] = 10**9
        mark = api.mark()
        api.push_update(update)
        api.wait_for_sync(lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query["id"],
                          since=mark, timeout=30)  # every press is answered, forged ones too
        still_answers(api, bot)

    body()
    watch.assert_clean()


@pytest.mark.parametrize("where", ["inline", "none"])
def test_button_press_without_a_message(polling_bot, watch, where):
    """A button under an inline message (or a forged press) has no chat: the press is answered,
    and nothing fails (handlers.send used to call send_message on a missing chat)."""
    api, bot = polling_bot
    update = api.callback_query(fuzzer(api), "l:sextortion")
    del update["callback_query"]["message"]
    if where == "inline":  # a button under a shared (inline) message
        update["callback_query"]["inline_message_id"] = "inline-123"
    mark = api.mark()
    api.push_update(update)
    api.wait_for_sync("answerCallbackQuery", since=mark, timeout=30)
    still_answers(api, bot)
    watch.assert_clean()


# ------------------------------------------------------------------------------ odd updates
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=10)
KNOWN = set(Update.ALL_TYPES) | {"update_id"}


def test_unknown_update_types(polling_bot, watch):
    api, bot = polling_bot

    @FUZZ
    @given(key=st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A) | st.just("_"), min_size=1, max_size=24)
           .filter(lambda k: k not in KNOWN),
           payload=JSON)
    def body(key, payload):
        api.push_update(api.unknown_update(key, payload if payload is not None else {}))
        still_answers(api, bot)

    body()
    # well-formed updates of kinds the bot has no handler for
    user = fuzzer(api)
    api.push_update(api.chat_boost())
    api.push_update(api.my_chat_member(user, "kicked"))
    api.push_update(api.my_chat_member(user, "member", "kicked"))
    api.push_update(api.edited_message(user, "edited words"))
    api.push_update(api.inline_query(user, "sextortion"))
    api.push_update(api.inline_query(user, "ការសម្លុត"))
    api.push_update(api.message(user, location={"latitude": 11.5, "longitude": 104.9}))
    api.push_update(api.message(user, chat=api.group_chat(), text="hello group"))
    for kind in ("video", "document", "sticker", "voice", "audio", "video_note", "animation", "contact"):
        api.push_update(api.media_message(user, kind))
    still_answers(api, bot)
    watch.assert_clean()


OPTIONAL = ["from", "chat", "text", "entities", "date", "message_id"]


def test_updates_with_fields_missing(polling_bot, watch):
    """Fields a parser could trip on are left out: no from, no chat, no text, and combinations.

    (Leaving out date or message_id, which the Bot API always sends, is test_poison_update's topic;
    a button press without a message is test_button_press_without_a_message's.)
    """
    api, bot = polling_bot

    @FUZZ
    @given(kind=st.sampled_from(["text", "command", "photo", "callback"]),
           drop=st.sets(st.sampled_from(["from", "chat", "text", "entities", "photo", "chat.type->group",
                                         "from.language_code", "callback.from", "callback.data",
                                         "callback.message.chat"]), min_size=1, max_size=4))
    def body(kind, drop):
        user = fuzzer(api, "km")
        if kind == "text":
            update = api.text_message(user, "កូនញៀនទូរស័ព្ទ ធ្វើម៉េច")
        elif kind == "command":
            update = api.command(user, "/start lesson_sextortion")
        elif kind == "photo":
            update = api.photo_message(user)
        else:
            update = api.callback_query(user, "l:sextortion")
        update = copy.deepcopy(update)
        body_ = update.get("message") or update.get("callback_query")
        for field in drop:
            if field == "chat.type->group" and "chat" in (update.get("message") or {}):
                update["message"]["chat"] = {"id": -4000000099, "type": "group", "title": "Odd group"}
            elif field == "from.language_code":
                body_.get("from", {}).pop("language_code", None)
            elif field.startswith("callback."):
                if "callback_query" in update:
                    path = field.split(".")[1:]
                    target = update["callback_query"]
                    for part in path[:-1]:
                        target = target.get(part) or {}
                    target.pop(path[-1], None)
            elif "message" in update:
                update["message"].pop(field, None)
        api.push_update(update)
        still_answers(api, bot)

    body()
    watch.assert_clean()


@pytest.mark.parametrize("kind", ["text", "command", "photo"])
def test_message_without_chat_is_ignored_quietly(polling_bot, watch, kind):
    """The Bot API always sends a chat, but a message without one must not reach the error handler."""
    api, bot = polling_bot
    user = fuzzer(api)
    update = {"text": lambda: api.text_message(user, "កូនញៀនទូរស័ព្ទ ធ្វើម៉េច"),
              "command": lambda: api.command(user, "/start"),
              "photo": lambda: api.photo_message(user)}[kind]()
    del update["message"]["chat"]
    api.push_update(update)
    still_answers(api, bot)
    watch.assert_clean()


def test_lone_surrogates_reach_the_bot_as_json_escapes(polling_bot, watch):
    """The stand-in sends text with a lone surrogate as "\\ud800" (JSON allows it, UTF-8 does not)."""
    api, bot = polling_bot
    mark = api.mark()
    update = api.push_update(api.text_message(fuzzer(api), "my son \ud800 is always on his phone \udfff at night"))
    wait_ok_sends(api, bot, FUZZER, since=mark, timeout=30)
    carried = [c for c in api.calls_to("getUpdates") if c.ok and isinstance(c.result, list)
               and any(u.get("update_id") == update["update_id"] for u in c.result)]
    assert carried, "the update never went out"
    assert "\\ud800" in json.dumps(carried[0].result)  # escaped on the wire
    watch.assert_clean()


# ------------------------------------------------------------------------------ a poison update
def drop_pending_updates(api) -> None:
    """What an operator would do: deleteWebhook with drop_pending_updates (here at the stand-in)."""
    request = urllib.request.Request(f"{api.base_url}{api.token}/deleteWebhook",
                                     data=b"drop_pending_updates=true",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    urllib.request.urlopen(request, timeout=10).read()


POISON = {
    "no date": lambda m: m.pop("date"),
    "no message_id": lambda m: m.pop("message_id"),
    "chat without type": lambda m: m["chat"].pop("type"),
    "from without id": lambda m: m["from"].pop("id"),
    "entity without length": lambda m: m.update(entities=[{"type": "bold", "offset": 0}]),
}


@pytest.mark.parametrize("breakage", list(POISON))
def test_poison_update_is_skipped_and_the_bot_keeps_answering(polling_bot, watch, breakage):
    """An update PTB cannot parse (a field the Bot API always sends is missing) used to stop polling
    for everyone: PTB's Updater does not advance the offset and fetches the same batch forever.
    It must be skipped, and a good update in the same batch still answered."""
    api, bot = polling_bot
    user = fuzzer(api)
    poison = api.text_message(user, "broken")
    POISON[breakage](poison["message"])
    mark = api.mark()
    try:
        api.push_updates(poison, api.text_message(user, "my son is always on his phone at night"))
        wait_ok_sends(api, bot, FUZZER, since=mark, timeout=20)
        still_answers(api, bot, timeout=20)
    finally:
        drop_pending_updates(api)  # un-stick it for whatever runs next, should it be stuck
    assert not any(c.ok and "broken" in (c.text or "") for c in api.calls_to("sendMessage", since=mark))
    watch.assert_clean()
