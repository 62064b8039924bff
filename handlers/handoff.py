"""The family's side of a hand-over: ask for a person, talk to staff, hand back with /end.

While a conversation is with staff, every message of the family (text, photo, document, voice …)
goes to the staff topic and the bot does not answer on its own. These handlers run before the
others (group -1) and stop them when they took a message.
"""

from __future__ import annotations

import contextlib
import json

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.handoff_phrases import asks_for_a_person
from bot.core.i18n import gettext, ngettext
from bot.core.languages import NATIVE_NAMES, Lang, as_lang
from bot.core.office_hours import is_open, next_opening
from bot.db import CLOSED, HandoffRepository, RelayRepository
from bot.services.container import Services
from bot.telegram.context import Context, WegweiserApp
from handlers import keyboards
from handlers.common import hint_of, remembered_language, ui_language

PERSON = keyboards.PERSON
END = "end"
RATE = r"^rate:(\d{1,9}):([1-5])$"

MSG_WITHIN = "A person from the centre will answer you here, usually within {wait}."
MSG_SOON = "A person from the centre will answer you here as soon as they can."
MSG_CLOSED_NOW = "The centre is closed right now. A person will answer you here on {day}."
MSG_QUIET = (
    "Until then I stay quiet: everything you write here goes to the centre. "
    "With /end you talk to me again."
)
MSG_ENDED = "The conversation with the centre has ended. You can ask me again at any time."
MSG_RATE = "How helpful was the centre? Please rate from 1 (not at all) to 5 (very)."
QUESTION_IN_HEADER = 1000  # characters of the family's question shown to staff
STAFF_FAMILY_ENDED = "Die Familie hat das Gespräch beendet."


def markup_json(markup: InlineKeyboardMarkup) -> str:
    """Buttons as stored with an outbox row."""
    return json.dumps(markup.to_dict(), ensure_ascii=False)


def waiting_time(s: Services, lang: Lang) -> str:
    """When staff will answer: "usually within 2 hours", "on Monday, 30 November", or "as soon
    as they can" where the centre has configured neither office hours nor a reply time."""
    centre = s.assistant.kb.centre
    hours = centre.working_hours
    moment = s.clock()
    minutes = s.settings.handoff_reply_minutes
    if hours is None or is_open(moment, hours, centre.tz):
        if minutes is None:
            return gettext(lang, MSG_SOON)
        wait = (
            ngettext(lang, "{count} hour", "{count} hours", minutes // 60)
            if minutes >= 120 and minutes % 60 == 0
            else ngettext(lang, "{count} minute", "{count} minutes", minutes)
        )
        return gettext(lang, MSG_WITHIN, wait=wait)
    opening = next_opening(moment, hours, centre.tz)
    day = format_date(opening.date(), format="full", locale=lang)
    return gettext(lang, MSG_CLOSED_NOW, day=day)


def end_button(lang: Lang) -> InlineKeyboardMarkup:
    """ "End the conversation"."""
    label = gettext(lang, "End the conversation")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"{END}:{lang}")]])


def staff_header(
    handoff_id: int, lang: Lang, s: Services, chat_id: int, label: str | None = None
) -> tuple[str, str]:
    """The topic's name and first message: who, which language, what led here."""
    last = s.last_reply.get(chat_id)
    considered = last.considered if last else ()
    entry = s.assistant.kb.entry(considered[0][0]) if considered else None
    topic = label or (entry.title_in("de") if entry else "Anfrage")
    name = f"#{handoff_id} · {NATIVE_NAMES[lang]} · {topic}"[:128]
    lines = [
        f"Neue Anfrage #{handoff_id}",
        f"Sprache: {NATIVE_NAMES[lang]} ({lang})",
        f"Thema: {topic}",
        f"Frage: {last.question[:QUESTION_IN_HEADER] if last else '–'}",
        "Geprüfte Einträge: "
        + (", ".join(f"{eid} ({score:.2f})" for eid, score in considered) or "–"),
        "Antworten: hier schreiben (an die Familie). Interne Notiz: mit ! beginnen. "
        "/reply <vorlage>, /close",
    ]
    return name, "\n".join(lines)


def staff_buttons(handoff_id: int) -> InlineKeyboardMarkup:
    """Claim / Close."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Übernehmen", callback_data=f"handoff:claim:{handoff_id}"),
                InlineKeyboardButton("Schließen", callback_data=f"handoff:close:{handoff_id}"),
            ]
        ]
    )


async def open_conversation(
    update: Update,
    context: Context,
    lang: Lang,
    label: str | None = None,
    follow_up: str | None = None,
) -> None:
    """Hand the chat to staff: topic, header, and tell the family when to expect an answer
    (and *follow_up*, e.g. what to write, after that)."""
    chat = update.effective_chat
    if chat is None:
        return
    s = context.services
    staff_chat = s.settings.staff_chat_id
    if staff_chat is None:  # no staff group configured: the phone number is the way to a person
        phone = s.assistant.kb.centre.phone
        text = gettext(lang, "A person from the centre will answer you here soon.")
        if phone:
            text = gettext(
                lang,
                "A person from the centre will answer you here soon. You can also call {phone}.",
                phone=phone,
            )
        await context.bot.send_message(chat.id, text)
        return
    moment = s.clock()
    async with s.sessions() as session:
        handoff, fresh = await HandoffRepository(session).open_for_chat(chat.id, lang, moment)
        if fresh:
            name, header = staff_header(handoff.id, lang, s, chat.id, label)
            handoff.topic_name = name  # the sender opens the topic before the header
            relay = RelayRepository(session)
            await relay.add(handoff.id, to_staff=True, now=moment, text=header,
                            reply_markup=markup_json(staff_buttons(handoff.id)))  # fmt: skip
            await relay.add(
                handoff.id, to_staff=False, now=moment,
                text=f"{waiting_time(s, lang)}\n\n{gettext(lang, MSG_QUIET)}",
                reply_markup=markup_json(end_button(lang)),
            )  # fmt: skip
            if follow_up:
                await relay.add(handoff.id, to_staff=False, now=moment, text=follow_up)
        await session.commit()
    s.with_staff.add(chat.id)
    if not fresh:
        await context.bot.send_message(
            chat.id,
            gettext(lang, "You are already in contact with the centre. Everything you write "
                    "here goes to the staff."),
            reply_markup=end_button(lang),
        )  # fmt: skip
        return
    s.outbox.wake(handoff.id)


async def forward_to_staff(update: Update, context: Context) -> None:
    """Group -1: while with staff, relay everything; a request for a person opens the hand-over."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    s = context.services
    if chat.id in s.with_staff:
        async with s.sessions() as session:
            handoff = await HandoffRepository(session).for_chat(chat.id)
            if handoff is None or handoff.status == CLOSED:
                s.with_staff.discard(chat.id)
                return
            plain = message.text if message.text and not message.entities else None
            await RelayRepository(session).add(
                handoff.id, to_staff=True, now=s.clock(), from_chat_id=chat.id,
                message_id=message.message_id, quote=plain,
            )  # fmt: skip
            await session.commit()
        s.outbox.wake(handoff.id)
        raise ApplicationHandlerStop
    if message.text and asks_for_a_person(message.text):
        chosen = await remembered_language(update, context)
        lang = chosen or s.assistant.detector.detect(message.text, hint_of(update)).lang
        await open_conversation(update, context, lang)
        raise ApplicationHandlerStop


async def ask_for_person(update: Update, context: Context) -> None:
    """The "talk to a person" button."""
    query = update.callback_query
    match = PERSON.match(query.data or "") if query else None
    if query is None or match is None:
        return
    await query.answer()
    await open_conversation(update, context, as_lang(match[1]) or "de")


async def staff_command(update: Update, context: Context) -> None:
    """/staff: talk to a person."""
    await open_conversation(update, context, await ui_language(update, context))


async def close_for(update: Update, context: Context, chat_id: int, by_family: bool) -> None:
    """Close a conversation: the family is told in its language and asked for a rating."""
    s = context.services
    moment = s.clock()
    async with s.sessions() as session:
        handoff = await HandoffRepository(session).for_chat(chat_id)
        if handoff is None or handoff.status == CLOSED:
            s.with_staff.discard(chat_id)
            return
        handoff.status, handoff.closed_at = CLOSED, moment
        lang = as_lang(handoff.lang) or "de"
        handoff_id, topic_id = handoff.id, handoff.topic_id
        relay = RelayRepository(session)
        if by_family:
            await relay.add(handoff_id, to_staff=True, now=moment, text=STAFF_FAMILY_ENDED)
        rating = InlineKeyboardMarkup(
            [[InlineKeyboardButton(str(n), callback_data=f"rate:{handoff_id}:{n}")
              for n in range(1, 6)]]
        )  # fmt: skip
        await relay.add(handoff_id, to_staff=False, now=moment, text=gettext(lang, MSG_ENDED))
        await relay.add(handoff_id, to_staff=False, now=moment, text=gettext(lang, MSG_RATE),
                        reply_markup=markup_json(rating))  # fmt: skip
        await session.commit()
    s.with_staff.discard(chat_id)
    s.outbox.wake(handoff_id)
    staff_chat = s.settings.staff_chat_id
    if staff_chat is not None and topic_id is not None:
        context.background.run(_close_topic(context, staff_chat, topic_id))


async def _close_topic(context: Context, staff_chat: int, topic_id: int) -> None:
    """Close the staff topic (in the background: it waits for the group's rate limit)."""
    with contextlib.suppress(TelegramError):
        await context.bot.close_forum_topic(staff_chat, topic_id)


async def end_command(update: Update, context: Context) -> None:
    """/end or the button: the family hands the chat back to the bot."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer()
    if chat is not None:
        await close_for(update, context, chat.id, by_family=True)


async def rate(update: Update, context: Context) -> None:
    """A rating button after the conversation."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    match = context.matches[0]
    s = context.services
    async with s.sessions() as session:
        handoff = await HandoffRepository(session).get(int(match[1]))
        if handoff is not None and handoff.chat_id == query.message.chat.id:
            handoff.rating = int(match[2])
            await session.commit()
        lang = as_lang(handoff.lang if handoff else None) or "de"
    await query.answer(gettext(lang, "Thank you for your rating!"))
    await query.edit_message_reply_markup(reply_markup=None)


async def load_open_conversations(app: WegweiserApp) -> None:
    """At start: which chats are with staff (so that nothing of theirs goes to the assistant)."""
    s: Services = app.bot_data.services
    async with s.sessions() as session:
        s.with_staff.update(h.chat_id for h in await HandoffRepository(session).active())


def register(app: WegweiserApp) -> None:
    """Group -1 for relaying; /staff, /end and the person, end and rating buttons."""
    app.bot_data.on_start.append(load_open_conversations)
    private = filters.ChatType.PRIVATE
    # Service messages (a pinned message, an auto-delete timer …) are not relayed.
    relayable = (
        private & filters.UpdateType.MESSAGES & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    )
    app.add_handler(MessageHandler(relayable, forward_to_staff), group=-1)
    app.add_handler(CommandHandler("staff", staff_command, filters=private))
    app.add_handler(CommandHandler("end", end_command, filters=private))
    app.add_handler(CallbackQueryHandler(ask_for_person, pattern=PERSON))
    app.add_handler(CallbackQueryHandler(end_command, pattern=rf"^{END}:[a-z]{{2}}$"))
    app.add_handler(CallbackQueryHandler(rate, pattern=RATE))
