"""What every handler needs: the assistant, the database, the settings; and who is asking."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.assistant import Assistant, Reply
from bot.db import UserRepository
from bot.inbox import Inbox
from bot.knowledge import Event, KnowledgeBase
from bot.languages import Lang, as_lang
from bot.matching import Matcher
from bot.outbox import RelayOutbox
from bot.settings import Settings
from bot.user_cache import MembershipCache, UserCache

SERVICES = "wegweiser"
DEFAULT_LANG: Lang = "de"
LAST_REPLIES = 5000
Context = ContextTypes.DEFAULT_TYPE
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


@dataclass
class Services:
    """Shared, long-lived objects, kept in ``application.bot_data`` (``assistant`` is replaced
    when the knowledge base is reloaded)."""

    assistant: Assistant
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    inbox: Inbox
    outbox: RelayOutbox
    # Every handler reads the time here; tests give a fixed one.
    clock: Clock = system_clock
    users: UserCache = field(default_factory=UserCache)
    staff_members: MembershipCache = field(default_factory=MembershipCache)
    # The contact search of the current knowledge base (handlers.volunteering builds it).
    contact_search: tuple[KnowledgeBase, Matcher] | None = None
    # Family chats whose conversation is with staff right now (loaded from the database at start).
    with_staff: set[int] = field(default_factory=set)
    # Events of the iCalendar feed: the last copy that could be read.
    feed_events: tuple[Event, ...] = ()
    # The last reply per chat, for the staff header ("what led here"); memory only, bounded.
    last_reply: OrderedDict[int, Reply] = field(default_factory=OrderedDict)

    # Sends that nobody waits for (notices in the staff group, which has a rate limit of its own).
    background: set[asyncio.Task[Any]] = field(default_factory=set)

    def in_background(self, sending: Coroutine[Any, Any, Any]) -> None:
        """Run *sending* without making the handler wait for it (failures are logged)."""
        task = asyncio.create_task(_logged(sending))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def settle(self) -> None:
        """Wait for the outbox and the background sends (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)
        await self.outbox.idle()

    def remember_reply(self, chat_id: int, reply: Reply) -> None:
        """Keep the latest reply of a chat (at most 5,000 chats)."""
        self.last_reply[chat_id] = reply
        self.last_reply.move_to_end(chat_id)
        while len(self.last_reply) > LAST_REPLIES:
            self.last_reply.popitem(last=False)


async def _logged(sending: Coroutine[Any, Any, Any]) -> None:
    try:
        await sending
    except Exception:
        logging.getLogger("wegweiser").warning("a background send failed", exc_info=True)


def staff_reply(context: Context, message: Message, text: str) -> None:
    """Answer a staff member in the staff group without waiting for the group's rate limit."""
    services(context).in_background(message.reply_text(text))


def services(context: Context) -> Services:
    """The services of this application."""
    found = context.bot_data[SERVICES]
    assert isinstance(found, Services)
    return found


def hint_of(update: Update) -> str | None:
    """Telegram's ``language_code`` of the sender, if any."""
    user = update.effective_user
    return user.language_code if user else None


async def remembered_language(update: Update, context: Context) -> Lang | None:
    """The language this chat chose (/language, /start), touching its last-seen time."""
    chat = update.effective_chat
    if chat is None:
        return None
    s = services(context)
    moment = s.clock()
    seen = s.users.fresh(chat.id, moment)
    if seen is not None:
        return as_lang(seen.language)
    async with s.sessions() as session:
        user = await UserRepository(session).touch(chat.id, moment)
        await session.commit()
    s.users.put(chat.id, user.language, moment)
    return as_lang(user.language)


async def ui_language(update: Update, context: Context) -> Lang:
    """The language for the bot's own words: the chosen one, else Telegram's, else German."""
    return await remembered_language(update, context) or as_lang(hint_of(update)) or DEFAULT_LANG


async def remember_language(update: Update, context: Context, lang: Lang) -> None:
    """Store the language the user chose."""
    chat = update.effective_chat
    if chat is None:
        return
    s = services(context)
    moment = s.clock()
    async with s.sessions() as session:
        await UserRepository(session).set_language(chat.id, lang, moment)
        await session.commit()
    s.users.put(chat.id, lang, moment)
