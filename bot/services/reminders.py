"""Reminders of appointments and of events: sent exactly once, late rather than never, never
after the appointment or event.

The database is the source of truth; a job only triggers (every ``REMINDER_SWEEP``, and at the
exact time of those due within ``EXACT_TIME_HORIZON``). Each reminder is claimed ("sending", in
its own transaction), sent through the :class:`~bot.services.ports.Messenger`, then marked with
what Telegram said — so two bot processes or a restart never send one twice, and one whose
dispatcher died is taken again after the lease (``bot.db.repositories.REMINDER_LEASE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import staff_texts as texts
from bot.core.booking import (
    AppointmentStatus,
    ReminderStatus,
    event_reminder_text,
    reminder_text,
    reminder_times,
)
from bot.core.insights import Activity, ActivityKind, Reminded
from bot.core.languages import Lang, as_lang
from bot.db.models import Appointment, EventReminder, Reminder
from bot.db.unit_of_work import Database
from bot.services.ports import Clock, Delivery, KnowledgeSource, Messenger, Outbox

REMINDER_SWEEP = timedelta(seconds=30)  # how often the job sends what is due
EXACT_TIME_HORIZON = 2 * REMINDER_SWEEP  # due this soon: a trigger at the reminder's own time
EVENT_REMINDER_BEFORE = timedelta(days=1)  # "Remind me the day before"
CLAIM_BATCH = 100
OUTCOME = {
    Delivery.DELIVERED: ReminderStatus.SENT,
    Delivery.BLOCKED: ReminderStatus.UNDELIVERABLE,
    Delivery.REFUSED: ReminderStatus.UNDELIVERABLE,  # refused for good: not again
    Delivery.LATER: ReminderStatus.PENDING,  # the next sweep tries again
}


def _reminder_activity(
    parent: Appointment | EventReminder, status: ReminderStatus
) -> Activity | None:
    """The event of a reminder sent or undeliverable (for the statistics; none for a retry)."""
    kinds = {
        ReminderStatus.SENT: ActivityKind.REMINDER_SENT,
        ReminderStatus.UNDELIVERABLE: ActivityKind.REMINDER_UNDELIVERABLE,
    }
    kind = kinds.get(status)
    if kind is None:
        return None
    of = Reminded.EVENT if isinstance(parent, EventReminder) else Reminded.APPOINTMENT
    return Activity(kind, as_lang(parent.lang) or "de", outcome=of)


@dataclass(frozen=True)
class DueSoon:
    """A pending reminder and when it is due."""

    reminder_id: int
    due_at: datetime


class ReminderService:
    """Sending what is due, and the events' "remind me"."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        messenger: Messenger,
        outbox: Outbox,
        knowledge: KnowledgeSource,
    ) -> None:
        self.database = database
        self.clock = clock
        self.messenger = messenger
        self.outbox = outbox
        self.knowledge = knowledge

    async def send_due(self) -> int:
        """Send every reminder that is due and not yet sent; how many went out. Stops at the
        first passing trouble (the next sweep goes on)."""
        sent = 0
        while True:
            count, go_on = await self._send_batch()
            sent += count
            if not go_on:
                return sent

    async def due_within(self, horizon: timedelta = EXACT_TIME_HORIZON) -> list[DueSoon]:
        """The pending reminders due within *horizon* from now (overdue ones too), soonest
        first."""
        async with self.database() as work:
            found = await work.reminders.pending_until(self.clock() + horizon)
        return [DueSoon(reminder.id, reminder.due_at) for reminder in found]

    async def remind_of_event(
        self, chat_id: int, event_id: str, title: str, lang: Lang, starts_at: datetime, place: str
    ) -> EventReminder:
        """Remind *chat_id* of an event the day before (in the evening if that would be at
        night; none if it is too near); asked again, the reminder is not doubled."""
        moment = self.clock()
        tz = self.knowledge().centre.tz
        due = reminder_times(starts_at, [EVENT_REMINDER_BEFORE], tz, moment)
        async with self.database() as work:
            wish = await work.event_reminders.remember(
                chat_id=chat_id, event_id=event_id, title=title, lang=lang, starts_at=starts_at,
                place=place, reminders=due, now=moment,
            )  # fmt: skip
            await work.commit()
        return wish

    async def _send_batch(self) -> tuple[int, bool]:
        """Claim and send up to one batch: how many went out, and whether to go on."""
        async with self.database() as work:
            claimed = await work.reminders.claim_due(self.clock(), CLAIM_BATCH)
            await work.commit()
        sent, go_on = 0, bool(claimed)
        for reminder, parent in claimed:
            delivery = await self.messenger.send_text(parent.chat_id, self._text(parent))
            status = OUTCOME[delivery]
            note = self._note(reminder, parent, delivery)
            handoff_id = parent.handoff_id if isinstance(parent, Appointment) else None
            async with self.database() as work:
                await work.reminders.set_status(reminder.id, status, self.clock())
                counted = _reminder_activity(parent, status)
                if counted is not None:
                    await work.activity.record(counted, self.clock())
                if note is not None and handoff_id is not None:
                    await work.relays.add(handoff_id, to_staff=True, now=self.clock(), text=note)
                await work.commit()
            if note is not None and handoff_id is not None:
                self.outbox.wake(handoff_id)
            if status is ReminderStatus.SENT:
                sent += 1
            go_on = go_on and delivery is not Delivery.LATER
        return sent, go_on

    def _text(self, parent: Appointment | EventReminder) -> str:
        """What the family reads: the appointment's or the event's reminder."""
        tz = self.knowledge().centre.tz
        lang = as_lang(parent.lang) or "de"
        if isinstance(parent, EventReminder):
            return event_reminder_text(parent.title, parent.starts_at, parent.place, tz, lang)
        return reminder_text(parent.starts_at, parent.place, parent.bring, tz, lang)

    @staticmethod
    def _note(
        reminder: Reminder, parent: Appointment | EventReminder, delivery: Delivery
    ) -> str | None:
        """What staff hear about an appointment's reminder (nothing about events)."""
        if not isinstance(parent, Appointment):
            return None
        if delivery is Delivery.BLOCKED:
            return texts.REMINDER_UNDELIVERABLE.format(id=parent.id)
        if delivery is Delivery.REFUSED:
            return texts.REMINDER_REFUSED.format(id=parent.id)
        unconfirmed = parent.status == AppointmentStatus.BOOKED
        if delivery is Delivery.DELIVERED and reminder.first and unconfirmed:
            return texts.NOT_CONFIRMED_YET.format(id=parent.id)
        return None
