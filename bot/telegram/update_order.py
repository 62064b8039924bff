"""Handle updates concurrently, but each conversation's updates one after another, in arrival
order; tell the inbox when an update is done."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.inbox import Inbox

ConversationKey = tuple[int, int | None]
WAITING_PER_SLOT = 64  # updates that may wait for their conversation, per running slot


def conversation_of(update: Update) -> ConversationKey | None:
    """Chat and forum topic of an update: staff in different topics of one group are
    different conversations; a private chat is one."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    topic = message.message_thread_id if message is not None and message.is_topic_message else None
    return chat.id, topic


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Up to *max_concurrent_updates* at once; a lock per conversation keeps it in order.

    An update first waits for its conversation, then for a free slot: updates queued behind a
    busy conversation never take the slots other conversations need.
    """

    def __init__(self, max_concurrent_updates: int = 256, inbox: Inbox | None = None) -> None:
        # PTB's own semaphore is taken before do_process_update; it only bounds what waits.
        super().__init__(max_concurrent_updates * WAITING_PER_SLOT)
        self.inbox = inbox
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[ConversationKey, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run *coroutine* once every earlier update of the same conversation is done."""
        key = conversation_of(update) if isinstance(update, Update) else None
        if key is None:
            async with self._slots:
                await coroutine
        else:
            lock, users = self._locks.get(key, (asyncio.Lock(), 0))
            self._locks[key] = (lock, users + 1)
            try:
                async with lock, self._slots:
                    await coroutine
            finally:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
        if self.inbox is not None and isinstance(update, Update):
            await self.inbox.finished(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
