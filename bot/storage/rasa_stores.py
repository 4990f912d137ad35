"""Rasa's tracker store and lock store, built from the bot's settings."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.engine.url import make_url


def tracker_store(database_url: str, domain=None):
    """Rasa's SQL tracker store in the bot's own database (SQLite or PostgreSQL)."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SQLTrackerStore(domain=domain, dialect="sqlite", db=url.database)
    return SQLTrackerStore(
        domain=domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
        username=url.username, password=url.password, query=dict(url.query) or None,
    )


def lock_store(redis_url: Optional[str]):
    """Redis locks when several instances share users; in-process locks otherwise."""
    if not redis_url:
        from rasa.core.lock_store import InMemoryLockStore

        return InMemoryLockStore()
    from rasa.core.lock_store import RedisLockStore

    url = make_url(redis_url.replace("redis://", "redis+x://", 1)) if redis_url.startswith("redis://") else make_url(redis_url)
    return RedisLockStore(
        host=url.host or "localhost", port=url.port or 6379, db=int(url.database or 0),
        username=url.username, password=url.password, key_prefix="caregiver-bot",
    )
