"""Engine and session factory for SQLite (default) or PostgreSQL (by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite with a busy timeout and write-ahead logging for concurrent use."""
    if url.startswith("sqlite"):
        # A session always ends its transaction (commit, or rollback on close), so the pool's own
        # rollback when a connection comes back is a second one: with aiosqlite each is a
        # round trip to its thread, a fifth of a one-statement transaction.
        engine = _create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            # With the write-ahead log, NORMAL loses nothing when the process dies (kill -9),
            # only the last transactions on a power cut; it saves an fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros, so that what /delete removed cannot be
            # read from the file afterwards (GDPR Art. 17).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return _create_async_engine(url, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_for(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into *table* in *session*'s dialect (PostgreSQL or SQLite), so that
    ``on_conflict_do_nothing`` is at hand."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def rowcount(result: object) -> int:
    """The rows an INSERT, UPDATE or DELETE touched (0 where the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)
