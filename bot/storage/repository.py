"""The bot's own tables, next to Rasa's tracker events in the same database.

No message text is ever written here: users are salted hashes, analytics are daily
counts. SQLAlchemy Core keeps one implementation for SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

SCHEMA_VERSION = 1
metadata = sa.MetaData()

schema_version = sa.Table("bot_schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))
users = sa.Table(
    "bot_users", metadata,
    sa.Column("user_hash", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(8)),
    sa.Column("created_on", sa.Date, nullable=False),
    sa.Column("updated_on", sa.Date, nullable=False),
)
daily_counts = sa.Table(
    "bot_daily_counts", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)
processed_updates = sa.Table(
    "bot_processed_updates", metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Date, nullable=False),
)
# Upgrades from version N-1 to N, in order; each a list of SQL statements that both
# SQLite and PostgreSQL accept (e.g. ALTER TABLE ... ADD COLUMN ...).
MIGRATIONS: Dict[int, List[str]] = {}
MIGRATION_LOCK_KEY = 0x0B07_5C4E  # any fixed number: PostgreSQL advisory lock for migrate()


def user_hash(user_id: int, salt: str) -> str:
    """Stands in for a Telegram id everywhere the bot stores or logs a user."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:32]


def create_engine(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        # Several threads (Rasa's tracker store, the bot) share the file. SQLAlchemy 1.4 opens
        # a new SQLite connection for every statement by default (NullPool): five connects a
        # message. A small pool keeps them open.
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  poolclass=sa.pool.QueuePool, pool_size=4, future=True)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers and one writer work at once and syncs to disk far less often;
    # the journal mode is kept in the file, so Rasa's tracker store gets it too.
    cursor = connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor, seconds: float = 30.0) -> None:
    """Only done once per file, but it needs the file to itself: when instances start
    together SQLite answers "database is locked" at once (no busy wait), so try again."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Store:
    """User preferences, aggregate counts and update de-duplication."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.migrate()

    def migrate(self) -> int:
        """Create or upgrade the tables; returns the schema version now in force.

        Safe to run again and from several instances starting at once: the whole upgrade
        is one transaction under a lock (PostgreSQL: an advisory lock; SQLite: the write
        lock), so one instance migrates and the others then find the version in force.
        """
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            elif db.dialect.name == "sqlite":
                # pysqlite would open the transaction only at the first INSERT; take the
                # write lock now so checking and creating the tables is one step.
                db.exec_driver_sql("BEGIN IMMEDIATE")
            metadata.create_all(db)
            version = db.execute(sa.select(schema_version.c.version)).scalar()
            if version is None:
                db.execute(schema_version.insert().values(version=SCHEMA_VERSION))
                return SCHEMA_VERSION
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS.get(step, []):
                    db.execute(sa.text(statement))
                db.execute(schema_version.update().values(version=step))
            return max(version, SCHEMA_VERSION)

    def language(self, who: str) -> Optional[str]:
        with self.engine.connect() as db:
            return db.execute(sa.select(users.c.language).where(users.c.user_hash == who)).scalar()

    def set_language(self, who: str, language: str) -> None:
        today = dt.date.today()
        with self.engine.begin() as db:
            changed = db.execute(users.update().where(users.c.user_hash == who)
                                 .values(language=language, updated_on=today)).rowcount
            if not changed:
                try:
                    with db.begin_nested():
                        db.execute(users.insert().values(user_hash=who, language=language, created_on=today, updated_on=today))
                except IntegrityError:  # another instance inserted it first
                    db.execute(users.update().where(users.c.user_hash == who).values(language=language, updated_on=today))

    def count(self, kind: str, key: str, n: int = 1, day: Optional[dt.date] = None) -> None:
        """Add to a daily aggregate (topics asked, fallbacks, deep-link sources, feedback)."""
        day = day or dt.date.today()
        where = sa.and_(daily_counts.c.day == day, daily_counts.c.kind == kind, daily_counts.c.key == key[:64])
        with self.engine.begin() as db:
            if db.execute(daily_counts.update().where(where).values(count=daily_counts.c.count + n)).rowcount:
                return
            try:
                with db.begin_nested():
                    db.execute(daily_counts.insert().values(day=day, kind=kind, key=key[:64], count=n))
            except IntegrityError:
                db.execute(daily_counts.update().where(where).values(count=daily_counts.c.count + n))

    def totals(self, days: int = 30) -> Dict[Tuple[str, str], int]:
        since = dt.date.today() - dt.timedelta(days=days)
        query = (sa.select(daily_counts.c.kind, daily_counts.c.key, sa.func.sum(daily_counts.c.count))
                 .where(daily_counts.c.day >= since).group_by(daily_counts.c.kind, daily_counts.c.key))
        with self.engine.connect() as db:
            return {(kind, key): int(total) for kind, key, total in db.execute(query)}

    def user_count(self, days: Optional[int] = None) -> int:
        """Users with a saved language; with days, those who set it in that many days."""
        query = sa.select(sa.func.count()).select_from(users)
        if days is not None:
            query = query.where(users.c.updated_on >= dt.date.today() - dt.timedelta(days=days))
        with self.engine.connect() as db:
            return int(db.execute(query).scalar() or 0)

    def claim_update(self, update_id: int) -> bool:
        """True the first time any instance sees this update id; False for a repeat."""
        try:
            with self.engine.begin() as db:
                db.execute(processed_updates.insert().values(update_id=update_id, day=dt.date.today()))
            return True
        except IntegrityError:
            return False

    def forget(self, who: str) -> int:
        """Erase every row of this user, Rasa's tracker events included; rows removed."""
        removed = 0
        with self.engine.begin() as db:
            removed += db.execute(users.delete().where(users.c.user_hash == who)).rowcount
            if sa.inspect(db).has_table("events"):
                removed += db.execute(sa.text("DELETE FROM events WHERE sender_id = :who"), {"who": who}).rowcount
        return removed

    def purge(self, retention_days: int) -> int:
        """Delete tracker events and update ids older than the retention period."""
        cutoff = dt.datetime.now() - dt.timedelta(days=retention_days)
        removed = 0
        with self.engine.begin() as db:
            removed += db.execute(processed_updates.delete().where(processed_updates.c.day < cutoff.date())).rowcount
            if sa.inspect(db).has_table("events"):
                removed += db.execute(sa.text("DELETE FROM events WHERE timestamp < :cutoff"),
                                      {"cutoff": cutoff.timestamp()}).rowcount
        return removed
