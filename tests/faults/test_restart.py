"""kill -9 in the middle of a conversation, then a restart on the same database.

What must hold: the user's language choice and Rasa's tracker (the earlier turns) survive;
an update that was answered before the kill but that Telegram hands out again is not
answered twice; updates that queued up while the bot was down are answered once each;
the new process keeps running and answering (no crash loop), also after a second kill -9
while it was still loading.
"""
from __future__ import annotations

import sqlite3
import time
from collections import Counter

import pytest

from bot.storage.repository import user_hash
from tests.support.botapi import FakeBotAPI
from tests.support.botprocess import BotProcess, ok_sends, settle, wait_ok_sends

pytestmark = pytest.mark.timeout(300)

USER = 620_001
SALT = "test-salt"  # BotProcess's HASH_SALT
# (message, the intent the test model gives it, the Khmer lesson title it is answered with)
BEFORE = [
    ("កូនញៀនទូរស័ព្ទ ធ្វើម៉េច", "screen_time", "ពេលប្រើអេក្រង់៖ កូនខ្ញុំគួរប្រើប៉ុន្មាន?"),
    ("កូនញុំលួចយកលុយទិញពេជ្រ Free Fire", "online_gaming", "កូនខ្ញុំលេងហ្គេមអនឡាញ"),
    ("កូនខឹងពេលញុំសួរពីទូរស័ព្ទ គួរនិយាយម៉េច", "talk_to_child", "របៀបនិយាយជាមួយកូនអំពីសុវត្ថិភាពតាមអនឡាញ"),
]
# answered just before the kill, but not yet confirmed to the stand-in: handed out again
LAST = ("សុវត្ថិភាពពេលរៀនអនឡាញ", "online_learning", "ថ្នាក់រៀនអនឡាញ និងក្រុមសិក្សាដែលមានសុវត្ថិភាព")
# sent while the bot is stuck and then dead: queued at the stand-in
QUEUED = [
    ("កូនស្រីញុំត្រូវគេ comment ជេរថាធាត់ អាក្រក់ លើ TikTok", "cyberbullying", "កូនខ្ញុំកំពុងត្រូវគេសម្លុតគំរាមតាមអនឡាញ"),
    ("កំណត់អាយុ TikTok", "age_limits", "កូនត្រូវមានអាយុប៉ុន្មាន ទើបប្រើ Facebook, TikTok ឬ YouTube បាន?"),
    ("វីដេអូហឹង្សា", "harmful_content", "កូនខ្ញុំបានឃើញមាតិកាដែលបង្កគ្រោះថ្នាក់តាមអនឡាញ"),
]


def user_intents(database) -> Counter:
    """Rasa's tracker for the user, straight from the SQLite file: user turns by intent."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT intent_name FROM events WHERE sender_id = ? AND type_name = 'user'",
                          (user_hash(USER, SALT),)).fetchall()
    return Counter(name for (name,) in rows)


def stored_language(database):
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT language FROM bot_users WHERE user_hash = ?", (user_hash(USER, SALT),)).fetchone()
    return row[0] if row else None


def visible_texts(api, chat):
    import html
    import re

    return [html.unescape(re.sub(r"<[^>]+>", "", c.text or "")) for c in ok_sends(api, chat)]


def test_kill_9_mid_conversation_then_restart(model_dir, tmp_path):
    api = FakeBotAPI(strict=True).start_in_thread()
    database = tmp_path / "bot.db"
    first = BotProcess(api, database, model_dir, log_name="first.log")
    crashed = BotProcess(api, database, model_dir, log_name="crashed.log")
    second = BotProcess(api, database, model_dir, log_name="second.log")
    try:
        first.start()
        first.wait_ready()
        user = api.make_user(USER, "Restart", "en")  # the app is in English; the user picks Khmer

        # -- before the kill: a language choice and four answered questions
        api.push_update(api.command(user, "/start"))
        wait_ok_sends(api, first, USER, 1)
        api.push_update(api.press_button(user, "ភាសាខ្មែរ"))
        wait_ok_sends(api, first, USER, 2)
        for n, (text, _, _) in enumerate(BEFORE, 3):
            api.push_update(api.text_message(user, text))
            wait_ok_sends(api, first, USER, n)
        # From now on every poll hangs (the stand-in sleeps before answering it), so LAST's
        # update id is never confirmed: after the restart the stand-in hands LAST out again.
        # Every poll, not just the next: a hung poll that times out on a slow machine must not
        # fetch the queued updates before the kill.
        stuck = api.inject("getUpdates", ("slow", 120), times=None)
        last = api.push_update(api.text_message(user, LAST[0]))
        wait_ok_sends(api, first, USER, 6)
        api.wait_until_sync(lambda: stuck.hits >= 1, timeout=30)
        for text, _, _ in QUEUED:
            api.push_update(api.text_message(user, text))
        time.sleep(0.3)
        assert stored_language(database) == "km"
        before = user_intents(database)
        assert before == Counter({i: 1 for _, i, _ in BEFORE + [LAST]}), before

        first.kill()  # SIGKILL while a poll is open and three updates wait
        assert not first.alive
        pending = {u["update_id"] for u in api.pending_updates}
        assert last["update_id"] in pending and len(pending) == 1 + len(QUEUED)

        # -- a restart killed again while it loads (before it polls): changes nothing
        crashed.start()
        time.sleep(2)
        crashed.kill()
        assert {u["update_id"] for u in api.pending_updates} == pending

        # -- restart on the same database
        api.remove_fault(stuck)
        mark = api.mark()
        second.start()
        second.wait_ready(since=mark)
        answered_before = len(ok_sends(api, USER))
        wait_ok_sends(api, second, USER, answered_before + len(QUEUED), timeout=60)
        settle(1.5)

        # every question answered exactly once, the one handed out again included
        texts = visible_texts(api, USER)
        for text, _, title in BEFORE + [LAST] + QUEUED:
            n = sum(title in t for t in texts)
            assert n == 1, f"{title!r} (for {text!r}) was sent {n} times"
        assert f"update {last['update_id']} was already handled" in second.log()

        # Rasa's tracker kept the earlier turns and gained the queued ones, each once
        after = user_intents(database)
        assert after == Counter({i: 1 for _, i, _ in BEFORE + [LAST] + QUEUED}), after

        # the language chosen with the button before the kill is still in force
        mark = api.mark()
        api.push_update(api.command(user, "/menu"))
        wait_ok_sends(api, second, USER, since=mark)
        menu = visible_texts(api, USER)[-1]
        assert "សូមជ្រើសរើសប្រធានបទ" in menu and "Choose a topic" not in menu

        # no crash loop: still up a while later, and still answering
        time.sleep(2)
        assert second.alive
        mark = api.mark()
        api.push_update(api.text_message(user, "my son is always on his phone at night"))
        wait_ok_sends(api, second, USER, since=mark, timeout=20)
        assert second.alive
        failures = [line for line in second.errors() if "handler failed" in line]
        assert not failures, "\n".join(failures)
    finally:
        first.kill()
        crashed.kill()
        second.stop()
        api.stop_thread()



@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_sigterm_stops_cleanly(model_dir, tmp_path, webhook):
    # Exit code 0 and no task left running: a restart by the service manager is routine.
    api = FakeBotAPI().start_in_thread()
    bot = BotProcess(api, tmp_path / "bot.db", model_dir, webhook=webhook).start()
    try:
        bot.wait_ready()
        assert bot.stop() == 0
    finally:
        bot.stop()
        api.stop_thread()
    log = bot.log()
    assert "Task was destroyed" not in log and "Traceback" not in log, bot.tail()
