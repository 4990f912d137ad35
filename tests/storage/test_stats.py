"""/stats for the operators: aggregate figures from a real Store."""
from __future__ import annotations

import datetime as dt

from bot.stats import format_stats
from bot.storage.repository import user_hash


def test_stats_shows_the_aggregates_of_the_last_30_days(store):
    for _ in range(4):
        store.count("topic", "grooming")
    store.count("topic", "screen_time", 2)
    store.count("topic", "sextortion", 50, day=dt.date.today() - dt.timedelta(days=40))  # too old
    store.count("fallback", "nlu", 3)
    store.count("fallback", "out_of_scope")
    store.count("deep_link", "lesson_grooming", 2)
    store.count("source", "school_<b>12")
    store.count("feedback_up", "grooming", 5)
    store.count("feedback_down", "grooming")
    store.count("feedback_down", "screen_time", 2)
    store.count("safety_net", "emergency")
    store.count("media", "photo")
    for user in range(3):
        store.set_language(user_hash(user, "salt"), "km")

    text = format_stats(store)

    lines = text.splitlines()
    assert lines[0] == "<b>Last 30 days</b>"
    assert "Users with a saved language: 3 (3 set in this period)" in lines
    assert "<b>Topics asked</b>: 6" in lines
    assert lines.index("  grooming: 4") < lines.index("  screen_time: 2")  # most asked first
    assert "sextortion" not in text
    assert "<b>Fallbacks</b>: 4" in lines and "  nlu: 3" in lines and "  out_of_scope: 1" in lines
    assert "<b>Deep links and sources</b>: 3" in lines
    assert "  deep_link: lesson_grooming: 2" in lines
    assert "  source: school_&lt;b&gt;12: 1" in lines  # codes are escaped for Telegram's HTML
    assert "<b>Feedback</b>: 👍 5  👎 3" in lines
    assert "  grooming: 👍 5  👎 1" in lines and "  screen_time: 👍 0  👎 2" in lines
    assert "<b>Safety net (urgent words)</b>: 1" in lines and "<b>Media sent</b>: 1" in lines
    for user in range(3):  # aggregates only: nobody's hash
        assert user_hash(user, "salt") not in text


def test_stats_of_an_empty_store(store):
    text = format_stats(store, days=7)
    assert text.splitlines()[0] == "<b>Last 7 days</b>"
    assert "<b>Topics asked</b>: 0" in text and "<b>Feedback</b>: 👍 0  👎 0" in text


def test_long_lists_are_cut(store):
    for i in range(15):
        store.count("topic", f"topic_{i:02d}", i + 1)
    lines = format_stats(store).splitlines()
    assert "  topic_14: 15" in lines and "  topic_05: 6" in lines and "  topic_04: 5" not in lines
    assert "  others: 15" in lines  # 1 + 2 + 3 + 4 + 5
