"""`python -m bot healthcheck` in polling mode, and the background loop that feeds it."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from types import SimpleNamespace

from bot import health
from bot.settings import Settings


def test_polling_health_is_the_age_of_the_heartbeat(tmp_path):
    settings = Settings()  # no WEBHOOK_URL: polling
    heartbeat = tmp_path / "heartbeat"
    ok, why = health.check(settings, heartbeat)
    assert not ok and "no heartbeat" in why
    health.beat(heartbeat)
    assert health.check(settings, heartbeat)[0]
    old = time.time() - health.MAX_AGE - 5
    os.utime(heartbeat, (old, old))
    ok, why = health.check(settings, heartbeat)
    assert not ok and "old" in why


def test_webhook_health_asks_the_server(tmp_path):
    settings = Settings(webhook_url="https://bot.example", webhook_secret="s", listen_host="0.0.0.0", listen_port=9)
    ok, why = health.check(settings, timeout=1)
    assert not ok and "http://127.0.0.1:9/healthz" in why


def test_housekeeping_beats_and_purges_with_the_retention_setting(tmp_path, monkeypatch):
    from bot.telegram.runner import housekeeping

    heartbeat = tmp_path / "heartbeat"
    monkeypatch.setattr(health, "HEARTBEAT", heartbeat)
    purged = []
    failures = [RuntimeError("database away")]

    def reload_if_changed():
        if failures:
            raise failures.pop()

    parts = SimpleNamespace(
        settings=dataclasses.replace(Settings(), content_reload_seconds=0.02, retention_days=12),
        content=SimpleNamespace(reload_if_changed=reload_if_changed),
        store=SimpleNamespace(purge=lambda days: purged.append(days) or 0),
    )

    async def run_a_while():
        task = asyncio.create_task(housekeeping(parts))
        await asyncio.sleep(0.3)
        assert not task.done(), "an error stopped the loop"
        task.cancel()

    asyncio.run(run_a_while())
    assert health.check(Settings(), heartbeat)[0]
    assert purged == [12]  # once at start (then hourly), with RETENTION_DAYS
