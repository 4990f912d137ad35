"""Fault tests run the real bot process (`python -m bot run`) against FakeBotAPI's injected faults."""
from __future__ import annotations

import pytest

from tests.support.botapi import FakeBotAPI
from tests.support.botprocess import BotProcess


@pytest.fixture(scope="package")
def polling_bot(model_dir, tmp_path_factory):
    """One bot process, polling a strict stand-in, shared by the fault and fuzz tests.

    Each test uses its own users and removes any fault it leaves behind; kill -9 tests
    start processes of their own.
    """
    api = FakeBotAPI(strict=True).start_in_thread()
    bot = BotProcess(api, tmp_path_factory.mktemp("faults") / "bot.db", model_dir).start()
    try:
        bot.wait_ready()
        yield api, bot
    finally:
        bot.stop()
        api.stop_thread()
