"""Rasa's tracker store and lock store, built from the bot's settings."""
from __future__ import annotations

import functools
import json
from typing import Any, Callable, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine.url import make_url

from bot.storage.repository import create_engine

LOCK_KEY_PREFIX = "caregiverbot"  # Rasa wants it alphanumeric; keys read "caregiverbot:lock:<sender>"


def tracker_store(database_url: str, domain=None):
    """Rasa's SQL tracker store in the bot's own database (SQLite or PostgreSQL)."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        store = SQLTrackerStore(domain=domain, dialect="sqlite", db=url.database)
        _use_engine(store, create_engine(database_url))
        return store
    # "postgresql" whatever the URL spelled: psycopg2 is the driver, and Rasa only sizes its
    # connection pool for that exact name.
    return SQLTrackerStore(
        domain=domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
        username=url.username, password=url.password, query=dict(url.query) or None,
    )


def _use_engine(store, engine) -> None:
    """Rasa's SQLite engine opens a connection per statement and syncs every commit to disk;
    the bot's engine keeps a pool with WAL and normal sync (bot.storage.repository)."""
    from sqlalchemy.orm import sessionmaker

    store.engine.dispose()
    store.engine = engine
    store.sessionmaker = sessionmaker(bind=engine)


def redis_options(redis_url: str) -> dict:
    """Host, port, db, username, password and use_ssl from a redis:// or rediss:// URL.

    redis://[[user]:password@]host[:port][/db], with the db also accepted as ?db=N;
    user name and password may be percent-encoded.
    """
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"REDIS_URL must start with redis:// or rediss://, not {parts.scheme or redis_url!r}")
    db = parts.path.strip("/") or (parse_qs(parts.query).get("db") or ["0"])[0]
    try:
        port = parts.port or 6379
        db = int(db)
    except ValueError:
        raise ValueError("REDIS_URL has a port or database number that is not a whole number") from None
    return {
        "host": parts.hostname or "localhost",
        "port": port,
        "db": db,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def lock_store(redis_url: Optional[str]):
    """Redis locks when several instances share users; in-process locks otherwise."""
    if not redis_url:
        from rasa.core.lock_store import InMemoryLockStore

        return InMemoryLockStore()
    return _shared_lock_store_class()(key_prefix=LOCK_KEY_PREFIX, **redis_options(redis_url))


@functools.lru_cache(maxsize=None)
def _shared_lock_store_class():
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

    class SharedRedisLockStore(RedisLockStore):
        """Rasa's RedisLockStore, with each read-change-write of a lock done atomically.

        Rasa reads a lock, changes it in Python and writes it back. Within one process that
        cannot interleave (no await in between), but two instances issuing a ticket for the
        same user at the same moment could both get ticket 0 and run side by side. Here each
        change is a Redis transaction (WATCH/MULTI/EXEC), retried when another instance wrote
        the lock in between.
        """

        def _change(self, conversation_id: str,
                    change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]) -> Any:
            key = self.key_prefix + conversation_id

            def body(pipe) -> Any:
                raw = pipe.get(key)
                lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                new, result = change(lock)
                pipe.multi()
                if new is None:
                    pipe.delete(key)
                else:
                    pipe.set(key, new.dumps())
                return result

            return self.red.transaction(body, key, value_from_callable=True)

        def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
            def change(lock):
                lock = lock or self.create_lock(conversation_id)
                return lock, lock.issue_ticket(lock_lifetime)

            try:
                return self._change(conversation_id, change)
            except Exception as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

        def update_lock(self, conversation_id: str) -> None:
            def change(lock):
                if lock is not None:
                    lock.remove_expired_tickets()
                return lock, None

            self._change(conversation_id, change)

        def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
            def change(lock):
                if lock is not None:
                    lock.remove_ticket_for(ticket_number)
                return lock, None

            self._change(conversation_id, change)

        def cleanup(self, conversation_id: str, ticket_number: int) -> None:
            def change(lock):
                if lock is None:
                    return None, None
                lock.remove_ticket_for(ticket_number)
                return (lock if lock.is_someone_waiting() else None), None

            self._change(conversation_id, change)

    return SharedRedisLockStore
