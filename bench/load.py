"""A working day in a minute: many families against the real ``wegweiser run``, beside an echo bot.

    python bench/load.py [--users 200] [--seconds 60] [--handoffs 20] [--bookings 10]
                         [--postgres] [--quick]

The bot polls the local Bot API emulator (../shared/telegram-emulator) at its default flood limit
(30 messages a second overall, 20 a minute per group), with a staff group (SQLite by default,
PostgreSQL with ``--postgres``). The simulated users:

- most ask questions from ``tests/devset`` in eight languages, each in its user's language,
  waiting for the answer and thinking a few seconds before the next;
- ``--handoffs`` of them ask for a person (/staff) and then talk to staff: each family message
  must appear in its staff topic, where staff answer it after a moment; the family waits for
  that answer before writing again;
- staff book an appointment (``/appointment DATE 10:30`` in the topic) for ``--bookings`` of
  those families after their first exchange.

Printed per kind: how many completed, per second, p50/p99 latency (send -> the bot's message
arriving via the emulator's long poll), time-outs (the goal is 0); errors; peak RSS (VmHWM) of
``wegweiser run``. The same question traffic against a minimal echo bot (bench/echo_bot.py, no
flood limit) is the ceiling. After the clock stops, outstanding relays get ``--drain`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.evaluation import load_set, percentiles_ms  # noqa: E402
from bot.core.languages import LANGS  # noqa: E402
from bot.core.office_hours import is_holiday  # noqa: E402
from tests import emulator as emu  # noqa: E402
from tests.process import (  # noqa: E402
    HEADER,
    STAFF_CHAT,
    STAFF_IDS,
    AsyncDesk,
    BotProcess,
    Output,
    family_body,
    family_text,
    peak_rss_mb,
    postgres_database,
    postgres_unavailable,
    staff_body,
    staff_text,
)

ANSWER_TIMEOUT = 15.0  # seconds a question may take before it counts as timed out
RELAY_TIMEOUT = 60.0  # seconds a relayed message (either way), a hand-over or a booking may take
BERLIN = ZoneInfo("Europe/Berlin")  # the centres' time zone, for the booking date
STAFF_TYPING = (0.5, 2.0)  # seconds staff take to answer a message they see in the topic

# Each simulated user is new: the first-contact privacy notice would arrive before its first
# answer and be counted as the answer; off here (it is one extra message per new chat).
BENCH_ENV = {"WEGWEISER_PRIVACY_NOTICE": "false"}


def questions_by_language() -> dict[str, list[str]]:
    """The Duisburg tuning questions (the bot runs the Duisburg knowledge base), by language."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for item in load_set(ROOT / "tests/devset", "duisburg"):
        found[item.lang].append(item.question)
    return dict(found)


def booking_day(today: date) -> str:
    """A working day at least a week ahead that is no public holiday, as 2026-12-03."""
    day = today + timedelta(days=7)
    while day.weekday() >= 5 or is_holiday(day):
        day += timedelta(days=1)
    return day.isoformat()


@dataclass
class Kind:
    """Latencies of one kind of round trip, and how many timed out."""

    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0

    def row(self, label: str, seconds: float) -> str:
        """One line of the table."""
        p50, p99 = percentiles_ms(self.latencies)
        done = len(self.latencies)
        return (
            f"{label:<34}{done:>7}{done / seconds:>9.1f}{p50:>10.0f}{p99:>10.0f}"
            f"{self.timeouts:>11}"
        )


@dataclass
class Figures:
    """Everything measured in one run."""

    answers: Kind = field(default_factory=Kind)
    opened: Kind = field(default_factory=Kind)
    to_staff: Kind = field(default_factory=Kind)
    to_family: Kind = field(default_factory=Kind)
    bookings: Kind = field(default_factory=Kind)
    errors: list[str] = field(default_factory=list)
    headers: int = 0
    staff_notes: int = 0
    peak_rss_mb: float = 0.0


class Clock:
    """The load window: people start new things only while it is open."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.ends = self.started + seconds

    def open(self) -> bool:
        """Still inside the window."""
        return time.monotonic() < self.ends


class Mailbox:
    """One chat's messages from the bot, read by one long-polling task and handed out by kind."""

    def __init__(self, desk: AsyncDesk, chat_id: int) -> None:
        self.desk, self.chat_id = desk, chat_id
        self.arrived: dict[tuple[str, int, int], float] = {}  # marker -> when it arrived
        self.other: asyncio.Queue[tuple[Output, float]] = asyncio.Queue()
        self.changed = asyncio.Event()
        self.stopped = False

    async def run(self) -> None:
        """Read until stopped."""
        while not self.stopped:
            outputs = await self.desk.wait(self.chat_id, 2)
            moment = time.perf_counter()
            for output in outputs:
                if output.edited:
                    continue
                for marker in output.markers:
                    self.arrived.setdefault(marker, moment)
                if not output.markers:
                    self.other.put_nowait((output, moment))
            if outputs:
                self.changed.set()

    async def marker(self, marker: tuple[str, int, int], seconds: float) -> float | None:
        """When *marker* arrived (waiting up to *seconds*), or None."""
        deadline = time.monotonic() + seconds
        while marker not in self.arrived:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return None
        return self.arrived[marker]

    async def next_other(self, seconds: float) -> tuple[Output, float] | None:
        """The next unmarked message (waiting up to *seconds*), or None."""
        try:
            return await asyncio.wait_for(self.other.get(), seconds)
        except TimeoutError:
            return None


async def ask_questions(
    desk: AsyncDesk,
    user_id: int,
    lang: str,
    questions: Iterator[str],
    clock: Clock,
    figures: Figures,
    think: tuple[float, float],
    rng: random.Random,
) -> None:
    """A family asking one question after another, thinking in between."""
    user = emu.Emulator.user(user_id, lang)
    await asyncio.sleep(rng.uniform(0, think[1]))  # not all at the same instant
    while clock.open():
        await desk.unread(user_id)  # a second message of the last answer (events, volunteering)
        started = time.perf_counter()
        question = next(questions)
        await desk.post(family_body(desk.token, user, question))
        reply = await desk.wait(user_id, ANSWER_TIMEOUT)
        if reply:
            figures.answers.latencies.append(time.perf_counter() - started)
        else:
            figures.answers.timeouts += 1
            late = await desk.wait(user_id, RELAY_TIMEOUT)  # must not count for the next question
            waited = time.perf_counter() - started
            figures.errors.append(
                f"no answer to {user_id} ({lang}) within {ANSWER_TIMEOUT:.0f} s: {question[:40]!r}"
                + (f", came after {waited:.0f} s" if late else ", never came")
            )
        await asyncio.sleep(rng.uniform(*think))


@dataclass
class StaffRoom:
    """Staff watching the staff group: they answer every family message in its topic."""

    desk: AsyncDesk
    figures: Figures
    rng: random.Random
    book_for: set[int]
    day: str
    threads: dict[int, int] = field(default_factory=dict)  # family -> topic
    replied_at: dict[tuple[int, int], float] = field(default_factory=dict)  # (family, n) -> sent
    booked_at: dict[int, float] = field(default_factory=dict)  # family -> /appointment sent
    booking_seen: set[int] = field(default_factory=set)  # families that got the appointment
    sent_to_staff: dict[tuple[int, int], float] = field(default_factory=dict)
    stopped: bool = False
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self) -> None:
        """Read the staff group until stopped."""
        while not self.stopped:
            for output in await self.desk.wait(STAFF_CHAT, 2):
                self._see(output, time.perf_counter())

    def _see(self, output: Output, moment: float) -> None:
        if output.edited:
            return
        if output.text.startswith(HEADER):
            self.figures.headers += 1
            return
        if not output.markers:
            self.figures.staff_notes += 1
            return
        for side, family, n in output.markers:
            if side != "F" or output.thread is None:
                continue
            sent = self.sent_to_staff.pop((family, n), None)
            if sent is not None:
                self.figures.to_staff.latencies.append(moment - sent)
            self.threads.setdefault(family, output.thread)
            task = asyncio.create_task(self._answer(family, n, output.thread))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _answer(self, family: int, n: int, thread: int) -> None:
        await asyncio.sleep(self.rng.uniform(*STAFF_TYPING))
        self.replied_at[(family, n)] = time.perf_counter()
        await self.desk.post(staff_body(self.desk.token, thread, staff_text(family, n)))
        if n == 1 and family in self.book_for:
            self.booked_at[family] = time.perf_counter()
            await self.desk.post(
                staff_body(self.desk.token, thread, f"/appointment {self.day} 10:30")
            )


async def talk_to_staff(
    desk: AsyncDesk,
    user_id: int,
    lang: str,
    staff: StaffRoom,
    clock: Clock,
    figures: Figures,
    think: tuple[float, float],
    rng: random.Random,
) -> None:
    """A family that asks for a person, then writes and waits for staff's answer, in turn."""
    user = emu.Emulator.user(user_id, lang)
    mailbox = Mailbox(desk, user_id)
    reader = asyncio.create_task(mailbox.run())
    try:
        await asyncio.sleep(rng.uniform(0, min(10.0, think[1])))
        started = time.perf_counter()
        await desk.post(family_body(desk.token, user, "/staff"))
        told = await mailbox.next_other(RELAY_TIMEOUT)
        if told is None:
            figures.opened.timeouts += 1
            return
        figures.opened.latencies.append(told[1] - started)
        watcher = asyncio.create_task(_watch_other_messages(mailbox, user_id, staff, figures))
        for n in itertools.count(1):
            if not clock.open():
                break
            staff.sent_to_staff[(user_id, n)] = time.perf_counter()
            await desk.post(family_body(desk.token, user, family_text(user_id, n)))
            arrived = await mailbox.marker(("S", user_id, n), RELAY_TIMEOUT)
            if arrived is None:
                figures.to_family.timeouts += 1
                if (user_id, n) in staff.sent_to_staff:  # never reached the topic either
                    figures.to_staff.timeouts += 1
                    del staff.sent_to_staff[(user_id, n)]
                break
            figures.to_family.latencies.append(arrived - staff.replied_at[(user_id, n)])
            await asyncio.sleep(rng.uniform(*think))
        if user_id in staff.book_for and user_id not in staff.booking_seen:
            await asyncio.sleep(min(RELAY_TIMEOUT, 10.0))  # a booking still on its way
        mailbox.stopped = True
        await watcher
        if user_id in staff.book_for and user_id not in staff.booking_seen:
            figures.bookings.timeouts += 1
    finally:
        mailbox.stopped = True
        await reader


async def _watch_other_messages(
    mailbox: Mailbox, user_id: int, staff: StaffRoom, figures: Figures
) -> None:
    """Messages to a family with staff that are no staff answer: the appointment (with its
    Confirm button) and its calendar file if staff booked; anything else is an error."""
    while not mailbox.stopped:
        found = await mailbox.next_other(1.0)
        if found is None:
            continue
        output, moment = found
        if "appt:" in str(output.raw.get("reply_markup", "")) and user_id in staff.booked_at:
            figures.bookings.latencies.append(moment - staff.booked_at[user_id])
            staff.booking_seen.add(user_id)
        elif output.raw.get("document") is None:
            figures.errors.append(f"family {user_id} with staff got {output.text[:60]!r}")


async def run_load(
    url: str,
    token: str,
    args: argparse.Namespace,
    *,
    handoffs: int,
    bookings: int,
) -> Figures:
    """All the users for ``args.seconds``; with *handoffs* > 0 also staff and their families."""
    figures = Figures()
    rng = random.Random(7)
    desk = AsyncDesk(url, token)
    questions = questions_by_language()
    cycles = {lang: itertools.cycle(rng.sample(qs, len(qs))) for lang, qs in questions.items()}
    langs = [lang for lang in LANGS if lang in questions]
    clock = Clock(args.seconds)
    staff = StaffRoom(
        desk,
        figures,
        rng,
        set(range(800_000, 800_000 + bookings)),
        booking_day(datetime.now(BERLIN).date()),
    )
    watcher = asyncio.create_task(staff.run())
    people = [
        talk_to_staff(desk, 800_000 + k, langs[k % len(langs)], staff, clock, figures,
                      args.think, rng)
        for k in range(handoffs)
    ] + [
        ask_questions(desk, 900_000 + k, langs[k % len(langs)], cycles[langs[k % len(langs)]],
                      clock, figures, args.think, rng)
        for k in range(args.users - handoffs)
    ]  # fmt: skip
    try:
        await asyncio.wait_for(
            asyncio.gather(*people), args.seconds + args.drain + 3 * RELAY_TIMEOUT
        )
    except TimeoutError:
        figures.errors.append("some users were still waiting when the bench gave up")
    staff.stopped = True
    await watcher
    await asyncio.gather(*staff.tasks)
    await desk.close()
    return figures


@contextmanager
def database(args: argparse.Namespace, workdir: Path) -> Iterator[dict[str, str]]:
    """The bot's database settings: a fresh PostgreSQL database, or SQLite in *workdir*."""
    if not args.postgres:
        yield {}
        return
    with postgres_database() as url:
        yield {"WEGWEISER_DATABASE_URL": url}


def warm(emulator: emu.Emulator, token: str) -> None:
    """One round trip, so that start-up is not measured."""
    user = emu.Emulator.user(1, "de")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        emulator.send_text(token, user, "Hallo")
        if emulator.wait(token, 1, timeout=5):
            return
    raise RuntimeError("the bot did not answer")


def measure_wegweiser(args: argparse.Namespace, workdir: Path) -> tuple[Figures, str]:
    """The full traffic against ``wegweiser run``; (figures, the end of its log)."""
    emulator = emu.Emulator({"TG_STAFF_IDS": STAFF_IDS})
    token = "515151:load-bench-token-wegweiser"
    try:
        with database(args, workdir) as env:
            bot = BotProcess(emulator, token, workdir, name="wegweiser", env={**env, **BENCH_ENV})
            try:
                bot.wait_ready()
                warm(emulator, token)
                load = run_load(
                    emulator.url, token, args, handoffs=args.handoffs, bookings=args.bookings
                )
                figures = asyncio.run(load)
                figures.peak_rss_mb = bot.peak_rss_mb()
                if not bot.alive():
                    figures.errors.append("wegweiser run died")
            finally:
                bot.stop()
            return figures, bot.all_logs()
    finally:
        emulator.stop()


def measure_echo(args: argparse.Namespace) -> Figures:
    """The question traffic alone against the echo bot (the ceiling)."""
    emulator = emu.Emulator()
    token = "525252:load-bench-token-echo-bot"
    echo = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "echo_bot.py"), token, emulator.url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        warm(emulator, token)
        figures = asyncio.run(run_load(emulator.url, token, args, handoffs=0, bookings=0))
        figures.peak_rss_mb = peak_rss_mb(echo.pid)
        return figures
    finally:
        echo.terminate()
        echo.wait(timeout=30)
        emulator.stop()


def print_table(args: argparse.Namespace, echo: Figures, bot: Figures) -> None:
    """The figures as a table."""
    db = "PostgreSQL" if args.postgres else "SQLite"
    asking = args.users - args.handoffs
    print(
        f"\n{args.users} users for {args.seconds:.0f} s: {asking} asking in 8 languages, "
        f"{args.handoffs} in hand-overs with staff answering, {args.bookings} bookings; "
        f"think {args.think[0]:.0f}-{args.think[1]:.0f} s; default flood limit; {db}\n"
    )
    print(f"{'':<34}{'done':>7}{'per s':>9}{'p50 ms':>10}{'p99 ms':>10}{'time-outs':>11}")
    print(echo.answers.row("echo bot: answers", args.seconds))
    print(bot.answers.row("wegweiser: answers", args.seconds))
    print(bot.opened.row("wegweiser: hand-over (/staff)", args.seconds))
    print(bot.to_staff.row("wegweiser: relay family -> staff", args.seconds))
    print(bot.to_family.row("wegweiser: relay staff -> family", args.seconds))
    print(bot.bookings.row("wegweiser: booking -> family", args.seconds))
    timeouts = sum(k.timeouts for k in (bot.answers, bot.opened, bot.to_staff, bot.to_family,
                                        bot.bookings))  # fmt: skip
    print(
        f"\nerrors: {len(bot.errors)}, time-outs: {timeouts} (goal 0 and 0); topic headers "
        f"{bot.headers}, other bot messages in the staff group {bot.staff_notes}"
    )
    for error in bot.errors[:10]:
        print(f"  {error}")
    print(f"peak RSS: wegweiser run {bot.peak_rss_mb:.0f} MB, echo bot {echo.peak_rss_mb:.0f} MB")


def think_range(text: str) -> tuple[float, float]:
    """'4,12' -> (4.0, 12.0)."""
    low, _, high = text.partition(",")
    return float(low), float(high or low)


def main() -> None:
    """Run the echo baseline, then Wegweiser, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=10)
    parser.add_argument("--think", type=think_range, default=(4.0, 12.0),
                        help="seconds between a reply and the next message, MIN,MAX")  # fmt: skip
    parser.add_argument("--drain", type=float, default=30, help="seconds for late relays")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--log", type=Path, help="keep the bot's log here")
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.handoffs, args.bookings = 20, 15.0, 4, 2
    args.handoffs = min(args.handoffs, args.users)
    args.bookings = min(args.bookings, args.handoffs)
    reason = emu.unavailable() or (postgres_unavailable() if args.postgres else None)
    if reason:
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        echo = measure_echo(args)
        bot, log = measure_wegweiser(args, Path(tmp))
    if args.log:
        args.log.write_text(log, "utf-8")
    print_table(args, echo, bot)


if __name__ == "__main__":
    main()
