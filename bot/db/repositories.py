"""One repository per entity; they add and query, the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Feedback, UnansweredQuestion, User

MAX_STORED_QUESTION = 1000


class UserRepository:
    """Users by chat id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> User | None:
        """The user, or None."""
        return await self.session.get(User, chat_id)

    async def touch(self, chat_id: int, now: datetime) -> User:
        """The user, created on first contact; ``last_seen`` set to *now*, ``blocked`` cleared."""
        user = await self.get(chat_id)
        if user is None:
            user = User(chat_id=chat_id, first_seen=now, last_seen=now, blocked=False)
            self.session.add(user)
        else:
            user.last_seen = now
            user.blocked = False
        return user

    async def set_language(self, chat_id: int, language: str, now: datetime) -> User:
        """Remember the language the user chose."""
        user = await self.touch(chat_id, now)
        user.language = language
        return user

    async def mark_blocked(self, chat_id: int) -> None:
        """The user blocked the bot: do not write to them again until they write."""
        user = await self.get(chat_id)
        if user is not None:
            user.blocked = True

    async def purge_inactive(self, silent_since: datetime) -> int:
        """Delete every user who has not written since *silent_since*; how many were deleted."""
        result = await self.session.execute(delete(User).where(User.last_seen < silent_since))
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete(self, chat_id: int) -> bool:
        """Forget the user entirely; True if there was something to delete."""
        result = await self.session.execute(delete(User).where(User.chat_id == chat_id))
        return bool(getattr(result, "rowcount", 0))


class FeedbackRepository:
    """Answer votes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry_id: str, lang: str, helpful: bool, now: datetime) -> Feedback:
        """Record one vote."""
        vote = Feedback(entry_id=entry_id, lang=lang, helpful=helpful, created_at=now)
        self.session.add(vote)
        return vote

    async def all(self) -> list[Feedback]:
        """Every vote, oldest first."""
        return list((await self.session.scalars(select(Feedback).order_by(Feedback.id))).all())


class UnansweredRepository:
    """Questions without an answer, for staff to extend the knowledge base."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, text: str, lang: str, now: datetime) -> UnansweredQuestion:
        """Keep the question's text (shortened to a sensible length) and language."""
        item = UnansweredQuestion(text=text[:MAX_STORED_QUESTION], lang=lang, created_at=now)
        self.session.add(item)
        return item

    async def all(self) -> list[UnansweredQuestion]:
        """Every stored question, oldest first."""
        query = select(UnansweredQuestion).order_by(UnansweredQuestion.id)
        return list((await self.session.scalars(query)).all())
