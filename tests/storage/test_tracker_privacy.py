"""What Rasa's tracker keeps in the database, with the real trained model: intents, never the words."""
from __future__ import annotations

import asyncio
import json
from typing import List, Tuple

import pytest
import sqlalchemy as sa

from bot.engine import Engine, latest_model
from bot.storage import rasa_stores

pytestmark = pytest.mark.timeout(300)

# (message, the intent the test model gives it, words of it that must not be stored)
MESSAGES = [
    ("my grandson Sophea scrolls facebook all night", "screen_time", ["grandson", "Sophea", "scrolls", "night"]),
    ("កូនខ្ញុំលេង Free Fire ពេក", "online_gaming", ["កូនខ្ញុំលេង", "ពេក", "Free Fire"]),
]


@pytest.fixture
def make_engine(db_url, model_dir):
    """An engine like the bot's, with Rasa's tracker store on the test database."""
    made = []

    def make(review_logging: bool = False) -> Engine:
        tracker_store = rasa_stores.tracker_store(db_url)
        made.append(tracker_store)
        return Engine.load(latest_model(model_dir), tracker_store=tracker_store, review_logging=review_logging)

    yield make
    for tracker_store in made:
        tracker_store.engine.dispose()


def converse(engine: Engine, sender: str) -> None:
    async def main() -> None:
        for text, intent, _ in MESSAGES:
            parse = await engine.parse(text)
            assert parse.intent == intent, f"the test model reads {text!r} as {parse.intent}"
            assert await engine.respond(sender, parse), "the dialogue answered nothing"

    asyncio.run(main())


def readable(data: str) -> str:
    """An event's stored JSON with escapes undone, so Khmer words can be searched for."""
    return json.dumps(json.loads(data), ensure_ascii=False)


def raw_events(db_url: str, sender: str) -> List[Tuple[str, str, str]]:
    engine = sa.create_engine(db_url, future=True)
    try:
        with engine.connect() as db:
            return [tuple(row) for row in db.execute(
                sa.text("SELECT type_name, intent_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    finally:
        engine.dispose()


def test_the_tracker_keeps_intents_but_no_words(make_engine, db_url):
    converse(make_engine(), "user-hash-1")
    events = raw_events(db_url, "user-hash-1")

    user_events = [e for e in events if e[0] == "user"]
    assert [intent for _, intent, _ in user_events] == [intent for _, intent, _ in MESSAGES]
    everything = "\n".join(f"{kind} {intent} {readable(data)}" for kind, intent, data in events)
    for text, intent, words in MESSAGES:
        assert intent in everything
        assert text not in everything
        for word in words:
            assert word.casefold() not in everything.casefold(), f"{word!r} was stored"
    for _, _, data in user_events:
        event = json.loads(data)
        assert event["text"] in ("", None) and event["parse_data"]["text"] in ("", None)
        for entity in event["parse_data"]["entities"]:  # what was recognised, not where or how it was written
            assert set(entity) <= {"entity", "value", "start", "end"}
    assert any(e[0] == "bot" for e in events), "the bot's replies (lesson ids) are in the tracker"


def test_review_logging_keeps_the_words(make_engine, db_url):
    converse(make_engine(review_logging=True), "user-hash-2")
    everything = "\n".join(readable(data) for _, _, data in raw_events(db_url, "user-hash-2"))
    for text, intent, _ in MESSAGES:
        assert text in everything
        assert intent in everything
