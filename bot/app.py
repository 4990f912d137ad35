"""Wiring: settings in, a ready Conversation out. The one place that builds the parts."""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from bot.content.loader import ContentStore
from bot.conversation import Conversation
from bot.engine import ConstantEngine, Engine, latest_model
from bot.i18n import Translator
from bot.settings import Settings
from bot.storage import Store
from bot.storage import rasa_stores


@dataclass(frozen=True)
class Parts:
    settings: Settings
    conversation: Conversation
    store: Store
    content: ContentStore


def configure_logging(settings: Settings) -> None:
    # Libraries' deprecation chatter at start-up hides the lines an operator needs.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Rasa, TensorFlow and HTTP clients log message text and URLs with tokens at
    # DEBUG/INFO; keep them quiet whatever the bot's own level is.
    for name in ("rasa", "tensorflow", "httpx", "httpcore", "apscheduler", "sanic", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build(settings: Settings) -> Parts:
    from bot.content.validator import error_lines

    store = Store(settings.database_url)
    content = ContentStore(settings.content_dir, check=error_lines)
    if settings.nlu == "constant":  # benchmarks only: the same answer to everything, no Rasa
        engine = ConstantEngine()
    else:
        engine = Engine.load(
            latest_model(settings.model_dir),
            tracker_store=rasa_stores.tracker_store(settings.database_url),
            lock_store=rasa_stores.lock_store(settings.redis_url),
            review_logging=settings.review_logging,
            threads=settings.nlu_threads,
        )
    conversation = Conversation(engine, content, Translator(settings.locale_dir), store)
    return Parts(settings, conversation, store, content)
