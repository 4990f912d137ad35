"""Bot API faults: 429 with retry_after, 500/502, dropped connections and slow answers,
on sendMessage and on getUpdates. The bot must deliver every reply exactly once, retry with
growing pauses, and stay up. One bot process (polling) serves the whole module; each test
has its own user, and faults on sendMessage are limited to that user's chat.
"""
from __future__ import annotations

import time

import pytest

from tests.support.botprocess import SCREEN_TIME_EN, SCREEN_TIME_KM, ok_sends, settle, wait_ok_sends

pytestmark = pytest.mark.timeout(180)


def ask(api, user_id: int, text: str = SCREEN_TIME_EN, language_code: str = "en") -> int:
    """Push one message from user_id; the call-log mark from just before it."""
    mark = api.mark()
    api.push_update(api.text_message(api.make_user(user_id, "Fault", language_code), text))
    return mark


def attempts(api, chat: int, since: int):
    return api.calls_to("sendMessage", chat_id=chat, since=since)


# ------------------------------------------------------------------------------ 429
def test_429_with_retry_after_waits_then_delivers_once(polling_bot):
    api, bot = polling_bot
    chat = 610_001
    api.inject("sendMessage", ("429", 2), times=1, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    settle()
    calls = attempts(api, chat, mark)
    assert [c.status for c in calls] == [429, 200], calls
    assert calls[1].time - calls[0].time >= 2.0, "sent again before retry_after was over"
    assert len(ok_sends(api, chat, mark)) == 1


def test_repeated_429s_are_all_waited_out(polling_bot):
    api, bot = polling_bot
    chat = 610_002
    api.inject("sendMessage", ("429", 1), times=3, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark, timeout=30)
    settle()
    calls = attempts(api, chat, mark)
    assert [c.status for c in calls] == [429, 429, 429, 200], calls
    assert all(b.time - a.time >= 1.0 for a, b in zip(calls, calls[1:]))
    assert len(ok_sends(api, chat, mark)) == 1


def test_429_on_one_chat_does_not_lose_another_users_reply(polling_bot):
    """AIORateLimiter pauses all sends during a retry_after; the other reply is late, not lost."""
    api, bot = polling_bot
    slow_chat, other = 610_003, 610_004
    api.inject("sendMessage", ("429", 1), times=1, chat_id=slow_chat)
    mark = ask(api, slow_chat)
    ask(api, other, SCREEN_TIME_KM, "km")
    wait_ok_sends(api, bot, slow_chat, since=mark)
    wait_ok_sends(api, bot, other, since=mark)
    settle()
    assert len(ok_sends(api, slow_chat, mark)) == 1 and len(ok_sends(api, other, mark)) == 1


# ------------------------------------------------------------------------------ 5xx, drops, slow answers
@pytest.mark.parametrize("kind", ["500", "502"])
def test_server_errors_on_send_message_are_retried_with_backoff(polling_bot, kind):
    api, bot = polling_bot
    chat = 610_010 + int(kind) % 10
    api.inject("sendMessage", kind, times=3, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    settle()
    calls = attempts(api, chat, mark)
    assert [c.status for c in calls] == [int(kind)] * 3 + [200], calls
    gaps = [b.time - a.time for a, b in zip(calls, calls[1:])]
    # handlers.RETRY_DELAYS: 0.5, 1, 2 s (a little slack for scheduling)
    for gap, delay in zip(gaps, (0.5, 1.0, 2.0)):
        assert gap >= delay * 0.9, f"retried after {gap:.2f} s, expected about {delay} s: {gaps}"
    assert gaps == sorted(gaps), f"pauses do not grow: {gaps}"
    assert len(ok_sends(api, chat, mark)) == 1


def test_dropped_connections_on_send_message_are_retried(polling_bot):
    api, bot = polling_bot
    chat = 610_020
    api.inject("sendMessage", "drop", times=2, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    settle()
    calls = attempts(api, chat, mark)
    assert [c.status for c in calls] == [0, 0, 200], calls
    assert len(ok_sends(api, chat, mark)) == 1


def test_slow_send_message_is_waited_for_not_repeated(polling_bot):
    api, bot = polling_bot
    chat = 610_021
    api.inject("sendMessage", ("slow", 2.0), times=1, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    settle()
    calls = attempts(api, chat, mark)
    assert [c.status for c in calls] == [200], f"a slow (2 s) answer was sent again: {calls}"


def test_send_message_slower_than_the_read_timeout_is_retried_once(polling_bot):
    """PTB gives up on a read after 5 s (TimedOut, a NetworkError): the bot sends again.

    The stand-in had not yet processed the first request when the client left, so the user
    gets the reply exactly once.
    """
    api, bot = polling_bot
    chat = 610_022
    api.inject("sendMessage", ("slow", 8.0), times=1, chat_id=chat)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark, timeout=40)
    settle()
    calls = attempts(api, chat, mark)
    assert len(calls) == 2 and calls[0].fault == "slow" and calls[0].status is None and calls[1].ok, calls
    assert calls[1].time - calls[0].time >= 4.5
    assert len(api.bot_messages(chat)) == 1, "the slow request must not have been carried out too"


def test_outage_of_all_sends_shorter_than_the_retries_loses_nothing(polling_bot):
    api, bot = polling_bot
    chat = 610_023
    fault = api.inject("sendMessage", "502", times=None, chat_id=chat)
    mark = ask(api, chat)
    api.wait_for_sync(lambda c: c.method == "sendMessage" and c.chat_id == chat, since=mark, timeout=30)
    time.sleep(2.5)
    api.remove_fault(fault)
    wait_ok_sends(api, bot, chat, since=mark, timeout=20)
    settle()
    assert len(ok_sends(api, chat, mark)) == 1


# ------------------------------------------------------------------------------ getUpdates
def wait_fault_used(api, fault, timeout: float = 30.0) -> None:
    api.wait_until_sync(lambda: fault.remaining <= 0, timeout=timeout)


@pytest.mark.parametrize("kind, times", [("500", 2), ("502", 2), ("drop", 2), (("slow", 3.0), 1)],
                         ids=["500", "502", "drop", "slow"])
def test_get_updates_faults_are_retried_and_the_bot_keeps_answering(polling_bot, kind, times):
    api, bot = polling_bot
    chat = 610_030 + (["500", "502", "drop"].index(kind) if isinstance(kind, str) else 9)
    fault = api.inject("getUpdates", kind, times=times)
    # The long poll already open is not affected; this message ends it, the next polls fail.
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    wait_fault_used(api, fault)
    mark2 = ask(api, chat, SCREEN_TIME_KM, "km")
    wait_ok_sends(api, bot, chat, since=mark2, timeout=30)
    settle()
    assert len(ok_sends(api, chat, mark)) == 2, "each message answered exactly once"
    hit = [c for c in api.calls_to("getUpdates", since=mark) if c.fault]
    assert len(hit) == times
    bot.assert_alive()


def test_get_updates_answer_lost_on_the_way_back_does_not_duplicate(polling_bot):
    """The stand-in hands out updates but the answer never arrives (drop_after): PTB asks again
    with the same offset and gets them again; each message is still answered once."""
    api, bot = polling_bot
    chat = 610_040
    # end the open long poll first, so the fault hits a poll that carries the next message
    mark0 = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark0)
    api.inject("getUpdates", "drop_after", times=1)
    time.sleep(0.3)
    mark = ask(api, chat, SCREEN_TIME_KM, "km")
    wait_ok_sends(api, bot, chat, since=mark, timeout=30)
    settle(1.5)
    assert len(ok_sends(api, chat, mark)) == 1


def test_bot_is_up_and_no_handler_failed(polling_bot):
    """After all the faults above: still up, still answering, and no handler failed."""
    api, bot = polling_bot
    chat = 610_050
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    bot.assert_alive()
    failures = [line for line in bot.errors() if "handler failed" in line]
    assert not failures, "\n".join(failures)


def test_failed_polls_are_not_reported_as_handler_failures(polling_bot):
    """A getUpdates 502 is retried by PTB's polling loop; it must not be logged as a failed handler."""
    api, bot = polling_bot
    chat = 610_060
    fault = api.inject("getUpdates", "502", times=1)
    mark = ask(api, chat)
    wait_ok_sends(api, bot, chat, since=mark)
    api.wait_until_sync(lambda: fault.remaining <= 0, timeout=30)
    mark = ask(api, chat, SCREEN_TIME_KM, "km")
    wait_ok_sends(api, bot, chat, since=mark)
    noisy = [line for line in bot.errors() if "update type NoneType" in line]
    assert not noisy, "\n".join(noisy)
