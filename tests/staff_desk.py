"""A bot with a staff group, for the hand-over and appointment tests (fixture ``desk``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, select
from telegram.ext import Application

from bot.app import build_application, close, prepare
from bot.assistant import Assistant
from bot.db import (
    Appointment,
    EventSubscription,
    Feedback,
    Handoff,
    RelayMessage,
    Reminder,
    UnansweredQuestion,
    User,
)
from bot.settings import Settings
from handlers.services import SERVICES
from tests import updates
from tests.fakes import FakeTelegram
from tests.test_bot import TOKEN, Bot, duisburg

STAFF_CHAT = -1001234567
FAMILY = 81001
ANNA, BERND, STRANGER = 5001, 5002, 6666


class Desk(Bot):
    """The bot with a staff group: the application, its fake Bot API, the database."""

    async def handoff(self) -> Handoff:
        async with self.services.sessions() as session:
            found = await session.scalar(select(Handoff).where(Handoff.chat_id == FAMILY))
            assert found is not None
            return found

    def copies(self, chat_id: int) -> list[dict[str, Any]]:
        return [p for p in self.api.sent("copyMessage") if int(p["chat_id"]) == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]


async def start_desk(
    database_url: str, api: FakeTelegram, assistant: Assistant | None = None, **overrides: Any
) -> Application:  # type: ignore[type-arg]
    settings = Settings(
        telegram_token=TOKEN,
        database_url=database_url,
        staff_chat_id=STAFF_CHAT,
        staff_user_ids=[ANNA, BERND],
        **overrides,
    )
    app = build_application(settings, assistant or duisburg(), request=api)
    await app.initialize()
    await prepare(app)
    return app


async def stop_desk(app: Application) -> None:  # type: ignore[type-arg]
    await app.shutdown()
    await close(app)


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    api = FakeTelegram()
    app = await start_desk(database_url, api)
    await clear_tables(app)
    api.clear()
    try:
        yield Desk(app, api)
    finally:
        await stop_desk(app)


async def clear_tables(app: Application) -> None:  # type: ignore[type-arg]
    """Empty every table a desk test writes (PostgreSQL is shared by the run)."""
    services = app.bot_data[SERVICES]
    async with services.sessions() as session:
        for model in (EventSubscription, Reminder, Appointment, RelayMessage, Handoff, User,
                      Feedback, UnansweredQuestion):  # fmt: skip
            await session.execute(delete(model))
        await session.commit()
    services.with_staff.clear()


async def open_topic(desk: Desk, lang: str = "ar") -> int:
    await desk.send(updates.text(FAMILY, "وين بسجل ابني بالمدرسة؟", language_code=lang))
    await desk.send(updates.callback(FAMILY, f"person:{lang}", language_code=lang))
    handoff = await desk.handoff()
    assert handoff.topic_id is not None
    return handoff.topic_id
