"""The bot's repeating jobs: when each runs, by name, in one place.

The callbacks live with the handlers; ``handlers.register`` pairs each schedule with its
callback in one table and hands it to :func:`schedule`. A job is replaced, never duplicated,
when it is scheduled again under the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.services.insights import DIGEST_CHECK
from bot.telegram.context import Context, WegweiserApp

JobCallback = Callable[[Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Schedule:
    """A repeating job's name, how often it runs and when it first runs after the start."""

    name: str
    interval: timedelta
    first: timedelta


# Read the centre's iCalendar feed right after the start, then every 15 minutes.
EVENTS_FEED = Schedule("events-feed", interval=timedelta(minutes=15), first=timedelta(seconds=2))
# Look for edited knowledge base files every 30 seconds.
KB_WATCH = Schedule("kb-watch", interval=timedelta(seconds=30), first=timedelta(seconds=30))
# Forget users silent for longer than the retention period, hourly.
PURGE_INACTIVE_USERS = Schedule(
    "purge-inactive-users", interval=timedelta(hours=1), first=timedelta(minutes=1)
)
# Delete closed conversations and past appointments older than the record retention, and the
# statistics' anonymous events older than theirs, daily.
PURGE_RECORDS = Schedule("purge-records", interval=timedelta(days=1), first=timedelta(minutes=2))
# Send the weekly digest if it is due (also one missed while the bot was down), 10 minutes at
# most after its hour; asked first half a minute after the start.
WEEKLY_DIGEST = Schedule("weekly-digest", interval=DIGEST_CHECK, first=timedelta(seconds=30))


def schedule(app: WegweiserApp, table: Iterable[tuple[Schedule, JobCallback]]) -> None:
    """Put every job of *table* on the application's job queue (if it has one)."""
    if app.job_queue is None:
        return
    for when, callback in table:
        for earlier in app.job_queue.get_jobs_by_name(when.name):
            earlier.schedule_removal()
        app.job_queue.run_repeating(
            callback, interval=when.interval, first=when.first, name=when.name
        )
