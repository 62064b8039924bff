"""Exactly once: two dispatchers on one database never claim the same reminder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from bot.db import (
    CANCELLED,
    SENT,
    Appointment,
    AppointmentRepository,
    Reminder,
    ReminderRepository,
    create_engine,
    session_factory,
)
from bot.db.migrate import upgrade

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _book(url: str, count: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(delete(Reminder))
        await session.execute(delete(Appointment))
        repo = AppointmentRepository(session)
        for n in range(count):
            await repo.book(
                chat_id=1000 + n, handoff_id=None, lang="tr",
                starts_at=NOW + timedelta(hours=3), place="Flachsmarkt 15", bring=None,
                reminders=[NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)], now=NOW,
            )  # fmt: skip
        cancelled = await repo.book(
            chat_id=1, handoff_id=None, lang="de", starts_at=NOW + timedelta(hours=3),
            place="x", bring=None, reminders=[NOW - timedelta(minutes=2)], now=NOW,
        )  # fmt: skip
        cancelled.status = CANCELLED
        yesterday = NOW - timedelta(days=1)
        past = await repo.book(
            chat_id=2, handoff_id=None, lang="de", starts_at=NOW - timedelta(minutes=1),
            place="x", bring=None, reminders=[NOW - timedelta(hours=1)], now=yesterday,
        )  # fmt: skip
        assert past.id
        await session.commit()
    await engine.dispose()


async def _dispatcher(url: str, rounds: int) -> list[int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    claimed: list[int] = []
    try:
        for _ in range(rounds):
            async with sessions() as session:
                repository = ReminderRepository(session)
                found = await repository.claim_due(NOW, limit=7)
                await session.commit()
                for reminder, _ in found:  # Telegram took it
                    await repository.set_status(reminder.id, SENT, NOW)
                await session.commit()
            claimed.extend(reminder.id for reminder, _ in found)
            await asyncio.sleep(0)
    finally:
        await engine.dispose()
    return claimed


async def _statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.scalars(select(Reminder))).all()
    finally:
        await engine.dispose()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def test_two_concurrent_dispatchers_claim_each_reminder_once(database_url: str) -> None:
    upgrade(database_url)
    asyncio.run(_book(database_url, 40))

    async def both() -> tuple[list[int], list[int]]:
        first, second = await asyncio.gather(
            _dispatcher(database_url, 20), _dispatcher(database_url, 20)
        )
        return first, second

    first, second = asyncio.run(both())
    claimed = first + second
    assert len(claimed) == 80  # 40 appointments x 2 reminders, the cancelled and past skipped
    assert len(set(claimed)) == len(claimed)  # nobody got one twice
    if database_url.startswith("postgresql"):  # SKIP LOCKED: both work at the same time
        assert first
        assert second
    assert asyncio.run(_statuses(database_url)) == {"sent": 80, "skipped": 2}
