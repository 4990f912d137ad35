"""Real PostgreSQL and Redis for tests: fixtures to import into a test module or conftest.

`make test` starts both with scripts/services.sh and exports TEST_POSTGRES_URL and
TEST_REDIS_URL. Run alone (plain pytest), the first fixture that needs them runs
`scripts/services.sh start` itself, reads .services/env, and stops them at the end of the
session if it was the one that started them. These tests never skip for want of a server.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "services.sh"
ENV_FILE = ROOT / ".services" / "env"


def read_env_file(path: Path = ENV_FILE) -> Dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].split("=", 1)
            values[name.strip()] = value.strip().strip("'\"")
    return values


@pytest.fixture(scope="session")
def services() -> Dict[str, str]:
    """{"TEST_POSTGRES_URL": ..., "TEST_REDIS_URL": ...}, starting the servers if need be."""
    names = ("TEST_POSTGRES_URL", "TEST_REDIS_URL")
    if all(os.environ.get(n) for n in names):
        yield {n: os.environ[n] for n in names}
        return
    running = subprocess.run([str(SCRIPT), "status"], cwd=ROOT).returncode == 0
    if not running:
        subprocess.run([str(SCRIPT), "start"], cwd=ROOT, check=True, timeout=900)
    try:
        values = read_env_file()
        yield {n: os.environ.get(n) or values[n] for n in names}
    finally:
        if not running:
            subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, timeout=120)


@pytest.fixture(scope="session")
def postgres_url(services) -> str:
    return services["TEST_POSTGRES_URL"]


@pytest.fixture(scope="session")
def redis_url(services) -> str:
    return services["TEST_REDIS_URL"]


def drop_all_tables(url: str) -> None:
    """Empty the test database: every table (the bot's and Rasa's) is dropped."""
    engine = sa.create_engine(url, future=True)
    try:
        with engine.begin() as db:
            if db.dialect.name == "postgresql":
                # Never hang behind a connection a failed test left open in a transaction.
                db.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            reflected = sa.MetaData()
            reflected.reflect(db)
            reflected.drop_all(db)
    finally:
        engine.dispose()


@pytest.fixture
def fresh_postgres(postgres_url) -> str:
    """The PostgreSQL test database with no tables in it (dropped again afterwards)."""
    drop_all_tables(postgres_url)
    yield postgres_url
    drop_all_tables(postgres_url)


@pytest.fixture
def fresh_redis(redis_url) -> str:
    """The Redis test database, emptied before and after."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
    client.close()
