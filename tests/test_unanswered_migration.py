"""Migration 0009 (why a question was kept) up and down, with rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command

from bot.db import create_engine
from bot.db.migrate import alembic_config, check, upgrade
from bot.db.models import UtcDateTime

ASKED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD = sa.table(
    "unanswered_questions", sa.column("id", sa.Integer), sa.column("text", sa.Text),
    sa.column("lang", sa.String), sa.column("created_at", UtcDateTime()),
)  # fmt: skip
NEW = sa.table(
    "unanswered_questions", sa.column("id", sa.Integer), sa.column("text", sa.Text),
    sa.column("lang", sa.String), sa.column("created_at", UtcDateTime()),
    sa.column("reason", sa.String), sa.column("entry_id", sa.String),
)  # fmt: skip


async def _run(url: str, *statements: Any) -> list[tuple[Any, ...]]:
    """Execute *statements* in one transaction; the rows of the last one (if it has rows)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(statement)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_kept_questions_get_a_reason_and_lose_the_new_kinds_going_back(database_url: str) -> None:
    config = alembic_config(database_url)
    upgrade(database_url)
    command.downgrade(config, "0007")  # PostgreSQL is shared by the run: it may be at head
    old_row = {"id": 1, "text": "Parkausweis?", "lang": "de", "created_at": ASKED}
    asyncio.run(_run(database_url, sa.delete(OLD), sa.insert(OLD).values([old_row])))
    upgrade(database_url)
    check(database_url)
    kept = sa.select(NEW.c.id, NEW.c.reason, NEW.c.entry_id).order_by(NEW.c.id)
    assert asyncio.run(_run(database_url, kept)) == [(1, "none", None)]
    rated = {"id": 2, "text": "", "lang": "tr", "created_at": ASKED, "reason": "unhelpful",
             "entry_id": "tutoring"}  # fmt: skip
    asyncio.run(_run(database_url, sa.insert(NEW).values([rated])))
    command.downgrade(config, "0007")
    left = sa.select(OLD.c.id, OLD.c.text).order_by(OLD.c.id)
    assert asyncio.run(_run(database_url, left)) == [(1, "Parkausweis?")]
    upgrade(database_url)
    check(database_url)
