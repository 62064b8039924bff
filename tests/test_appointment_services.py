"""The appointment and reminder use cases on a real database, with the real messenger and relay
outbox over the recording Bot API stand-in (no handlers in between)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.core import staff_texts as texts
from bot.core.booking import (
    FamilyAnswer,
    appointment_text,
    cancelled_text,
    event_reminder_text,
    moved_text,
    reminder_text,
)
from bot.core.knowledge import KnowledgeBase
from bot.db import (
    Appointment,
    Base,
    EventReminder,
    Handoff,
    RelayMessage,
    Reminder,
    create_engine,
    session_factory,
)
from bot.db.unit_of_work import Database
from bot.errors import AppointmentError
from bot.services.appointments import AppointmentService
from bot.services.ports import Delivery
from bot.services.reminders import ReminderService
from bot.services.users import UserService
from bot.settings import Settings
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.outbox import RelayOutbox
from tests.fakes import FakeTelegram
from tests.harness import FAMILY, STAFF_CHAT, START, TOKEN, TestClock, duisburg, empty_database

Row = TypeVar("Row", bound=Base)
PLACE = "Internationales Zentrum, Flachsmarkt 15, 1. Etage, 47051 Duisburg"  # school counselling
THURSDAY = "2026-12-17"  # a working day ten days after the tests' start


@dataclass
class World:
    """The use cases of one bot, what Telegram was asked, the database and the time."""

    url: str
    appointments: AppointmentService
    reminders: ReminderService
    users: UserService
    database: Database
    outbox: RelayOutbox
    api: FakeTelegram
    clock: TestClock
    messenger: TelegramMessenger

    @property
    def kb(self) -> KnowledgeBase:
        return duisburg().kb

    @property
    def tz(self) -> ZoneInfo:
        return self.kb.centre.tz

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]

    async def rows(self, model: type[Row]) -> list[Row]:
        async with self.database() as work:
            return list((await work.session.scalars(select(model))).all())

    async def reminders_of(self, appointment_id: int) -> list[tuple[datetime, str]]:
        async with self.database() as work:
            query = select(Reminder).where(Reminder.appointment_id == appointment_id)
            found = (await work.session.scalars(query.order_by(Reminder.id))).all()
        return [(r.due_at, r.status) for r in found]

    async def notes_to_staff(self) -> list[str | None]:
        async with self.database() as work:
            query = select(RelayMessage).where(RelayMessage.to_staff.is_(True))
            return [row.text for row in (await work.session.scalars(query)).all()]

    async def handoff(self, lang: str = "tr", chat_id: int = FAMILY) -> Handoff:
        async with self.database() as work:
            handoff, _ = await work.handoffs.open_for_chat(chat_id, lang, self.clock())
            await work.commit()
        return handoff


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """The services on an empty, migrated database."""
    async with empty_database(database_url) as database:
        async for world in _world(database_url, database):
            yield world


async def _world(database_url: str, database: Database) -> AsyncIterator[World]:
    sessions = database.sessions
    api, clock = FakeTelegram(), TestClock()
    bot = Bot(TOKEN, request=api, get_updates_request=api)
    await bot.initialize()
    messenger = TelegramMessenger()
    messenger.attach(bot)
    outbox = RelayOutbox(sessions, STAFF_CHAT, clock, "test-process")
    outbox.start(bot)
    settings = Settings(telegram_token=TOKEN, database_url=database_url)

    def knowledge() -> KnowledgeBase:
        return duisburg().kb

    try:
        yield World(
            database_url,
            AppointmentService(database, clock, messenger, outbox, knowledge, settings),
            ReminderService(database, clock, messenger, outbox, knowledge),
            UserService(database, clock, settings.retention_days, settings.record_retention_days),
            database, outbox, api, clock, messenger,
        )  # fmt: skip
    finally:
        await outbox.stop()
        await bot.shutdown()


async def test_booking_tells_the_family_with_buttons_and_the_calendar_file(world: World) -> None:
    handoff = await world.handoff("tr")
    booking = await world.appointments.book(handoff, [THURSDAY, "10:30"])
    appointment = booking.appointment
    starts = datetime(2026, 12, 17, 10, 30, tzinfo=world.tz)
    assert (appointment.starts_at, appointment.status, appointment.place) == (
        starts, "booked", PLACE
    )  # fmt: skip
    assert booking.delivery is Delivery.DELIVERED
    assert booking.reminders == [starts - timedelta(hours=24), starts - timedelta(hours=2)]
    assert [status for _, status in await world.reminders_of(appointment.id)] == [
        "pending", "pending"
    ]  # fmt: skip
    assert world.texts_to(FAMILY) == [appointment_text(starts, PLACE, None, world.tz, "tr")]
    assert [data for _, data in world.api.buttons()] == [
        f"appt:{appointment.id}:confirm", f"appt:{appointment.id}:cancel",
        f"appt:{appointment.id}:other",
    ]  # fmt: skip
    [calendar] = world.api.sent("sendDocument")
    assert int(calendar["chat_id"]) == FAMILY


async def test_a_date_that_cannot_be_booked_is_refused_and_nothing_is_stored(
    world: World,
) -> None:
    handoff = await world.handoff()
    with pytest.raises(AppointmentError) as refused:
        await world.appointments.book(handoff, ["25.12.", "10:00"])
    assert str(refused.value) == "Das ist ein Feiertag."
    assert await world.rows(Appointment) == []
    assert world.api.sent() == []


async def test_a_family_that_blocked_the_bot_leaves_a_note_to_staff(world: World) -> None:
    handoff = await world.handoff()
    world.api.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    booking = await world.appointments.book(handoff, [THURSDAY, "10:30"])
    assert booking.delivery is Delivery.BLOCKED
    assert world.api.sent("sendDocument") == []
    note = texts.APPOINTMENT_NOT_DELIVERED.format(id=booking.appointment.id)
    assert await world.notes_to_staff() == [note]


async def test_a_message_that_did_not_arrive_leaves_a_note_to_staff(world: World) -> None:
    handoff = await world.handoff()
    world.api.fail["sendMessage"] = (502, "Bad Gateway")
    booking = await world.appointments.book(handoff, [THURSDAY, "10:30"])
    assert booking.delivery is Delivery.LATER
    assert booking.appointment.status == "booked"  # booked once; staff write to the family
    note = texts.APPOINTMENT_NOT_SENT.format(id=booking.appointment.id)
    assert await world.notes_to_staff() == [note]


async def test_moving_sets_new_reminders_and_tells_the_family(world: World) -> None:
    handoff = await world.handoff("ru")
    booked = (await world.appointments.book(handoff, [THURSDAY, "10:30"])).appointment
    await world.appointments.answer(booked.id, FAMILY, FamilyAnswer.CONFIRM)
    world.api.clear()
    moved = await world.appointments.move(booked.id, ["2026-12-18", "09:00"], handoff)
    assert moved is not None
    starts = datetime(2026, 12, 18, 9, 0, tzinfo=world.tz)
    assert (moved.appointment.starts_at, moved.appointment.status) == (starts, "booked")
    assert [status for _, status in await world.reminders_of(booked.id)] == [
        "skipped", "skipped", "pending", "pending"
    ]  # fmt: skip
    assert world.texts_to(FAMILY) == [moved_text(starts, PLACE, world.tz, "ru")]
    assert len(world.api.sent("sendDocument")) == 1
    with pytest.raises(AppointmentError, match="Vergangenheit"):
        await world.appointments.move(booked.id, ["2020-01-07", "10:00"], handoff)
    assert await world.appointments.move(9999, ["2026-12-18", "09:00"], handoff) is None


async def test_the_centre_cancels_and_the_family_is_told(world: World) -> None:
    handoff = await world.handoff("uk")
    booked = (await world.appointments.book(handoff, [THURSDAY, "10:30"])).appointment
    world.api.clear()
    cancellation = await world.appointments.cancel_by_centre(booked.id, handoff)
    assert cancellation is not None
    assert cancellation.delivery is Delivery.DELIVERED
    assert cancellation.appointment.status == "cancelled"
    assert [status for _, status in await world.reminders_of(booked.id)] == [
        "skipped", "skipped"
    ]  # fmt: skip
    assert world.texts_to(FAMILY) == [cancelled_text(booked.starts_at, world.tz, "uk")]
    assert (
        await world.appointments.cancel_by_centre(booked.id, handoff) is None
    )  # not open any more
    assert await world.appointments.move(booked.id, [THURSDAY, "11:00"], handoff) is None


async def test_staff_act_only_on_the_family_of_the_topic_they_write_in(world: World) -> None:
    ours = await world.handoff("uk")
    theirs = await world.handoff("ar", chat_id=FAMILY + 1)
    booked = (await world.appointments.book(ours, [THURSDAY, "10:30"])).appointment
    world.api.clear()
    assert await world.appointments.cancel_by_centre(booked.id, theirs) is None
    assert await world.appointments.move(booked.id, [THURSDAY, "11:00"], theirs) is None
    assert world.api.sent() == []  # nobody was told anything
    [(_, status)] = [(a.id, a.status) for a in await world.appointments.upcoming_for_staff()]
    assert status == "booked"


@pytest.mark.parametrize(
    ("answer", "status", "note", "reminders"),
    [
        (FamilyAnswer.CONFIRM, "confirmed", texts.FAMILY_CONFIRMED, ["pending", "pending"]),
        (FamilyAnswer.CANCEL, "cancelled", texts.FAMILY_CANCELLED, ["skipped", "skipped"]),
        (FamilyAnswer.OTHER, "other", texts.FAMILY_OTHER_DATE, ["pending", "pending"]),
    ],
)
async def test_the_family_answers_and_staff_hear_it(
    world: World, answer: FamilyAnswer, status: str, note: str, reminders: list[str]
) -> None:
    handoff = await world.handoff()
    booked = (await world.appointments.book(handoff, [THURSDAY, "10:30"])).appointment
    assert await world.appointments.answer(booked.id, FAMILY + 1, answer) is None  # not theirs
    answered = await world.appointments.answer(booked.id, FAMILY, answer)
    assert answered is not None
    assert answered.status == status
    assert [s for _, s in await world.reminders_of(booked.id)] == reminders
    assert await world.notes_to_staff() == [note.format(id=booked.id)]
    await world.outbox.idle()
    assert world.texts_to(STAFF_CHAT) == [note.format(id=booked.id)]


async def test_a_family_sees_its_appointments_and_event_reminders_staff_only_appointments(
    world: World,
) -> None:
    handoff = await world.handoff()
    booked = (await world.appointments.book(handoff, [THURSDAY, "10:30"])).appointment
    festival = datetime(2026, 12, 12, 14, 0, tzinfo=world.tz)
    await world.reminders.remind_of_event(FAMILY, "fest", "Fest", "de", festival, "Altstadt")
    await world.reminders.remind_of_event(FAMILY + 1, "fest", "Fest", "de", festival, "Altstadt")
    found = await world.appointments.upcoming_for_family(FAMILY)
    assert [(item.starts_at, item.title, item.place) for item in found] == [
        (festival, "Fest", "Altstadt"), (booked.starts_at, None, PLACE)
    ]  # fmt: skip
    assert [a.id for a in await world.appointments.upcoming_for_staff()] == [booked.id]


async def _due_now(world: World, chat_id: int, lang: str = "ar", *, handoff: bool = True) -> int:
    """An appointment in three hours whose first reminder fell due five seconds ago."""
    handoff_id = (await world.handoff(lang)).id if handoff else None
    async with world.database() as work:
        appointment = await work.appointments.book(
            chat_id=chat_id, handoff_id=handoff_id, lang=lang,
            starts_at=START + timedelta(hours=3), place=PLACE, bring=None,
            reminders=[START - timedelta(seconds=5)], now=START - timedelta(days=1),
        )  # fmt: skip
        await work.commit()
    return appointment.id


async def test_a_due_reminder_is_sent_once_and_staff_hear_it_is_unconfirmed(
    world: World,
) -> None:
    appointment_id = await _due_now(world, FAMILY)
    assert await world.reminders.send_due() == 1
    assert await world.reminders.send_due() == 0
    starts = START + timedelta(hours=3)
    assert world.texts_to(FAMILY) == [reminder_text(starts, PLACE, None, world.tz, "ar")]
    assert [s for _, s in await world.reminders_of(appointment_id)] == ["sent"]
    assert await world.notes_to_staff() == [texts.NOT_CONFIRMED_YET.format(id=appointment_id)]


async def test_two_processes_claim_disjoint_reminders(world: World) -> None:
    for n in range(30):
        await _due_now(world, 20_000 + n, handoff=False)
    engine = create_engine(world.url)  # a second bot process on the same database
    other = ReminderService(
        Database(session_factory(engine)), world.clock, world.messenger, world.outbox,
        lambda: world.kb,
    )  # fmt: skip
    try:
        sent = await asyncio.gather(world.reminders.send_due(), other.send_due())
    finally:
        await engine.dispose()
    assert sum(sent) == 30
    families = sorted(int(p["chat_id"]) for p in world.api.sent())
    assert families == list(range(20_000, 20_030))  # each once: nobody got one twice
    async with world.database() as work:
        statuses = (await work.session.scalars(select(Reminder.status))).all()
    assert statuses == ["sent"] * 30


async def test_a_blocked_family_makes_the_reminder_undeliverable_and_staff_hear_it(
    world: World,
) -> None:
    appointment_id = await _due_now(world, FAMILY)
    world.api.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    assert await world.reminders.send_due() == 0
    assert [s for _, s in await world.reminders_of(appointment_id)] == ["undeliverable"]
    assert await world.notes_to_staff() == [texts.REMINDER_UNDELIVERABLE.format(id=appointment_id)]


async def test_a_refused_reminder_is_not_tried_again_and_staff_hear_why(world: World) -> None:
    appointment_id = await _due_now(world, FAMILY)
    world.api.fail["sendMessage"] = (400, "Bad Request: chat not found")
    assert await world.reminders.send_due() == 0
    assert [s for _, s in await world.reminders_of(appointment_id)] == ["undeliverable"]
    assert await world.notes_to_staff() == [texts.REMINDER_REFUSED.format(id=appointment_id)]


async def test_passing_trouble_puts_the_reminder_back_for_the_next_sweep(world: World) -> None:
    appointment_id = await _due_now(world, FAMILY)
    world.api.fail["sendMessage"] = (502, "Bad Gateway")
    assert await world.reminders.send_due() == 0  # returns: it does not spin on the failure
    assert [s for _, s in await world.reminders_of(appointment_id)] == ["pending"]
    assert await world.notes_to_staff() == []
    del world.api.fail["sendMessage"]
    assert await world.reminders.send_due() == 1
    assert [s for _, s in await world.reminders_of(appointment_id)] == ["sent"]


async def test_an_event_reminder_goes_out_the_day_before_with_its_own_text(
    world: World,
) -> None:
    starts = datetime(2026, 12, 12, 14, 0, tzinfo=world.tz)
    await world.reminders.remind_of_event(FAMILY, "fest", "Fest", "tr", starts, "Altstadt")
    again = await world.reminders.remind_of_event(
        FAMILY, "fest", "Festival", "tr", starts, "Altstadt"
    )  # pressed twice: still one reminder
    assert [(r.title, r.event_id) for r in await world.rows(EventReminder)] == [
        ("Festival", "fest")
    ]
    assert await world.reminders.due_within() == []
    world.clock.moment = starts - timedelta(days=1) - timedelta(seconds=30)
    [soon] = await world.reminders.due_within()
    assert soon.due_at == starts - timedelta(days=1)
    world.clock.moment = starts - timedelta(days=1)
    assert await world.reminders.send_due() == 1
    assert world.texts_to(FAMILY) == [
        event_reminder_text("Festival", starts, "Altstadt", world.tz, "tr")
    ]
    async with world.database() as work:
        query = select(Reminder.status).where(Reminder.event_reminder_id == again.id)
        assert (await work.session.scalars(query)).all() == ["skipped", "sent"]
    assert await world.notes_to_staff() == []


async def test_deleting_a_chat_forgets_its_event_reminders_too(world: World) -> None:
    starts = datetime(2026, 12, 12, 14, 0, tzinfo=world.tz)
    await world.reminders.remind_of_event(FAMILY, "fest", "Fest", "de", starts, "Altstadt")
    await world.reminders.remind_of_event(FAMILY + 1, "fest", "Fest", "de", starts, "Altstadt")
    await world.users.delete(FAMILY)
    assert [r.chat_id for r in await world.rows(EventReminder)] == [FAMILY + 1]
    assert len(await world.rows(Reminder)) == 1


async def test_the_purge_forgets_event_reminders_of_the_past(world: World) -> None:
    await world.users.language_of(FAMILY)  # the family wrote once, at START
    soon = START + timedelta(days=3)
    await world.reminders.remind_of_event(FAMILY, "fest", "Fest", "de", soon, "Altstadt")
    assert len(await world.rows(Reminder)) == 1
    world.clock.moment = START + timedelta(days=200)  # long silent, the event long past
    assert await world.users.purge_inactive() == 1
    assert await world.rows(EventReminder) == []
    assert await world.rows(Reminder) == []


async def test_the_purge_spares_a_family_with_an_event_ahead(world: World) -> None:
    await world.users.language_of(FAMILY)
    world.clock.moment = START + timedelta(days=200)
    ahead = world.clock.moment + timedelta(days=3)
    await world.reminders.remind_of_event(FAMILY, "fest", "Fest", "de", ahead, "Altstadt")
    assert await world.users.purge_inactive() == 0
    assert len(await world.rows(EventReminder)) == 1
