"""Events from an iCalendar feed the centre already publishes (``WEGWEISER_EVENTS_ICS``).

Recurring events are expanded (RRULE, RDATE, EXDATE) for the coming year. A feed that cannot be
read or parsed raises :class:`bot.errors.FeedError`; the caller keeps the last good copy.
:class:`IcsFeedReader` is the ``FeedReader`` the events service reads through.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events

from bot.core.knowledge import Event
from bot.errors import FeedError

HORIZON = timedelta(days=365)
_SLUG = re.compile(r"[^a-z0-9]+")


def fetch(source: str, timeout: float = 10.0) -> bytes:
    """The feed's bytes from a URL (http/https) or a file."""
    try:
        if source.startswith(("http://", "https://")):
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
            response.raise_for_status()
            return response.content
        return Path(source).read_bytes()
    except (httpx.HTTPError, OSError) as exc:
        raise FeedError(f"{source}: {exc.__class__.__name__}: {exc}") from None


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:36] or "event"


def _local(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
    return datetime.combine(value, datetime.min.time())


def parse(data: bytes, tz: ZoneInfo, now: datetime) -> tuple[Event, ...]:
    """The feed's events (occurrences of recurring ones) from 30 days ago to a year ahead."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(
            now - timedelta(days=30), now + HORIZON
        )
    except Exception as exc:
        raise FeedError(f"not a readable iCalendar feed ({exc.__class__.__name__})") from None
    events = []
    for item in occurrences:
        start = item.get("DTSTART")
        if start is None:
            continue
        begins = _local(start.dt, tz)
        end = item.get("DTEND")
        uid = _slug(str(item.get("UID", item.get("SUMMARY", "event"))))
        events.append(
            Event(
                id=f"{uid}-{begins:%Y%m%d}",
                title={"de": str(item.get("SUMMARY", "Veranstaltung"))},
                start=begins,
                end=_local(end.dt, tz) if end is not None else None,
                place=str(item.get("LOCATION")) if item.get("LOCATION") else None,
                source="iCalendar feed",
            )
        )
    return tuple(sorted(events, key=lambda e: e.start))


class IcsFeedReader:
    """Implements ``bot.services.ports.FeedReader``: fetch and parse in a worker thread."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    async def read(self, source: str, tz: ZoneInfo, now: datetime) -> tuple[Event, ...]:
        """The events of the feed at *source* (a URL or a file); raises :class:`FeedError`."""
        data = await asyncio.to_thread(fetch, source, self.timeout)
        return await asyncio.to_thread(parse, data, tz, now)
