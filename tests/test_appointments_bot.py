"""Booking in the staff topic, the family's answer, reminders exactly once — through the bot."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.core.bidi import for_reader
from bot.core.booking import when_text
from bot.core.i18n import gettext
from bot.db import Appointment, AppointmentRepository, Reminder
from bot.telegram.reminder_jobs import SWEEP
from tests import updates
from tests.harness import ANNA, FAMILY, STAFF_CHAT, START, Desk, open_topic


def next_thursday() -> date:
    """The Thursday 10 to 16 days after the tests' fixed start (2026-12-17, a working day)."""
    day = START.date() + timedelta(days=10)
    while day.weekday() != 3:
        day += timedelta(days=1)
    return day


async def book(desk: Desk, topic_id: int, *words: str) -> None:
    await desk.send(
        updates.in_topic(STAFF_CHAT, topic_id, ANNA, text=" ".join(["/appointment", *words]))
    )


async def appointments(desk: Desk) -> list[Appointment]:
    async with desk.sessions() as session:
        return list((await session.scalars(select(Appointment))).all())


async def test_booking_reaches_the_family_in_its_language(desk: Desk) -> None:
    topic_id = await open_topic(desk, "tr")
    day = next_thursday()
    desk.api.clear()
    await book(desk, topic_id, day.isoformat(), "10:30")
    [appointment] = await appointments(desk)
    [message] = [p for p in desk.api.sent() if int(p["chat_id"]) == FAMILY]
    assert "Flachsmarkt 15, 1. Etage, 47051 Duisburg" in message["text"]
    assert "openstreetmap.org" in message["text"]
    assert "10:30" in message["text"]
    # The seeds say nothing about documents: nothing is invented until staff write the template.
    assert gettext("tr", "Please bring:") not in message["text"]
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in keyboard for b in row] == [
        f"appt:{appointment.id}:{action}" for action in ("confirm", "cancel", "other")
    ]
    assert desk.api.sent("sendDocument")
    assert any(
        t.startswith(f"Termin #{appointment.id} gebucht") for t in desk.texts_to(STAFF_CHAT)
    )
    async with desk.sessions() as session:
        reminders = (await session.scalars(select(Reminder))).all()
    assert len(reminders) == 2


async def test_bad_dates_are_refused_with_the_reason(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    await book(desk, topic_id, "2020-01-07", "10:00")
    await book(desk, topic_id, "25.12.", "10:00")
    await book(desk, topic_id, "bald")
    replies = desk.texts_to(STAFF_CHAT)[-3:]
    assert replies[0].startswith("Nicht gebucht: Dieser Zeitpunkt liegt in der Vergangenheit")
    assert replies[1] == "Nicht gebucht: Das ist ein Feiertag."
    assert "Datum und Uhrzeit" in replies[2]
    assert await appointments(desk) == []


async def test_family_confirms_and_lists_and_staff_cancel(desk: Desk) -> None:
    topic_id = await open_topic(desk, "ru")
    await book(desk, topic_id, next_thursday().strftime("%d.%m.%Y"), "9:00")
    [appointment] = await appointments(desk)
    await desk.send(updates.callback(FAMILY, f"appt:{appointment.id}:confirm"))
    [confirmed] = await appointments(desk)
    assert confirmed.status == "confirmed"
    assert gettext("ru", "Thank you, your appointment is confirmed.") in desk.texts_to(FAMILY)
    assert f"Die Familie hat Termin #{appointment.id} bestätigt." in desk.texts_to(STAFF_CHAT)
    await desk.send(updates.command(FAMILY, "/appointments", language_code="ru"))
    assert desk.texts_to(FAMILY)[-1].startswith(gettext("ru", "Your upcoming appointments:"))
    await book(desk, topic_id, "cancel", str(appointment.id))
    [cancelled] = await appointments(desk)
    assert cancelled.status == "cancelled"
    when = when_text(appointment.starts_at, desk.services.assistant.kb.centre.tz, "ru")
    told = gettext("ru", "The centre has cancelled your appointment on {when}.", when=when)
    assert desk.texts_to(FAMILY)[-1] == for_reader(told, "ru")


async def _due_now(desk: Desk, starts_in: timedelta, *, first: bool = True) -> int:
    async with desk.sessions() as session:
        appointment = await AppointmentRepository(session).book(
            chat_id=FAMILY, handoff_id=(await desk.handoff()).id, lang="ar",
            starts_at=START + starts_in, place="Flachsmarkt 15, 1. Etage, 47051 Duisburg",
            bring=None, reminders=[START - timedelta(seconds=5)], now=START - timedelta(days=1),
        )  # fmt: skip
        await session.commit()
        return appointment.id


async def run_sweep(desk: Desk) -> None:
    job_queue = desk.app.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(SWEEP)
    await job.run(desk.app)
    await desk.data.outbox.idle()  # the notes to staff


async def test_a_due_reminder_is_sent_once_and_staff_hear_it_is_unconfirmed(desk: Desk) -> None:
    await open_topic(desk, "ar")
    appointment_id = await _due_now(desk, timedelta(hours=2))
    desk.api.clear()
    await run_sweep(desk)
    await run_sweep(desk)  # and again: nothing more
    sent = desk.texts_to(FAMILY)
    assert len(sent) == 1
    assert "Flachsmarkt 15, 1. Etage, 47051 Duisburg" in sent[0]
    assert f"Termin #{appointment_id} ist noch nicht bestätigt" in desk.texts_to(STAFF_CHAT)[-1]


async def test_nothing_after_the_appointment_and_blocked_families(desk: Desk) -> None:
    await open_topic(desk, "ar")
    await _due_now(desk, -timedelta(minutes=1))  # the bot was down past the appointment
    desk.api.clear()
    await run_sweep(desk)
    assert desk.texts_to(FAMILY) == []
    blocked = await _due_now(desk, timedelta(hours=3))
    desk.api.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    await run_sweep(desk)
    del desk.api.fail["sendMessage"]
    await desk.later(seconds=5)  # the note to staff, if it met the failure too
    async with desk.sessions() as session:
        statuses = {
            r.appointment_id: r.status for r in (await session.scalars(select(Reminder))).all()
        }
    assert statuses[blocked] == "undeliverable"
    assert any("nicht zustellbar" in t for t in desk.texts_to(STAFF_CHAT))


async def test_late_rather_than_never_after_a_restart(database_url: str, desk: Desk) -> None:
    await open_topic(desk, "ar")
    await _due_now(desk, timedelta(hours=1))  # due while the bot was down
    desk.api.clear()
    await run_sweep(desk)  # the first sweep after the start
    assert len(desk.texts_to(FAMILY)) == 1


async def test_a_failed_reminder_waits_for_the_next_sweep(desk: Desk) -> None:
    await open_topic(desk, "ar")
    await _due_now(desk, timedelta(hours=2))
    desk.api.fail["sendMessage"] = (502, "Bad Gateway")
    await run_sweep(desk)  # returns: it does not spin on the failure
    del desk.api.fail["sendMessage"]
    desk.api.clear()
    await run_sweep(desk)
    assert len(desk.texts_to(FAMILY)) == 1


async def test_a_familys_list_shows_its_event_reminders_too_staff_see_appointments(
    desk: Desk,
) -> None:
    topic_id = await open_topic(desk, "en")
    await book(desk, topic_id, next_thursday().isoformat(), "10:30")
    [appointment] = await appointments(desk)
    tz = desk.services.assistant.kb.centre.tz
    festival = datetime.combine(next_thursday() - timedelta(days=3), time(14, 0), tzinfo=tz)
    await desk.services.reminders.remind_of_event(
        FAMILY, "fest", "Festival", "en", festival, "Altstadt"
    )
    await desk.send(updates.command(FAMILY, "/appointments", language_code="en"))
    assert desk.texts_to(FAMILY)[-1] == "\n".join(
        [
            gettext("en", "Your upcoming appointments:"),
            f"• Festival: {when_text(festival, tz, 'en')}\n  Altstadt",
            f"• {when_text(appointment.starts_at, tz, 'en')}\n  {appointment.place}",
        ]
    )
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="/appointments"))
    assert desk.texts_to(STAFF_CHAT)[-1] == (
        f"#{appointment.id} {when_text(appointment.starts_at, tz, 'de')} · booked · "
        f"{appointment.place}"
    )
