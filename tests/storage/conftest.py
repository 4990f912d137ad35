"""Every storage test runs on SQLite and on PostgreSQL, each time on an empty database."""
from __future__ import annotations

import pytest

from bot.storage import Store
from tests.services import fresh_postgres, fresh_redis, postgres_url, redis_url, services  # noqa: F401  (fixtures)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A database URL with no tables yet: a new SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("fresh_postgres")


@pytest.fixture
def make_store(db_url):
    """Store(db_url) (or another URL); each one's connections are closed after the test."""
    stores = []

    def make(url: str = None) -> Store:
        store = Store(url or db_url)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.engine.dispose()


@pytest.fixture
def store(make_store) -> Store:
    return make_store()
