"""SEND_RATE_LIMIT paces what the bot sends, through PTB's AIORateLimiter and real HTTP."""
from __future__ import annotations

import asyncio
import dataclasses

from bot.app import build
from bot.settings import ROOT, Settings
from bot.telegram.application import build_application
from tests.support.botapi import FakeBotAPI


async def _send_times(tmp_path, limit: float, count: int):
    api = await FakeBotAPI().start()
    try:
        settings = dataclasses.replace(
            Settings(), nlu="constant", database_url=f"sqlite:///{tmp_path / f'bot-{limit}.db'}",
            content_dir=ROOT / "content", telegram_token=api.token, telegram_api_url=api.base_url,
            send_rate_limit=limit)
        application = build_application(build(settings))
        await application.initialize()
        try:
            await asyncio.gather(*(application.bot.send_message(1000 + i, f"note {i}") for i in range(count)))
        finally:
            await application.shutdown()
        return sorted(call.time for call in api.calls_to("sendMessage"))
    finally:
        await api.stop()


def test_sends_are_spaced_to_the_limit(tmp_path):
    # 2 a second, with a bucket of 2: six messages cannot all arrive within 1.5 s.
    times = asyncio.run(_send_times(tmp_path, 2, 6))
    assert len(times) == 6
    assert times[-1] - times[0] >= 1.5


def test_zero_turns_the_bots_own_pacing_off(tmp_path):
    # With no limiter of its own the bot does not hold back a burst (Telegram's 429s still
    # would: tests/faults). At 30/s, the 30 sends after the bucket's 30 wait a second. The
    # times are when the stand-in received them: on a busy machine the first arrives late,
    # so the bound leaves a fifth of that second for it (a third of a second was too tight).
    free = asyncio.run(_send_times(tmp_path, 0, 60))
    limited = asyncio.run(_send_times(tmp_path, 30, 60))
    assert len(free) == len(limited) == 60
    assert limited[-1] - limited[0] >= 0.8
    assert free[-1] - free[0] < limited[-1] - limited[0]
