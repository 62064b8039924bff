"""Whether an event is ahead or past, and how to say so in the user's language (pure)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from bot.core.i18n import gettext
from bot.core.knowledge import Event
from bot.core.languages import Lang


def event_end(event: Event, tz: ZoneInfo) -> datetime:
    """When the event is over, as an aware datetime (a date-only event lasts the whole day)."""
    end = event.end or event.start
    if end.time() == time() and (event.end is None or event.end == event.start):
        end = datetime.combine(end.date(), time(23, 59))
    return end.replace(tzinfo=tz)


def is_past(event: Event, tz: ZoneInfo, now: datetime) -> bool:
    """True once the event has ended."""
    return event_end(event, tz) < now


def format_when(event: Event, lang: Lang) -> str:
    """Date and time the local way for *lang*, e.g. "Sonntag, 12. Juni 2016, 13:00–18:00"."""
    day = format_date(event.start.date(), format="full", locale=lang)
    if event.start.time() == time():
        return day
    start = format_time(event.start.time(), format="short", locale=lang)
    if event.end and event.end.date() == event.start.date():
        return f"{day}, {start}–{format_time(event.end.time(), format='short', locale=lang)}"
    return f"{day}, {start}"


def status_line(event: Event, tz: ZoneInfo, lang: Lang, now: datetime) -> str:
    """One line: the next date and place, or when it last took place and that no date is known."""
    when = format_when(event, lang)
    if is_past(event, tz, now):
        return gettext(
            lang, "The last one took place on {when}. No new date is known yet.", when=when
        )
    return gettext(lang, "Next date: {when}. Place: {place}", when=when, place=event.place or "–")
