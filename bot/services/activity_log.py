"""The statistics events of answered questions, written in groups.

Each answered question adds one anonymous event (``bot.core.insights``). Writing each in its
own transaction cost as much as the rest of answering, so the events wait in memory and one
write at a time stores all that wait: at a hundred answers a second, a few transactions instead
of a hundred. The figures wait for what is pending before they count (:meth:`ActivityLog.flush`);
stopping the bot writes the rest. While the database is down the events stay in memory (at
most ``KEEP_WAITING``, the oldest given up first) and are written when it is back. A process
killed loses the events not written yet (those of the last milliseconds): counts for the
statistics, never a family's message, a hand-over or a reminder (written where they happen).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime

from bot.core.insights import Activity
from bot.db.unit_of_work import Database
from bot.services.ports import Clock

log = logging.getLogger("wegweiser")

KEEP_WAITING = 100_000  # events kept in memory while the database is down
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # seconds between two tries while it is down
FLUSH_WAIT = 10.0  # seconds the figures (and the stop) wait for what is pending


class ActivityLog:
    """Collects statistics events and writes them, many in one transaction."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._waiting: deque[tuple[Activity, datetime]] = deque(maxlen=KEEP_WAITING)
        self._writer: asyncio.Task[None] | None = None
        self._dropping = False  # told that events are dropped (until a write succeeds)

    def add(self, event: Activity) -> None:
        """Keep *event* (at this moment); it is written with the others waiting."""
        if len(self._waiting) == KEEP_WAITING and not self._dropping:
            self._dropping = True
            log.warning("statistics: %d events wait for the database; the oldest are dropped",
                        KEEP_WAITING)  # fmt: skip
        self._waiting.append((event, self.clock()))
        self._keep_writing()

    @property
    def waiting(self) -> int:
        """How many events are not written yet."""
        return len(self._waiting)

    async def flush(self, within: float = FLUSH_WAIT) -> bool:
        """Wait until every event added so far is written, at most *within* seconds (the
        database may be down); True if nothing waits any more."""
        try:
            async with asyncio.timeout(within):
                while self._waiting or (self._writer is not None and not self._writer.done()):
                    await asyncio.shield(self._keep_writing())
        except TimeoutError:
            return False
        return True

    async def close(self, within: float = FLUSH_WAIT) -> None:
        """Write what waits (for at most *within* seconds), then stop writing."""
        if not await self.flush(within):
            log.warning("statistics: %d events could not be written before the stop",
                        len(self._waiting))  # fmt: skip
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    def _keep_writing(self) -> asyncio.Task[None]:
        """The writer task, started again if it is not running (one at a time)."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="activity-log")
        return self._writer

    async def _write_waiting(self) -> None:
        """Write what waits, one group at a time, until nothing does (retrying while the
        database is down)."""
        delay = RETRY_FIRST
        while self._waiting:
            group = list(self._waiting)
            self._waiting.clear()
            try:
                async with self.database() as work:
                    await work.activity.record_many(group)
                    await work.commit()
            except Exception as exc:  # the database is down (or the write failed): keep them
                self._waiting.extendleft(reversed(group))
                log.warning("statistics: %d events wait for the database (%s)", len(group),
                            type(exc).__name__)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
            else:
                delay, self._dropping = RETRY_FIRST, False
