"""The tables. Times are aware datetimes, stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out — also on SQLite, which keeps no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are aware in Wegweiser")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same way."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who wrote to the bot: only what is needed to answer in their language."""

    __tablename__ = "users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class Feedback(Base):
    """A "did this help?" vote on an answer; not linked to the person who voted."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UnansweredQuestion(Base):
    """A question the knowledge base had no confident answer for; text only (scrubbed), not
    linked to anyone. ``reason``: none (no answer), unsure (suggestions offered) or unhelpful
    (the answer of ``entry_id`` was rated "did not help"; text empty if the question is not
    known)."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    reason: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    entry_id: Mapped[str | None] = mapped_column(String(80))


class Handoff(Base):
    """A family's conversation with staff: one per family chat, reopened when they ask again."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | claimed | closed
    topic_id: Mapped[int | None] = mapped_column(Integer, index=True)  # forum topic in staff chat
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by_name: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    family_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The process delivering this conversation's queue right now, and until when it may.
    relay_owner: Mapped[str | None] = mapped_column(String(80))
    # Set when the staff topic is still to be opened (or reopened) under this name.
    topic_name: Mapped[str | None] = mapped_column(String(128))
    relay_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When staff first answered since the conversation (re)opened (for the statistics).
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RelayMessage(Base):
    """One message to pass on (family -> staff or staff -> family), kept until it arrived.

    Only ids are kept for copies (the text stays in Telegram); ``text`` is set for the bot's own
    messages such as canned replies.
    """

    __tablename__ = "relay_messages"
    __table_args__ = (UniqueConstraint("from_chat_id", "message_id", "to_staff"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    to_staff: Mapped[bool] = mapped_column(Boolean)
    from_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_message_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The copy's id in the chat that received it (a staff edit edits the family's copy too).
    delivered_message_id: Mapped[int | None] = mapped_column(Integer)
    reply_markup: Mapped[str | None] = mapped_column(Text)  # JSON, for the bot's own messages
    # A family's plain text while it waits for a throttled staff topic; cleared once delivered.
    quote: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failure: Mapped[str | None] = mapped_column(String(200))  # why it was set aside


class Appointment(Base):
    """A counselling appointment staff booked for a family."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"))
    lang: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    place: Mapped[str] = mapped_column(Text)
    bring: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # a bot.core.booking.AppointmentStatus
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventReminder(Base):
    """An event (of the knowledge base or the feed) a family asked to be reminded of."""

    __tablename__ = "event_reminders"
    __table_args__ = (UniqueConstraint("chat_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # None only for the reminders moved over from ``appointments`` (migration 0006).
    event_id: Mapped[str | None] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(Text)  # in the family's language, as it was shown
    lang: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    place: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Reminder(Base):
    """One reminder of an appointment or of an event (exactly one of the two is set); claimed,
    sent and marked exactly once."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("(appointment_id IS NULL) <> (event_reminder_id IS NULL)", "one_parent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    event_reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_reminders.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(14), index=True)  # a booking.ReminderStatus
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # while "sending"


class EventSubscription(Base):
    """ "Tell me when a new date is announced" for an event of the knowledge base."""

    __tablename__ = "event_subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(48), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboxUpdate(Base):
    """An update Telegram delivered, kept from before it is confirmed until it was handled.

    The payload (the update's JSON) is cleared once handled; the row itself stays a day, so
    that Telegram delivering it again is recognised and not handled twice.
    """

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))  # handled | gave_up
    # The process handling it, and until when (renewed while it works on it).
    owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Activity(Base):
    """One anonymous event for the statistics (``bot.core.insights``): what happened, within
    which hour, in which language and topic. No chat id and no text: not linkable to anyone."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)  # the start of the hour
    kind: Mapped[str] = mapped_column(String(32))  # a bot.core.insights.ActivityKind
    lang: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(48))  # the knowledge base's topic
    entry_id: Mapped[str | None] = mapped_column(String(80))
    # A question's outcome, who closed or cancelled, what a reminder was of.
    outcome: Mapped[str | None] = mapped_column(String(16))
    seconds: Mapped[int | None] = mapped_column(Integer)  # the wait for staff's first reply


class Digest(Base):
    """A weekly digest to the staff group, one row per due moment: claimed by one process,
    marked once Telegram accepted it, so that it is never sent twice and never lost."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), unique=True)
    owner: Mapped[str | None] = mapped_column(String(80))  # the process sending it
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
