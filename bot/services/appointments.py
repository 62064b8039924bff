"""Appointments: staff book, move and cancel one for a family; the family confirms, cancels or
asks for another date; who has which appointments ahead.

Each use case owns its transaction. What the family gets goes out through the
:class:`~bot.services.ports.Messenger` (the message with its buttons, then the .ics file); notes
to staff are rows of the durable relay outbox written in the use case's transaction, and the
outbox is woken after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core import staff_texts as texts
from bot.core.booking import (
    AppointmentStatus,
    FamilyAnswer,
    answer_data,
    appointment_calendar,
    appointment_text,
    cancelled_text,
    choose_place,
    moved_text,
    parse_offsets,
    parse_when,
    reminder_times,
)
from bot.core.i18n import gettext
from bot.core.insights import Activity, ActivityKind, Party
from bot.core.languages import Lang, as_lang
from bot.db.models import Appointment
from bot.db.unit_of_work import Database, UnitOfWork
from bot.services.ports import Button, Clock, Delivery, KnowledgeSource, Messenger, Outbox
from bot.settings import Settings

CALENDAR_FILE = "termin.ics"
STAFF_HEARS = {
    AppointmentStatus.CONFIRMED: texts.FAMILY_CONFIRMED,
    AppointmentStatus.CANCELLED: texts.FAMILY_CANCELLED,
    AppointmentStatus.OTHER: texts.FAMILY_OTHER_DATE,
}


def language_of(appointment: Appointment) -> Lang:
    """The language the family reads its appointment in."""
    return as_lang(appointment.lang) or "de"


def _cancelled(appointment: Appointment, by: Party) -> Activity:
    return Activity(ActivityKind.APPOINTMENT_CANCELLED, language_of(appointment), outcome=by)


def _answered(appointment: Appointment, status: AppointmentStatus) -> Activity | None:
    """The event of the family's answer (for the statistics), unless nothing changes."""
    if appointment.status == status:
        return None
    if status == AppointmentStatus.CONFIRMED:
        return Activity(ActivityKind.APPOINTMENT_CONFIRMED, language_of(appointment))
    if status == AppointmentStatus.CANCELLED:
        return _cancelled(appointment, Party.FAMILY)
    return None


def answer_buttons(appointment_id: int, lang: Lang) -> list[list[Button]]:
    """Confirm / Cancel / I need another date, under the appointment message."""

    def button(label: str, answer: FamilyAnswer) -> Button:
        return Button(label, answer_data(appointment_id, answer))

    return [
        [
            button(gettext(lang, "Confirm"), FamilyAnswer.CONFIRM),
            button(gettext(lang, "Cancel"), FamilyAnswer.CANCEL),
        ],
        [button(gettext(lang, "I need another date"), FamilyAnswer.OTHER)],
    ]


class TheConversation(Protocol):
    """The conversation an appointment is booked in (a ``Conversation`` or its row)."""

    @property
    def id(self) -> int: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def lang(self) -> str: ...


@dataclass(frozen=True)
class Booking:
    """A booked or moved appointment, its reminder times, and what became of the message to the
    family (not delivered: staff got a note in the family's topic)."""

    appointment: Appointment
    reminders: list[datetime]
    delivery: Delivery


@dataclass(frozen=True)
class Cancellation:
    """An appointment the centre cancelled, and whether the family was told."""

    appointment: Appointment
    delivery: Delivery


@dataclass(frozen=True)
class Upcoming:
    """One line of a family's list: an appointment, or an event it asked to be reminded of."""

    starts_at: datetime
    place: str
    title: str | None  # the event's title; None for an appointment


class AppointmentService:
    """Booking, moving, cancelling and the family's answers."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        messenger: Messenger,
        outbox: Outbox,
        knowledge: KnowledgeSource,
        settings: Settings,
    ) -> None:
        self.database = database
        self.clock = clock
        self.messenger = messenger
        self.outbox = outbox
        self.knowledge = knowledge
        self.offsets = parse_offsets(settings.reminder_offsets)
        self.horizon = timedelta(days=settings.booking_horizon_days)
        self.minutes = settings.appointment_minutes

    async def book(self, handoff: TheConversation, words: Sequence[str]) -> Booking:
        """Book for the family of *handoff* from what staff typed (date, time, maybe a place);
        :class:`~bot.core.booking.AppointmentError` says why not."""
        kb = self.knowledge()
        centre = kb.centre
        moment = self.clock()
        starts_at, rest = parse_when(words, moment, centre.tz, centre.working_hours, self.horizon)
        lang = as_lang(handoff.lang) or "de"
        documents = kb.template("documents")
        due = reminder_times(starts_at, self.offsets, centre.tz, moment)
        async with self.database() as work:
            appointment = await work.appointments.book(
                chat_id=handoff.chat_id, handoff_id=handoff.id, lang=lang, starts_at=starts_at,
                place=choose_place(kb, rest), bring=documents.text_in(lang) if documents else None,
                reminders=due, now=moment,
            )  # fmt: skip
            await work.activity.record(Activity(ActivityKind.APPOINTMENT_BOOKED, lang), moment)
            await work.commit()
        text = appointment_text(starts_at, appointment.place, appointment.bring, centre.tz, lang)
        return Booking(appointment, due, await self._send_to_family(appointment, text))

    async def move(
        self, appointment_id: int, words: Sequence[str], within: TheConversation
    ) -> Booking | None:
        """Move an open appointment of the conversation *within* to the date and time staff
        typed (None: no such open appointment there); the family is told, its reminders are set
        anew."""
        centre = self.knowledge().centre
        async with self.database() as work:
            appointment = await self._open(work, appointment_id, within)
            if appointment is None:
                return None
            moment = self.clock()
            starts_at, _ = parse_when(words, moment, centre.tz, centre.working_hours, self.horizon)
            appointment.starts_at, appointment.status = starts_at, AppointmentStatus.BOOKED
            due = reminder_times(starts_at, self.offsets, centre.tz, moment)
            await work.appointments.set_reminders(appointment, due)
            await work.commit()
        text = moved_text(starts_at, appointment.place, centre.tz, language_of(appointment))
        return Booking(appointment, due, await self._send_to_family(appointment, text))

    async def cancel_by_centre(
        self, appointment_id: int, within: TheConversation
    ) -> Cancellation | None:
        """Cancel an open appointment of the conversation *within* (None: no such open
        appointment there) and tell the family; its reminders are not sent."""
        async with self.database() as work:
            appointment = await self._open(work, appointment_id, within)
            if appointment is None:
                return None
            appointment.status = AppointmentStatus.CANCELLED
            await work.appointments.set_reminders(appointment, [])
            await work.activity.record(_cancelled(appointment, Party.CENTRE), self.clock())
            await work.commit()
        tz = self.knowledge().centre.tz
        text = cancelled_text(appointment.starts_at, tz, language_of(appointment))
        return Cancellation(appointment, await self.messenger.send_text(appointment.chat_id, text))

    async def answer(
        self, appointment_id: int, chat_id: int, answer: FamilyAnswer
    ) -> Appointment | None:
        """The family pressed a button under its appointment: stored, staff told in the topic
        (None: not an appointment of this chat)."""
        async with self.database() as work:
            appointment = await work.appointments.get(appointment_id)
            if appointment is None or appointment.chat_id != chat_id:
                return None
            counted = _answered(appointment, answer.status)
            if counted is not None:  # pressed again: not counted twice
                await work.activity.record(counted, self.clock())
            appointment.status = answer.status
            if answer.status == AppointmentStatus.CANCELLED:
                await work.appointments.set_reminders(appointment, [])
            note = STAFF_HEARS[answer.status].format(id=appointment.id)
            await self._note(work, appointment.handoff_id, note)
            await work.commit()
        self._wake(appointment.handoff_id)
        return appointment

    async def upcoming_for_family(self, chat_id: int) -> list[Upcoming]:
        """A family's appointments and event reminders still ahead, soonest first."""
        moment = self.clock()
        async with self.database() as work:
            appointments = await work.appointments.upcoming(moment, chat_id)
            events = await work.event_reminders.upcoming(moment, chat_id)
        found = [Upcoming(a.starts_at, a.place, None) for a in appointments]
        found += [Upcoming(e.starts_at, e.place, e.title) for e in events]
        return sorted(found, key=lambda item: item.starts_at)

    async def upcoming_for_staff(self) -> list[Appointment]:
        """Every appointment of the centre still ahead and not cancelled, soonest first."""
        async with self.database() as work:
            return await work.appointments.upcoming(self.clock())

    async def _open(
        self, work: UnitOfWork, appointment_id: int, within: TheConversation
    ) -> Appointment | None:
        """The appointment if it exists, is not cancelled and belongs to the family of the
        conversation *within* (staff act on the family of the topic they write in)."""
        appointment = await work.appointments.get(appointment_id)
        if appointment is None or appointment.status == AppointmentStatus.CANCELLED:
            return None
        if appointment.chat_id != within.chat_id:
            return None
        return appointment

    async def _send_to_family(self, appointment: Appointment, text: str) -> Delivery:
        """The appointment message with the family's buttons, then the .ics file; when the
        message does not arrive, staff get a note in the topic."""
        lang = language_of(appointment)
        buttons = answer_buttons(appointment.id, lang)
        delivery = await self.messenger.send_text(appointment.chat_id, text, buttons)
        if delivery is Delivery.DELIVERED:
            calendar = appointment_calendar(
                appointment.id, appointment.starts_at, self.minutes, appointment.place,
                self.clock(), lang,
            )  # fmt: skip
            await self.messenger.send_document(appointment.chat_id, calendar, CALENDAR_FILE)
            return delivery
        note = (
            texts.APPOINTMENT_NOT_DELIVERED
            if delivery is Delivery.BLOCKED
            else texts.APPOINTMENT_NOT_SENT
        )
        async with self.database() as work:
            await self._note(work, appointment.handoff_id, note.format(id=appointment.id))
            await work.commit()
        self._wake(appointment.handoff_id)
        return delivery

    async def _note(self, work: UnitOfWork, handoff_id: int | None, text: str) -> None:
        """A note to staff in the conversation's topic, in *work*'s transaction."""
        if handoff_id is not None:
            await work.relays.add(handoff_id, to_staff=True, now=self.clock(), text=text)

    def _wake(self, handoff_id: int | None) -> None:
        if handoff_id is not None:
            self.outbox.wake(handoff_id)
