"""/events: what is on, add to calendar, remind me; and "tell me when a new date is announced".

Past events are never shown as upcoming. When the knowledge base is reloaded (or the feed
read) with a new future date for an event, everyone who asked gets exactly one message in their
language (``bot.services.events``).
"""

from __future__ import annotations

from datetime import datetime

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.booking import ics_file
from bot.core.event_status import event_end, is_past, status_line
from bot.core.i18n import gettext
from bot.core.knowledge import Event, KnowledgeBase
from bot.core.languages import as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers.family import views


def _start(event: Event, kb: KnowledgeBase) -> datetime:
    return event.start.replace(tzinfo=kb.centre.tz)


async def events_command(update: Update, context: Context) -> None:
    """/events."""
    await views.show_events(update, context)


async def event_button(update: Update, context: Context) -> None:
    """Add to calendar / remind me / tell me about a new date."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    action, lang = context.matches[0][1], as_lang(context.matches[0][2]) or "de"
    s = context.services
    kb = s.assistant.kb
    event = s.events.find(kb, context.matches[0][3])
    chat_id = query.message.chat.id
    if event is None:
        await query.answer(gettext(lang, "This button no longer works. Please use /menu."))
        return
    await query.answer()
    moment = s.clock()
    if action == "sub":
        await s.events.subscribe(chat_id, event.id, lang)
        await context.bot.send_message(
            chat_id, gettext(lang, "I will tell you when a new date is announced.")
        )
        return
    starts = _start(event, kb)
    if is_past(event, kb.centre.tz, moment):
        await context.bot.send_message(chat_id, status_line(event, kb.centre.tz, lang, moment))
        return
    if action == "ics":
        minutes = int((event_end(event, kb.centre.tz) - starts).total_seconds() // 60) or 60
        data = ics_file(f"event-{event.id}@wegweiser", starts, minutes, event.title_in(lang),
                        event.place or kb.centre.name, moment)  # fmt: skip
        await context.bot.send_document(chat_id, InputFile(data, filename=f"{event.id}.ics"))
        return
    await s.reminders.remind_of_event(
        chat_id, event.id, event.title_in(lang), lang, starts, event.place or kb.centre.name
    )
    await context.bot.send_message(chat_id, gettext(lang, "I will remind you the day before."))


async def refresh_feed(context: Context) -> None:
    """Job: read the iCalendar feed (the service keeps the last good copy, tells staff once)."""
    s = context.services
    await s.events.refresh_feed(s.assistant.kb)


def register(app: WegweiserApp) -> None:
    """/events and the event buttons (the feed job is in ``handlers.register``'s table)."""
    app.add_handler(CommandHandler("events", events_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(event_button, pattern=views.EVENT_BUTTON))
