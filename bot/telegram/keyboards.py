"""Replies as Telegram messages: inline keyboards from the bot's Button rows."""
from __future__ import annotations

from typing import Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Button, Reply


def button(b: Button) -> InlineKeyboardButton:
    if b.url:
        return InlineKeyboardButton(b.label, url=b.url)
    if b.share is not None:
        # Opens the chat picker and types "@bot <query>" there: inline mode shares the lesson.
        return InlineKeyboardButton(b.label, switch_inline_query=b.share)
    return InlineKeyboardButton(b.label, callback_data=b.data)


def markup(reply: Reply) -> Optional[InlineKeyboardMarkup]:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[button(b) for b in row] for row in reply.buttons if row])
