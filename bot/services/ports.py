"""What the use cases need from the outside, as interfaces: the time, the outbox, a messenger,
the centre's event feed, a chart renderer.

``bot.telegram`` implements them (``RelayOutbox``, ``TelegramMessenger``), ``bot.adapters`` the
feed (``IcsFeedReader``) and the chart (``render_png``); tests use the same implementations
over a fake Bot API, and a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.insights import Chart
from bot.core.knowledge import Event, KnowledgeBase

Clock = Callable[[], datetime]
# The knowledge base in use now (a reload replaces it): its centre, contacts, templates.
KnowledgeSource = Callable[[], KnowledgeBase]
# Draws the statistics' chart as a PNG (``bot.adapters.charts.render_png``).
ChartRenderer = Callable[[Chart], bytes]


def system_clock() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


class Outbox(Protocol):
    """The durable outbox of a conversation: rows are written in the use case's transaction,
    then the sender is woken to deliver them."""

    def wake(self, handoff_id: int) -> None:
        """Deliver what waits for this conversation (soon, in order, outside the caller)."""


class Delivery(StrEnum):
    """What became of one message."""

    DELIVERED = "delivered"
    BLOCKED = "blocked"  # the user blocked the bot: do not try again
    REFUSED = "refused"  # refused for good (e.g. the chat is gone): do not try again
    LATER = "later"  # passing trouble (network, rate limit): try again later


@dataclass(frozen=True)
class Button:
    """A button under a message: its label and the data pressing it sends back."""

    label: str
    data: str


class Messenger(Protocol):
    """Sends the bot's own messages to a chat (reminders, announcements, notices)."""

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]] = ()
    ) -> Delivery:
        """Send *text* (with rows of *buttons* under it); what became of it."""
        ...

    async def send_document(self, chat_id: int, content: bytes, filename: str) -> Delivery:
        """Send a file (e.g. an .ics calendar entry); what became of it."""
        ...

    async def send_photo(self, chat_id: int, png: bytes, caption: str) -> Delivery:
        """Send a picture with *caption* under it (e.g. the weekly digest); what became of it."""
        ...


class FeedReader(Protocol):
    """Reads the events of the centre's iCalendar feed."""

    async def read(self, source: str, tz: ZoneInfo, now: datetime) -> tuple[Event, ...]:
        """The feed's events around *now* (local times in *tz*); raises ``FeedError``."""
        ...
