"""Commands for the operators listed in ADMIN_IDS; everyone else gets no answer."""
from __future__ import annotations

import asyncio

from telegram import Update

from bot.stats import DAYS, format_stats
from bot.telegram.context import BotContext


async def stats(update: Update, context: BotContext) -> None:
    """/stats: aggregate counts of the last 30 days, in a private chat with an admin."""
    user = update.effective_user
    if user is None or user.id not in context.settings.admin_ids:
        return  # like any unknown command: no answer, so the command stays unadvertised
    text = await asyncio.to_thread(format_stats, context.store, DAYS)
    await update.effective_chat.send_message(text)
