"""Starting and stopping the real Application against the stand-in, as `make run` does."""
from __future__ import annotations

import asyncio
import dataclasses

from tests.support.botapi import FakeBotAPI


def test_application_starts_answers_and_stops_cleanly(settings):
    from bot.app import build
    from bot.telegram.application import build_application

    async def main():
        async with FakeBotAPI(strict=True) as api:
            parts = build(dataclasses.replace(settings, telegram_token=api.token, telegram_api_url=api.base_url,
                                              telegram_file_url=api.base_file_url))
            application = build_application(parts)
            async with application:
                await application.post_init(application)
                await application.start()
                await application.updater.start_polling(poll_interval=0, timeout=1)
                user = api.make_user(None, "Parent", "km")
                api.push_update(api.command(user, "/start"))
                [welcome] = await api.wait_for_replies(user["id"], 1, timeout=20)
                assert welcome.startswith("សួស្តី")
                await application.updater.stop()
                await application.stop()
            assert not application.running and not application.updater.running
            # polling has really stopped, and nothing the bot sent failed
            stopped = api.mark()
            await asyncio.sleep(1.5)
            assert api.calls_to(since=stopped) == []
            failed = [c for c in api.calls if c.method != "getUpdates" and not c.ok]
            assert not failed
            # the menu without a language code is Khmer, the bot's language for everyone not in English
            assert [c["command"] for c in api.commands()][0] == "start"
            assert [c["command"] for c in api.commands(language_code="en")][0] == "start"
            assert api.commands()[0]["description"] != api.commands(language_code="en")[0]["description"]

    asyncio.run(asyncio.wait_for(main(), 120))
