"""Storage: SQLAlchemy 2 async models, the session factory and one repository per entity.

Stored, and nothing else: a user's chat id, chosen language, first and last contact and whether
they blocked the bot; answer votes (entry, language, yes/no — no user); questions that found no
answer (text and language — no user). Repositories never commit: the caller does.
"""

from bot.db.models import (
    Appointment,
    Base,
    EventSubscription,
    Feedback,
    Handoff,
    InboxUpdate,
    RelayMessage,
    Reminder,
    UnansweredQuestion,
    User,
)
from bot.db.repositories import (
    BOOKED,
    CANCELLED,
    CLAIMED,
    CLOSED,
    CONFIRMED,
    OPEN,
    OTHER_DATE,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    UNDELIVERABLE,
    AppointmentRepository,
    EventSubscriptionRepository,
    FeedbackRepository,
    HandoffRepository,
    RelayRepository,
    UnansweredRepository,
    UserRepository,
)
from bot.db.session import create_engine, session_factory

__all__ = [
    "BOOKED",
    "CANCELLED",
    "CLAIMED",
    "CLOSED",
    "CONFIRMED",
    "OPEN",
    "OTHER_DATE",
    "PENDING",
    "SENDING",
    "SENT",
    "SKIPPED",
    "UNDELIVERABLE",
    "Appointment",
    "AppointmentRepository",
    "Base",
    "EventSubscription",
    "EventSubscriptionRepository",
    "Feedback",
    "FeedbackRepository",
    "Handoff",
    "HandoffRepository",
    "InboxUpdate",
    "RelayMessage",
    "RelayRepository",
    "Reminder",
    "UnansweredQuestion",
    "UnansweredRepository",
    "User",
    "UserRepository",
    "create_engine",
    "session_factory",
]
