"""The typed context every handler gets: ``context.services`` (the use cases), ``context.staff``
(who is staff), ``context.background`` (sends nobody waits for) — no string keys in bot_data."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.caches import MembershipCache
from bot.services.container import Services
from bot.settings import Settings
from bot.telegram.health import HealthServer
from bot.telegram.inbox import Inbox
from bot.telegram.outbox import RelayOutbox

log = logging.getLogger("wegweiser")
_MEMBERS = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


class Background:
    """Sends that nobody waits for (answers in the staff group, which has a rate limit of its
    own); their failures are logged."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def run(self, sending: Coroutine[Any, Any, Any]) -> None:
        """Start *sending* without waiting for it."""
        task = asyncio.create_task(_logged(sending))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def settle(self) -> None:
        """Wait until every background send is done (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


async def _logged(sending: Coroutine[Any, Any, Any]) -> None:
    try:
        await sending
    except Exception:
        log.warning("a background send failed", exc_info=True)


class StaffDirectory:
    """Who is staff: the user ids in ``WEGWEISER_STAFF_USER_IDS`` if set, else the members of the
    staff group (asked with ``getChatMember``, remembered for five minutes)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.members = MembershipCache()

    async def is_staff(self, bot: Bot, user_id: int) -> bool:
        """True if *user_id* may use the staff commands."""
        if self.settings.staff_user_ids:
            return user_id in self.settings.staff_user_ids
        if self.settings.staff_chat_id is None:
            return False
        known = self.members.get(user_id, time.monotonic())
        if known is not None:
            return known
        try:
            member = await bot.get_chat_member(self.settings.staff_chat_id, user_id)
            allowed = member.status in _MEMBERS
        except TelegramError:
            allowed = False
        self.members.put(user_id, allowed, time.monotonic())
        return allowed


class BotData:
    """What the application keeps for its handlers and itself (set once by
    ``build_application``)."""

    services: Services
    staff: StaffDirectory
    background: Background
    inbox: Inbox
    outbox: RelayOutbox
    engine: AsyncEngine
    migrate: Callable[[str], None]  # blocking; brings the database up to date

    def __init__(self) -> None:
        # Run in ``post_init`` before updates flow (e.g. loading which chats are with staff).
        self.on_start: list[Callable[[Any], Awaitable[None]]] = []
        # Tells a family once that its message waits (set by the handlers' error module).
        self.tell_waiting: Callable[[Update], Awaitable[None]] = _nobody
        self.health: HealthServer | None = None

    async def settle(self) -> None:
        """Wait for the outbox and the background sends (tests, shutdown)."""
        await self.background.settle()
        await self.outbox.idle()


async def _nobody(update: Update) -> None:
    return None


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of every handler and job of Wegweiser."""

    @property
    def services(self) -> Services:
        """The use cases."""
        return self.bot_data.services

    @property
    def staff(self) -> StaffDirectory:
        """Who is staff."""
        return self.bot_data.staff

    @property
    def background(self) -> Background:
        """Sends nobody waits for."""
        return self.bot_data.background

    def reply_in_background(self, message: Message, text: str) -> None:
        """Answer in the staff group without waiting for the group's rate limit."""
        self.background.run(message.reply_text(text))


WegweiserApp = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
