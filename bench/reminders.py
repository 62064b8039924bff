"""How late appointment reminders go out, with 10,000 appointments in the database.

    python bench/reminders.py [--appointments 10000] [--window 40]

The real application (its JobQueue, the reminder sweep, the exact-time triggers) runs against a
temporary SQLite database and a Bot API stand-in that records when each message was sent.
Printed: the time from start until every overdue reminder was sent and the near ones were
scheduled, resident memory, and the lateness (sent minus due) of the reminders that fell due
during the run: p50, p99 and max, beside the sweep alone (interval 30 s) as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy import insert  # noqa: E402

import handlers  # noqa: E402
from bot.core.assistant import Assistant  # noqa: E402
from bot.core.evaluation import percentiles_ms  # noqa: E402
from bot.core.knowledge import load_knowledge_base  # noqa: E402
from bot.db import PENDING, Appointment, Reminder, create_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_application, close, prepare  # noqa: E402
from bot.telegram.reminder_jobs import SWEEP  # noqa: E402
from tests.fakes import FakeTelegram  # noqa: E402


class Clock(FakeTelegram):
    """The Bot API stand-in, noting when each message to a family was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: dict[int, float] = {}

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:  # fmt: skip
        """Record the time of every sendMessage."""
        if url.endswith("/sendMessage") and request_data is not None:
            chat = int(request_data.parameters["chat_id"])
            self.sent_at.setdefault(chat, time.time())
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def fill(url: str, count: int, window: float, start: datetime) -> dict[int, float]:
    """*count* appointments, two reminders each; one in ten falls due during the run."""
    rng = random.Random(7)
    due_during_run: dict[int, float] = {}
    appointments, reminders = [], []
    for n in range(count):
        chat = 10_000_000 + n
        starts = start + timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 6))
        appointments.append({"id": n + 1, "chat_id": chat, "handoff_id": None, "lang": "tr",
                             "starts_at": starts, "place": "Flachsmarkt 15, 1. Etage",
                             "bring": None, "status": "booked", "created_at": start})  # fmt: skip
        first = starts - timedelta(hours=24)
        if n % 10 == 0:  # due while the benchmark runs
            first = start + timedelta(seconds=5 + rng.random() * window)
            due_during_run[chat] = first.timestamp()
        for index, due in enumerate((first, starts - timedelta(hours=2))):
            reminders.append({"appointment_id": n + 1, "due_at": due, "status": PENDING,
                              "sent_at": None, "first": index == 0})  # fmt: skip
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(insert(Appointment), appointments)
        await connection.execute(insert(Reminder), reminders)
    await engine.dispose()
    return due_during_run


async def run(url: str, count: int, window: float, sweep_only: bool) -> None:
    """One measurement."""
    due = await fill(url, count, window, datetime.now(UTC))
    api = Clock()
    settings = Settings(telegram_token="1:benchmark-token", database_url=url, rate_limit=0)
    kb = load_knowledge_base(ROOT / "knowledge" / "duisburg")
    app = build_application(
        settings, Assistant.for_knowledge_base(kb), handlers.register, request=api
    )
    if sweep_only:  # baseline: no exact-time triggers, only the 30-second sweep
        import bot.telegram.reminder_jobs as reminder_jobs
        from bot.telegram.context import Context

        async def nothing(context: Context) -> None:
            return None

        reminder_jobs.schedule_near = nothing
    started = time.perf_counter()
    await app.initialize()
    await prepare(app)
    await app.start()
    queue = app.job_queue
    assert queue is not None
    [sweep] = queue.get_jobs_by_name(SWEEP)
    await sweep.run(app)  # the first sweep: what start-up costs
    ready = time.perf_counter() - started
    await asyncio.sleep(window + 10)
    await app.stop()
    await app.shutdown()
    await close(app)
    late = [api.sent_at[chat] - due_at for chat, due_at in due.items() if chat in api.sent_at]
    p50, p99 = percentiles_ms(late)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = "sweep only (baseline)" if sweep_only else "sweep + exact triggers"
    print(
        f"{label:<24}{ready:>9.2f}{rss:>10.0f}{len(late):>6}/{len(due):<6}"
        f"{p50:>10.0f}{p99:>10.0f}{max(late, default=0) * 1000:>10.0f}",
        flush=True,
    )


def main() -> None:
    """Print both lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=40.0)
    args = parser.parse_args()
    print(f"{args.appointments} appointments, {2 * args.appointments} reminders\n")
    print(f"{'':<24}{'start s':>9}{'RSS MB':>10}{'sent':>13}{'p50 ms':>10}{'p99 ms':>10}"
          f"{'max ms':>10}")  # fmt: skip
    for sweep_only in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            upgrade(url)
            asyncio.run(run(url, args.appointments, args.window, sweep_only))


if __name__ == "__main__":
    main()
