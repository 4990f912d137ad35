"""A typed CallbackContext: handlers reach the conversation and store without globals."""
from __future__ import annotations

from typing import Optional

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.conversation import Conversation
from bot.settings import Settings
from bot.storage import Store
from bot.storage.repository import user_hash


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def conversation(self) -> Conversation:
        return self.application.bot_data["conversation"]

    @property
    def settings(self) -> Settings:
        return self.application.bot_data["settings"]

    @property
    def store(self) -> Store:
        return self.conversation.store

    def who(self, update: object) -> Optional[str]:
        """The salted hash that stands in for the user everywhere the bot keeps or logs them."""
        user = update.effective_user if isinstance(update, Update) else None
        return user_hash(user.id, self.settings.hash_salt) if user else None

    @staticmethod
    def language_code(update: object) -> Optional[str]:
        """Telegram's IETF tag, lower-cased: Babel's negotiation returns "EN" for "EN-gb"."""
        user = update.effective_user if isinstance(update, Update) else None
        return user.language_code.lower() if user and user.language_code else None
