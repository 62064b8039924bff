"""One repository per entity; they add and query, the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.booking import AppointmentStatus, ReminderStatus
from bot.core.handoff import HandoffStatus
from bot.core.insights import Activity as ActivityEvent
from bot.core.insights import ActivityKind, hour_of
from bot.db.models import (
    Activity,
    Appointment,
    Digest,
    EventReminder,
    EventSubscription,
    Feedback,
    Handoff,
    InboxUpdate,
    RelayMessage,
    Reminder,
    UnansweredQuestion,
    User,
)
from bot.db.session import insert_for, rowcount

MAX_STORED_QUESTION = 1000
# Statuses are enums of the core (``bot.core.handoff``, ``bot.core.booking``); these names stay
# for bot.db's users.
OPEN, CLAIMED, CLOSED = HandoffStatus.OPEN, HandoffStatus.CLAIMED, HandoffStatus.CLOSED
BOOKED, CONFIRMED = AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED
CANCELLED, OTHER_DATE = AppointmentStatus.CANCELLED, AppointmentStatus.OTHER
PENDING, SENT = ReminderStatus.PENDING, ReminderStatus.SENT
UNDELIVERABLE, SKIPPED = ReminderStatus.UNDELIVERABLE, ReminderStatus.SKIPPED
SENDING = ReminderStatus.SENDING  # claimed by a dispatcher, not yet accepted by Telegram
REMINDER_LEASE = timedelta(seconds=120)  # a "sending" reminder older than this is taken again
FIRST_STAFF_REPLY = ActivityKind.FIRST_STAFF_REPLY


class UserRepository:
    """Users by chat id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> User | None:
        """The user, or None."""
        return await self.session.get(User, chat_id)

    async def touch(self, chat_id: int, now: datetime) -> User:
        """The user, created on first contact; ``last_seen`` set to *now*, ``blocked`` cleared."""
        user, _ = await self.visit(chat_id, now)
        return user

    async def visit(self, chat_id: int, now: datetime) -> tuple[User, bool]:
        """As :meth:`touch`; True when this is the chat's first contact (the row is new)."""
        user = await self.get(chat_id)
        if user is None:
            user = User(chat_id=chat_id, first_seen=now, last_seen=now, blocked=False)
            self.session.add(user)
            return user, True
        user.last_seen = now
        user.blocked = False
        return user, False

    async def set_language(self, chat_id: int, language: str, now: datetime) -> User:
        """Remember the language the user chose."""
        user = await self.touch(chat_id, now)
        user.language = language
        return user

    async def mark_blocked(self, chat_id: int) -> None:
        """The user blocked the bot: do not write to them again until they write."""
        user = await self.get(chat_id)
        if user is not None:
            user.blocked = True

    async def purge_inactive(self, silent_since: datetime, now: datetime) -> int:
        """Forget every user silent since *silent_since* (unless a conversation with staff is
        open or an appointment or event reminder is still ahead); how many were forgotten."""
        busy = (
            select(Handoff.chat_id)
            .where(Handoff.status != CLOSED)
            .union(
                select(Appointment.chat_id).where(
                    Appointment.starts_at > now, Appointment.status != CANCELLED
                ),
                select(EventReminder.chat_id).where(EventReminder.starts_at > now),
            )
        )
        silent = select(User.chat_id).where(
            User.last_seen < silent_since, User.chat_id.not_in(busy)
        )
        chat_ids = list((await self.session.scalars(silent)).all())
        for chat_id in chat_ids:
            await self.delete(chat_id)
        return len(chat_ids)

    async def delete(self, chat_id: int) -> bool:
        """Forget the chat entirely: the user, its conversations with staff (and what was
        relayed), appointments and event reminders (and their reminders), event subscriptions,
        the stored updates of the chat. True if a user was known."""
        await self.session.execute(
            delete(EventSubscription).where(EventSubscription.chat_id == chat_id)
        )
        await self.session.execute(delete(EventReminder).where(EventReminder.chat_id == chat_id))
        await self.session.execute(delete(Appointment).where(Appointment.chat_id == chat_id))
        await self.session.execute(delete(Handoff).where(Handoff.chat_id == chat_id))
        await self.session.execute(delete(InboxUpdate).where(InboxUpdate.chat_id == chat_id))
        result = await self.session.execute(delete(User).where(User.chat_id == chat_id))
        return rowcount(result) > 0

    async def everything_about(self, chat_id: int) -> dict[str, Any]:
        """Everything stored about the chat, as plain data (``/mydata``); empty lists and a
        ``None`` profile when nothing is stored."""
        user = await self.get(chat_id)
        handoffs = (await self.session.scalars(
            select(Handoff).where(Handoff.chat_id == chat_id).order_by(Handoff.id)
        )).all()  # fmt: skip
        relayed = {
            handoff_id: count
            for handoff_id, count in (
                await self.session.execute(
                    select(RelayMessage.handoff_id, func.count())
                    .where(RelayMessage.handoff_id.in_([h.id for h in handoffs]))
                    .group_by(RelayMessage.handoff_id)
                )
            ).all()
        }
        appointments = (await self.session.scalars(
            select(Appointment).where(Appointment.chat_id == chat_id)
            .order_by(Appointment.starts_at)
        )).all()  # fmt: skip
        event_reminders = (await self.session.scalars(
            select(EventReminder).where(EventReminder.chat_id == chat_id)
            .order_by(EventReminder.starts_at)
        )).all()  # fmt: skip
        subscriptions = (await self.session.scalars(
            select(EventSubscription).where(EventSubscription.chat_id == chat_id)
        )).all()  # fmt: skip
        waiting = await self.session.scalar(
            select(func.count()).where(InboxUpdate.chat_id == chat_id)
        )
        return {
            "profile": None if user is None else {
                "chat_id": user.chat_id, "language": user.language,
                "first_contact": user.first_seen.isoformat(),
                "last_contact": user.last_seen.isoformat(), "blocked_the_bot": user.blocked,
            },
            "conversations_with_staff": [{
                "id": h.id, "language": h.lang, "status": h.status,
                "opened": h.opened_at.isoformat(),
                "closed": h.closed_at.isoformat() if h.closed_at else None,
                "first_staff_reply": h.first_reply_at.isoformat() if h.first_reply_at else None,
                "rating": h.rating, "messages_relayed": relayed.get(h.id, 0),
            } for h in handoffs],
            "appointments": [{
                "id": a.id, "starts": a.starts_at.isoformat(), "place": a.place,
                "status": a.status, "language": a.lang,
            } for a in appointments],
            "event_reminders": [{
                "event": r.title, "starts": r.starts_at.isoformat(), "place": r.place,
            } for r in event_reminders],
            "waiting_for_new_dates": [s.event_id for s in subscriptions],
            "updates_kept_for_delivery": waiting or 0,
        }  # fmt: skip

    async def topics_of(self, chat_id: int) -> list[int]:
        """The staff topics of the chat's conversations."""
        query = select(Handoff.topic_id).where(
            Handoff.chat_id == chat_id, Handoff.topic_id.is_not(None)
        )
        return [topic for topic in (await self.session.scalars(query)).all() if topic]

    async def purge_records(self, before: datetime) -> dict[str, int]:
        """Delete what is over and older than *before*: closed conversations (and what was
        relayed), past appointments and event reminders (and their reminders), and the kept
        questions staff did not get to; counts."""
        counts = {}
        for name, statement in (
            ("conversations", delete(Handoff).where(
                Handoff.status == CLOSED, Handoff.closed_at < before)),
            ("appointments", delete(Appointment).where(Appointment.starts_at < before)),
            ("event_reminders", delete(EventReminder).where(EventReminder.starts_at < before)),
            ("unanswered_questions", delete(UnansweredQuestion).where(
                UnansweredQuestion.created_at < before)),
        ):  # fmt: skip
            result = await self.session.execute(statement)
            counts[name] = rowcount(result)
        return counts


class FeedbackRepository:
    """Answer votes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry_id: str, lang: str, helpful: bool, now: datetime) -> Feedback:
        """Record one vote."""
        vote = Feedback(entry_id=entry_id, lang=lang, helpful=helpful, created_at=now)
        self.session.add(vote)
        return vote

    async def purge(self, before: datetime) -> int:
        """Delete the votes cast before *before*; how many."""
        result = await self.session.execute(delete(Feedback).where(Feedback.created_at < before))
        return rowcount(result)

    async def all(self) -> list[Feedback]:
        """Every vote, oldest first."""
        return list((await self.session.scalars(select(Feedback).order_by(Feedback.id))).all())


class UnansweredRepository:
    """Questions without an answer, for staff to extend the knowledge base."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        text: str,
        lang: str,
        now: datetime,
        reason: str = "none",
        entry_id: str | None = None,
    ) -> UnansweredQuestion:
        """Keep the question's text (shortened to a sensible length), language and why."""
        item = UnansweredQuestion(
            text=text[:MAX_STORED_QUESTION], lang=lang, created_at=now, reason=reason,
            entry_id=entry_id,
        )  # fmt: skip
        self.session.add(item)
        return item

    async def get(self, question_id: int) -> UnansweredQuestion | None:
        """By id, or None."""
        return await self.session.get(UnansweredQuestion, question_id)

    async def since(self, moment: datetime) -> list[UnansweredQuestion]:
        """The questions kept from *moment* on, oldest first."""
        query = select(UnansweredQuestion).where(UnansweredQuestion.created_at >= moment)
        return list((await self.session.scalars(query.order_by(UnansweredQuestion.id))).all())

    async def delete_ids(self, ids: list[int]) -> int:
        """Delete these questions; how many there were."""
        if not ids:
            return 0
        result = await self.session.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.id.in_(ids))
        )
        return rowcount(result)

    async def all(self) -> list[UnansweredQuestion]:
        """Every stored question, oldest first."""
        query = select(UnansweredQuestion).order_by(UnansweredQuestion.id)
        return list((await self.session.scalars(query)).all())


class HandoffRepository:
    """Conversations handed over to staff."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, handoff_id: int, *, fresh: bool = False) -> Handoff | None:
        """By id (*fresh*: read again from the database, not from the session)."""
        return await self.session.get(Handoff, handoff_id, populate_existing=fresh)

    async def for_chat(self, chat_id: int) -> Handoff | None:
        """The family chat's handoff (open or closed), if it ever had one."""
        return await self.session.scalar(select(Handoff).where(Handoff.chat_id == chat_id))

    async def for_topic(self, topic_id: int) -> Handoff | None:
        """The handoff behind a forum topic of the staff chat."""
        return await self.session.scalar(select(Handoff).where(Handoff.topic_id == topic_id))

    async def open_for_chat(self, chat_id: int, lang: str, now: datetime) -> tuple[Handoff, bool]:
        """Open (or reopen) the chat's handoff; True if it was not open before."""
        handoff = await self.for_chat(chat_id)
        if handoff is None:
            handoff = Handoff(chat_id=chat_id, lang=lang, status=OPEN, opened_at=now,
                              family_blocked=False)  # fmt: skip
            self.session.add(handoff)
            await self.session.flush()
            return handoff, True
        if handoff.status != CLOSED:
            return handoff, False
        handoff.status, handoff.lang, handoff.opened_at = OPEN, lang, now
        handoff.closed_at = handoff.claimed_by = handoff.claimed_by_name = handoff.rating = None
        handoff.first_reply_at = None
        handoff.family_blocked = False
        return handoff, True

    async def mark_first_reply(self, handoff_id: int, now: datetime) -> bool:
        """Note staff's reply if it is the first since the conversation (re)opened; True if it
        is (a conditional update: of two replies at once, exactly one is the first)."""
        result = await self.session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.first_reply_at.is_(None))
            .values(first_reply_at=now)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def active(self) -> list[Handoff]:
        """Every handoff that is not closed."""
        query = select(Handoff).where(Handoff.status != CLOSED).order_by(Handoff.id)
        return list((await self.session.scalars(query)).all())


class RelayRepository:
    """The outbox of messages to pass on, delivered in order."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        handoff_id: int,
        *,
        to_staff: bool,
        now: datetime,
        from_chat_id: int | None = None,
        message_id: int | None = None,
        text: str | None = None,
        reply_markup: str | None = None,
        quote: str | None = None,
    ) -> RelayMessage:
        """Queue one message; a source message queued before (an update handled again) is not
        queued twice."""
        if from_chat_id is not None and message_id is not None:
            known = await self.session.scalar(
                select(RelayMessage).where(
                    RelayMessage.from_chat_id == from_chat_id,
                    RelayMessage.message_id == message_id,
                    RelayMessage.to_staff == to_staff,
                )
            )
            if known is not None:
                return known
        item = RelayMessage(
            handoff_id=handoff_id,
            to_staff=to_staff,
            from_chat_id=from_chat_id,
            message_id=message_id,
            text=text,
            reply_markup=reply_markup,
            quote=quote,
            created_at=now,
            dropped=False,
            attempts=0,
        )
        self.session.add(item)
        await self.session.flush()
        return item

    async def pending(self, handoff_id: int, *, to_staff: bool) -> list[RelayMessage]:
        """Not yet delivered in one direction, oldest first."""
        query = (
            select(RelayMessage)
            .where(RelayMessage.handoff_id == handoff_id, RelayMessage.delivered_at.is_(None))
            .where(RelayMessage.to_staff == to_staff)
            .order_by(RelayMessage.id)
            .limit(100)
        )
        return list((await self.session.scalars(query)).all())

    async def handoffs_with_pending(self, now: datetime | None = None) -> list[int]:
        """Handoffs that still have something to deliver (that may be tried at *now*)."""
        query = select(RelayMessage.handoff_id).where(RelayMessage.delivered_at.is_(None))
        if now is not None:
            query = query.where(
                or_(RelayMessage.next_attempt_at.is_(None), RelayMessage.next_attempt_at <= now)
            )
        query = query.distinct().order_by(RelayMessage.handoff_id)
        return list((await self.session.scalars(query)).all())

    async def copy_of(self, from_chat_id: int, message_id: int) -> RelayMessage | None:
        """The delivered relay of a staff message to the family (to edit the family's copy)."""
        query = select(RelayMessage).where(
            RelayMessage.from_chat_id == from_chat_id,
            RelayMessage.message_id == message_id,
            RelayMessage.to_staff.is_(False),
            RelayMessage.delivered_message_id.is_not(None),
        )
        return await self.session.scalar(query)

    async def by_staff_message(self, staff_message_id: int) -> RelayMessage | None:
        """The relayed message a staff member replied to (groups without topics)."""
        query = select(RelayMessage).where(RelayMessage.staff_message_id == staff_message_id)
        return await self.session.scalar(query)


class AppointmentRepository:
    """Appointments (their reminders are written through :class:`ReminderRepository`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def book(
        self,
        *,
        chat_id: int,
        handoff_id: int | None,
        lang: str,
        starts_at: datetime,
        place: str,
        bring: str | None,
        reminders: list[datetime],
        now: datetime,
    ) -> Appointment:
        """A new appointment ("booked") with its reminders."""
        appointment = Appointment(
            chat_id=chat_id,
            handoff_id=handoff_id,
            lang=lang,
            starts_at=starts_at,
            place=place,
            bring=bring,
            status=BOOKED,
            created_at=now,
        )
        self.session.add(appointment)
        await self.session.flush()
        await self.set_reminders(appointment, reminders)
        return appointment

    async def set_reminders(self, appointment: Appointment, reminders: list[datetime]) -> None:
        """Replace the pending reminders (after booking, moving; none after cancelling)."""
        await ReminderRepository(self.session).replace(reminders, appointment_id=appointment.id)

    async def get(self, appointment_id: int) -> Appointment | None:
        """By id."""
        return await self.session.get(Appointment, appointment_id)

    async def upcoming(self, now: datetime, chat_id: int | None = None) -> list[Appointment]:
        """Not cancelled and still ahead, soonest first (of one family, or all)."""
        query = select(Appointment).where(
            Appointment.starts_at > now, Appointment.status != CANCELLED
        )
        if chat_id is not None:
            query = query.where(Appointment.chat_id == chat_id)
        return list((await self.session.scalars(query.order_by(Appointment.starts_at))).all())


class EventReminderRepository:
    """Events a family asked to be reminded of, with their reminders."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(
        self,
        *,
        chat_id: int,
        event_id: str,
        title: str,
        lang: str,
        starts_at: datetime,
        place: str,
        reminders: list[datetime],
        now: datetime,
    ) -> EventReminder:
        """Remind *chat_id* of the event; asked again, the one wish is updated (not doubled)."""
        wish = await self.session.scalar(
            select(EventReminder).where(
                EventReminder.chat_id == chat_id, EventReminder.event_id == event_id
            )
        )
        if wish is None:
            wish = EventReminder(chat_id=chat_id, event_id=event_id, created_at=now)
            self.session.add(wish)
        wish.title, wish.lang, wish.starts_at, wish.place = title, lang, starts_at, place
        await self.session.flush()
        await ReminderRepository(self.session).replace(reminders, event_reminder_id=wish.id)
        return wish

    async def get(self, event_reminder_id: int) -> EventReminder | None:
        """By id."""
        return await self.session.get(EventReminder, event_reminder_id)

    async def upcoming(self, now: datetime, chat_id: int) -> list[EventReminder]:
        """A family's event reminders whose event is still ahead, soonest first."""
        query = (
            select(EventReminder)
            .where(EventReminder.starts_at > now, EventReminder.chat_id == chat_id)
            .order_by(EventReminder.starts_at)
        )
        return list((await self.session.scalars(query)).all())


class ReminderRepository:
    """The reminders of appointments and of events: written, claimed, marked."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace(
        self,
        due: list[datetime],
        *,
        appointment_id: int | None = None,
        event_reminder_id: int | None = None,
    ) -> None:
        """Skip the pending reminders of one appointment or one event reminder (give exactly
        one of the two) and add *due* instead."""
        assert (appointment_id is None) != (event_reminder_id is None), "one parent"
        of_parent = (
            Reminder.appointment_id == appointment_id
            if appointment_id is not None
            else Reminder.event_reminder_id == event_reminder_id
        )
        await self.session.execute(
            update(Reminder).where(of_parent, Reminder.status == PENDING).values(status=SKIPPED)
        )
        for index, moment in enumerate(sorted(due)):
            reminder = Reminder(due_at=moment, status=PENDING, first=index == 0)
            reminder.appointment_id, reminder.event_reminder_id = appointment_id, event_reminder_id
            self.session.add(reminder)
        await self.session.flush()

    async def pending_until(self, until: datetime) -> list[Reminder]:
        """Pending reminders due up to *until*, soonest first."""
        query = select(Reminder).where(Reminder.status == PENDING, Reminder.due_at <= until)
        return list((await self.session.scalars(query.order_by(Reminder.due_at))).all())

    async def claim_due(
        self, now: datetime, limit: int = 100
    ) -> list[tuple[Reminder, Appointment | EventReminder]]:
        """Claim due reminders ("sending") with what they remind of, in the caller's
        transaction; the caller marks each sent once Telegram accepted it. A "sending" reminder
        whose dispatcher died is claimed again after ``REMINDER_LEASE``.

        Each row is taken with a conditional update, so of two dispatchers exactly one
        gets it; on PostgreSQL the candidates are read with ``FOR UPDATE SKIP LOCKED`` so that
        dispatchers do not even wait for each other. Reminders of cancelled or past appointments
        and of past events are skipped, not sent.
        """
        claimable = or_(
            Reminder.status == PENDING,
            and_(Reminder.status == SENDING, Reminder.claimed_at < now - REMINDER_LEASE),
        )
        query = (
            select(Reminder.id)
            .where(claimable, Reminder.due_at <= now)
            .order_by(Reminder.due_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for reminder_id in (await self.session.scalars(query)).all():
            reminder = await self.session.get(Reminder, reminder_id)
            assert reminder is not None
            parent = await self._parent(reminder)
            useful = parent.starts_at > now and not (
                isinstance(parent, Appointment) and parent.status == CANCELLED
            )
            result = await self.session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, claimable)
                .values(status=SENDING if useful else SKIPPED, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) == 1 and useful:
                await self.session.refresh(reminder)
                claimed.append((reminder, parent))
        return claimed

    async def _parent(self, reminder: Reminder) -> Appointment | EventReminder:
        """The appointment or the event reminder *reminder* belongs to (exactly one is set)."""
        parent: Appointment | EventReminder | None
        if reminder.appointment_id is not None:
            parent = await self.session.get(Appointment, reminder.appointment_id)
        else:
            parent = await self.session.get(EventReminder, reminder.event_reminder_id)
        assert parent is not None
        return parent

    async def set_status(
        self, reminder_id: int, status: ReminderStatus, now: datetime | None = None
    ) -> None:
        """After sending: sent (at *now*), back to pending (retry) or undeliverable."""
        values: dict[str, object] = {"status": status, "claimed_at": None}
        if status == SENT:
            values["sent_at"] = now
        if status == PENDING:
            values["sent_at"] = None
        await self.session.execute(
            update(Reminder).where(Reminder.id == reminder_id).values(**values)
        )


class EventSubscriptionRepository:
    """Who wants to hear about a new date of an event."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def subscribe(self, chat_id: int, event_id: str, lang: str, now: datetime) -> None:
        """Remember the wish (once per chat and event)."""
        exists = await self.session.scalar(
            select(EventSubscription.id).where(
                EventSubscription.chat_id == chat_id, EventSubscription.event_id == event_id
            )
        )
        if exists is None:
            self.session.add(
                EventSubscription(chat_id=chat_id, event_id=event_id, lang=lang, created_at=now)
            )

    async def take(self, event_id: str) -> list[EventSubscription]:
        """The subscribers of an event, removed: each gets exactly one message (of two callers
        at once, each row goes to the one whose conditional delete removed it)."""
        query = (
            select(EventSubscription)
            .where(EventSubscription.event_id == event_id)
            .order_by(EventSubscription.id)
        )
        taken = []
        for item in (await self.session.scalars(query)).all():
            result = await self.session.execute(
                delete(EventSubscription)
                .where(EventSubscription.id == item.id)
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) == 1:
                taken.append(item)
        return taken


class ActivityRepository:
    """The statistics: anonymous events written (to the hour, no chat, no text), and counted
    with the "did this help?" votes and the appointments kept."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, activity: ActivityEvent, now: datetime) -> None:
        """Keep one event, within the hour of *now*."""
        await self.record_many([(activity, now)])

    async def record_many(self, events: Sequence[tuple[ActivityEvent, datetime]]) -> None:
        """Keep many events (each within the hour of its moment) in one statement."""
        rows = [
            {
                "at": hour_of(moment), "kind": event.kind, "lang": event.lang,
                "topic": event.topic, "entry_id": event.entry_id, "outcome": event.outcome,
                "seconds": event.seconds,
            }
            for event, moment in events
        ]  # fmt: skip
        if rows:
            await self.session.execute(insert(Activity), rows)

    async def counts(
        self, since: datetime, until: datetime
    ) -> list[tuple[str, str | None, str, str | None, int]]:
        """(kind, outcome, language, topic, how many) of the events after *since* up to
        *until* (windows that follow each other count each event once)."""
        query = (
            select(Activity.kind, Activity.outcome, Activity.lang, Activity.topic, func.count())
            .where(Activity.at > since, Activity.at <= until)
            .group_by(Activity.kind, Activity.outcome, Activity.lang, Activity.topic)
        )
        return [(k, o, lang, t, int(n)) for k, o, lang, t, n in await self.session.execute(query)]

    async def reply_times(
        self, since: datetime, until: datetime
    ) -> list[tuple[str, str | None, int]]:
        """(language, topic, seconds) of staff's first replies after *since* up to *until*."""
        query = select(Activity.lang, Activity.topic, Activity.seconds).where(
            Activity.kind == FIRST_STAFF_REPLY, Activity.seconds.is_not(None),
            Activity.at > since, Activity.at <= until,
        )  # fmt: skip
        rows = await self.session.execute(query)
        return [(lang, t, int(s)) for lang, t, s in rows if s is not None]

    async def votes(self, since: datetime, until: datetime) -> list[tuple[str, str, bool, int]]:
        """(language, entry, helpful, how many) of the votes after *since* up to *until*."""
        query = (
            select(Feedback.lang, Feedback.entry_id, Feedback.helpful, func.count())
            .where(Feedback.created_at > since, Feedback.created_at <= until)
            .group_by(Feedback.lang, Feedback.entry_id, Feedback.helpful)
        )
        return [(lang, e, bool(h), int(n)) for lang, e, h, n in await self.session.execute(query)]

    async def kept_appointments(self, since: datetime, until: datetime) -> list[tuple[str, int]]:
        """(language, how many) of the appointments that began from *since* to before *until*
        and were neither cancelled nor waiting for another date."""
        query = (
            select(Appointment.lang, func.count())
            .where(Appointment.starts_at >= since, Appointment.starts_at < until)
            .where(Appointment.status.in_([BOOKED, CONFIRMED]))
            .group_by(Appointment.lang)
        )
        return [(lang, int(n)) for lang, n in await self.session.execute(query)]

    async def purge(self, before: datetime) -> int:
        """Delete the events older than *before*; how many."""
        result = await self.session.execute(delete(Activity).where(Activity.at < before))
        return rowcount(result)


PASSED_OVER = "first start"  # the owner of a digest recorded as done without being sent


class DigestRepository:
    """The weekly digests: claimed by one process, then marked sent or released."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, due_at: datetime, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take the digest due at *due_at* for *owner*, in the caller's transaction; False if it
        was sent, or another process holds it (a holder silent for *lease* loses it). The row is
        inserted if new (of two inserts exactly one lands), else taken with a conditional
        update: two processes never both get it."""
        created = await self.session.execute(
            insert_for(self.session, Digest)
            .values(due_at=due_at, owner=owner, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["due_at"])
        )
        if rowcount(created) == 1:
            return True
        taken = await self.session.execute(
            update(Digest)
            .where(Digest.due_at == due_at, Digest.sent_at.is_(None))
            .where(or_(Digest.claimed_at.is_(None), Digest.claimed_at < now - lease))
            .values(owner=owner, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return rowcount(taken) == 1

    async def mark_sent(self, due_at: datetime, owner: str, now: datetime) -> None:
        """Telegram accepted *owner*'s digest: never again."""
        await self.session.execute(
            update(Digest)
            .where(Digest.due_at == due_at, Digest.owner == owner)
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )

    async def release(self, due_at: datetime, owner: str) -> None:
        """*owner* could not send it: the next try (of any process) may take it."""
        await self.session.execute(
            update(Digest)
            .where(Digest.due_at == due_at, Digest.owner == owner, Digest.sent_at.is_(None))
            .values(owner=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )

    async def latest_due(self) -> datetime | None:
        """The latest due moment on record (sent, held or passed over), if any."""
        latest: datetime | None = await self.session.scalar(select(func.max(Digest.due_at)))
        return latest

    async def pass_over(self, due_at: datetime, now: datetime) -> None:
        """Record *due_at* as done without sending it (the first start: no digest of the time
        before the bot was there); of two processes doing this, one row lands."""
        await self.session.execute(
            insert_for(self.session, Digest)
            .values(due_at=due_at, owner=PASSED_OVER, claimed_at=now, sent_at=now)
            .on_conflict_do_nothing(index_elements=["due_at"])
        )

    async def purge(self, before: datetime) -> int:
        """Forget the digests due before *before*; how many."""
        result = await self.session.execute(delete(Digest).where(Digest.due_at < before))
        return rowcount(result)
