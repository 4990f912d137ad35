"""The bot's own tables, on SQLite and PostgreSQL: languages, counts, update ids, forget, purge, migrations."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from typing import Callable, List

import pytest
import sqlalchemy as sa

from bot.settings import Settings
from bot.storage import rasa_stores, repository
from bot.storage.repository import user_hash

TODAY = dt.date.today()


def in_threads(n: int, work: Callable[[int], object]) -> List[object]:
    """Run work(0..n-1) in n threads released at the same moment; their results (errors re-raised)."""
    barrier = threading.Barrier(n)
    results: List[object] = [None] * n
    errors: List[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def make_tracker_store(db_url):
    """Rasa's SQL tracker store on the test database (creates the `events` table)."""
    made = []

    def make():
        tracker_store = rasa_stores.tracker_store(db_url)
        made.append(tracker_store)
        return tracker_store

    yield make
    for tracker_store in made:
        tracker_store.engine.dispose()


def save_conversation(tracker_store, sender: str, intents: List[str], when: float) -> None:
    """A conversation as the engine would leave it: user turns (no text), bot replies, listens."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_session_start", timestamp=when), SessionStarted(timestamp=when),
              ActionExecuted("action_listen", timestamp=when)]
    for intent in intents:
        events += [UserUttered("", intent={"name": intent, "confidence": 0.9}, timestamp=when),
                   ActionExecuted(f"utter_{intent}", timestamp=when),
                   BotUttered(data={"custom": {"lesson": intent}}, timestamp=when),
                   ActionExecuted("action_listen", timestamp=when)]
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))


def events_of(store, sender: str = None) -> List[sa.engine.Row]:
    query = "SELECT sender_id, type_name, intent_name, timestamp FROM events"
    with store.engine.connect() as db:
        if sender is None:
            return list(db.execute(sa.text(query + " ORDER BY id")))
        return list(db.execute(sa.text(query + " WHERE sender_id = :s ORDER BY id"), {"s": sender}))


# -- languages ------------------------------------------------------------------------

def test_language_is_none_until_set_then_the_last_choice(store):
    alice, bob = user_hash(1, "salt"), user_hash(2, "salt")
    assert store.language(alice) is None
    store.set_language(alice, "km")
    assert store.language(alice) == "km"
    store.set_language(alice, "en")
    assert store.language(alice) == "en"
    assert store.language(bob) is None
    assert store.user_count() == 1


def test_concurrent_set_language_for_a_new_user_keeps_one_row(make_store):
    stores = [make_store(), make_store()]  # two instances of the bot
    for round_ in range(10):
        who = user_hash(1000 + round_, "salt")
        choices = ("km", "en")
        in_threads(2, lambda i: stores[i].set_language(who, choices[i]))
        assert stores[0].language(who) in choices
        assert stores[1].language(who) == stores[0].language(who)
    with stores[0].engine.connect() as db:
        rows = db.execute(sa.select(repository.users.c.user_hash, sa.func.count())
                          .group_by(repository.users.c.user_hash)).all()
    assert len(rows) == 10 and all(n == 1 for _, n in rows)


def test_user_hash_is_salted_and_stable():
    assert user_hash(42, "a") == user_hash(42, "a")
    assert user_hash(42, "a") != user_hash(42, "b")
    assert "42" not in user_hash(42, "a")


# -- daily counts ---------------------------------------------------------------------

def test_daily_counts_add_up(store):
    for _ in range(3):
        store.count("topic", "screen_time")
    store.count("topic", "grooming", 2)
    store.count("fallback", "nlu")
    store.count("topic", "screen_time", 5, day=TODAY - dt.timedelta(days=3))
    store.count("topic", "screen_time", 100, day=TODAY - dt.timedelta(days=31))  # outside 30 days
    assert store.totals(30) == {("topic", "screen_time"): 8, ("topic", "grooming"): 2, ("fallback", "nlu"): 1}
    assert store.totals(1) == {("topic", "screen_time"): 3, ("topic", "grooming"): 2, ("fallback", "nlu"): 1}


def test_daily_counts_add_up_from_two_instances_at_once(make_store):
    stores = [make_store(), make_store()]
    per_thread = 25

    def work(i: int) -> None:
        for _ in range(per_thread):
            stores[i % 2].count("topic", "sextortion")
            stores[i % 2].count("source", f"school{i}")

    in_threads(4, work)
    totals = stores[1].totals()
    assert totals[("topic", "sextortion")] == 4 * per_thread
    assert [totals[("source", f"school{i}")] for i in range(4)] == [per_thread] * 4


def test_long_keys_are_cut_to_the_column(store):
    store.count("source", "x" * 100)
    store.count("source", "x" * 80)
    assert store.totals() == {("source", "x" * 64): 2}


# -- update ids -------------------------------------------------------------------------

def test_claim_update_true_once_then_false(store):
    assert store.claim_update(1001) is True
    assert store.claim_update(1001) is False
    assert store.claim_update(1002) is True


def test_claim_update_across_two_instances(make_store):
    a, b = make_store(), make_store()
    assert a.claim_update(5) is True
    assert b.claim_update(5) is False
    assert b.claim_update(6) is True
    assert a.claim_update(6) is False
    # the same update delivered to both at the same moment: exactly one handles it
    for update_id in range(100, 110):
        claimed = in_threads(2, lambda i: (a, b)[i].claim_update(update_id))
        assert sorted(claimed) == [False, True]


# -- forget -----------------------------------------------------------------------------

def test_forget_removes_the_users_rows_and_tracker_events_only(store, make_tracker_store):
    alice, bob = user_hash(1, "salt"), user_hash(2, "salt")
    tracker_store = make_tracker_store()
    save_conversation(tracker_store, alice, ["grooming", "get_help"], time.time())
    save_conversation(tracker_store, bob, ["screen_time"], time.time())
    store.set_language(alice, "km")
    store.set_language(bob, "en")
    store.count("topic", "grooming")
    bobs_events = events_of(store, bob)

    removed = store.forget(alice)

    assert removed == 1 + 3 + 2 * 4  # the user row and every event of the conversation
    assert store.language(alice) is None and events_of(store, alice) == []
    assert store.language(bob) == "en" and events_of(store, bob) == bobs_events
    assert store.totals() == {("topic", "grooming"): 1}  # aggregates never knew who
    assert asyncio.run(tracker_store.retrieve(alice)) is None


def test_forget_without_a_tracker_table(store):
    who = user_hash(3, "salt")
    store.set_language(who, "en")
    assert store.forget(who) == 1
    assert store.forget(who) == 0


# -- retention --------------------------------------------------------------------------

def test_purge_removes_what_is_older_than_the_retention_and_keeps_the_rest(store, make_tracker_store):
    retention = Settings().retention_days
    assert retention == 30 and Settings.from_env({"RETENTION_DAYS": "7"}).retention_days == 7
    now = time.time()
    tracker_store = make_tracker_store()
    save_conversation(tracker_store, "old-user", ["grooming"], now - (retention + 1) * 86400)
    save_conversation(tracker_store, "recent-user", ["screen_time"], now - (retention - 1) * 86400)
    save_conversation(tracker_store, "today-user", ["get_help"], now)
    with store.engine.begin() as db:
        for update_id, age in ((1, retention + 5), (2, retention + 1), (3, retention - 1), (4, 0)):
            db.execute(repository.processed_updates.insert().values(update_id=update_id, day=TODAY - dt.timedelta(days=age)))

    removed = store.purge(retention)

    assert removed == 2 + 7  # two update ids, one old conversation
    assert {row.sender_id for row in events_of(store)} == {"recent-user", "today-user"}
    assert len(events_of(store, "recent-user")) == 7
    with store.engine.connect() as db:
        kept = sorted(db.execute(sa.select(repository.processed_updates.c.update_id)).scalars())
    assert kept == [3, 4]
    assert store.claim_update(3) is False  # kept ids still refuse repeats
    assert store.purge(retention) == 0


def test_purge_with_a_shorter_retention(store, make_tracker_store):
    tracker_store = make_tracker_store()
    save_conversation(tracker_store, "a", ["grooming"], time.time() - 3 * 86400)
    save_conversation(tracker_store, "b", ["grooming"], time.time())
    assert store.purge(Settings.from_env({"RETENTION_DAYS": "2"}).retention_days) == 7
    assert {row.sender_id for row in events_of(store)} == {"b"}


# -- migrations -------------------------------------------------------------------------

def versions(store) -> List[int]:
    with store.engine.connect() as db:
        return list(db.execute(sa.select(repository.schema_version.c.version)).scalars())


def test_migrate_is_idempotent(store):
    store.set_language("someone", "km")
    store.count("topic", "grooming")
    assert store.migrate() == repository.SCHEMA_VERSION
    assert store.migrate() == repository.SCHEMA_VERSION
    assert versions(store) == [repository.SCHEMA_VERSION]
    assert store.language("someone") == "km" and store.totals() == {("topic", "grooming"): 1}


def test_instances_starting_together_migrate_once(make_store, db_url):
    stores = in_threads(3, lambda i: make_store())
    assert versions(stores[0]) == [repository.SCHEMA_VERSION]


def test_upgrade_from_an_older_version_keeps_the_data(make_store, db_url, monkeypatch):
    # A database as version 1 left it, with data in it.
    old = make_store()
    assert versions(old) == [1]
    old.set_language("caregiver", "km")
    old.count("topic", "grooming", 3)
    old.claim_update(77)
    old.engine.dispose()

    # The next release adds a column.
    monkeypatch.setattr(repository, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(repository.MIGRATIONS, 2, ["ALTER TABLE bot_users ADD COLUMN reminder_hour INTEGER"])
    new = make_store()

    assert versions(new) == [2]
    assert new.migrate() == 2  # again: nothing to do, no error
    assert new.language("caregiver") == "km"
    assert new.totals() == {("topic", "grooming"): 3}
    assert new.claim_update(77) is False
    with new.engine.begin() as db:
        assert "reminder_hour" in {c["name"] for c in sa.inspect(db).get_columns("bot_users")}
        db.execute(sa.text("UPDATE bot_users SET reminder_hour = 19"))
        assert db.execute(sa.text("SELECT language, reminder_hour FROM bot_users")).one() == ("km", 19)
