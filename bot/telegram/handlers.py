"""Telegram handlers: each a few lines that hand over to the Conversation and send its replies."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import ApplicationHandlerStop

from bot import metrics
from bot.conversation import Turn
from bot.content.render import share_card
from bot.flood import DROP, NOTICE
from bot.telegram.context import BotContext
from bot.telegram.keyboards import markup

logger = logging.getLogger(__name__)


RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


async def send(update: Update, turn: Turn) -> None:
    if update.effective_chat is None:  # a button under a message sent in inline mode: no chat to write to
        return
    for reply in turn.replies:
        await with_retries(lambda: update.effective_chat.send_message(reply.text, reply_markup=markup(reply)))


async def with_retries(call):
    """Retry a Bot API call on server errors and timeouts, with growing pauses.

    429s are handled by PTB's AIORateLimiter; a BadRequest will not get better by trying again.
    """
    for delay in RETRY_DELAYS:
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as error:
            logger.warning("Bot API call failed (%s); retrying in %.1f s", type(error).__name__, delay)
            await asyncio.sleep(delay)
    return await call()


def _lang(update: Update, context: BotContext) -> str:
    return context.conversation.language(context.who(update), context.language_code(update))


async def once_per_update(update: Update, context: BotContext) -> None:
    """Across restarts and instances, an update is handled at most once; a message without a
    chat (the Bot API always sends one) not at all: filters and replies need the chat."""
    if update.effective_message is not None and update.effective_message.chat is None:
        raise ApplicationHandlerStop
    if not context.store.claim_update(update.update_id):
        logger.info("update %s was already handled; skipped", update.update_id)
        raise ApplicationHandlerStop


async def flood_limit(update: Update, context: BotContext) -> None:
    """Too many messages from one user: one polite notice, then quiet until they slow down."""
    who = context.who(update)
    if not who or not update.message:
        return
    verdict = context.application.bot_data["flood"].check(who)
    if verdict == NOTICE:
        await send(update, Turn((context.conversation.flood_notice(_lang(update, context)),)))
    if verdict in (NOTICE, DROP):
        raise ApplicationHandlerStop


async def start(update: Update, context: BotContext) -> None:
    """/start, with an optional deep-link payload."""
    payload = context.args[0] if context.args else ""
    await send(update, await context.conversation.on_start(context.who(update), payload, context.language_code(update)))


async def menu(update: Update, context: BotContext) -> None:
    await send(update, Turn((context.conversation.menu(_lang(update, context)),)))


async def language(update: Update, context: BotContext) -> None:
    await send(update, Turn((context.conversation.language_choice(_lang(update, context)),)))


async def help_command(update: Update, context: BotContext) -> None:
    await send(update, Turn((context.conversation.help(_lang(update, context)),)))


async def privacy(update: Update, context: BotContext) -> None:
    await send(update, Turn((context.conversation.privacy(_lang(update, context)),)))


async def forget(update: Update, context: BotContext) -> None:
    await send(update, context.conversation.forget(context.who(update), context.language_code(update)))


async def text(update: Update, context: BotContext) -> None:
    """A question in the caregiver's own words."""
    await send(update, await context.conversation.on_text(context.who(update), update.message.text, context.language_code(update)))


async def group_mention(update: Update, context: BotContext) -> None:
    """In groups: answer only when mentioned, and suggest a private chat."""
    # "@SafetyBot" but not "@SafetyBotFans": a username ends where its letters, digits and _ do.
    mention = re.compile(rf"@{re.escape(context.bot.username)}(?![A-Za-z0-9_])", re.IGNORECASE)
    message = update.message.text or ""
    if not mention.search(message):
        return
    question = mention.sub(" ", message)
    turn = await context.conversation.on_text(context.who(update), question, context.language_code(update))
    await send(update, Turn(turn.replies + (context.conversation.group_notice(_lang(update, context)),)))


async def media(update: Update, context: BotContext) -> None:
    """Photos, videos, files, voice and stickers: never downloaded; guidance instead."""
    message = update.message
    kind = next((k for k in ("photo", "video", "document", "animation", "voice", "video_note", "sticker", "audio") if getattr(message, k, None)), "other")
    await send(update, context.conversation.on_media(context.who(update), kind, context.language_code(update), message.caption or ""))


async def button(update: Update, context: BotContext) -> None:
    """Every button press is answered, old and forged ones too."""
    query = update.callback_query
    turn = await context.conversation.on_callback(context.who(update), query.data, context.language_code(update))
    await with_retries(lambda: query.answer(turn.notice[:200] or None))
    await send(update, turn)


async def inline(update: Update, context: BotContext) -> None:
    """`@bot words`: lessons as cards to share into a group."""
    query = update.inline_query
    conversation = context.conversation
    lang, lessons = conversation.shared_lessons(context.who(update), query.query, context.language_code(update))
    library = conversation.content.library
    tr = conversation.tr(lang)
    results = []
    for lesson in lessons:
        card = share_card(lesson, library, tr, context.bot.username)
        results.append(InlineQueryResultArticle(
            id=f"{lang}-{lesson.id}", title=lesson.title, description=lesson.summary,
            input_message_content=InputTextMessageContent(card.text, parse_mode=ParseMode.HTML),
            reply_markup=markup(card)))
    # Results follow each user's language: Telegram must not show one user's cached answer to others.
    await query.answer(results, cache_time=300, is_personal=True)


async def edited(update: Update, context: BotContext) -> None:
    """An edit is not answered again, unless it adds danger words (private chats only)."""
    message = update.edited_message
    if message is None or message.chat.type != "private" or not message.text:
        return
    await send(update, context.conversation.on_edit(context.who(update), message.text, context.language_code(update)))


def update_type(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    return next((kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "unknown")


async def on_error(update: object, context: BotContext) -> None:
    """The one error handler: log with context (never the text), answer politely."""
    if update is None and isinstance(context.error, NetworkError):
        # A failed getUpdates (5xx, dropped connection): PTB's polling loop tries again by itself.
        logger.warning("polling the Bot API failed (%s); retrying", type(context.error).__name__)
        return
    metrics.ERRORS.inc()
    logger.error("handler failed: update type %s, user %s", update_type(update), context.who(update),
                 exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query:  # answered on its own: a query that was already answered fails here
        with contextlib.suppress(Exception):
            await update.callback_query.answer()
    try:
        if update.effective_chat and update.effective_chat.type == "private":
            await send(update, Turn((context.conversation.error_notice(_lang(update, context)),)))
    except Exception:  # the apology itself failed (network); nothing more to do
        logger.warning("could not tell the user about the error", exc_info=True)
