"""What the bot keeps: one repository over SQLAlchemy Core (SQLite or PostgreSQL)."""
from bot.storage.repository import Store

__all__ = ["Store"]
