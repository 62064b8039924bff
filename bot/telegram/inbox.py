"""The durable inbox: an update is stored before Telegram is told it arrived, and marked when
it has been handled.

PTB's poller confirms the updates of one ``getUpdates`` with the next call, and its webhook
answers 200 once an update is queued. Both go through the application's update queue, so the
queue here stores every update first (:class:`DurableUpdateQueue`): while the database is down
``put`` waits and retries, the poller does not ask for more and Telegram keeps the rest. When
polling, :class:`StoringBot` stores all updates of one ``getUpdates`` in one transaction before
the poller queues them (one write per poll, not per update); ``put`` then only looks up what
was decided.

Each stored update is leased to the process handling it. It is marked handled after its
handlers ran; when a handler failed for a passing reason (database or network) it is handled
again later, and a failed update never stops other chats. On start, and whenever a lease ran
out (a process that died), the unhandled updates are handled first, oldest first.

Exactly once for an update whose handlers finished and were marked; at least once (handled
again) for one that was running when the process died: the window is the handling itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.db.models import InboxUpdate
from bot.db.session import insert_for, rowcount

log = logging.getLogger("wegweiser")

HANDLED, GAVE_UP = "handled", "gave_up"
LEASE = timedelta(seconds=20)  # a dead process's updates are taken over after this
KEEP_HANDLED = timedelta(days=1)  # long enough to recognise a redelivery
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # seconds between attempts after a passing failure
SWEEP_SECONDS = 2.0  # how often leases are renewed and orphaned updates looked for
PURGE_EVERY = 1800  # sweeps between two purges of old handled rows (about an hour)
REPLAY_BATCH = 100


def passing(error: BaseException) -> bool:
    """True for failures that go away by themselves: the database or the network."""
    return isinstance(error, DBAPIError | PoolTimeout | OSError | NetworkError | RetryAfter)


def this_process() -> str:
    """An owner name for leases: host, process id and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_gone(owner: str | None) -> bool:
    """True when *owner* was a process on this host that no longer runs."""
    if owner is None:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel *tasks* and wait until each has ended."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def chat_of(update: Update) -> int | None:
    """The chat an update belongs to, if any."""
    return update.effective_chat.id if update.effective_chat else None


class Inbox:
    """Stores, leases and marks updates; hands back the ones to handle again."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        owner: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.owner = owner or this_process()
        self._in_flight: set[int] = set()
        self._failed: dict[int, BaseException] = {}
        self._attempts: dict[int, int] = {}
        self._unmarked: dict[int, str] = {}  # handled; the mark is still to be written
        self._requeue: Callable[[Update], Awaitable[None]] | None = None
        self._bot: Bot | None = None
        self._on_wait: Callable[[Update], Awaitable[None]] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._marker: asyncio.Task[None] | None = None
        self._retries: set[asyncio.Task[None]] = set()
        self._told_waiting: set[int] = set()  # chats told that their message waits
        self._decided: dict[int, bool] = {}  # stored with a poll: to handle here, or not

    def first_wait(self, chat_id: int) -> bool:
        """True the first time a chat's message has to wait (until one of its updates is
        handled again): tell the family once, not for every message."""
        if chat_id in self._told_waiting:
            return False
        self._told_waiting.add(chat_id)
        return True

    # Storing -------------------------------------------------------------------------------

    async def admit(self, item: Update) -> bool:
        """Store *item*, unless it was stored with its poll (waiting while the database is
        down); True when this process should handle it now, False when it was handled before or
        another process has it."""
        decided = self._decided.pop(item.update_id, None)
        if decided is None:
            if item.update_id in self._in_flight:
                return False
            decided = item.update_id in await self._store_waiting([item])
        if decided:
            self._in_flight.add(item.update_id)
        return decided

    async def admit_fetched(self, items: Sequence[Update]) -> set[int]:
        """Store *items* in one transaction (waiting while the database is down) and remember
        for :meth:`admit` which of them this process handles; their ids."""
        waiting = self._in_flight.union(self._decided)
        fresh = [item for item in items if item.update_id not in waiting]
        if not fresh:
            return set()
        taken = await self._store_waiting(fresh)
        for item in fresh:
            self._decided[item.update_id] = item.update_id in taken
        return taken

    async def _store_waiting(self, items: Sequence[Update]) -> set[int]:
        """:meth:`_store`, retried with back-off while the database is down; each try that fails
        hands the waiting updates to the on-wait callback."""
        delay = RETRY_FIRST
        while True:
            try:
                return await self._store(items)
            except Exception as exc:
                if not passing(exc):
                    raise
                log.warning("inbox: the database is unavailable (%s); updates wait", type(exc))
                if self._on_wait is not None:
                    for item in items:
                        with contextlib.suppress(Exception):
                            await self._on_wait(item)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    async def _store(self, items: Sequence[Update]) -> set[int]:
        moment = self.clock()
        rows = [
            {
                "update_id": item.update_id,
                "chat_id": chat_of(item),
                "payload": json.dumps(item.to_dict(), ensure_ascii=False),
                "received_at": moment,
                "owner": self.owner,
                "lease_until": moment + LEASE,
            }
            for item in items
        ]
        async with self.sessions() as session:
            # Rows as parameters, not as values of the statement: one compiled statement for
            # polls of any size (SQLAlchemy sends them as one multi-row INSERT).
            result = await session.execute(
                insert_for(session, InboxUpdate)
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(InboxUpdate.update_id),
                rows,
            )
            taken = set(result.scalars())
            await session.commit()
            for item in items:
                # Stored before: handled already, or taken by this or another process.
                if item.update_id not in taken and await self._claim(
                    session, item.update_id, moment
                ):
                    taken.add(item.update_id)
            return taken

    async def _claim(self, session: AsyncSession, update_id: int, moment: datetime) -> bool:
        """Take an unhandled row whose lease ran out, was ours, or whose owner died."""
        row = await session.get(InboxUpdate, update_id)
        if row is None or row.handled_at is not None:
            return False
        free = or_(
            InboxUpdate.lease_until.is_(None),
            InboxUpdate.lease_until < moment,
            InboxUpdate.owner == self.owner,
        )
        if not owner_is_gone(row.owner):
            condition = free
        else:
            condition = or_(free, InboxUpdate.owner == row.owner)
        result = await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.handled_at.is_(None))
            .where(condition)
            .values(owner=self.owner, lease_until=moment + LEASE)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        return rowcount(result) == 1

    # Outcomes ------------------------------------------------------------------------------

    def failed(self, item: Update, error: BaseException) -> None:
        """A handler of *item* raised *error* (called from the error handler)."""
        self._failed[item.update_id] = error

    async def finished(self, item: Update) -> None:
        """All handlers of *item* ran: mark it, or schedule it again after a passing failure."""
        update_id = item.update_id
        error = self._failed.pop(update_id, None)
        if error is not None and passing(error):
            attempt = self._attempts.get(update_id, 0) + 1
            self._attempts[update_id] = attempt
            delay = min(RETRY_FIRST * 2 ** (attempt - 1), RETRY_MAX)
            log.info("update %s is handled again in %.0f s (%s)", update_id, delay, type(error))
            task = asyncio.create_task(self._again(item, delay))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        outcome = HANDLED if error is None else GAVE_UP
        chat_id = chat_of(item)
        if error is None and chat_id is not None:
            self._told_waiting.discard(chat_id)
        if error is not None:
            log.error("update %s could not be handled; set aside", update_id, exc_info=error)
        self._attempts.pop(update_id, None)
        self._in_flight.discard(update_id)
        self._unmarked[update_id] = outcome
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_waiting(), name="inbox-marks")

    async def _mark_waiting(self) -> None:
        """Write the marks that wait, many in one transaction while the last one is written (a
        process killed now handles at most these updates again)."""
        while self._unmarked:
            pending, self._unmarked = self._unmarked, {}
            try:
                await self._mark(pending)
            except Exception as exc:
                self._unmarked.update(pending)
                if not passing(exc):
                    log.exception("inbox: marks could not be written")
                return  # the upkeep sweep tries again

    async def _again(self, item: Update, delay: float) -> None:
        await asyncio.sleep(delay)
        if self._requeue is not None:
            await self._requeue(item)

    async def _mark(self, outcomes: dict[int, str]) -> None:
        moment = self.clock()
        async with self.sessions() as session:
            for outcome in set(outcomes.values()):
                ids = [uid for uid, o in outcomes.items() if o == outcome]
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id.in_(ids))
                    .values(handled_at=moment, outcome=outcome, payload=None, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()

    # Start and upkeep ----------------------------------------------------------------------

    def attach(
        self,
        bot: Bot,
        requeue: Callable[[Update], Awaitable[None]],
        on_wait: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        """Where to put updates to handle again, and what to do when one has to wait."""
        self._bot, self._requeue, self._on_wait = bot, requeue, on_wait

    async def replay(self) -> int:
        """Queue the unhandled updates this process may take (oldest first); how many."""
        if self._bot is None or self._requeue is None:
            return 0
        moment = self.clock()
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(InboxUpdate.update_id, InboxUpdate.owner)
                    .where(InboxUpdate.handled_at.is_(None))
                    .where(
                        or_(
                            InboxUpdate.lease_until.is_(None),
                            InboxUpdate.lease_until < moment,
                            InboxUpdate.owner != self.owner,
                        )
                    )
                    .order_by(InboxUpdate.update_id)
                    .limit(REPLAY_BATCH)
                )
            ).all()
            taken = 0
            for update_id, owner in rows:
                if update_id in self._in_flight or owner == self.owner:
                    continue
                if not await self._claim(session, update_id, moment):
                    continue
                row = await session.get(InboxUpdate, update_id, populate_existing=True)
                if row is None or row.payload is None:
                    continue
                try:
                    stored = Update.de_json(json.loads(row.payload), self._bot)
                except (ValueError, TypeError, KeyError) as exc:  # unreadable: set it aside
                    log.error("inbox: update %s cannot be read (%s); set aside", update_id, exc)
                    self._unmarked[update_id] = GAVE_UP
                    continue
                self._in_flight.add(update_id)
                await self._requeue(stored)
                taken += 1
        if taken:
            log.info("inbox: handling %d stored update(s) again", taken)
        return taken

    async def _upkeep(self, sweeps: int) -> None:
        if self._unmarked:
            pending, self._unmarked = self._unmarked, {}
            try:
                await self._mark(pending)
            except Exception:
                self._unmarked.update(pending)
                raise
        moment = self.clock()
        if self._in_flight:
            async with self.sessions() as session:
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id.in_(list(self._in_flight)))
                    .where(InboxUpdate.owner == self.owner)
                    .values(lease_until=moment + LEASE)
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        await self.replay()
        if sweeps % PURGE_EVERY == 0:
            async with self.sessions() as session:
                await session.execute(
                    delete(InboxUpdate).where(InboxUpdate.handled_at < moment - KEEP_HANDLED)
                )
                await session.commit()

    async def _sweep_forever(self) -> None:
        sweeps = 0
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            sweeps += 1
            try:
                await self._upkeep(sweeps)
            except Exception as exc:
                if not passing(exc):
                    log.exception("inbox upkeep failed")
                else:
                    log.warning("inbox upkeep waits for the database (%s)", type(exc))

    async def oldest_waiting(self) -> datetime | None:
        """When the oldest update that is not handled yet arrived (None: nothing waits); raises
        when the database cannot be reached."""
        async with self.sessions() as session:
            return await session.scalar(
                select(func.min(InboxUpdate.received_at)).where(InboxUpdate.handled_at.is_(None))
            )

    def start(self) -> None:
        """Renew leases, write late marks and take over orphaned updates in the background."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="inbox-upkeep")

    async def stop(self) -> None:
        """End the background work (unhandled updates stay stored for the next start)."""
        if self._marker is not None:
            with contextlib.suppress(Exception):
                await self._marker
        await cancel_and_wait([t for t in (self._sweeper, *self._retries) if t is not None])
        self._sweeper = None
        if self._unmarked:
            with contextlib.suppress(Exception):
                await self._mark(self._unmarked)


class StoringBot(ExtBot[None]):
    """PTB's bot, whose ``get_updates`` stores what it fetched in the inbox before the poller
    sees it: the updates of one poll in one transaction."""

    __slots__ = ("_inbox",)

    def __init__(self, *args: Any, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._inbox = inbox

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Fetch, then store (waiting while the database is down: Telegram keeps the rest)."""
        fetched = await super().get_updates(*args, **kwargs)
        if fetched:
            await self._inbox.admit_fetched(fetched)
        return fetched


class DurableUpdateQueue(asyncio.Queue[object]):
    """The application's update queue: ``put`` stores an update before queueing it."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        """Store, then queue; an update handled before (a redelivery) is dropped."""
        if isinstance(item, Update) and not await self.inbox.admit(item):
            return
        await super().put(item)

    async def put_stored(self, item: Update) -> None:
        """Queue an update that is stored already (a replay or a retry)."""
        await super().put(item)
