"""Every use case of one running bot, built once by the composition root (``bot.cli`` through
``bot.telegram.app.build_application``) and handed to handlers as ``context.services``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.assistant import Assistant
from bot.core.flood import FloodGate
from bot.db.unit_of_work import Database
from bot.services.appointments import AppointmentService
from bot.services.contacts import ContactService
from bot.services.conversations import ConversationService
from bot.services.curation import CurationService
from bot.services.events import EventService
from bot.services.insights import DigestService, InsightService
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock, Messenger, Outbox
from bot.services.questions import QuestionService
from bot.services.reminders import ReminderService
from bot.services.users import UserService
from bot.settings import Settings


@dataclass
class Services:
    """The use cases, and the assistant they answer with (``knowledge`` replaces it when the
    knowledge base is reloaded)."""

    knowledge: KnowledgeService
    settings: Settings
    clock: Clock
    database: Database
    outbox: Outbox
    messenger: Messenger
    users: UserService
    conversations: ConversationService
    events: EventService
    questions: QuestionService
    contacts: ContactService
    appointments: AppointmentService
    reminders: ReminderService
    # /unanswered: kept questions grouped, accepted phrasings written into the knowledge base.
    curation: CurationService
    insights: InsightService
    digest: DigestService
    # Flood control per chat (memory only; None: off).
    flood: FloodGate | None

    @property
    def assistant(self) -> Assistant:
        """The assistant answering now (of the running knowledge base)."""
        return self.knowledge.assistant
