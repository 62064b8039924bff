"""Users: the language a chat chose, its last contact, deletion on request and on a schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot.core.languages import Lang, as_lang
from bot.db.unit_of_work import Database
from bot.services.caches import UserCache
from bot.services.ports import Clock

log = logging.getLogger("wegweiser")


class UserService:
    """What is stored about a chat, and forgetting it."""

    def __init__(self, database: Database, clock: Clock, retention_days: int) -> None:
        self.database = database
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        self.cache = UserCache()
        # Told when a chat is forgotten (e.g. the conversations drop it from memory).
        self.on_forget: list[Callable[[int], None]] = []

    async def language_of(self, chat_id: int) -> Lang | None:
        """The language this chat chose (None if it never did); notes that it was seen now."""
        moment = self.clock()
        seen = self.cache.fresh(chat_id, moment)
        if seen is not None:
            return as_lang(seen.language)
        async with self.database() as work:
            user = await work.users.touch(chat_id, moment)
            await work.commit()
        self.cache.put(chat_id, user.language, moment)
        return as_lang(user.language)

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

    async def delete(self, chat_id: int) -> None:
        """Forget the chat at once: user, conversations, appointments, subscriptions."""
        async with self.database() as work:
            await work.users.delete(chat_id)
            await work.commit()
        self._forget(chat_id)

    async def purge_inactive(self) -> int:
        """Delete the users silent for longer than the retention period; how many."""
        moment = self.clock()
        async with self.database() as work:
            deleted = await work.users.purge_inactive(moment - self.retention, moment)
            await work.commit()
        if deleted:
            log.info("purged %d users silent for %d days", deleted, self.retention.days)
        return deleted

    def _forget(self, chat_id: int) -> None:
        self.cache.forget(chat_id)
        for listener in self.on_forget:
            listener(chat_id)
