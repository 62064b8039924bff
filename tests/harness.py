"""The one way tests build the bot: the real ``Application`` with a recording fake Bot API, a
real database, a clock the test controls; and the staff desk (a bot with a staff group)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

import handlers
from bot.core.assistant import Assistant
from bot.core.knowledge import load_knowledge_base
from bot.db import Base, Handoff, create_engine, session_factory
from bot.db.migrate import upgrade
from bot.db.unit_of_work import Database
from bot.services.container import Services
from bot.settings import BUNDLED_KNOWLEDGE, Settings
from bot.telegram.app import build_application, close, prepare
from bot.telegram.context import BotData, WegweiserApp
from tests import updates
from tests.fakes import FakeTelegram

TOKEN = "123456:TEST-token-abcdefghij"
STAFF_CHAT = -1001234567
FAMILY = 81001
ANNA, BERND, STRANGER = 5001, 5002, 6666
# A Monday in winter, no holiday near: every test sees the same calendar, whatever the date.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@cache
def bundled(centre: str) -> Assistant:
    """The assistant (lexical matcher) over a bundled knowledge base (built once per run)."""
    return Assistant.for_knowledge_base(load_knowledge_base(BUNDLED_KNOWLEDGE / centre))


def duisburg() -> Assistant:
    """The assistant over the bundled Duisburg knowledge base (built once per run)."""
    return bundled("duisburg")


class TestClock:
    """The time the bot sees: fixed at :data:`START` until a test moves it."""

    __test__ = False  # not a test class

    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the time on, e.g. ``advance(seconds=5)``."""
        self.moment += timedelta(**delta)


async def start_app(
    database_url: str,
    api: FakeTelegram,
    assistant: Assistant | None = None,
    clock: TestClock | None = None,
    **settings: Any,
) -> WegweiserApp:
    """Build, initialise and prepare the application as ``wegweiser run`` does (no polling)."""
    # The first-contact privacy notice has tests of its own; elsewhere it would only shift which
    # message is the answer.
    settings.setdefault("privacy_notice", False)
    config = Settings(telegram_token=TOKEN, database_url=database_url, **settings)
    app = build_application(
        config, assistant or duisburg(), handlers.register, request=api, clock=clock or TestClock()
    )
    await app.initialize()
    await prepare(app)
    return app


async def stop_app(app: WegweiserApp) -> None:
    """Shut the application down and release its database."""
    await app.shutdown()
    await close(app)


async def truncate(database: Database) -> None:
    """Empty every table (PostgreSQL is shared by the run), children before parents."""
    async with database.sessions() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()


@asynccontextmanager
async def empty_database(database_url: str) -> AsyncIterator[Database]:
    """The database at *database_url*, migrated and empty, for service-level tests."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    database = Database(session_factory(engine))
    await truncate(database)
    try:
        yield database
    finally:
        await engine.dispose()


async def clear_tables(app: WegweiserApp) -> None:
    """Empty every table (PostgreSQL is shared by the run), children before parents."""
    data: BotData = app.bot_data
    await truncate(data.services.database)
    await data.services.conversations.load_active()  # nobody is with staff now


class Bot:
    """The application under test, its fake Bot API and its database."""

    def __init__(self, app: WegweiserApp, api: FakeTelegram) -> None:
        self.app = app
        self.api = api

    @property
    def data(self) -> BotData:
        found = self.app.bot_data
        assert isinstance(found, BotData)
        return found

    @property
    def services(self) -> Services:
        return self.data.services

    def sessions(self) -> AsyncSession:
        """A database session of the bot's database (to look at what was stored)."""
        return self.services.database.sessions()

    @property
    def clock(self) -> TestClock:
        clock = self.services.clock
        assert isinstance(clock, TestClock)
        return clock

    async def send(self, payload: dict[str, Any]) -> None:
        """Handle one update, then wait until the outbox has sent what it caused."""
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        await self.data.settle()

    async def later(self, **delta: float) -> None:
        """Let time pass and the outbox retry what waits."""
        self.clock.advance(**delta)
        await self.data.outbox.wake_due()
        await self.data.settle()

    async def rows(self, model: type[Any]) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.scalars(select(model))).all())


class Desk(Bot):
    """The bot with a staff group."""

    async def handoff(self) -> Handoff:
        async with self.sessions() as session:
            found = await session.scalar(select(Handoff).where(Handoff.chat_id == FAMILY))
            assert found is not None
            return found

    def copies(self, chat_id: int) -> list[dict[str, Any]]:
        return [p for p in self.api.sent("copyMessage") if int(p["chat_id"]) == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]


async def start_desk(
    database_url: str, api: FakeTelegram, assistant: Assistant | None = None, **overrides: Any
) -> WegweiserApp:
    """A bot with the staff group and two staff members."""
    return await start_app(database_url, api, assistant, **{**STAFF, **overrides})


stop_desk = stop_app
STAFF: dict[str, Any] = {"staff_chat_id": STAFF_CHAT, "staff_user_ids": [ANNA, BERND]}
Running = TypeVar("Running", bound=Bot)


@asynccontextmanager
async def running(
    database_url: str, kind: type[Running], assistant: Assistant | None = None, **settings: Any
) -> AsyncIterator[Running]:
    """A started bot (``Desk``: with the staff group) on an empty database, stopped after."""
    api = FakeTelegram()
    staff = STAFF if issubclass(kind, Desk) else {}
    app = await start_app(database_url, api, assistant, **{**staff, **settings})
    await clear_tables(app)
    api.clear()
    try:
        yield kind(app, api)
    finally:
        await stop_app(app)


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Bot]:
    """A bot without a staff group, on an empty database."""
    async with running(database_url, Bot) as started:
        yield started


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    """A bot with a staff group, on an empty database."""
    async with running(database_url, Desk) as started:
        yield started


async def open_topic(desk: Desk, lang: str = "ar") -> int:
    """A family asks, then presses "talk to a person": the topic it got."""
    await desk.send(updates.text(FAMILY, "وين بسجل ابني بالمدرسة؟", language_code=lang))
    await desk.send(updates.callback(FAMILY, f"person:{lang}", language_code=lang))
    handoff = await desk.handoff()
    assert handoff.topic_id is not None
    return handoff.topic_id
