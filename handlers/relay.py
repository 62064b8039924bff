"""Deliver the relay outbox: family -> staff topic and staff -> family, in order, nothing lost.

Every relayed message is first written to ``relay_messages`` and only marked delivered once
Telegram accepted it. A failure (network, flood limit) stops that conversation's queue, so later
messages never overtake earlier ones; the periodic job and the next message retry. A family that
blocked the bot is marked, its messages dropped, and staff are told in the topic.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from telegram import Bot
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.db import Handoff, HandoffRepository, RelayMessage, RelayRepository
from handlers.services import Context, Services, now, services

log = logging.getLogger("wegweiser")
_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

STAFF_FAMILY_BLOCKED = "⚠️ Die Familie hat den Bot blockiert: Nachrichten kommen nicht mehr an."


async def _send(bot: Bot, s: Services, handoff: Handoff, item: RelayMessage) -> int | None:
    """Send one item; the message id it got in the target chat."""
    staff_chat = s.settings.staff_chat_id
    if item.to_staff:
        assert staff_chat is not None
        target, thread = staff_chat, handoff.topic_id
    else:
        target, thread = handoff.chat_id, None
    if item.text is not None:
        sent = await bot.send_message(target, item.text, message_thread_id=thread)
        return sent.message_id
    assert item.from_chat_id is not None
    assert item.message_id is not None
    copied = await bot.copy_message(
        target, item.from_chat_id, item.message_id, message_thread_id=thread
    )
    return copied.message_id


async def _attempt(
    bot: Bot, s: Services, handoff: Handoff, item: RelayMessage, relay: RelayRepository
) -> bool:
    """Try one item; False when the queue has to wait (it is kept for later)."""
    try:
        message_id = await _send(bot, s, handoff, item)
    except Forbidden:
        if item.to_staff:
            log.error("the bot may not write to the staff chat %s", s.settings.staff_chat_id)
            return False
        item.dropped, item.delivered_at = True, now()
        if not handoff.family_blocked:
            handoff.family_blocked = True
            await relay.add(handoff.id, to_staff=True, now=now(), text=STAFF_FAMILY_BLOCKED)
        return True
    except TelegramError as exc:  # network, flood limit: keep it, try again later
        log.warning("relay for handoff %s waits: %s", handoff.id, exc)
        return False
    item.delivered_at = now()
    if item.to_staff:
        item.staff_message_id = message_id
    return True


async def deliver(bot: Bot, s: Services, handoff_id: int) -> None:
    """Send what is pending for one handoff, in order, until done or something fails."""
    async with _locks[handoff_id], s.sessions() as session:
        handoff = await HandoffRepository(session).get(handoff_id)
        if handoff is None:
            return
        relay = RelayRepository(session)
        while items := await relay.pending(handoff_id):
            for item in items:
                went_through = await _attempt(bot, s, handoff, item, relay)
                await session.commit()
                if not went_through:
                    return


async def deliver_everything(context: Context) -> None:
    """Job: retry every conversation that still has messages waiting (also right after a start)."""
    s = services(context)
    async with s.sessions() as session:
        waiting = await RelayRepository(session).handoffs_with_pending()
    for handoff_id in waiting:
        await deliver(context.bot, s, handoff_id)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The retry job: soon after the start, then every 30 seconds."""
    if app.job_queue is not None:
        app.job_queue.run_repeating(deliver_everything, interval=30, first=2, name="relay-outbox")
