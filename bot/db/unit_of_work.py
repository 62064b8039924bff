"""One transaction with every repository inside it: what a use case works in.

``async with database() as work: ...; await work.commit()`` — nothing is stored without the
commit, and leaving the block rolls back what was not committed. The services see only this
class and the repositories; no ``select`` and no session leave ``bot.db``.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.repositories import (
    ActivityRepository,
    AppointmentRepository,
    DigestRepository,
    EventReminderRepository,
    EventSubscriptionRepository,
    FeedbackRepository,
    HandoffRepository,
    RelayRepository,
    ReminderRepository,
    UnansweredRepository,
    UserRepository,
)


class UnitOfWork:
    """The repositories of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.handoffs = HandoffRepository(session)
        self.relays = RelayRepository(session)
        self.appointments = AppointmentRepository(session)
        self.event_reminders = EventReminderRepository(session)
        self.reminders = ReminderRepository(session)
        self.subscriptions = EventSubscriptionRepository(session)
        self.feedback = FeedbackRepository(session)
        self.unanswered = UnansweredRepository(session)
        self.activity = ActivityRepository(session)
        self.digests = DigestRepository(session)

    async def commit(self) -> None:
        """Store everything done in this unit."""
        await self.session.commit()

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.session.close()


class Database:
    """Opens units of work: ``async with database() as work``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions())
