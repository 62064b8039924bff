"""The use cases of events, the knowledge base, questions and contacts, on the real database,
with the real messenger over the fake Bot API and the real feed reader over a file."""

from __future__ import annotations

import asyncio
import gc
import warnings
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import event, inspect, select
from telegram import Bot

from bot.adapters.event_feed import IcsFeedReader
from bot.core import staff_texts
from bot.core.assistant import Assistant
from bot.core.event_status import format_when
from bot.core.i18n import gettext
from bot.core.insights import Activity, ActivityKind
from bot.core.knowledge import Problem, load_knowledge_base
from bot.db import EventSubscription, Feedback, UnansweredQuestion, create_engine
from bot.db.session import session_factory
from bot.db.unit_of_work import Database
from bot.services.activity_log import ActivityLog
from bot.services.contacts import ContactService
from bot.services.events import Announcement, EventService
from bot.services.insights import InsightService
from bot.services.knowledge import KnowledgeService
from bot.services.questions import QuestionService
from bot.settings import Settings
from bot.telegram.messenger import TelegramMessenger
from tests.factories import small_kb
from tests.fakes import FakeTelegram
from tests.faultproxy import TcpProxy
from tests.harness import START, TOKEN, TestClock, empty_database
from tests.process import via_port

STAFF_CHAT = -1009876
FEST = "fest-2016"


@dataclass
class World:
    """The services of one bot over a real database, a fake Bot API and an editable kb."""

    database: Database
    api: FakeTelegram
    messenger: TelegramMessenger
    clock: TestClock
    settings: Settings
    directory: Path
    events: EventService
    knowledge: KnowledgeService
    activity: ActivityLog  # closed after the test: no write outlives it

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    """Services on an empty database; the small knowledge base in a folder the test may edit."""
    async with empty_database(database_url) as database:
        async for world in _world(database_url, database, tmp_path):
            yield world


async def _world(database_url: str, database: Database, tmp_path: Path) -> AsyncIterator[World]:
    api = FakeTelegram()
    bot = Bot(TOKEN, request=api, get_updates_request=api)
    await bot.initialize()
    messenger = TelegramMessenger()
    messenger.attach(bot)
    clock = TestClock()
    settings = Settings(telegram_token=TOKEN, database_url=database_url,
                        staff_chat_id=STAFF_CHAT)  # fmt: skip
    directory = small_kb(tmp_path)
    events = EventService(database, clock, messenger, IcsFeedReader(), settings)
    # No local name for the assistant: the test must see whether a reload lets it go.
    knowledge = KnowledgeService(
        Assistant.for_knowledge_base(load_knowledge_base(directory)), events
    )
    activity = ActivityLog(database, clock)
    try:
        yield World(
            database, api, messenger, clock, settings, directory, events, knowledge, activity
        )
    finally:
        await activity.close()
        await bot.shutdown()


def move_fest(directory: Path, days_ahead: int) -> None:
    """Give the festival a new date *days_ahead* of the test clock."""
    path = directory / "events.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    day = (START.date() + timedelta(days=days_ahead)).isoformat()
    data["events"][0]["start"], data["events"][0]["end"] = f"{day} 13:00", f"{day} 18:00"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


async def subscribers(database: Database) -> list[int]:
    async with database.sessions() as session:
        return sorted((await session.scalars(select(EventSubscription.chat_id))).all())


async def test_a_new_date_reaches_each_subscriber_exactly_once_and_misses_are_reported(
    world: World,
) -> None:
    await world.events.subscribe(71, FEST, "tr")
    await world.events.subscribe(72, FEST, "de")
    await world.events.subscribe(73, FEST, "uk")
    await world.events.subscribe(71, FEST, "tr")  # asking twice is one subscription
    assert await subscribers(world.database) == [71, 72, 73]
    world.api.fail_once["sendMessage"] = (403, "Forbidden: bot was blocked by the user", {})
    move_fest(world.directory, 30)

    report = await world.knowledge.reload()

    kb = report.knowledge_base
    assert kb is not None
    assert world.knowledge.assistant.kb is kb
    assert report.announcement == Announcement(told=2, undelivered=(71,))  # 71 blocked the bot
    assert world.texts_to(72) == [
        "Neuer Termin: Fest der Vielfalt, Mittwoch, 6. Januar 2027, 13:00–18:00. "
        "Ort: vor dem Kultur- und Stadthistorischen Museum"
    ]
    [fest] = kb.events
    assert world.texts_to(73) == [
        gettext("uk", "New date: {title}, {when}. Place: {place}", title=fest.title_in("uk"),
                when=format_when(fest, "uk"), place=fest.place)
    ]  # fmt: skip
    assert await subscribers(world.database) == []  # the blocked one is not tried again
    world.api.clear()
    again = await world.knowledge.reload()
    assert again.announcement == Announcement()
    assert await world.events.announce_new_dates((), kb.events, kb) == Announcement()
    assert world.api.sent() == []


async def test_two_announcers_at_once_tell_each_subscriber_once(
    world: World, database_url: str
) -> None:
    chats = list(range(100, 112))
    for chat_id in chats:
        await world.events.subscribe(chat_id, FEST, "de")
    other_engine = create_engine(database_url)
    other = EventService(Database(session_factory(other_engine)), world.clock, world.messenger,
                         IcsFeedReader(), world.settings)  # fmt: skip
    kb = world.knowledge.knowledge_base
    [fest] = kb.events
    assert fest.end is not None
    moved = fest.model_copy(
        update={"start": fest.start.replace(year=2027), "end": fest.end.replace(year=2027)}
    )
    try:
        results = await asyncio.gather(
            world.events.announce_new_dates([fest], [moved], kb),
            other.announce_new_dates([fest], [moved], kb),
        )
    finally:
        await other_engine.dispose()
    assert sum(r.told for r in results) == len(chats)
    assert sorted(int(p["chat_id"]) for p in world.api.sent()) == chats


async def test_a_broken_edit_keeps_the_running_knowledge_base_and_names_file_and_field(
    world: World,
) -> None:
    running = world.knowledge.assistant
    tutoring = world.directory / "entries" / "tutoring.yaml"
    data = yaml.safe_load(tutoring.read_text("utf-8"))
    data["related"] = ["nowhere"]
    tutoring.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")

    report = await world.knowledge.reload()

    assert report.knowledge_base is None
    assert world.knowledge.assistant is running
    assert report.errors == [
        Problem("testhausen/entries/tutoring.yaml", "related", "no entry with id 'nowhere'")
    ]
    assert report.announcement == Announcement()
    assert await world.knowledge.reload_if_changed() is None  # the broken files are known


async def test_the_file_watch_reloads_only_after_a_change(world: World) -> None:
    assert await world.knowledge.reload_if_changed() is None  # the first look remembers
    assert await world.knowledge.reload_if_changed() is None
    before = world.knowledge.knowledge_base
    move_fest(world.directory, 12)
    report = await world.knowledge.reload_if_changed()
    assert report is not None
    assert report.knowledge_base is world.knowledge.knowledge_base is not before


def feed_with(title: str, day: datetime) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//DE\r\nBEGIN:VEVENT\r\n"
        f"UID:cafe@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berlin:"
        f"{day:%Y%m%dT150000}\r\nSUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


async def test_a_broken_feed_is_told_to_staff_once_and_the_last_copy_stays(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "events.ics"
    world.settings.events_ics = str(path)
    kb = world.knowledge.knowledge_base
    path.write_bytes(feed_with("Sprachcafé", START + timedelta(days=2)))
    good = await world.events.refresh_feed(kb)
    assert good is not None
    assert (good.events, good.problem) == (1, None)
    path.write_text("BEGIN:VCALENDAR\nthis is broken", "utf-8")
    world.api.fail_once["sendMessage"] = (502, "Bad Gateway", {})  # the first notice fails

    broken = [await world.events.refresh_feed(kb) for _ in range(3)]

    problem = "not a readable iCalendar feed (ValueError)"
    assert [(r.events, r.problem) for r in broken if r] == [(1, problem)] * 3
    notice = staff_texts.FEED_BROKEN.format(why=problem)
    assert world.texts_to(STAFF_CHAT) == [notice, notice]  # tried again, then delivered once
    assert [e.title["de"] for e in world.events.listing(kb).upcoming] == ["Sprachcafé"]
    path.write_bytes(feed_with("Sprachcafé", START + timedelta(days=2)))
    assert await world.events.refresh_feed(kb) is not None
    path.write_text("broken again", "utf-8")
    await world.events.refresh_feed(kb)
    assert world.texts_to(STAFF_CHAT)[-1] == notice  # a new breakage is told again


async def test_a_vote_is_stored_without_the_voter(world: World) -> None:
    questions = QuestionService(world.database, world.clock, world.knowledge, world.activity)
    assert await questions.record_vote(4711, "tutoring", "tr", helpful=False)
    assert not await questions.record_vote(4711, "tutoring", "tr", helpful=True)  # once
    async with world.database.sessions() as session:
        [vote] = (await session.scalars(select(Feedback))).all()
    assert (vote.entry_id, vote.lang, vote.helpful, vote.created_at) == (
        "tutoring", "tr", False, START,
    )  # fmt: skip
    assert "chat_id" not in {c.key for c in inspect(Feedback).columns}


async def test_a_question_without_an_answer_is_kept_without_the_asker(world: World) -> None:
    questions = QuestionService(world.database, world.clock, world.knowledge, world.activity)
    answered = await questions.answer("Wo melde ich mein Kind in der Schule an?", lang=None,
                                      hint="de")  # fmt: skip
    festival = await questions.answer("Wann ist das Fest der Vielfalt?", lang=None, hint="de")
    unknown = await questions.answer("Wie wird das Wetter morgen in Testhausen?", lang="de",
                                     hint=None)  # fmt: skip
    assert (answered.reply.entry_id, answered.topic) == ("school", "school_entry")
    assert festival.topic == "events"
    assert (unknown.reply.entry_id, unknown.topic) == (None, None)
    async with world.database.sessions() as session:
        [kept] = (await session.scalars(select(UnansweredQuestion))).all()
    assert (kept.text, kept.lang, kept.created_at) == (
        "Wie wird das Wetter morgen in Testhausen?", "de", START,
    )  # fmt: skip
    assert "chat_id" not in {c.key for c in inspect(UnansweredQuestion).columns}


async def test_contacts_are_found_and_a_reload_lets_the_old_knowledge_base_go(
    world: World,
) -> None:
    contacts = ContactService(world.knowledge)
    found = await contacts.find("Seiteneinsteiger", "de")
    assert [c.id for c in found.found] == ["school-desk"]
    nothing = await contacts.find("Zahnarzt", "de")
    assert (nothing.found, nothing.answer) == ((), None)
    assert nothing.instead is not None
    assert (nothing.instead.id, nothing.centre_name) == (
        "school-desk", "Kommunales Integrationszentrum Testhausen",
    )  # fmt: skip
    old = weakref.ref(world.knowledge.knowledge_base)
    move_fest(world.directory, 5)
    assert (await world.knowledge.reload()).knowledge_base is not None
    gc.collect()
    assert old() is None  # the cached index does not hold it (no search since the reload)
    again = await contacts.find("Seiteneinsteiger", "de")
    assert [c.id for c in again.found] == ["school-desk"]


async def test_answers_at_once_are_written_together_and_all_counted(world: World) -> None:
    engine = world.database.sessions.kw["bind"]
    inserts: list[int] = []

    def seen(_conn: object, _cursor: object, statement: str, rows: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ACTIVITY"):
            inserts.append(len(rows) if isinstance(rows, list) else 1)

    activity = world.activity
    questions = QuestionService(world.database, world.clock, world.knowledge, activity)
    insights = InsightService(
        world.database, world.clock, lambda: world.knowledge.assistant.kb, 30, activity
    )
    asked = ["Wo melde ich mein Kind in der Schule an?", "Wann ist das Fest der Vielfalt?"] * 20
    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        answers = await asyncio.gather(*(questions.answer(q, lang=None, hint="de") for q in asked))
        figures = await insights.figures(7)  # waits for the events still to be written
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert all(a.reply.confident for a in answers)
    assert (figures.total.questions, figures.total.confident) == (40, 40)
    assert figures.by_topic["events"].questions == 20
    assert sum(inserts) == 40
    assert len(inserts) <= 2, inserts  # not one transaction per answer
    assert activity.waiting == 0


async def test_statistics_wait_through_a_database_outage(postgres_database: str) -> None:
    server = urlsplit(postgres_database)
    with TcpProxy(server.hostname or "127.0.0.1", server.port or 5432) as proxy:
        async with empty_database(via_port(postgres_database, proxy.port)) as database:
            activity = ActivityLog(database, TestClock())
            with proxy.down():
                for _ in range(5):
                    activity.add(Activity(ActivityKind.QUESTION, "uk", "school_entry", "school"))
                assert not await activity.flush(within=1.5)
                assert activity.waiting == 5
            assert await activity.flush(within=30)  # written once the database is back
            async with database() as work:
                counted = await work.activity.counts(START - timedelta(days=1), START)
            await activity.close()
    # asyncpg does not close the connection the outage cut (a ResourceWarning when it is
    # collected): collect it here, where it is expected, not in a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert counted == [("question", None, "uk", "school_entry", 5)]
