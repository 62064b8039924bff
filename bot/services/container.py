"""Every use case of one running bot, built once by the composition root (``bot.cli`` through
``bot.telegram.app.build_application``) and handed to handlers as ``context.services``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.assistant import Assistant
from bot.core.knowledge import Event, KnowledgeBase
from bot.core.matching import Matcher
from bot.db.unit_of_work import Database
from bot.services.conversations import ConversationService
from bot.services.ports import Clock, Messenger, Outbox
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
    conversations: ConversationService
    # TRANSITIONAL (moving into the feature services):
    sessions: async_sessionmaker[AsyncSession]
    contact_search: tuple[KnowledgeBase, Matcher] | None = None
    feed_events: tuple[Event, ...] = ()
    feed_broken: bool = False
    kb_fingerprint: tuple[tuple[str, int, int], ...] | None = None
