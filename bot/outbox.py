"""The relay outbox and its sender: family -> staff topic and staff -> family, in order.

Handlers only write a row (``RelayRepository.add``) and :meth:`RelayOutbox.wake` the sender; they
never wait for Telegram or its rate limits. One sender task per conversation delivers its rows
oldest first; a conversation is leased to one process (``handoffs.relay_owner``), so two
processes never send the same row. What Telegram says decides what happens to a row:

- accepted: marked delivered (at least once: a crash between Telegram's answer and the mark
  sends it again; the window is one request);
- passing trouble (network, time-out, 429, 5xx): kept, tried again with back-off, later rows wait
  so the order holds;
- refused for good (400): repaired where it can be (a text too long is split, a deleted topic is
  opened again and staff are told), otherwise set aside with a note to staff, and the rows after
  it go on;
- the family blocked the bot (403): its rows are dropped and staff are told once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.db import Handoff, HandoffRepository, RelayMessage, RelayRepository
from bot.inbox import passing

log = logging.getLogger("wegweiser")

LEASE = timedelta(seconds=60)
RETRY_FIRST, RETRY_MAX = 2.0, 120.0  # seconds
RETRY_SWEEP_SECONDS = 5.0  # how often waiting conversations are looked at

STAFF_FAMILY_BLOCKED = "⚠️ Die Familie hat den Bot blockiert: Nachrichten kommen nicht mehr an."
STAFF_SET_ASIDE = (
    "⚠️ Eine Nachricht {direction} konnte nicht weitergegeben werden (Telegram: {why})."
)
STAFF_TOPIC_REOPENED = "ℹ️ Das Thema war gelöscht und wurde neu angelegt."
TO_FAMILY, TO_STAFF = "an die Familie", "der Familie"

_TOO_LONG = ("message is too long", "text is too long", "caption is too long")
_TOPIC_GONE = ("message thread not found", "topic_deleted", "topic deleted", "thread not found")
_CHAT_GONE = ("chat not found", "user is deactivated", "bot was blocked")


SENT, WAIT, AGAIN = "sent", "wait", "again"


def chunks(text: str, size: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """*text* in pieces of at most *size* characters, cut at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces


def _says(error: TelegramError, phrases: tuple[str, ...]) -> bool:
    message = error.message.lower()
    return any(phrase in message for phrase in phrases)


class RelayOutbox:
    """Delivers the relay rows of every conversation, one task per conversation."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        staff_chat_id: int | None,
        clock: Callable[[], datetime],
        owner: str,
    ) -> None:
        self.sessions = sessions
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self.owner = owner
        self.bot: Bot | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # Waking --------------------------------------------------------------------------------

    def wake(self, handoff_id: int) -> None:
        """Deliver what is pending for *handoff_id* soon (returns at once)."""
        running = self._tasks.get(handoff_id)
        if running is not None and not running.done():
            self._again.add(handoff_id)
            return
        self._tasks[handoff_id] = asyncio.create_task(
            self._run(handoff_id), name=f"relay-{handoff_id}"
        )

    async def _run(self, handoff_id: int) -> None:
        try:
            while True:
                self._again.discard(handoff_id)
                try:
                    await self.deliver(handoff_id)
                except Exception as exc:
                    if not passing(exc):
                        log.exception("relay for handoff %s failed", handoff_id)
                    else:
                        log.warning("relay for handoff %s waits (%s)", handoff_id, type(exc))
                    return
                if handoff_id not in self._again:
                    return
        finally:
            self._tasks.pop(handoff_id, None)

    async def idle(self) -> None:
        """Wait until no conversation is being delivered (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def wake_due(self) -> None:
        """Wake every conversation with rows that may be tried now."""
        async with self.sessions() as session:
            waiting = await RelayRepository(session).handoffs_with_pending(self.clock())
        for handoff_id in waiting:
            self.wake(handoff_id)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.wake_due()
            except Exception as exc:
                log.warning("relay sweep waits (%s)", type(exc))
            await asyncio.sleep(RETRY_SWEEP_SECONDS)

    def start(self, bot: Bot) -> None:
        """Start the sweep that retries waiting rows (also right after a start)."""
        self.bot = bot
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="relay-sweep")

    async def stop(self) -> None:
        """Stop sweeping and let the running deliveries finish."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.idle()

    # Delivering ----------------------------------------------------------------------------

    async def _lease(self, session: AsyncSession, handoff_id: int) -> bool:
        moment = self.clock()
        result = await session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id)
            .where(
                or_(
                    Handoff.relay_lease_until.is_(None),
                    Handoff.relay_lease_until < moment,
                    Handoff.relay_owner == self.owner,
                )
            )
            .values(relay_owner=self.owner, relay_lease_until=moment + LEASE)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        return getattr(result, "rowcount", 0) == 1

    async def deliver(self, handoff_id: int) -> None:
        """Send what is due for one conversation until done or it has to wait; the two
        directions are separate queues, so a throttled staff group never holds up the family."""
        if self.bot is None:
            return
        async with self.sessions() as session:
            if not await self._lease(session, handoff_id):
                return  # another process delivers this conversation
        try:
            await asyncio.gather(
                self._deliver_direction(handoff_id, to_staff=True),
                self._deliver_direction(handoff_id, to_staff=False),
            )
        finally:
            async with self.sessions() as session:
                await session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff_id, Handoff.relay_owner == self.owner)
                    .values(relay_owner=None, relay_lease_until=None)
                    .execution_options(synchronize_session=False)
                )
                await session.commit()

    async def _deliver_direction(self, handoff_id: int, *, to_staff: bool) -> None:
        async with self.sessions() as session:
            relay = RelayRepository(session)
            while True:
                handoff = await HandoffRepository(session).get(handoff_id, fresh=True)
                if handoff is None or handoff.relay_owner != self.owner:
                    return
                items = await relay.pending(handoff_id, to_staff=to_staff)
                if not items:
                    return
                for item in items:
                    if item.next_attempt_at is not None and item.next_attempt_at > self.clock():
                        return  # waits for its next attempt; later rows wait behind it
                    preparing = to_staff and handoff.topic_name is not None
                    if preparing and not await self._prepare_topic(handoff):
                        self._later(item, self.clock())
                        await session.commit()
                        return
                    outcome = await self._attempt(handoff, item, relay)
                    handoff.relay_lease_until = self.clock() + LEASE
                    await session.commit()
                    if outcome is WAIT:
                        return
                    if outcome is AGAIN:
                        break  # read the queue again (a new topic, a note put before the rest)

    async def _prepare_topic(self, handoff: Handoff) -> bool:
        """Open (or reopen and rename) the conversation's staff topic before its first row;
        False when Telegram has to be asked again later. A group without topics is fine."""
        assert self.bot is not None
        assert self.staff_chat_id is not None
        name = handoff.topic_name or f"#{handoff.id}"
        try:
            if handoff.topic_id is None:
                topic = await self.bot.create_forum_topic(self.staff_chat_id, name)
                handoff.topic_id = topic.message_thread_id
            else:
                await self.bot.reopen_forum_topic(self.staff_chat_id, handoff.topic_id)
                await self.bot.edit_forum_topic(self.staff_chat_id, handoff.topic_id, name=name)
        except BadRequest as exc:  # no topics in this group, or the topic is gone
            log.info("staff topic for handoff %s: %s", handoff.id, exc)
            if handoff.topic_id is not None and _says(exc, _TOPIC_GONE):
                handoff.topic_id = None
                return await self._prepare_topic(handoff)
        except TelegramError as exc:
            if not passing(exc):
                log.info("staff topic for handoff %s: %s", handoff.id, exc)
            else:
                return False
        handoff.topic_name = None
        return True

    async def _send(self, handoff: Handoff, item: RelayMessage) -> int | None:
        """Send one row; the message id it got in the target chat."""
        assert self.bot is not None
        if item.to_staff:
            assert self.staff_chat_id is not None
            target, thread = self.staff_chat_id, handoff.topic_id
        else:
            target, thread = handoff.chat_id, None
        if item.text is not None:
            markup = (
                InlineKeyboardMarkup.de_json(json.loads(item.reply_markup), self.bot)
                if item.reply_markup
                else None
            )
            pieces = chunks(item.text)
            first: int | None = None
            for number, piece in enumerate(pieces):
                last = number == len(pieces) - 1
                sent = await self.bot.send_message(
                    target, piece, message_thread_id=thread, reply_markup=markup if last else None
                )
                first = first or sent.message_id
            return first
        assert item.from_chat_id is not None
        assert item.message_id is not None
        copied = await self.bot.copy_message(
            target, item.from_chat_id, item.message_id, message_thread_id=thread
        )
        return copied.message_id

    async def _attempt(self, handoff: Handoff, item: RelayMessage, relay: RelayRepository) -> str:
        """Try one row: SENT (done with it), WAIT (kept for later) or AGAIN (try it anew)."""
        moment = self.clock()
        try:
            message_id = await self._send(handoff, item)
        except Forbidden:
            if item.to_staff:
                log.error("the bot may not write to the staff chat %s", self.staff_chat_id)
                return self._later(item, moment)
            await self._family_gone(handoff, item, relay, moment)
            return SENT
        except BadRequest as exc:
            if item.to_staff and _says(exc, _TOPIC_GONE) and await self._new_topic(handoff):
                return AGAIN  # into the new topic
            if not item.to_staff and _says(exc, _CHAT_GONE):
                await self._family_gone(handoff, item, relay, moment)
                return SENT
            await self._set_aside(handoff, item, relay, moment, exc)
            return SENT
        except TelegramError as exc:  # network, flood limit, server trouble: keep it
            log.warning("relay for handoff %s waits: %s", handoff.id, exc)
            return self._later(item, moment)
        item.delivered_at = moment
        if item.to_staff:
            item.staff_message_id = message_id
        return SENT

    def _later(self, item: RelayMessage, moment: datetime) -> str:
        item.attempts += 1
        wait = min(RETRY_FIRST * 2 ** (item.attempts - 1), RETRY_MAX)
        item.next_attempt_at = moment + timedelta(seconds=wait)
        return WAIT

    async def _family_gone(
        self, handoff: Handoff, item: RelayMessage, relay: RelayRepository, moment: datetime
    ) -> None:
        item.dropped, item.delivered_at, item.failure = True, moment, "blocked"
        if not handoff.family_blocked:
            handoff.family_blocked = True
            await relay.add(handoff.id, to_staff=True, now=moment, text=STAFF_FAMILY_BLOCKED)
            self._again.add(handoff.id)

    async def _set_aside(
        self,
        handoff: Handoff,
        item: RelayMessage,
        relay: RelayRepository,
        moment: datetime,
        error: TelegramError,
    ) -> None:
        item.dropped, item.delivered_at, item.failure = True, moment, error.message[:200]
        log.warning("relay row %s of handoff %s set aside: %s", item.id, handoff.id, error)
        is_our_note = item.to_staff and item.from_chat_id is None
        if not is_our_note and self.staff_chat_id is not None:
            direction = TO_STAFF if item.to_staff else TO_FAMILY
            note = STAFF_SET_ASIDE.format(direction=direction, why=error.message[:300])
            await relay.add(handoff.id, to_staff=True, now=moment, text=note)
            self._again.add(handoff.id)

    async def _new_topic(self, handoff: Handoff) -> bool:
        """The staff topic is gone: open a new one and say so there."""
        assert self.bot is not None
        assert self.staff_chat_id is not None
        try:
            topic = await self.bot.create_forum_topic(self.staff_chat_id, f"#{handoff.id}")
        except TelegramError:
            return False
        handoff.topic_id = topic.message_thread_id
        with contextlib.suppress(TelegramError):
            await self.bot.send_message(
                self.staff_chat_id, STAFF_TOPIC_REOPENED, message_thread_id=handoff.topic_id
            )
        return True
