"""The staff's statistics: the figures of a window of days, from the anonymous events the use
cases record (``work.activity.record`` in their own transactions; the questions' through the
:class:`~bot.services.activity_log.ActivityLog`, in groups), the "did this help?" votes
and the appointments; the weekly digest to the staff group, sent exactly once; forgetting old
events after the retention.

The digest is due every week at the configured weekday and hour in the centre's time zone. A
job asks often (``DIGEST_CHECK``) and right after the start; the latest due moment is claimed
in its own transaction (one row per due moment: of two processes exactly one gets it), sent
through the :class:`~bot.services.ports.Messenger`, then marked sent — so a restart or a second
process never sends it twice, and one missed while the bot was down goes out when it is back
within the week. A sender that died holding the claim loses it after ``DIGEST_LEASE``. The
first start sends nothing (it records the moment due as passed over: staff get their first
digest at the next due moment, not one about the time before the bot), and a due moment older
than the latest on record (the weekday was moved back) is not sent either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core import staff_texts as texts
from bot.core.insights import (
    CHART_WEEKS,
    STATS_WINDOWS,
    WEEKDAYS,
    Chart,
    Fact,
    Figures,
    Measure,
    ReplyTime,
    chart_of,
    digest_texts,
    facts_of_events,
    last_due,
    stats_messages,
    tally,
)
from bot.db.unit_of_work import Database, UnitOfWork
from bot.services.activity_log import ActivityLog
from bot.services.ports import ChartRenderer, Clock, Delivery, KnowledgeSource, Messenger
from bot.settings import Settings

log = logging.getLogger("wegweiser")
DIGEST_CHECK = timedelta(minutes=10)  # how often the job asks whether a digest is due
DIGEST_LEASE = timedelta(minutes=10)  # a claim older than this is taken over
MONTH = 30  # days of the chart's topics


class InsightService:
    """The figures for /stats, ``wegweiser report`` and the digest."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        knowledge: KnowledgeSource,
        retention_days: int,
        pending: ActivityLog | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.knowledge = knowledge
        self.retention = timedelta(days=retention_days)
        self.pending = pending  # the questions' events not written yet: waited for first

    async def figures(self, days: int, until: datetime | None = None) -> Figures:
        """The figures of the *days* up to *until* (now if not given)."""
        await self._written()
        async with self.database() as work:
            return await self._figures(work, days, until or self.clock())

    async def windows(self, until: datetime | None = None) -> list[Figures]:
        """The figures of the last 7 and the last 30 days."""
        moment = until or self.clock()
        await self._written()
        async with self.database() as work:
            return [await self._figures(work, days, moment) for days in STATS_WINDOWS]

    async def stats_messages(self) -> list[str]:
        """/stats: the last 7 and 30 days side by side, in German, in as few messages as fit."""
        windows = await self.windows()
        return stats_messages(windows, texts.STATS_TITLE, self.knowledge().centre.tz)

    async def chart(
        self, until: datetime | None = None, *, weeks: int = CHART_WEEKS, topic_days: int = MONTH
    ) -> Chart:
        """What the chart shows: the questions of the last *weeks* (7 days each) by language,
        and of the last *topic_days* by topic."""
        moment = until or self.clock()
        week = timedelta(days=7)
        await self._written()
        async with self.database() as work:
            bars = [
                await self._figures(work, 7, moment - back * week)
                for back in range(weeks - 1, -1, -1)
            ]
            topics = await self._figures(work, topic_days, moment)
        return chart_of(bars, topics, self.knowledge().centre.tz)

    async def purge(self) -> int:
        """Delete the events, the votes and the digests' records older than the retention; how
        many events."""
        before = self.clock() - self.retention
        async with self.database() as work:
            deleted = await work.activity.purge(before)
            await work.feedback.purge(before)
            await work.digests.purge(before)
            await work.commit()
        log.info("purged %d statistics events older than %d days", deleted, self.retention.days)
        return deleted

    async def _written(self) -> None:
        """Wait (a little) for the events still to be written, so that they are counted."""
        if self.pending is not None:
            await self.pending.flush()

    async def _figures(self, work: UnitOfWork, days: int, until: datetime) -> Figures:
        since = until - timedelta(days=days)
        kb = self.knowledge()
        facts: list[Fact] = []
        for kind, outcome, lang, topic, count in await work.activity.counts(since, until):
            facts += facts_of_events(kind, outcome, lang, topic, count)
        for lang, entry_id, helpful, count in await work.activity.votes(since, until):
            entry = kb.entry(entry_id)
            vote = Measure.HELPFUL_YES if helpful else Measure.HELPFUL_NO
            facts.append(Fact(vote, lang, entry.topic if entry else None, count))
        for lang, count in await work.activity.kept_appointments(since, until):
            facts.append(Fact(Measure.APPOINTMENTS_KEPT, lang, None, count))
        replies = [
            ReplyTime(lang, topic, seconds)
            for lang, topic, seconds in await work.activity.reply_times(since, until)
        ]
        return tally(days, until, facts, replies)


class DigestService:
    """The weekly digest to the staff group: the chart with the totals under it, then the lines
    per language and per topic."""

    def __init__(
        self,
        insights: InsightService,
        messenger: Messenger,
        render: ChartRenderer,
        settings: Settings,
        owner: str,
    ) -> None:
        """*owner* names this process in its claims."""
        self.insights = insights
        self.messenger = messenger
        self.render = render
        self.settings = settings
        self.owner = owner

    def due_at(self, now: datetime) -> datetime | None:
        """The latest moment a digest was due at or before *now* (None: switched off, or no
        staff group)."""
        weekday = self.settings.digest_weekday
        if weekday == "off" or self.settings.staff_chat_id is None:
            return None
        tz = self.insights.knowledge().centre.tz
        return last_due(now, tz, WEEKDAYS.index(weekday), self.settings.digest_hour)

    async def send_if_due(self) -> bool:
        """Send the digest due last if nobody has (claimed first, marked after); True if this
        process sent it now."""
        insights, moment = self.insights, self.insights.clock()
        due = self.due_at(moment)
        if due is None or self.settings.staff_chat_id is None:
            return False
        async with insights.database() as work:
            latest = await work.digests.latest_due()
            if latest is None:  # the first start: the first digest is the next one due
                await work.digests.pass_over(due, moment)
                await work.commit()
                return False
            if latest > due:  # the weekday was moved back: this week's digest went out
                return False
            claimed = await work.digests.claim(due, self.owner, moment, DIGEST_LEASE)
            await work.commit()
        if not claimed:
            return False
        try:
            delivery, more = await self._send_chart(self.settings.staff_chat_id, moment)
        except BaseException:
            await self._release(due)
            raise
        if delivery is not Delivery.DELIVERED:
            log.warning("weekly digest not sent (%s); the next check tries again", delivery)
            await self._release(due)
            return False
        async with insights.database() as work:
            await work.digests.mark_sent(due, self.owner, insights.clock())
            await work.commit()
        for text in more:  # the chart and the totals are out: the details are best effort
            await self.messenger.send_text(self.settings.staff_chat_id, text)
        return True

    async def _send_chart(self, chat_id: int, moment: datetime) -> tuple[Delivery, Sequence[str]]:
        """The chart with the totals: what became of it, and the messages still to send."""
        windows = await self.insights.windows(moment)
        chart = await self.insights.chart(moment)
        png = await asyncio.to_thread(self.render, chart)  # a second of CPU: not in the loop
        caption, more = digest_texts(windows, self.insights.knowledge().centre.tz)
        return await self.messenger.send_photo(chat_id, png, caption), more

    async def _release(self, due: datetime) -> None:
        async with self.insights.database() as work:
            await work.digests.release(due, self.owner)
            await work.commit()
