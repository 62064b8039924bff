"""Recently seen chats and their chosen language, so that not every message writes the database.

The database stays the source of truth: a chat's row is written on first contact, when its
language changes, and at most once per ``touch_every`` otherwise (``last_seen`` is kept to the
hour, which is all the purge needs).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Seen:
    """What is known of a chat: its chosen language and when ``last_seen`` was last written."""

    language: str | None
    written: datetime


class UserCache:
    """A bounded, least-recently-used map of chat id -> :class:`Seen`."""

    def __init__(self, size: int = 20_000, touch_every: timedelta = timedelta(hours=1)) -> None:
        self.size = size
        self.touch_every = touch_every
        self._seen: OrderedDict[int, Seen] = OrderedDict()

    def fresh(self, chat_id: int, now: datetime) -> Seen | None:
        """The cached state if the database was written recently enough, else None."""
        seen = self._seen.get(chat_id)
        if seen is None or now - seen.written >= self.touch_every:
            return None
        self._seen.move_to_end(chat_id)
        return seen

    def put(self, chat_id: int, language: str | None, written: datetime) -> None:
        """Remember what was just written."""
        self._seen[chat_id] = Seen(language, written)
        self._seen.move_to_end(chat_id)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        """Drop a chat (deleted, or blocked the bot)."""
        self._seen.pop(chat_id, None)


class MembershipCache:
    """Who is staff, as Telegram said recently: user id -> (allowed, when asked); bounded."""

    def __init__(self, ttl_seconds: float = 300.0, size: int = 5_000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._known: OrderedDict[int, tuple[bool, float]] = OrderedDict()

    def get(self, user_id: int, now: float) -> bool | None:
        """The remembered answer if it is younger than the time to live."""
        known = self._known.get(user_id)
        if known is None or now - known[1] >= self.ttl:
            return None
        return known[0]

    def put(self, user_id: int, allowed: bool, now: float) -> None:
        """Remember an answer (the oldest are forgotten beyond *size*)."""
        self._known[user_id] = (allowed, now)
        self._known.move_to_end(user_id)
        while len(self._known) > self.size:
            self._known.popitem(last=False)
