"""Updates that python-telegram-bot cannot read are skipped, not retried for ever.

PTB parses a getUpdates batch as a whole: one update it cannot parse (a field the Bot API
dropped or renamed) fails the batch, the offset never moves past it and the bot fetches the
same batch again and again while nobody gets an answer. Here each unreadable update is
replaced by its bare update_id, so the offset moves on; it is logged without its content.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from telegram import Update
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)


def readable(update: Any) -> Optional[dict]:
    """The update if PTB can parse it, else just its update_id (None without one)."""
    try:
        Update.de_json(update, None)
        return update
    except Exception as error:  # noqa: BLE001 - whatever PTB raises, the update is unusable
        update_id = update.get("update_id") if isinstance(update, dict) else None
        logger.warning("update %s could not be read (%s); skipped", update_id, type(error).__name__)
        return {"update_id": update_id} if isinstance(update_id, int) else None


class UpdatesRequest(HTTPXRequest):
    """The HTTP client for getUpdates (PTB's default settings), passing on readable updates only."""

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().post(*args, **kwargs)
        if isinstance(result, list):
            result = [u for u in map(readable, result) if u is not None]
        return result
