"""Events: what is on (the knowledge base's events and the feed's last good copy), "tell me when
a new date is announced", the announcements, and refreshing the centre's iCalendar feed.

Past events are never upcoming. A subscriber is taken off the list in the transaction that
reads them, so each is told exactly once about a new date, whoever announces it (a reload, the
feed, a second process); what could not be delivered is reported, not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import staff_texts
from bot.core.event_status import format_when, is_past
from bot.core.i18n import gettext
from bot.core.knowledge import Event, KnowledgeBase
from bot.core.languages import Lang, as_lang
from bot.db.unit_of_work import Database
from bot.errors import FeedError
from bot.services.ports import Clock, Delivery, FeedReader, Messenger
from bot.settings import Settings

log = logging.getLogger("wegweiser")
MSG_NEW_DATE = "New date: {title}, {when}. Place: {place}"


@dataclass(frozen=True)
class EventListing:
    """What /events shows: the events not yet over (soonest first); if there are none, the
    knowledge base's events to say when each took place last (and offer a notice)."""

    upcoming: tuple[Event, ...]
    past: tuple[Event, ...]
    moment: datetime


@dataclass(frozen=True)
class Announcement:
    """How many subscribers were told of a new date, and the chats it did not reach."""

    told: int = 0
    undelivered: tuple[int, ...] = ()


@dataclass(frozen=True)
class FeedRefresh:
    """One reading of the feed: how many events it has now (the last good copy if it broke),
    why it broke (None if it was fine) and the announcements of its new dates."""

    events: int
    problem: str | None = None
    announcement: Announcement = field(default_factory=Announcement)


class EventService:
    """The events of the knowledge base and the feed, and who wants to hear of new dates."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        messenger: Messenger,
        feed: FeedReader,
        settings: Settings,
    ) -> None:
        self.database = database
        self.clock = clock
        self.messenger = messenger
        self.feed = feed
        self.settings = settings
        self.feed_events: tuple[Event, ...] = ()  # the feed's last good copy
        self.feed_broken = False  # staff were told (or nobody can be): say nothing more

    def all_events(self, kb: KnowledgeBase) -> list[Event]:
        """The knowledge base's events and those of the feed."""
        return [*kb.events, *self.feed_events]

    def find(self, kb: KnowledgeBase, event_id: str) -> Event | None:
        """The event with this id (knowledge base or feed), or None."""
        return next((e for e in self.all_events(kb) if e.id == event_id), None)

    def listing(self, kb: KnowledgeBase) -> EventListing:
        """The upcoming events, soonest first; if none, the knowledge base's past events."""
        moment = self.clock()
        tz = kb.centre.tz
        ahead = sorted(
            (e for e in self.all_events(kb) if not is_past(e, tz, moment)), key=lambda e: e.start
        )
        return EventListing(tuple(ahead), () if ahead else kb.events, moment)

    async def subscribe(self, chat_id: int, event_id: str, lang: Lang) -> None:
        """Remember that this chat wants to hear of the event's next date (once)."""
        async with self.database() as work:
            await work.subscriptions.subscribe(chat_id, event_id, lang, self.clock())
            await work.commit()

    async def announce_new_dates(
        self, old: Sequence[Event], new: Sequence[Event], kb: KnowledgeBase
    ) -> Announcement:
        """After a reload or a feed update: tell each subscriber once about a new future date."""
        moment = self.clock()
        before_by_id = {e.id: e for e in old}
        told, undelivered = 0, []
        for event in new:
            before = before_by_id.get(event.id)
            is_new_date = before is None or before.start != event.start
            if is_past(event, kb.centre.tz, moment) or not is_new_date:
                continue
            async with self.database() as work:
                subscribers = await work.subscriptions.take(event.id)
                await work.commit()
            for item in subscribers:
                lang = as_lang(item.lang) or "de"
                text = gettext(lang, MSG_NEW_DATE, title=event.title_in(lang),
                               when=format_when(event, lang),
                               place=event.place or kb.centre.name)  # fmt: skip
                if await self.messenger.send_text(item.chat_id, text) is Delivery.DELIVERED:
                    told += 1
                else:
                    undelivered.append(item.chat_id)
        if undelivered:
            log.warning("new event dates: %d subscriber(s) not reached", len(undelivered))
        return Announcement(told, tuple(undelivered))

    async def refresh_feed(self, kb: KnowledgeBase) -> FeedRefresh | None:
        """Read the feed (None if none is set). On failure keep the last good copy and tell
        staff once; on success announce the new dates (not on the first reading)."""
        source = self.settings.events_ics
        if not source:
            return None
        try:
            events = await self.feed.read(source, kb.centre.tz, self.clock())
        except FeedError as exc:
            log.warning("events feed: %s", exc)
            await self._tell_staff_feed_is_broken(str(exc))
            return FeedRefresh(len(self.feed_events), problem=str(exc))
        self.feed_broken = False
        old, self.feed_events = self.feed_events, events
        announcement = await self.announce_new_dates(old, events, kb) if old else Announcement()
        return FeedRefresh(len(events), announcement=announcement)

    async def _tell_staff_feed_is_broken(self, why: str) -> None:
        """Once per breakage; a notice that could not be sent for now is tried next time."""
        staff_chat = self.settings.staff_chat_id
        if self.feed_broken:
            return
        if staff_chat is not None:
            delivery = await self.messenger.send_text(
                staff_chat, staff_texts.FEED_BROKEN.format(why=why)
            )
            if delivery is Delivery.LATER:
                return
        self.feed_broken = True
