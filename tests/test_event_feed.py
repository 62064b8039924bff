"""The centre's iCalendar feed: recurring events expanded, the last good copy kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.event_feed import fetch, parse
from bot.core.i18n import gettext
from bot.errors import FeedError
from tests import updates
from tests.fakes import FakeTelegram
from tests.harness import FAMILY, STAFF_CHAT, START, Desk, start_desk, stop_desk

BERLIN = ZoneInfo("Europe/Berlin")


def feed(first: datetime) -> bytes:
    """A weekly language café (one week left out) and a single festival."""
    start = first.strftime("%Y%m%dT150000")
    skipped = (first + timedelta(weeks=1)).strftime("%Y%m%dT150000")
    festival = (first + timedelta(days=3)).strftime("%Y%m%d")
    return f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//KI Duisburg//Veranstaltungen//DE
BEGIN:VEVENT
UID:sprachcafe@ki-duisburg
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:{start}
DTEND;TZID=Europe/Berlin:{start[:9]}170000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:{skipped}
SUMMARY:Sprachcafé
LOCATION:Internationales Zentrum, Flachsmarkt 15, 47051 Duisburg
END:VEVENT
BEGIN:VEVENT
UID:sommerfest@ki-duisburg
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:{festival}
SUMMARY:Sommerfest
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


def test_recurring_events_are_expanded() -> None:
    first = datetime.combine(START.date() + timedelta(days=2), datetime.min.time())
    events = parse(feed(first), BERLIN, START)
    cafes = [e for e in events if e.title["de"] == "Sprachcafé"]
    assert len(cafes) == 3  # four weeks, one left out
    assert all(e.start.hour == 15 for e in cafes)
    assert cafes[0].place == "Internationales Zentrum, Flachsmarkt 15, 47051 Duisburg"
    assert len({e.id for e in events}) == len(events)
    assert any(e.title["de"] == "Sommerfest" for e in events)


def test_broken_or_missing_feeds(tmp_path: Path) -> None:
    with pytest.raises(FeedError):
        parse(b"this is not a calendar", BERLIN, START)
    with pytest.raises(FeedError):
        fetch(str(tmp_path / "missing.ics"))


async def test_feed_events_are_listed_and_a_broken_feed_keeps_the_last_copy(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.ics"
    path.write_bytes(feed(datetime.combine(START.date() + timedelta(days=2), datetime.min.time())))
    api = FakeTelegram()
    app = await start_desk(database_url, api)
    app.bot_data.services.settings.events_ics = str(path)
    desk = Desk(app, api)
    try:
        job_queue = app.job_queue
        assert job_queue is not None
        [job] = job_queue.get_jobs_by_name("events-feed")
        await job.run(app)
        await desk.send(updates.command(FAMILY, "/events", language_code="uk"))
        texts = desk.texts_to(FAMILY)
        assert texts[0] == gettext("uk", "Upcoming events:")
        assert any(t.startswith("Sprachcafé") for t in texts)
        path.write_text("BEGIN:VCALENDAR\nthis is broken", "utf-8")
        await job.run(app)
        await job.run(app)
        warnings = [t for t in desk.texts_to(STAFF_CHAT) if "Kalender-Feed" in t]
        assert len(warnings) == 1  # told once
        api.clear()
        await desk.send(updates.command(FAMILY, "/events", language_code="uk"))
        assert any(t.startswith("Sprachcafé") for t in desk.texts_to(FAMILY))  # last good copy
    finally:
        await stop_desk(app)
