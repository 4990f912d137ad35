"""Run the bot on Telegram: long polling on one machine, or webhooks behind a load balancer."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time

from telegram import Update
from telegram.ext import Application

from bot import health, metrics
from bot.app import Parts, build, configure_logging
from bot.settings import Settings
from bot.telegram.application import build_application, register_commands
from bot.telegram.handlers import update_type
from bot.telegram.updates import readable

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"


async def housekeeping(parts: Parts) -> None:
    """Reload edited content and purge data past its retention, in the background."""
    settings = parts.settings
    last_purge = -float("inf")  # purge soon after start, then hourly
    while True:
        health.beat()  # for `python -m bot healthcheck` in polling mode
        await asyncio.sleep(settings.content_reload_seconds or 60)
        try:
            if settings.content_reload_seconds:
                await asyncio.to_thread(parts.content.reload_if_changed)
            if time.monotonic() - last_purge > 3600:
                last_purge = time.monotonic()
                removed = await asyncio.to_thread(parts.store.purge, settings.retention_days)
                logger.info("retention: %d old rows removed", removed)
        except Exception:  # e.g. the database away for a moment: try again next round
            logger.exception("housekeeping failed")


def on_startup(parts: Parts):
    async def post_init(application: Application) -> None:
        await register_commands(application)
        application.bot_data["housekeeping"] = asyncio.create_task(housekeeping(parts))
        try:  # an editor's `kill -HUP` reloads content at once
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, parts.content.reload)
        except (NotImplementedError, RuntimeError):
            pass
    return post_init


async def stop_housekeeping(application: Application) -> None:
    """Cancelled and awaited at shutdown, so it does not die mid-purge or warn as a lost task."""
    task = application.bot_data.pop("housekeeping", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def run(settings: Settings) -> int:
    configure_logging(settings)
    parts = build(settings)
    application = build_application(parts)
    application.post_init = on_startup(parts)
    application.post_stop = stop_housekeeping  # run_polling calls it; serve_webhook does too
    # The model and libraries (half a million objects) live as long as the process. Left to
    # the cyclic GC, every full collection walks them all: a 0.2 s stall of every
    # conversation. Frozen, collections only look at what messages allocate.
    gc.freeze()
    # The NLU threads (bot.engine) hold the GIL for their Python parts; at the default 5 ms
    # switch interval the event loop waits that long for it between two sends. 1 ms: load
    # bench p95 at 30 msg/s 148-235 -> 131-154 ms (three runs each).
    sys.setswitchinterval(0.001)
    if settings.webhook_mode:
        asyncio.run(serve_webhook(parts, application))
    else:
        logger.info("polling %s for updates", settings.telegram_api_url.split("/bot")[0])
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def serve_webhook(parts: Parts, application: Application) -> None:
    """A small aiohttp server: the webhook, /healthz and /metrics on one port."""
    from aiohttp import web

    settings = parts.settings

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != settings.webhook_secret:
            return web.Response(status=403)
        try:
            # One PTB cannot read is answered 200 as its bare update_id: refused, Telegram would resend it for ever.
            data = readable(await request.json())
            update = Update.de_json(data, application.bot) if data else None
        except Exception:
            update = None
        if update is None:
            return web.Response(status=400)
        started = time.perf_counter()
        # Handled before answering: if this instance dies, Telegram re-sends the update
        # to another one, and the database makes sure it is handled only once.
        await application.process_update(update)
        metrics.LATENCY.observe(time.perf_counter() - started)
        metrics.UPDATES.labels(update_type(update)).inc()
        return web.Response(text="ok")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "lessons": len(parts.content.library.lessons)})

    async def metrics_page(request: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), content_type="text/plain", charset="utf-8")

    web_app = web.Application()
    web_app.add_routes([web.post(WEBHOOK_PATH, webhook), web.get("/healthz", healthz), web.get("/metrics", metrics_page)])
    runner = web.AppRunner(web_app, access_log=None)  # access logs would record user ids in URLs of others
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.post_init(application)
        await application.bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH, secret_token=settings.webhook_secret,
                                          allowed_updates=Update.ALL_TYPES)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, settings.listen_host, settings.listen_port).start()
        logger.info("webhook server on %s:%d", settings.listen_host, settings.listen_port)
        await stop.wait()
        await runner.cleanup()
        await stop_housekeeping(application)
        await application.stop()
