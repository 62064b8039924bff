"""The rules of a hand-over to staff, without I/O: its statuses, the buttons and callback data of
its messages, what is promised to the family, the staff topic's header, claiming and closing.

The family's words are gettext msgids (translated in ``bot/core/locales``); the words to staff
come from :mod:`bot.core.staff_texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from babel.dates import format_date

from bot.core import callbacks
from bot.core import staff_texts as texts
from bot.core.assistant import Reply
from bot.core.buttons import Button, Keyboard
from bot.core.i18n import gettext, ngettext
from bot.core.knowledge import Centre, KnowledgeBase
from bot.core.languages import NATIVE_NAMES, Lang
from bot.core.office_hours import is_open, next_opening

STAFF_LANG: Lang = "de"  # staff work in German
QUESTION_IN_HEADER = 1000  # characters of the family's question shown to staff
TOPIC_NAME_LENGTH = 128  # Telegram's limit for a forum topic's name
NAME_LENGTH = 64  # characters of a staff member's name kept with a claim
NOTE_MARK = "!"  # a staff message starting with it is an internal note, not for the family

MSG_WITHIN = "A person from the centre will answer you here, usually within {wait}."
MSG_SOON = "A person from the centre will answer you here as soon as they can."
MSG_CLOSED_NOW = "The centre is closed right now. A person will answer you here on {day}."
MSG_QUIET = (
    "Until then I stay quiet: everything you write here goes to the centre. "
    "With /end you talk to me again."
)
MSG_ENDED = "The conversation with the centre has ended. You can ask me again at any time."
MSG_RATE = "How helpful was the centre? Please rate from 1 (not at all) to 5 (very)."
MSG_END_BUTTON = "End the conversation"

STARS = range(1, 6)


class HandoffStatus(StrEnum):
    """Where a conversation with staff stands (stored as its string)."""

    OPEN = "open"  # waiting for staff
    CLAIMED = "claimed"  # a staff member took it
    CLOSED = "closed"  # over; the family talks to the bot again


@dataclass(frozen=True)
class Outgoing:
    """One message the bot queues in a conversation: to staff (the topic) or to the family."""

    to_staff: bool
    text: str
    buttons: Keyboard | None = None


@dataclass(frozen=True)
class Header:
    """The staff topic's name and its first message."""

    topic_name: str
    text: str


@dataclass(frozen=True)
class Claim:
    """What claiming decided: who holds the conversation now, and whether that is another."""

    taken_by_other: bool
    holder_name: str | None
    status: HandoffStatus

    @property
    def answer(self) -> str:
        """What the claiming staff member is told."""
        template = texts.CLAIMED_BY_OTHER if self.taken_by_other else texts.CLAIMED
        return template.format(name=self.holder_name)


def staff_buttons(handoff_id: int) -> Keyboard:
    """Claim / Close, under the header in the staff topic."""
    return (
        (
            Button(texts.BUTTON_CLAIM, callbacks.staff_action("claim", handoff_id)),
            Button(texts.BUTTON_CLOSE, callbacks.staff_action("close", handoff_id)),
        ),
    )


def end_buttons(lang: Lang) -> Keyboard:
    """ "End the conversation", for the family."""
    return ((Button(gettext(lang, MSG_END_BUTTON), callbacks.end(lang)),),)


def rating_buttons(handoff_id: int) -> Keyboard:
    """1 to 5, after the conversation."""
    return (tuple(Button(str(n), callbacks.rate(handoff_id, n)) for n in STARS),)


def waiting_time(lang: Lang, moment: datetime, centre: Centre, reply_minutes: int | None) -> str:
    """When staff will answer: "usually within 2 hours", "on Monday, 30 November", or "as soon
    as they can" where the centre has configured neither office hours nor a reply time."""
    hours = centre.working_hours
    if hours is None or is_open(moment, hours, centre.tz):
        if reply_minutes is None:
            return gettext(lang, MSG_SOON)
        wait = (
            ngettext(lang, "{count} hour", "{count} hours", reply_minutes // 60)
            if reply_minutes >= 120 and reply_minutes % 60 == 0
            else ngettext(lang, "{count} minute", "{count} minutes", reply_minutes)
        )
        return gettext(lang, MSG_WITHIN, wait=wait)
    opening = next_opening(moment, hours, centre.tz)
    day = format_date(opening.date(), format="full", locale=lang)
    return gettext(lang, MSG_CLOSED_NOW, day=day)


def staff_header(
    handoff_id: int,
    lang: Lang,
    last: Reply | None,
    kb: KnowledgeBase,
    label: str | None = None,
) -> Header:
    """Who, which language, what led here: from the family's last question and the entries the
    assistant considered for it (*label* names the topic instead, e.g. volunteering)."""
    considered = last.considered if last else ()
    entry = kb.entry(considered[0][0]) if considered else None
    topic = label or (entry.title_in(STAFF_LANG) if entry else texts.TOPIC_FALLBACK)
    language = NATIVE_NAMES[lang]
    name = texts.TOPIC_NAME.format(id=handoff_id, language=language, topic=topic)
    entries = ", ".join(f"{eid} ({score:.2f})" for eid, score in considered)
    lines = [
        texts.HEADER_TITLE.format(id=handoff_id),
        texts.HEADER_LANGUAGE.format(language=language, code=lang),
        texts.HEADER_TOPIC.format(topic=topic),
        texts.HEADER_QUESTION.format(
            question=last.question[:QUESTION_IN_HEADER] if last else texts.NOTHING
        ),
        texts.HEADER_CONSIDERED.format(entries=entries or texts.NOTHING),
        texts.HEADER_HOWTO,
    ]
    return Header(name[:TOPIC_NAME_LENGTH], "\n".join(lines))


def opening_messages(
    handoff_id: int, lang: Lang, header: Header, promise: str, follow_up: str | None = None
) -> tuple[Outgoing, ...]:
    """What opening says: the header with Claim / Close to staff; to the family the promise,
    that the bot stays quiet (with the end button), and *follow_up* (e.g. what to write)."""
    messages = [
        Outgoing(True, header.text, staff_buttons(handoff_id)),
        Outgoing(False, f"{promise}\n\n{gettext(lang, MSG_QUIET)}", end_buttons(lang)),
    ]
    if follow_up:
        messages.append(Outgoing(False, follow_up))
    return tuple(messages)


def closing_messages(handoff_id: int, lang: Lang, *, by_family: bool) -> tuple[Outgoing, ...]:
    """What closing says: staff learn that the family ended it (if it did); the family is told
    the conversation ended and asked for a rating."""
    messages = [Outgoing(True, texts.FAMILY_ENDED)] if by_family else []
    messages.append(Outgoing(False, gettext(lang, MSG_ENDED)))
    messages.append(Outgoing(False, gettext(lang, MSG_RATE), rating_buttons(handoff_id)))
    return tuple(messages)


def decide_claim(
    status: HandoffStatus,
    holder_id: int | None,
    holder_name: str | None,
    claimant_id: int,
    claimant_name: str,
) -> Claim:
    """A staff member claims: refused while another holds it; a closed conversation stays
    closed (but remembers who took it)."""
    if holder_id not in (None, claimant_id):
        return Claim(taken_by_other=True, holder_name=holder_name, status=status)
    after = status if status == HandoffStatus.CLOSED else HandoffStatus.CLAIMED
    return Claim(taken_by_other=False, holder_name=claimant_name[:NAME_LENGTH], status=after)


def is_internal_note(text: str | None) -> bool:
    """A staff message for colleagues only (it starts with "!")."""
    return (text or "").startswith(NOTE_MARK)


def template_listing(template_ids: list[str]) -> str:
    """What staff are told when /reply names no known template."""
    if not template_ids:
        return texts.NO_TEMPLATES
    return texts.TEMPLATES.format(names=", ".join(template_ids), example=template_ids[0])
