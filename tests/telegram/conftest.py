"""The real Application, over PTB's real HTTP stack, polling a Bot API stand-in on loopback.

One bot serves the whole folder (one model load): FakeBotAPI and the Application run on an
event loop in a background thread, started like the runner does (initialize, post_init,
start, start_polling) and stopped cleanly at the end. Tests are plain functions: they push
updates to the stand-in, wait until the bot has handled them all, and look at the Bot API
calls it made. Every test talks as new users, so per-user state (language, flood limit)
never leaks between tests.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from typing import Any, Dict, List, Optional

import pytest

from bot.settings import ROOT, Settings
from bot.storage.repository import user_hash
from tests.support.botapi import FakeBotAPI
from tests.telegram.tg_helpers import Chat

Json = Dict[str, Any]


class ErrorLog(logging.Handler):
    """Keeps every ERROR record, so a test can assert that nothing went wrong in the bot."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """FakeBotAPI and the real Application, on their own event loop in a daemon thread."""

    def __init__(self, settings: Settings) -> None:
        self.base_settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bot-under-test", daemon=True)
        self.errors = ErrorLog()
        self.allow_errors = False

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> "Harness":
        logging.getLogger().addHandler(self.errors)
        self.thread.start()
        self.run(self._start(), timeout=120)
        return self

    async def _start(self) -> None:
        from bot.app import build
        from bot.telegram.application import build_application

        self.api = await FakeBotAPI(strict=True).start()
        self.settings = dataclasses.replace(
            self.base_settings, telegram_token=self.api.token, telegram_api_url=self.api.base_url,
            # A download, if the bot ever tried one, would be recorded here, never leave the machine.
            telegram_file_url=self.api.base_file_url)
        self.parts = build(self.settings)
        self.application = build_application(self.parts)
        await self.application.initialize()
        await self.application.post_init(self.application)  # set_my_commands, as run_polling would
        await self.application.start()
        # Errors of getUpdates go to the error handler, as Application.run_polling arranges.
        await self.application.updater.start_polling(
            poll_interval=0, timeout=1, error_callback=lambda error: self.application.create_task(
                self.application.process_error(error=error, update=None)))

    def stop(self) -> None:
        try:
            self.run(self._stop(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            logging.getLogger().removeHandler(self.errors)

    async def _stop(self) -> None:
        await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()
        await self.api.stop()

    def run(self, coro, timeout: float = 20):
        """Run a coroutine on the bot's event loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    # -- driving --------------------------------------------------------------------

    def user(self, language_code: Optional[str] = "en", first_name: str = "Parent") -> Json:
        return self.api.make_user(None, first_name, language_code)

    def who(self, user: Json) -> str:
        return user_hash(user["id"], self.settings.hash_salt)

    def chat(self, language_code: Optional[str] = "en") -> "Chat":
        return Chat(self, self.user(language_code))

    def push(self, *updates: Json) -> int:
        """Queue updates for getUpdates, wait until the bot has handled them; the call mark before."""
        mark = self.api.mark()
        for update in updates:
            self.api.push_update(update)
        self.idle()
        return mark

    def idle(self, timeout: float = 20) -> None:
        """Until every pushed update was fetched and fully handled (error handler included)."""
        self.api.wait_until_sync(lambda: not self.api.pending_updates, timeout)
        # Confirmed updates were put on the queue before the next getUpdates; task_done()
        # follows the end of their handling.
        self.run(asyncio.wait_for(self.application.update_queue.join(), timeout), timeout + 1)

    def process(self, update: Json) -> None:
        """Hand an update straight to the Application (as the webhook does), and wait."""
        from telegram import Update

        self.run(self.application.process_update(Update.de_json(update, self.application.bot)))

    def new_errors(self, since: int) -> List[logging.LogRecord]:
        return self.errors.records[since:]


@pytest.fixture(scope="session")
def telegram_bot(model_dir, tmp_path_factory):
    """The session's bot (see Harness); its database lives in a temporary folder."""
    import bot  # noqa: F401  (telemetry off before rasa is imported)

    folder = tmp_path_factory.mktemp("telegram")
    settings = dataclasses.replace(
        Settings(), database_url=f"sqlite:///{folder / 'bot.db'}", model_dir=model_dir,
        content_dir=ROOT / "content", hash_salt="test-salt", content_reload_seconds=0,
        flood_limit=12, flood_window=60.0,
    )
    harness = Harness(settings).start()
    try:
        yield harness
    finally:
        started = time.monotonic()
        harness.stop()
        assert not harness.thread.is_alive(), "the bot's event loop did not stop"
        assert time.monotonic() - started < 15


@pytest.fixture
def tg(telegram_bot):
    """The session's bot, failing the test if anything was logged at ERROR while it ran
    (unless the test sets ``tg.allow_errors``)."""
    since = len(telegram_bot.errors.records)
    telegram_bot.allow_errors = False
    yield telegram_bot
    telegram_bot.idle()
    if not telegram_bot.allow_errors:
        errors = telegram_bot.new_errors(since)
        assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
