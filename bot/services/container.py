"""Every use case of one running bot, built once by the composition root (``bot.cli`` through
``bot.telegram.app.build_application``) and handed to handlers as ``context.services``."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.assistant import Assistant, Reply
from bot.core.knowledge import Event, KnowledgeBase
from bot.core.matching import Matcher
from bot.db.unit_of_work import Database
from bot.services.appointments import AppointmentService
from bot.services.ports import Clock, Messenger, Outbox
from bot.services.reminders import ReminderService
from bot.services.users import UserService
from bot.settings import Settings


@dataclass
class Services:
    """The use cases, and the assistant they answer with (replaced when the knowledge base is
    reloaded)."""

    assistant: Assistant
    settings: Settings
    clock: Clock
    database: Database
    outbox: Outbox
    messenger: Messenger
    users: UserService
    appointments: AppointmentService
    reminders: ReminderService
    # TRANSITIONAL (moving into the feature services):
    sessions: async_sessionmaker[AsyncSession]
    contact_search: tuple[KnowledgeBase, Matcher] | None = None
    with_staff: set[int] = field(default_factory=set)
    feed_events: tuple[Event, ...] = ()
    feed_broken: bool = False
    kb_fingerprint: tuple[tuple[str, int, int], ...] | None = None
    last_reply: OrderedDict[int, Reply] = field(default_factory=OrderedDict)

    def remember_reply(self, chat_id: int, reply: Reply) -> None:
        """Keep the latest reply of a chat (at most 5,000 chats)."""
        self.last_reply[chat_id] = reply
        self.last_reply.move_to_end(chat_id)
        while len(self.last_reply) > 5000:
            self.last_reply.popitem(last=False)
