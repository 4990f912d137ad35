"""Rasa's lock store on the real Redis: one user's messages are handled one at a time, across instances."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Dict, List, Tuple

import pytest
import redis
import sqlalchemy as sa

from bot.engine import Engine, Parse, latest_model
from bot.storage import rasa_stores

pytestmark = pytest.mark.timeout(300)


# -- building the lock store --------------------------------------------------------------

def test_lock_store_is_redis_when_a_url_is_set(fresh_redis):
    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

    store = rasa_stores.lock_store(fresh_redis)
    assert isinstance(store, RedisLockStore)
    assert store.red.ping()
    kwargs = store.red.connection_pool.connection_kwargs
    options = rasa_stores.redis_options(fresh_redis)
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == (options["host"], options["port"], options["db"])
    assert store.key_prefix == "caregiverbot:lock:"
    assert isinstance(rasa_stores.lock_store(None), InMemoryLockStore)
    assert isinstance(rasa_stores.lock_store(""), InMemoryLockStore)


@pytest.mark.parametrize("url, expected", [
    ("redis://localhost", dict(host="localhost", port=6379, db=0, username=None, password=None, use_ssl=False)),
    ("redis://127.0.0.1:56379/0", dict(host="127.0.0.1", port=56379, db=0, username=None, password=None, use_ssl=False)),
    ("redis://:s3cret@redis:6380/2", dict(host="redis", port=6380, db=2, username=None, password="s3cret", use_ssl=False)),
    ("redis://bot:p%40ss%2Fword@cache.internal/5", dict(host="cache.internal", port=6379, db=5, username="bot", password="p@ss/word", use_ssl=False)),
    ("rediss://default:pw@host.example:25061?db=3", dict(host="host.example", port=25061, db=3, username="default", password="pw", use_ssl=True)),
    ("redis://[::1]:7000/1", dict(host="::1", port=7000, db=1, username=None, password=None, use_ssl=False)),
])
def test_redis_urls_are_parsed(url, expected):
    assert rasa_stores.redis_options(url) == expected


@pytest.mark.parametrize("url", ["http://localhost:6379", "localhost:6379", "redis://host/notanumber", "redis://host:port/0"])
def test_bad_redis_urls_are_refused(url):
    with pytest.raises(ValueError):
        rasa_stores.redis_options(url)


def test_tickets_from_two_instances_are_never_the_same(fresh_redis):
    """Rasa reads, changes and writes a lock; here that is atomic even between processes."""
    stores = [rasa_stores.lock_store(fresh_redis), rasa_stores.lock_store(fresh_redis)]
    threads_per_store, tickets_each = 4, 25
    barrier = threading.Barrier(2 * threads_per_store)
    tickets: List[int] = []
    errors: List[BaseException] = []

    def work(store) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(tickets_each):
                tickets.append(store.issue_ticket("same-user"))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(store,)) for store in stores for _ in range(threads_per_store)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(tickets) == list(range(2 * threads_per_store * tickets_each))
    lock = stores[0].get_lock("same-user")
    assert len(lock.tickets) == len(tickets)
    for ticket in tickets:
        stores[1].cleanup("same-user", ticket)
    assert stores[0].get_lock("same-user") is None  # the last one out deletes the lock


# -- two engines, one user ------------------------------------------------------------------

# Two instances get messages of the same user at the same time (each thread = one instance).
SENT = {
    "A": ["screen_time", "grooming", "online_gaming"],
    "B": ["cyberbullying", "sextortion", "privacy_settings"],
}
HOLD = 0.3  # seconds each turn holds the conversation: long enough to overlap if unlocked


@pytest.fixture
def two_engines(fresh_postgres, fresh_redis, model_dir):
    """Two agents, as in two bot processes: each its own tracker and lock store objects on
    the same PostgreSQL database and Redis server."""
    tracker_stores = [rasa_stores.tracker_store(fresh_postgres) for _ in range(2)]
    engines = [Engine.load(latest_model(model_dir), tracker_store=ts, lock_store=rasa_stores.lock_store(fresh_redis))
               for ts in tracker_stores]
    yield engines
    for ts in tracker_stores:
        ts.engine.dispose()


def hold_each_turn(engine: Engine, intervals: List[Tuple[float, float]]) -> None:
    """Make every turn take HOLD seconds inside the lock, and record when it ran."""
    processor = engine.agent.processor
    handle = processor.handle_message

    async def slow_handle(message):
        started = time.monotonic()
        try:
            await asyncio.sleep(HOLD)
            return await handle(message)
        finally:
            intervals.append((started, time.monotonic()))

    processor.handle_message = slow_handle


def stored_turns(url: str, sender: str) -> List[Tuple[str, List[str]]]:
    """(user intent, lessons the bot sent before the next user message), in stored order."""
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as db:
            rows = db.execute(sa.text("SELECT type_name, intent_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                              {"s": sender}).all()
    finally:
        engine.dispose()
    turns: List[Tuple[str, List[str]]] = []
    for kind, intent, data in rows:
        if kind == "user":
            turns.append((intent, []))
        elif kind == "bot":
            assert turns, "a bot reply before any user message"
            turns[-1][1].append(json.loads(data)["data"]["custom"]["lesson"])
    return turns


def test_two_engines_handle_one_users_messages_one_at_a_time(two_engines, fresh_postgres):
    sender = "user-hash-shared"
    intervals: List[Tuple[float, float]] = []
    for engine in two_engines:
        hold_each_turn(engine, intervals)
    answers: Dict[str, List[List[dict]]] = {name: [] for name in SENT}
    errors: List[BaseException] = []
    barrier = threading.Barrier(2)

    def instance(name: str, engine: Engine) -> None:
        async def main() -> None:
            for intent in SENT[name]:
                answers[name].append(await engine.respond(sender, Parse(intent, 0.99)))

        try:
            barrier.wait(timeout=30)
            asyncio.run(main())  # each "instance" on its own thread and event loop
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=instance, args=(name, engine)) for name, engine in zip(SENT, two_engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    # Never two turns of this user at once ...
    intervals.sort()
    assert len(intervals) == 6
    for (_, end), (start, _) in zip(intervals, intervals[1:]):
        assert start >= end, "two turns of the same user overlapped"
    # ... each got its own answer ...
    for name, intents in SENT.items():
        assert answers[name] == [[{"lesson": intent}] for intent in intents]
    # ... and the shared tracker has every turn, each followed by its own reply, none lost.
    turns = stored_turns(fresh_postgres, sender)
    assert sorted(intent for intent, _ in turns) == sorted(SENT["A"] + SENT["B"])
    assert all(lessons == [intent] for intent, lessons in turns)
    for intents in SENT.values():  # and each instance's messages in the order it got them
        assert [intent for intent, _ in turns if intent in intents] == intents


def test_locks_are_released(two_engines, fresh_redis):
    async def main() -> None:
        await two_engines[0].respond("someone", Parse("screen_time", 0.99))

    asyncio.run(main())
    client = redis.Redis.from_url(fresh_redis)
    try:
        assert client.keys("caregiverbot:lock:*") == []
    finally:
        client.close()
