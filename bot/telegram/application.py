"""Build the python-telegram-bot Application: one place for all wiring."""
from __future__ import annotations

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, Defaults, InlineQueryHandler, MessageHandler, TypeHandler, filters)

from bot.app import Parts
from bot.flood import FloodGuard
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.telegram import admin, handlers
from bot.telegram.context import BotContext
from bot.telegram.updates import UpdatesRequest

COMMANDS = ("start", "menu", "language", "help", "privacy", "forget")
MEDIA = (filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION | filters.VOICE
         | filters.VIDEO_NOTE | filters.Sticker.ALL | filters.AUDIO)


def build_application(parts: Parts) -> Application:
    settings = parts.settings
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # Telegram's flood limits: waits on 429 retry_after and spaces out sends.
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.send_rate_limit, max_retries=5))
        # Updates of different users run side by side; one user's are ordered by Rasa's lock store.
        .concurrent_updates(64)
        .post_init(register_commands)
    )
    if settings.telegram_file_url:
        builder = builder.base_file_url(settings.telegram_file_url)
    if settings.webhook_mode:
        builder = builder.updater(None)
    else:
        builder = builder.get_updates_request(UpdatesRequest())
    application = builder.build()
    application.bot_data.update(conversation=parts.conversation, settings=settings,
                                flood=FloodGuard(settings.flood_limit, settings.flood_window))
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, handlers.once_per_update), group=-2)
    application.add_handler(TypeHandler(Update, handlers.flood_limit), group=-1)
    application.add_handlers([
        # First: CommandHandler also matches edited messages, and an edit must not run a command again.
        MessageHandler(filters.UpdateType.EDITED, handlers.edited),
        CommandHandler("start", handlers.start),
        CommandHandler("menu", handlers.menu),
        CommandHandler("language", handlers.language),
        CommandHandler("help", handlers.help_command),
        CommandHandler("privacy", handlers.privacy),
        CommandHandler("forget", handlers.forget),
        CommandHandler("stats", admin.stats, filters=private),  # ADMIN_IDS only; not in the command menu
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text),
        MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, handlers.group_mention),
        MessageHandler(private & MEDIA, handlers.media),
        CallbackQueryHandler(handlers.button),
        InlineQueryHandler(handlers.inline),
    ])
    application.add_error_handler(handlers.on_error)


async def register_commands(application: Application) -> None:
    """The command menu in both languages; Telegram shows the one matching the user's app.

    The menu without a language code is what every other app language sees: Khmer, as the
    bot answers anyone whose language it does not know (bot.i18n.negotiate)."""
    conversation = application.bot_data["conversation"]
    for lang in LANGUAGES:
        _ = conversation.tr(lang).gettext
        descriptions = {
            "start": _("Start and choose a language"), "menu": _("Topics"), "language": _("Change language"),
            "help": _("How to use this bot"), "privacy": _("What this bot keeps"), "forget": _("Erase my data"),
        }
        commands = [BotCommand(name, descriptions[name]) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=None if lang == DEFAULT_LANGUAGE else lang)
