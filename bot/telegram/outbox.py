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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core import staff_texts as texts
from bot.db import Handoff, HandoffRepository, RelayMessage, RelayRepository
from bot.db.session import rowcount
from bot.telegram.inbox import cancel_and_wait, passing

log = logging.getLogger("wegweiser")

LEASE = timedelta(seconds=60)
RETRY_FIRST, RETRY_MAX = 2.0, 120.0  # seconds
RETRY_SWEEP_SECONDS = 5.0  # how often waiting conversations are looked at

_TOO_LONG = ("message is too long", "text is too long", "caption is too long")
_TOPIC_GONE = ("message thread not found", "topic_deleted", "topic deleted", "thread not found")
_CHAT_GONE = ("chat not found", "user is deactivated", "bot was blocked")


SENT, WAIT, AGAIN = "sent", "wait", "again"
_ROW_FIELDS = {"delivered_at", "staff_message_id", "delivered_message_id", "attempts",
               "next_attempt_at", "dropped", "failure"}  # fmt: skip
TOGETHER_MAX = MessageLimit.MAX_TEXT_LENGTH - 200  # room for the line above the texts
TOGETHER_FROM = 3  # texts waiting for one topic (it is throttled): sent as one message


def _quotes_from(items: list[RelayMessage], start: int) -> list[RelayMessage]:
    """The run of waiting plain family texts from *start* on that fits into one message."""
    run: list[RelayMessage] = []
    size = 0
    for item in items[start:]:
        if item.quote is None or item.attempts or size + len(item.quote) + 4 > TOGETHER_MAX:
            break
        run.append(item)
        size += len(item.quote) + 4
    return run


_HANDOFF_FIELDS = {"topic_id", "topic_name", "family_blocked"}


@dataclass(frozen=True)
class Outcome:
    """What one attempt at a row decided: the next step, the changed fields, notes to staff."""

    step: str
    row: dict[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


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
        """Stop sweeping and delivering (what is not sent stays queued for the next start) and
        give the conversations' leases back, so another process can take them at once."""
        await cancel_and_wait([t for t in (self._sweeper, *self._tasks.values()) if t is not None])
        self._sweeper = None
        with contextlib.suppress(Exception):
            await self._release()

    async def _release(self, *which: ColumnElement[bool]) -> None:
        """Give back this process's leases (of the conversations *which* selects, else all)."""
        async with self.sessions() as session:
            await session.execute(
                update(Handoff)
                .where(Handoff.relay_owner == self.owner, *which)
                .values(relay_owner=None, relay_lease_until=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

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
        return rowcount(result) == 1

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
            await self._release(Handoff.id == handoff_id)

    async def _deliver_direction(self, handoff_id: int, *, to_staff: bool) -> None:
        """One direction's queue, oldest first. No database connection is held while Telegram
        is asked (a send may wait seconds for the group's rate limit)."""
        while True:
            async with self.sessions() as session:
                handoff = await HandoffRepository(session).get(handoff_id, fresh=True)
                if handoff is None or handoff.relay_owner != self.owner:
                    return
                items = await RelayRepository(session).pending(handoff_id, to_staff=to_staff)
            if not items:
                return
            for index, item in enumerate(items):
                if item.next_attempt_at is not None and item.next_attempt_at > self.clock():
                    return  # waits for its next attempt; later rows wait behind it
                waiting = _quotes_from(items, index) if to_staff else []
                combine = handoff.topic_name is None and len(waiting) >= TOGETHER_FROM
                if combine and await self._send_together(handoff, waiting):
                    break  # read the queue again after the combined rows
                if to_staff and handoff.topic_name is not None:
                    ready = await self._prepare_topic(handoff)
                    topic: dict[str, object] = {
                        "topic_id": handoff.topic_id,
                        "topic_name": handoff.topic_name,
                    }
                    await self._save(handoff, None, topic)
                    if not ready:
                        await self._save(handoff, item, self._later(item))
                        return
                outcome = await self._attempt(handoff, item)
                if outcome.notes:
                    self._again.add(handoff_id)
                await self._save(handoff, item, outcome.row, outcome.notes)
                if outcome.step is WAIT:
                    return
                if outcome.step is AGAIN:
                    break  # read the queue again (into a new topic)

    async def _send_together(self, handoff: Handoff, rows: list[RelayMessage]) -> bool:
        """Several family texts that waited for the staff topic (its rate limit), as one message;
        False when Telegram refused it (they go one by one then)."""
        assert self.bot is not None
        assert self.staff_chat_id is not None
        text = (
            texts.TOGETHER.format(count=len(rows))
            + "\n\n"
            + "\n\n".join(f"▪️ {row.quote}" for row in rows)
        )
        try:
            sent = await self.bot.send_message(
                self.staff_chat_id, text, message_thread_id=handoff.topic_id
            )
        except TelegramError as exc:
            log.info("relay of %d texts together for handoff %s: %s", len(rows), handoff.id, exc)
            return False
        moment = self.clock()
        for row in rows:
            delivered = {"delivered_at": moment, "staff_message_id": sent.message_id}
            await self._save(handoff, row, delivered)
        return True

    async def _save(
        self,
        handoff: Handoff,
        item: RelayMessage | None,
        changes: dict[str, object],
        notes: tuple[str, ...] = (),
    ) -> None:
        """Write what one attempt changed (the row, the conversation, notes to staff) and renew
        the lease, in one short transaction."""
        moment = self.clock()
        row_changes = {k: v for k, v in changes.items() if k in _ROW_FIELDS}
        if "delivered_at" in row_changes:
            row_changes["quote"] = None  # the family's text is not kept once it arrived
        handoff_changes = {k: v for k, v in changes.items() if k in _HANDOFF_FIELDS}
        async with self.sessions() as session:
            if item is not None and row_changes:
                await session.execute(
                    update(RelayMessage)
                    .where(RelayMessage.id == item.id)
                    .values(**row_changes)
                    .execution_options(synchronize_session=False)
                )
            await session.execute(
                update(Handoff)
                .where(Handoff.id == handoff.id, Handoff.relay_owner == self.owner)
                .values(relay_lease_until=moment + LEASE, **handoff_changes)
                .execution_options(synchronize_session=False)
            )
            relay = RelayRepository(session)
            for note in notes:
                await relay.add(handoff.id, to_staff=True, now=moment, text=note)
            await session.commit()

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
            if passing(exc):
                return False
            log.info("staff topic for handoff %s: %s", handoff.id, exc)
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

    async def _attempt(self, handoff: Handoff, item: RelayMessage) -> Outcome:
        """Try one row; what to do next, what to write, which notes staff get."""
        moment = self.clock()
        try:
            message_id = await self._send(handoff, item)
        except Forbidden:
            if item.to_staff:
                log.error("the bot may not write to the staff chat %s", self.staff_chat_id)
                return Outcome(WAIT, self._later(item))
            return self._family_gone(handoff, moment)
        except BadRequest as exc:
            if item.to_staff and _says(exc, _TOPIC_GONE) and await self._new_topic(handoff):
                return Outcome(AGAIN, {"topic_id": handoff.topic_id}, (texts.TOPIC_REOPENED,))
            if not item.to_staff and _says(exc, _CHAT_GONE):
                return self._family_gone(handoff, moment)
            return self._set_aside(handoff, item, moment, exc)
        except TelegramError as exc:  # network, flood limit, server trouble: keep it
            log.warning("relay for handoff %s waits: %s", handoff.id, exc)
            return Outcome(WAIT, self._later(item))
        row: dict[str, object] = {"delivered_at": moment, "delivered_message_id": message_id}
        if item.to_staff:
            row["staff_message_id"] = message_id
        return Outcome(SENT, row)

    def _later(self, item: RelayMessage) -> dict[str, object]:
        """The row waits: one more attempt, the next one after a doubled pause."""
        attempts = item.attempts + 1
        wait = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
        return {"attempts": attempts, "next_attempt_at": self.clock() + timedelta(seconds=wait)}

    def _family_gone(self, handoff: Handoff, moment: datetime) -> Outcome:
        row = {"dropped": True, "delivered_at": moment, "failure": "blocked"}
        if handoff.family_blocked:
            return Outcome(SENT, row)
        handoff.family_blocked = True
        return Outcome(SENT, {**row, "family_blocked": True}, (texts.FAMILY_BLOCKED,))

    def _set_aside(
        self, handoff: Handoff, item: RelayMessage, moment: datetime, error: TelegramError
    ) -> Outcome:
        row = {"dropped": True, "delivered_at": moment, "failure": error.message[:200]}
        log.warning("relay row %s of handoff %s set aside: %s", item.id, handoff.id, error)
        is_our_note = item.to_staff and item.from_chat_id is None
        if is_our_note or self.staff_chat_id is None:
            return Outcome(SENT, row)
        direction = texts.FROM_FAMILY if item.to_staff else texts.TO_FAMILY
        note = texts.SET_ASIDE.format(direction=direction, why=error.message[:300])
        return Outcome(SENT, row, (note,))

    async def _new_topic(self, handoff: Handoff) -> bool:
        """The staff topic is gone: open a new one (as for a new conversation)."""
        gone = handoff.topic_id
        handoff.topic_id, handoff.topic_name = None, f"#{handoff.id}"
        if await self._prepare_topic(handoff) and handoff.topic_id is not None:
            return True
        handoff.topic_id, handoff.topic_name = gone, None
        return False
