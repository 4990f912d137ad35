"""Tests for the Bot API stand-in, driven through PTB's real HTTP stack (telegram.Bot)."""
from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import warnings

import pytest
import telegram
from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from tests.support.botapi import BOT_USERNAME, Call, FakeBotAPI, WaitTimeout

pytestmark = pytest.mark.timeout(30)


def run(coro, timeout: float = 10.0):
    """Run one test coroutine on a fresh event loop (no pytest-asyncio here)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def with_bot(body, **api_kwargs):
    """Start a stand-in and a real telegram.Bot pointed at it, then run ``body(api, bot)``."""

    async def main():
        async with FakeBotAPI(**api_kwargs) as api:
            bot = telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
            async with bot:
                return await body(api, bot)

    return run(main())


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22.2+ warns about int vs timedelta on access
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ------------------------------------------------------------------------- basics
def test_get_me_via_bot_initialize():
    async def body(api, bot):
        assert bot.username == BOT_USERNAME
        assert bot.first_name == "Safety Bot"
        assert bot.id == api.bot_id == int(api.token.split(":")[0])
        me = await bot.get_me()
        assert me.is_bot and me.supports_inline_queries and me.can_join_groups
        assert api.calls_to("getMe") and all(c.ok for c in api.calls_to("getMe"))
        assert api.base_url == f"http://127.0.0.1:{api.port}/bot"

    with_bot(body)


def test_send_message_is_recorded_and_returned_as_message():
    async def body(api, bot):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
        first = await bot.send_message(42, "hello", reply_markup=markup, parse_mode="HTML")
        second = await bot.send_message(42, "123")  # must stay a string, not become 123
        other = await bot.send_message(-100123, "true")
        assert isinstance(first, telegram.Message)
        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
        assert first.chat.id == 42 and first.text == "hello"
        assert first.from_user.is_bot and first.from_user.username == BOT_USERNAME
        assert first.reply_markup.inline_keyboard[0][0].callback_data == "yes"
        assert other.chat.type == "supergroup"

        call = api.calls_to("sendMessage")[0]
        assert isinstance(call, Call) and call.method == "sendMessage" and call.ok
        assert call.params["chat_id"] == 42 and call.params["parse_mode"] == "HTML"
        assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
        assert isinstance(call.time, float)
        assert api.replies_for(42) == ["hello", "123"]
        assert api.replies_for(-100123) == ["true"]
        assert [p["text"] for p in api.sent_messages()] == ["hello", "123", "true"]
        assert api.last_reply(42) == "123"

        edited = await bot.edit_message_text("bye", chat_id=42, message_id=first.message_id)
        assert isinstance(edited, telegram.Message) and edited.text == "bye" and edited.edit_date
        assert api.replies_for(42) == ["hello", "123", "bye"]
        assert api.bot_messages(42)[0]["text"] == "bye"
        assert "reply_markup" not in api.bot_messages(42)[0]  # editing text drops the keyboard
        again = await bot.edit_message_reply_markup(chat_id=42, message_id=1, reply_markup=markup)
        assert again.reply_markup == markup

    with_bot(body)


def test_get_updates_returns_pushed_update_and_honours_offset():
    async def body(api, bot):
        user = api.make_user(7, "Dara", "km")
        pushed = api.push_update(api.text_message(user, "hi"))
        updates = await bot.get_updates(timeout=5)
        assert [u.update_id for u in updates] == [pushed["update_id"]]
        assert updates[0].message.text == "hi" and updates[0].effective_user.language_code == "km"
        # not confirmed yet: delivered again
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == [pushed["update_id"]]
        # offset confirms (drops) it
        assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == ()
        assert api.pending_updates == []

        a, b, c = (api.push_update(api.text_message(user, t)) for t in "abc")
        assert a["update_id"] < b["update_id"] < c["update_id"]
        assert [u.message.text for u in await bot.get_updates(limit=2, timeout=0)] == ["a", "b"]
        assert [u.message.text for u in await bot.get_updates(offset=b["update_id"], timeout=0)] == ["b", "c"]
        assert [u.message.text for u in await bot.get_updates(offset=-1, timeout=0)] == ["c"]

    with_bot(body)


def test_get_updates_long_polling_waits_and_returns_early():
    async def body(api, bot):
        user = api.make_user(8)
        start = time.monotonic()
        assert await bot.get_updates(timeout=0.3) == ()
        assert 0.25 <= time.monotonic() - start < 1.5

        async def push_later():
            await asyncio.sleep(0.2)
            api.push_update(api.text_message(user, "late"))

        task = asyncio.create_task(push_later())
        start = time.monotonic()
        updates = await bot.get_updates(timeout=10)
        await task
        assert [u.message.text for u in updates] == ["late"]
        assert time.monotonic() - start < 1.5
        poll = api.calls_to("getUpdates")[-1]
        assert poll.params["timeout"] == 10 and poll.ok

    with_bot(body)


def test_allowed_updates_filters_and_is_remembered():
    async def body(api, bot):
        user = api.make_user(9)
        api.push_update(api.chat_boost())
        api.push_update(api.text_message(user, "keep"))
        updates = await bot.get_updates(timeout=0, allowed_updates=["message", "callback_query"])
        assert [u.message.text for u in updates] == ["keep"]
        assert api.allowed_updates == ["message", "callback_query"]
        assert [_t for u in api.filtered_updates for _t in u if _t != "update_id"] == ["chat_boost"]
        api.push_update(api.inline_query(user, "x"))
        assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["keep"]

    with_bot(body)


# ------------------------------------------------------------------------- faults
def test_429_surfaces_as_retry_after():
    async def body(api, bot):
        api.inject("sendMessage", ("429", 3))
        with warnings.catch_warnings(), pytest.raises(RetryAfter) as info:
            warnings.simplefilter("ignore")  # PTB 22.2+ itself warns while building RetryAfter
            await bot.send_message(1, "x")
        assert seconds(info.value) == 3
        call = api.calls_to("sendMessage")[-1]
        assert call.status == 429 and call.fault == "429"
        assert call.result["parameters"] == {"retry_after": 3}
        assert api.replies_for(1) == []  # not sent
        await bot.send_message(1, "x")  # consumed: next one passes
        assert api.replies_for(1) == ["x"]

    with_bot(body)


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors_surface_as_network_error(kind):
    async def body(api, bot):
        api.inject("sendMessage", kind, times=2)
        for _ in range(2):
            with pytest.raises(NetworkError):
                await bot.send_message(1, "x")
        assert [c.status for c in api.calls_to("sendMessage")] == [int(kind)] * 2
        await bot.send_message(1, "x")
        assert api.calls_to("sendMessage")[-1].fault is None

    with_bot(body)


def test_drop_closes_the_connection():
    async def body(api, bot):
        api.inject("sendMessage", "drop")
        with pytest.raises(NetworkError):
            await bot.send_message(1, "lost")
        assert api.replies_for(1) == [] and api.calls_to("sendMessage")[-1].status == 0
        api.inject("sendMessage", "drop_after")
        with pytest.raises(NetworkError):
            await bot.send_message(1, "sent but unanswered")
        assert api.bot_messages(1)[0]["text"] == "sent but unanswered"
        assert (await bot.send_message(1, "fine")).message_id == 2

    with_bot(body)


def test_slow_delays_the_answer_and_can_time_out():
    async def body(api, bot):
        api.inject("getMe", ("slow", 0.3))
        start = time.monotonic()
        await bot.get_me()
        assert 0.28 <= time.monotonic() - start < 1.5
        api.inject("sendChatAction", ("slow", 1.0))
        with pytest.raises(TimedOut):
            await bot.send_chat_action(1, "typing", read_timeout=0.2)
        assert api.calls_to("sendChatAction")[-1].fault == "slow"

    with_bot(body)


def test_faults_for_all_methods_per_chat_and_consumption_order():
    async def body(api, bot):
        everything = api.inject("*", "500", times=1)
        specific = api.inject("getMe", "502", times=1)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.get_me()  # the method-specific fault goes first
        assert specific.hits == 1 and everything.hits == 0
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.get_me()
        await bot.get_me()
        assert [c.fault for c in api.calls_to("getMe")][-3:] == ["502", "500", None]

        blocked = api.block(13)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(13, "x")
        await bot.send_message(14, "y")
        api.remove_fault(blocked)
        await bot.send_message(13, "x")
        assert blocked.hits == 1

        with pytest.raises(ValueError):
            api.inject(None, "explode")

    with_bot(body)


def test_wrong_token_is_invalid_token():
    async def main():
        async with FakeBotAPI() as api:
            bot = telegram.Bot("123:wrong", base_url=api.base_url)
            with pytest.raises(InvalidToken):
                async with bot:
                    pass
            call = api.calls[-1]
            assert call.status == 401 and call.result["description"] == "Unauthorized"

    run(main())


def test_validation_mirrors_telegram_limits():
    async def body(api, bot):
        with pytest.raises(BadRequest, match="(?i)too long"):
            await bot.send_message(1, "x" * 4097)
        await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags don't count
        long_data = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            await bot.send_message(1, "x", reply_markup=long_data)
        with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
            await bot.set_my_commands([("Start", "Begin")])
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(1, "<br>hi", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)not found"):
            await bot.edit_message_text("x", chat_id=1, message_id=99)
        sent = await bot.send_message(1, "same")
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await bot.edit_message_text("same", chat_id=1, message_id=sent.message_id)

    with_bot(body, strict=True)


# ------------------------------------------------------------------------- other methods
def test_commands_menu_files_and_generic_fallback():
    async def body(api, bot):
        assert await bot.set_my_commands([("start", "Begin"), ("help", "Help")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        assert await bot.set_my_commands([("start", "ចាប់ផ្តើម")], language_code="km")
        assert [c.description for c in await bot.get_my_commands(language_code="km")] == ["ចាប់ផ្តើម"]
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        assert api.commands(language_code="km")[0]["command"] == "start"

        assert await bot.set_chat_menu_button(menu_button=telegram.MenuButtonCommands())
        assert api.calls_to("setChatMenuButton")[0].params["menu_button"] == {"type": "commands"}
        assert await bot.answer_callback_query("123", text="ok")
        assert await bot.answer_inline_query("456", results=[])
        assert await bot.send_chat_action(5, "typing")

        assert await bot.set_my_description("desc")  # generic fallback
        assert api.calls_to("setMyDescription")[0].params == {"description": "desc"}
        photo = await bot.send_photo(5, b"\x89PNG fake", caption="pic")
        assert photo.photo and photo.caption == "pic"
        assert api.calls_to("sendPhoto")[0].files["photo"]["size"] == 9

        assert api.file_requests() == []
        tg_file = await bot.get_file("AgADfile")
        await tg_file.download_as_bytearray()
        assert [c.method for c in api.file_requests()] == ["getFile", "downloadFile"]

    with_bot(body)


def test_builders_produce_updates_ptb_understands():
    async def body(api, bot):
        user = api.make_user(21, "Sok", "km", username="sok")
        group = api.group_chat(title="Parents")

        def parse(update):
            return telegram.Update.de_json(api.push_update(update), bot)

        cmd = parse(api.command(user, "/start payload"))
        assert cmd.message.text == "/start payload"
        assert list(cmd.message.parse_entities(["bot_command"]).values()) == ["/start"]
        text = parse(api.text_message(user, "hello", chat=group))
        assert text.effective_chat.type == "group" and text.effective_chat.title == "Parents"
        cbq = parse(api.callback_query(user, "menu:help"))
        assert cbq.callback_query.data == "menu:help" and cbq.callback_query.message.from_user.is_bot
        inline = parse(api.inline_query(user, "safety"))
        assert inline.inline_query.query == "safety"
        assert parse(api.photo_message(user, caption="c")).message.photo[-1].width == 1280
        assert parse(api.video_message(user)).message.video.mime_type == "video/mp4"
        assert parse(api.document_message(user)).message.document.file_name == "document.pdf"
        assert parse(api.sticker_message(user)).message.sticker.emoji
        assert parse(api.voice_message(user)).message.voice.mime_type == "audio/ogg"
        assert parse(api.video_note_message(user)).message.video_note.length == 240
        assert parse(api.location_message(user)).message.location.latitude
        assert parse(api.contact_message(user)).message.contact.user_id == 21
        edited = parse(api.edited_message(user, "hello again", chat=group))
        assert edited.edited_message.message_id == text.message.message_id and edited.edited_message.edit_date
        blocked = parse(api.my_chat_member(user))
        assert blocked.my_chat_member.new_chat_member.status == "kicked"
        boost = parse(api.chat_boost())
        assert boost.chat_boost.boost.source.user.first_name == "Booster"
        unknown = parse(api.unknown_update())
        assert unknown.effective_message is None and unknown.effective_user is None

        ids = [u["update_id"] for u in api.pending_updates]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        fetched = await bot.get_updates(timeout=0)
        assert [u.update_id for u in fetched] == ids

    with_bot(body)


# ------------------------------------------------------------------------- webhook
def test_webhook_registration_and_delivery_with_secret():
    async def body(api, bot):
        received = []

        async def receive(request):
            received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/hook", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            url = f"http://127.0.0.1:{port}/hook"
            user = api.make_user(31)
            api.push_update(api.text_message(user, "old"))
            assert await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
            assert api.webhook["url"] == url and api.webhook["secret_token"] == "s3cret"
            assert api.webhook["drop_pending_updates"] is True and api.pending_updates == []
            info = await bot.get_webhook_info()
            assert info.url == url and info.pending_update_count == 0

            with pytest.raises(Conflict):
                await bot.get_updates(timeout=0)

            update = api.text_message(user, "via webhook")
            assert await api.deliver_webhook(update) == 200
            assert received == [("s3cret", update)]
            assert await api.deliver_webhook(api.text_message(user, "forged"), secret_token=None) == 200
            assert received[-1][0] is None
            assert [d["status"] for d in api.webhook_deliveries] == [200, 200]

            api.push_update(api.text_message(user, "queued"))
            assert await api.deliver_webhook() == 200  # the oldest pending one
            assert received[-1][1]["message"]["text"] == "queued" and api.pending_updates == []

            assert await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""
            assert await bot.get_updates(timeout=0) == ()
        finally:
            await runner.cleanup()

    with_bot(body)


# ------------------------------------------------------------------------- thread mode
def test_thread_mode_serves_another_event_loop():
    with FakeBotAPI() as api:
        assert api.running
        user = api.make_user(41)
        results = {}

        async def client():
            bot = telegram.Bot(api.token, base_url=api.base_url)
            async with bot:
                updates = await bot.get_updates(timeout=5)  # pushed from the main thread
                await bot.send_message(updates[0].effective_chat.id, "pong")
                results["username"] = bot.username

        thread = threading.Thread(target=lambda: run(client()))
        thread.start()
        api.wait_for_sync("getUpdates")
        api.push_update(api.text_message(user, "ping"))
        assert api.wait_for_replies_sync(41) == ["pong"]
        assert api.wait_for_messages_sync(41)[0]["chat_id"] == 41
        thread.join(5)
        assert results["username"] == BOT_USERNAME
        calls = api.wait_for_sync(lambda c: c.method == "sendMessage" and c.ok)
        assert calls[0].text == "pong"
        with pytest.raises(WaitTimeout, match="sendMessage"):
            api.wait_for_sync(method="sendMessage", count=2, timeout=0.1)
        env = api.env()
        assert env["TELEGRAM_API_URL"] == api.base_url and env["TELEGRAM_BOT_TOKEN"] == api.token
    assert not api.running


def test_async_waits_and_marks():
    async def body(api, bot):
        mark = api.mark()

        async def later():
            await asyncio.sleep(0.1)
            await bot.send_message(3, "first")
            await bot.send_message(3, "second")

        task = asyncio.create_task(later())
        assert await api.wait_for_replies(3, count=2, since=mark) == ["first", "second"]
        await task
        assert len(await api.wait_for("sendMessage", count=2)) == 2
        assert (await api.wait_for_messages(3, contains="sec"))[0]["text"] == "second"
        assert api.replies_for(3, since=api.mark()) == []
        with pytest.raises(WaitTimeout):
            await api.wait_for(lambda c: c.method == "sendSticker", timeout=0.1)
        assert await api.wait_until(lambda: api.last_reply(3) == "second")
        with pytest.raises(RuntimeError):
            api.wait_for_sync("getMe", timeout=0.1)  # would block the server's own loop

    with_bot(body)


def test_application_polling_end_to_end():
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

    async def start(update, context):
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("English", callback_data="lang:en")]])
        await update.message.reply_text(f"hello {' '.join(context.args)}", reply_markup=keyboard)

    async def choose(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("language set")

    async def main():
        async with FakeBotAPI() as api:
            app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
            app.add_handler(CommandHandler("start", start))
            app.add_handler(CallbackQueryHandler(choose))
            async with app:
                await app.start()
                await app.updater.start_polling(poll_interval=0)
                user = api.make_user(51)
                api.push_update(api.command(user, "/start deep"))
                assert await api.wait_for_replies(51) == ["hello deep"]
                api.push_update(api.press_button(user, "English"))
                assert (await api.wait_for_replies(51, count=2))[-1] == "language set"
                assert api.calls_to("answerCallbackQuery")
                await app.updater.stop()
                await app.stop()
            assert api.calls_to("deleteWebhook")

    run(main())


def test_unknown_path_is_404():
    async def main():
        async with FakeBotAPI() as api:
            bot = telegram.Bot(api.token, base_url=f"{api.url}/nope")
            with pytest.raises(InvalidToken):
                await bot.initialize()
            await bot.shutdown()
            assert api.calls[-1].status == 404

    run(main())


# ------------------------------------------------------------------------- properties
@pytest.fixture(scope="module")
def threaded_bot():
    api = FakeBotAPI().start_in_thread()
    loop = asyncio.new_event_loop()
    bot = telegram.Bot(api.token, base_url=api.base_url)
    loop.run_until_complete(bot.initialize())
    try:
        yield api, bot, loop
    finally:
        loop.run_until_complete(bot.shutdown())
        loop.close()
        api.stop_thread()


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_text_round_trips_unchanged(threaded_bot, text):
    api, bot, loop = threaded_bot
    mark = api.mark()
    message = loop.run_until_complete(bot.send_message(77, text))
    assert message.text == text
    assert api.replies_for(77, since=mark) == [text]
    assert api.calls_to("sendMessage", since=mark)[0].params["text"] == text


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.integers(), st.booleans(), st.none(),
                      st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
                      st.lists(st.text(max_size=5), max_size=3)))
def test_non_string_params_are_json_decoded(threaded_bot, data):
    api, bot, loop = threaded_bot
    mark = api.mark()
    loop.run_until_complete(bot.do_api_request("customMethod", api_kwargs={"value": data, "n": 5}))
    params = api.calls_to("customMethod", since=mark)[0].params
    assert params.get("value") == data and params["n"] == 5
    assert json.dumps(params.get("value")) == json.dumps(data)
