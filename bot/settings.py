"""Configuration, read once from the environment into a frozen object that is passed in."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_API_URL = "https://api.telegram.org/bot"
NLU_CHOICES = ("rasa", "constant")


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    telegram_token: Optional[str] = None
    # Bot API base URL (ApplicationBuilder.base_url): a local Bot API server or a test stand-in.
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_file_url: Optional[str] = None
    # Webhook mode when set: the public URL Telegram posts to, and the local listener.
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    database_url: str = f"sqlite:///{ROOT / 'data' / 'bot.db'}"
    redis_url: Optional[str] = None
    model_dir: Path = ROOT / "models"
    content_dir: Path = ROOT / "content"
    locale_dir: Path = ROOT / "locale"
    admin_ids: frozenset = field(default_factory=frozenset)
    # Salt for the hashes that stand in for Telegram ids in analytics and logs.
    hash_salt: str = ""
    retention_days: int = 30
    # Messages a second the bot sends in all (PTB's AIORateLimiter): Telegram's documented
    # ceiling is about 30. 0 leaves pacing to Telegram's 429s, which are always obeyed.
    send_rate_limit: float = 30.0
    # Messages a user may send in flood_window seconds before a polite "slow down".
    flood_limit: int = 12
    flood_window: float = 60.0
    log_level: str = "INFO"
    # Off by default: when on, message text is kept in the tracker for reviewing the NLU.
    review_logging: bool = False
    # Seconds between checks of content/ for edits (0 turns hot reload off).
    content_reload_seconds: float = 5.0
    # "rasa": the trained model; "constant": one fixed answer, for benchmarks that
    # measure what the NLU costs (BOT_NLU=constant). Never for real users.
    nlu: str = "rasa"
    # Threads that parse messages at once (bot.engine). Two on a 2-core machine: the
    # sentence vectors run without the GIL, so the second core computes one while the
    # first computes another (bench/load_bench.py).
    nlu_threads: int = field(default_factory=lambda: default_nlu_threads())

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Build settings from environment variables; unknown values raise SettingsError."""
        get = lambda name: (environ.get(name) or "").strip() or None  # noqa: E731
        values = {
            "telegram_token": get("TELEGRAM_BOT_TOKEN"),
            "telegram_api_url": get("TELEGRAM_API_URL") or TELEGRAM_API_URL,
            "telegram_file_url": get("TELEGRAM_FILE_URL"),
            "webhook_url": get("WEBHOOK_URL"),
            "webhook_secret": get("WEBHOOK_SECRET"),
            "listen_host": get("LISTEN_HOST") or "127.0.0.1",
            "listen_port": _int(get("PORT") or "8080", "PORT"),
            "redis_url": get("REDIS_URL"),
            "admin_ids": frozenset(_int(x, "ADMIN_IDS") for x in (get("ADMIN_IDS") or "").replace(",", " ").split()),
            "hash_salt": get("HASH_SALT") or "",
            "retention_days": _int(get("RETENTION_DAYS") or "30", "RETENTION_DAYS"),
            "flood_limit": _int(get("FLOOD_LIMIT") or "12", "FLOOD_LIMIT"),
            "log_level": (get("LOG_LEVEL") or "INFO").upper(),
            "review_logging": (get("REVIEW_LOGGING") or "").lower() in {"1", "true", "yes"},
            "content_reload_seconds": _number(get("CONTENT_RELOAD_SECONDS") or "5", "CONTENT_RELOAD_SECONDS"),
            "send_rate_limit": _number(get("SEND_RATE_LIMIT") or "30", "SEND_RATE_LIMIT"),
            "nlu": _choice((get("BOT_NLU") or "rasa").lower(), "BOT_NLU", NLU_CHOICES),
            "nlu_threads": _int(get("NLU_THREADS") or str(default_nlu_threads()), "NLU_THREADS"),
        }
        if values["nlu_threads"] < 1:
            raise SettingsError(f"NLU_THREADS must be 1 or more, not {values['nlu_threads']}")
        if get("DATABASE_URL"):
            values["database_url"] = _database_url(get("DATABASE_URL"))
        for name, key in (("MODEL_DIR", "model_dir"), ("CONTENT_DIR", "content_dir")):
            if get(name):
                values[key] = Path(get(name))
        if values["webhook_url"] and not values["webhook_secret"] and values["telegram_token"]:
            # Telegram sends this back in a header so forged posts are refused. Derived from
            # the token, so every instance behind a load balancer agrees without configuration.
            values["webhook_secret"] = hashlib.sha256(b"webhook:" + values["telegram_token"].encode()).hexdigest()
        return cls(**values)


def default_nlu_threads() -> int:
    """One NLU thread per core the process may use, at most 4 (the event loop needs one too)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 4))


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):  # also refuses nan
        raise SettingsError(f"{name} must be a number of 0 or more, not {value!r}")
    return number


def _choice(value: str, name: str, choices) -> str:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _database_url(url: str) -> str:
    # SQLAlchemy 1.4 wants the postgresql:// spelling; Heroku-style postgres:// is common.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if not url.startswith(("postgresql://", "postgresql+psycopg2://", "sqlite://")):
        raise SettingsError("DATABASE_URL must start with postgresql:// or sqlite://")
    return url
