"""Users: the language a chat chose, its last contact, deletion on request and on a schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.core.languages import Lang, as_lang
from bot.db.unit_of_work import Database
from bot.services.caches import UserCache
from bot.services.ports import Clock

log = logging.getLogger("wegweiser")


class UserService:
    """What is stored about a chat, and forgetting it."""

    def __init__(
        self, database: Database, clock: Clock, retention_days: int, record_retention_days: int
    ) -> None:
        self.database = database
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        self.record_retention = timedelta(days=record_retention_days)
        self.cache = UserCache()
        # Told when a chat is forgotten (e.g. the conversations drop it from memory).
        self.on_forget: list[Callable[[int], None]] = []

    async def language_of(self, chat_id: int) -> Lang | None:
        """The language this chat chose (None if it never did); notes that it was seen now."""
        language, _ = await self._visit(chat_id)
        return as_lang(language)

    async def first_contact(self, chat_id: int) -> bool:
        """Note that the chat wrote now; True if the bot has never heard of it before (or it
        deleted its data since): the moment to say what is stored."""
        _, new = await self._visit(chat_id)
        return new

    async def _visit(self, chat_id: int) -> tuple[str | None, bool]:
        """The chat's chosen language, and whether its row was created just now; the database
        is written only when the cache has not seen the chat recently."""
        moment = self.clock()
        seen = self.cache.fresh(chat_id, moment)
        if seen is not None:
            return seen.language, False
        async with self.database() as work:
            user, new = await work.users.visit(chat_id, moment)
            await work.commit()
        self.cache.put(chat_id, user.language, moment)
        return user.language, new

    async def choose_language(self, chat_id: int, lang: Lang) -> None:
        """Store the language the user chose."""
        moment = self.clock()
        async with self.database() as work:
            await work.users.set_language(chat_id, lang, moment)
            await work.commit()
        self.cache.put(chat_id, lang, moment)

    async def mark_blocked(self, chat_id: int) -> None:
        """The chat blocked the bot: nothing is sent to it until it writes again."""
        async with self.database() as work:
            await work.users.mark_blocked(chat_id)
            await work.commit()
        self.cache.forget(chat_id)

    async def everything_about(self, chat_id: int) -> dict[str, Any]:
        """All that is stored about the chat (GDPR Art. 15), as plain data."""
        async with self.database() as work:
            return await work.users.everything_about(chat_id)

    async def delete(self, chat_id: int) -> list[int]:
        """Forget the chat at once (GDPR Art. 17): user, conversations and what was relayed,
        appointments, reminders, subscriptions, stored updates. The staff topics it had (to tell
        staff there), if any."""
        async with self.database() as work:
            topics = await work.users.topics_of(chat_id)
            await work.users.delete(chat_id)
            await work.commit()
        self._forget(chat_id)
        return topics

    async def purge_inactive(self) -> int:
        """Delete the users silent for longer than the retention period; how many."""
        moment = self.clock()
        async with self.database() as work:
            deleted = await work.users.purge_inactive(moment - self.retention, moment)
            await work.commit()
        if deleted:
            log.info("purged %d users silent for %d days", deleted, self.retention.days)
        return deleted

    async def purge_records(self) -> dict[str, int]:
        """Delete closed conversations and past appointments older than the record retention;
        counts only are logged."""
        moment = self.clock()
        async with self.database() as work:
            counts = await work.users.purge_records(moment - self.record_retention)
            await work.commit()
        log.info("purged records older than %d days: %s", self.record_retention.days, counts)
        return counts

    def _forget(self, chat_id: int) -> None:
        self.cache.forget(chat_id)
        for listener in self.on_forget:
            listener(chat_id)
