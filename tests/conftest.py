"""Shared fixtures: a model trained once per session, settings on a fresh database, built parts."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

import bot  # noqa: F401  (telemetry off before rasa is imported)
from bot.settings import ROOT, Settings

TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A real model trained from the repository's data with the fixed test config."""
    from bot.training import train

    out = tmp_path_factory.mktemp("models")
    train(TESTS / "data" / "config.yml", out, name="test-model")
    return out


@pytest.fixture(scope="session")
def engine(model_dir):
    """An engine on the session model, with Rasa's in-memory tracker store."""
    from bot.engine import Engine, latest_model

    return Engine.load(latest_model(model_dir), threads=2)  # two: the concurrency test needs them


def database_urls() -> list:
    """SQLite always; PostgreSQL too when scripts/services.sh started it (make test does)."""
    urls = ["sqlite"]
    if os.environ.get("TEST_POSTGRES_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture
def settings(tmp_path, model_dir) -> Settings:
    return dataclasses.replace(
        Settings(),
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        model_dir=model_dir,
        content_dir=ROOT / "content",
        hash_salt="test-salt",
        content_reload_seconds=0,
    )


@pytest.fixture
def parts(settings):
    from bot.app import build

    return build(settings)


@pytest.fixture(scope="session")
def shared_parts(tmp_path_factory, model_dir):
    """Parts built once per session (loading a Rasa agent takes seconds); tests use their own users."""
    from bot.app import build

    database = tmp_path_factory.mktemp("shared-db") / "bot.db"
    return build(dataclasses.replace(Settings(), database_url=f"sqlite:///{database}", model_dir=model_dir,
                                     content_dir=ROOT / "content", hash_salt="test-salt", content_reload_seconds=0))
