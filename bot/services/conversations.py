"""Conversations with staff: a family hands its chat over, staff answer in the family's topic of
the staff group, claim and close it, the family rates it.

Each use case is one transaction: the messages to pass on are written as outbox rows in it, then
the outbox is woken to deliver them (``Outbox.wake``). Which chats are with staff is kept in
memory too (loaded at start), so that the family's messages are not looked up one by one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core import staff_texts as texts
from bot.core.assistant import Reply
from bot.core.bidi import for_reader
from bot.core.buttons import stored
from bot.core.handoff import (
    Claim,
    HandoffStatus,
    Outgoing,
    closing_messages,
    decide_claim,
    opening_messages,
    staff_header,
    waiting_time,
)
from bot.core.insights import Activity, ActivityKind, Party
from bot.core.knowledge import KnowledgeBase
from bot.core.languages import Lang, as_lang
from bot.db.models import Handoff
from bot.db.unit_of_work import Database, UnitOfWork
from bot.services.ports import Clock, Outbox
from bot.settings import Settings

REMEMBERED_REPLIES = 5000  # chats whose last reply is kept for the staff header
DEFAULT_LANG: Lang = "de"


class Opening(StrEnum):
    """What asking for a person led to."""

    OPENED = "opened"  # a new (or reopened) conversation: staff and family are told
    ALREADY_OPEN = "already open"  # the chat is with staff already
    NO_STAFF_GROUP = "no staff group"  # none configured: the centre's phone is the way


@dataclass(frozen=True)
class Conversation:
    """A family's conversation with staff, as the handlers see it."""

    id: int
    chat_id: int
    lang: Lang
    status: HandoffStatus
    topic_id: int | None


@dataclass(frozen=True)
class Closing:
    """A conversation was closed (or was already): the staff topic to close, if any."""

    topic_to_close: int | None


def _conversation(handoff: Handoff) -> Conversation:
    return Conversation(
        id=handoff.id,
        chat_id=handoff.chat_id,
        lang=as_lang(handoff.lang) or DEFAULT_LANG,
        status=HandoffStatus(handoff.status),
        topic_id=handoff.topic_id,
    )


class ConversationService:
    """Hand-overs to staff and back."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        outbox: Outbox,
        settings: Settings,
        knowledge: Callable[[], KnowledgeBase],
    ) -> None:
        """*knowledge* gives the current knowledge base (a reload replaces it)."""
        self.database = database
        self.clock = clock
        self.outbox = outbox
        self.settings = settings
        self.knowledge = knowledge
        self.with_staff: set[int] = set()
        self.last_replies: OrderedDict[int, Reply] = OrderedDict()

    # What is kept in memory ----------------------------------------------------------------

    def remember_reply(self, chat_id: int, reply: Reply) -> None:
        """Keep the latest reply of a chat (for the header, should it ask for a person)."""
        self.last_replies[chat_id] = reply
        self.last_replies.move_to_end(chat_id)
        while len(self.last_replies) > REMEMBERED_REPLIES:
            self.last_replies.popitem(last=False)

    def last_reply(self, chat_id: int) -> Reply | None:
        """The latest reply the assistant gave this chat, if it is remembered."""
        return self.last_replies.get(chat_id)

    def is_with_staff(self, chat_id: int) -> bool:
        """True while the chat's messages go to staff."""
        return chat_id in self.with_staff

    def forget_chat(self, chat_id: int) -> None:
        """Drop what is kept in memory of a chat (it was deleted)."""
        self.with_staff.discard(chat_id)
        self.last_replies.pop(chat_id, None)

    async def load_active(self) -> None:
        """Read which chats are with staff (at start, so nothing of theirs goes elsewhere)."""
        async with self.database() as work:
            active = await work.handoffs.active()
        self.with_staff = {handoff.chat_id for handoff in active}

    # The family's side ---------------------------------------------------------------------

    async def open(
        self, chat_id: int, lang: Lang, *, label: str | None = None, follow_up: str | None = None
    ) -> Opening:
        """Hand the chat to staff: a topic with the header, and the family is told when to
        expect an answer (and *follow_up* after that); *label* names the topic."""
        if self.settings.staff_chat_id is None:
            return Opening.NO_STAFF_GROUP
        moment = self.clock()
        async with self.database() as work:
            handoff, fresh = await work.handoffs.open_for_chat(chat_id, lang, moment)
            if fresh:
                kb = self.knowledge()
                last = self.last_reply(chat_id)
                header = staff_header(handoff.id, lang, last, kb, label)
                entry = kb.entry(last.entry_id) if last and last.entry_id else None
                topic = entry.topic if entry is not None else None
                await work.activity.record(
                    Activity(ActivityKind.HANDOFF_OPENED, lang, topic), moment
                )
                handoff.topic_name = header.topic_name  # the outbox opens the topic first
                minutes = self.settings.handoff_reply_minutes
                promise = waiting_time(lang, moment, kb.centre, minutes)
                messages = opening_messages(handoff.id, lang, header, promise, follow_up)
                await self._queue(work, handoff.id, messages, moment)
            await work.commit()
        self.with_staff.add(chat_id)
        if not fresh:
            return Opening.ALREADY_OPEN
        self.outbox.wake(handoff.id)
        return Opening.OPENED

    async def relay_from_family(self, chat_id: int, message_id: int, quote: str | None) -> bool:
        """Pass the family's message to staff if the chat is with staff; whether it is.

        *quote* is the message's plain text (if it is one), kept while it waits for a
        throttled topic."""
        if chat_id not in self.with_staff:
            return False
        async with self.database() as work:
            handoff = await work.handoffs.for_chat(chat_id)
            if handoff is None or handoff.status == HandoffStatus.CLOSED:
                self.with_staff.discard(chat_id)
                return False
            await work.relays.add(
                handoff.id, to_staff=True, now=self.clock(), from_chat_id=chat_id,
                message_id=message_id, quote=quote,
            )  # fmt: skip
            await work.commit()
        self.outbox.wake(handoff.id)
        return True

    async def close_by_family(self, chat_id: int) -> Closing | None:
        """The family ends the conversation (None if none was open)."""
        async with self.database() as work:
            handoff = await work.handoffs.for_chat(chat_id)
            if handoff is None or handoff.status == HandoffStatus.CLOSED:
                self.with_staff.discard(chat_id)
                return None
            closing = await self._close(work, handoff, by_family=True)
            await work.commit()
        self.with_staff.discard(chat_id)
        self.outbox.wake(handoff.id)
        return closing

    async def rate(self, handoff_id: int, chat_id: int, stars: int) -> Lang:
        """Keep the family's rating (only from the conversation's own chat); the language to
        thank in."""
        async with self.database() as work:
            handoff = await work.handoffs.get(handoff_id)
            if handoff is not None and handoff.chat_id == chat_id:
                handoff.rating = stars
                await work.commit()
        return as_lang(handoff.lang if handoff else None) or DEFAULT_LANG

    # The staff's side ----------------------------------------------------------------------

    async def handoff_for_staff_message(
        self, topic_id: int | None, replied_message_id: int | None
    ) -> Conversation | None:
        """The conversation a staff message belongs to: by its forum topic, or (in a group
        without topics) by the relayed message it replies to."""
        async with self.database() as work:
            if topic_id is not None:
                found = await work.handoffs.for_topic(topic_id)
                if found is not None:
                    return _conversation(found)
            if replied_message_id is not None:
                item = await work.relays.by_staff_message(replied_message_id)
                if item is not None:
                    handoff = await work.handoffs.get(item.handoff_id)
                    return _conversation(handoff) if handoff is not None else None
        return None

    async def relay_from_staff(self, handoff_id: int, from_chat_id: int, message_id: int) -> bool:
        """Pass a staff member's message to the family; False if the conversation is closed."""
        async with self.database() as work:
            handoff = await work.handoffs.get(handoff_id)
            if handoff is None or handoff.status == HandoffStatus.CLOSED:
                return False
            await work.relays.add(
                handoff_id, to_staff=False, now=self.clock(), from_chat_id=from_chat_id,
                message_id=message_id,
            )  # fmt: skip
            await self._count_first_reply(work, handoff)
            await work.commit()
        self.outbox.wake(handoff_id)
        return True

    async def family_copy_of(self, from_chat_id: int, message_id: int) -> tuple[int, int] | None:
        """Where a staff message's copy reached the family: (family chat, message id), if it
        was delivered (an edit of the staff message then edits that copy)."""
        async with self.database() as work:
            row = await work.relays.copy_of(from_chat_id, message_id)
            if row is None or row.delivered_message_id is None:
                return None
            handoff = await work.handoffs.get(row.handoff_id)
            return (handoff.chat_id, row.delivered_message_id) if handoff is not None else None

    async def reply_with_template(self, handoff_id: int, template_id: str | None) -> bool:
        """Send the family a canned reply in its language; False if there is no such template
        (or no such conversation)."""
        template = self.knowledge().template(template_id) if template_id else None
        if template is None:
            return False
        async with self.database() as work:
            handoff = await work.handoffs.get(handoff_id)
            if handoff is None:
                return False
            lang = as_lang(handoff.lang) or DEFAULT_LANG
            text = for_reader(template.text_in(lang), lang)
            await work.relays.add(handoff_id, to_staff=False, now=self.clock(), text=text)
            await self._count_first_reply(work, handoff)
            await work.commit()
        self.outbox.wake(handoff_id)
        return True

    async def claim(self, handoff_id: int, user_id: int, name: str) -> Claim | None:
        """A staff member takes the conversation (refused while another holds it); the topic
        is told who took it. None if there is no such conversation."""
        async with self.database() as work:
            handoff = await work.handoffs.get(handoff_id)
            if handoff is None:
                return None
            claim = decide_claim(
                HandoffStatus(handoff.status), handoff.claimed_by, handoff.claimed_by_name,
                user_id, name,
            )  # fmt: skip
            if not claim.taken_by_other:
                handoff.status = claim.status
                handoff.claimed_by, handoff.claimed_by_name = user_id, claim.holder_name
                note = Outgoing(True, claim.answer)
                await self._queue(work, handoff_id, [note], self.clock())
            await work.commit()
        if not claim.taken_by_other:
            self.outbox.wake(handoff_id)
        return claim

    async def close_by_staff(self, handoff_id: int) -> Closing | None:
        """Staff close the conversation (the family is asked for a rating) and the topic is
        told; None if there is no such conversation."""
        moment = self.clock()
        async with self.database() as work:
            handoff = await work.handoffs.get(handoff_id)
            if handoff is None:
                return None
            closing = Closing(topic_to_close=None)
            if handoff.status != HandoffStatus.CLOSED:
                closing = await self._close(work, handoff, by_family=False)
            await self._queue(work, handoff_id, [Outgoing(True, texts.CLOSED_NOTE)], moment)
            await work.commit()
        self.with_staff.discard(handoff.chat_id)
        self.outbox.wake(handoff_id)
        return closing

    async def note_to_staff(self, handoff_id: int, text: str) -> None:
        """A note to staff in the conversation's topic (e.g. the family confirmed a date)."""
        async with self.database() as work:
            await work.relays.add(handoff_id, to_staff=True, now=self.clock(), text=text)
            await work.commit()
        self.outbox.wake(handoff_id)

    # Inside a unit of work -----------------------------------------------------------------

    async def _close(self, work: UnitOfWork, handoff: Handoff, *, by_family: bool) -> Closing:
        """Mark the conversation closed and queue what closing says."""
        moment = self.clock()
        handoff.status, handoff.closed_at = HandoffStatus.CLOSED, moment
        lang = as_lang(handoff.lang) or DEFAULT_LANG
        messages = closing_messages(handoff.id, lang, by_family=by_family)
        await self._queue(work, handoff.id, messages, moment)
        party = Party.FAMILY if by_family else Party.CENTRE
        closed = Activity(ActivityKind.HANDOFF_CLOSED, lang, outcome=party)
        await work.activity.record(closed, moment)
        staff_group = self.settings.staff_chat_id is not None
        return Closing(topic_to_close=handoff.topic_id if staff_group else None)

    async def _count_first_reply(self, work: UnitOfWork, handoff: Handoff) -> None:
        """Staff answered: if it is the first reply since the conversation (re)opened, note it
        and how long the family waited (anonymously, for the statistics)."""
        moment = self.clock()
        if await work.handoffs.mark_first_reply(handoff.id, moment):
            waited = max(0, round((moment - handoff.opened_at).total_seconds()))
            replied = Activity(ActivityKind.FIRST_STAFF_REPLY, handoff.lang, seconds=waited)
            await work.activity.record(replied, moment)

    async def _queue(
        self, work: UnitOfWork, handoff_id: int, messages: Iterable[Outgoing], moment: datetime
    ) -> None:
        """Write the bot's own messages as outbox rows, in order."""
        for message in messages:
            await work.relays.add(
                handoff_id, to_staff=message.to_staff, now=moment, text=message.text,
                reply_markup=stored(message.buttons) if message.buttons else None,
            )  # fmt: skip
