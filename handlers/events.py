"""/events: what is on, add to calendar, remind me; and "tell me when a new date is announced".

Past events are never shown as upcoming. When the knowledge base is reloaded with a new future
date for an event, everyone who asked gets exactly one message in their language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.adapters.event_feed import FeedError, fetch, parse
from bot.core.booking import ics_file
from bot.core.event_status import event_end, format_when, is_past, status_line
from bot.core.i18n import gettext
from bot.core.knowledge import Event, KnowledgeBase
from bot.core.languages import Lang, as_lang
from bot.db import EventSubscriptionRepository
from bot.services.container import Services
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language

log = logging.getLogger("wegweiser")

EVENT_ID = r"([a-z0-9-]{1,48})"
EVENT_BUTTON = rf"^ev(ics|rem|sub):([a-z]{{2}}):{EVENT_ID}$"


def _start(event: Event, kb: KnowledgeBase) -> datetime:
    return event.start.replace(tzinfo=kb.centre.tz)


def upcoming(events: Sequence[Event], kb: KnowledgeBase, moment: datetime) -> list[Event]:
    """Events not yet over, soonest first."""
    tz = kb.centre.tz
    return sorted((e for e in events if not is_past(e, tz, moment)), key=lambda e: e.start)


def all_events(s: Services) -> list[Event]:
    """The knowledge base's events and those of the feed."""
    return [*s.assistant.kb.events, *s.feed_events]


def describe(event: Event, lang: Lang) -> str:
    """Title, date and time the local way, place verbatim."""
    lines = [event.title_in(lang), format_when(event, lang)]
    if event.place:
        lines.append(event.place)
    return "\n".join(lines)


def _buttons(event: Event, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(gettext(lang, "Add to calendar"),
                                  callback_data=f"evics:{lang}:{event.id}")],
            [InlineKeyboardButton(gettext(lang, "Remind me the day before"),
                                  callback_data=f"evrem:{lang}:{event.id}")],
        ]
    )  # fmt: skip


async def show_events(update: Update, context: Context, lang: Lang | None = None) -> None:
    """The upcoming events, each with its buttons; else when each took place last."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = lang or await ui_language(update, context)
    s = context.services
    kb = s.assistant.kb
    moment = s.clock()
    ahead = upcoming(all_events(s), kb, moment)
    if ahead:
        await context.bot.send_message(chat.id, gettext(lang, "Upcoming events:"))
        for event in ahead:
            await context.bot.send_message(chat.id, describe(event, lang),
                                           reply_markup=_buttons(event, lang))  # fmt: skip
        return
    await context.bot.send_message(
        chat.id, gettext(lang, "There are no upcoming events at the moment.")
    )
    for event in kb.events:
        subscribe = InlineKeyboardButton(gettext(lang, "Tell me when a new date is announced"),
                                         callback_data=f"evsub:{lang}:{event.id}")  # fmt: skip
        await context.bot.send_message(
            chat.id,
            f"{event.title_in(lang)}\n{status_line(event, kb.centre.tz, lang, moment)}",
            reply_markup=InlineKeyboardMarkup([[subscribe]]),
        )


async def events_command(update: Update, context: Context) -> None:
    """/events."""
    await show_events(update, context)


async def event_button(update: Update, context: Context) -> None:
    """Add to calendar / remind me / tell me about a new date."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    action, lang = context.matches[0][1], as_lang(context.matches[0][2]) or "de"
    s = context.services
    kb = s.assistant.kb
    event = next((e for e in all_events(s) if e.id == context.matches[0][3]), None)
    chat_id = query.message.chat.id
    if event is None:
        await query.answer(gettext(lang, "This button no longer works. Please use /menu."))
        return
    await query.answer()
    moment = s.clock()
    if action == "sub":
        async with s.sessions() as session:
            await EventSubscriptionRepository(session).subscribe(chat_id, event.id, lang, moment)
            await session.commit()
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


async def announce_new_dates(
    context: Context, old: Sequence[Event], new: Sequence[Event], kb: KnowledgeBase
) -> int:
    """After a reload or a feed update: tell each subscriber once about a new future date."""
    moment = context.services.clock()
    s = context.services
    told = 0
    before_by_id = {e.id: e for e in old}
    for event in new:
        before = before_by_id.get(event.id)
        is_new_date = before is None or before.start != event.start
        if is_past(event, kb.centre.tz, moment) or not is_new_date:
            continue
        async with s.sessions() as session:
            subscribers = await EventSubscriptionRepository(session).take(event.id)
            await session.commit()
        for item in subscribers:
            lang = as_lang(item.lang) or "de"
            text = gettext(lang, "New date: {title}, {when}. Place: {place}",
                           title=event.title_in(lang), when=format_when(event, lang),
                           place=event.place or kb.centre.name)  # fmt: skip
            try:
                await context.bot.send_message(item.chat_id, text)
                told += 1
            except TelegramError:
                continue
    return told


async def refresh_feed(context: Context) -> None:
    """Job: read the iCalendar feed; on failure keep the last good copy and tell staff once."""
    s = context.services
    source = s.settings.events_ics
    if not source:
        return
    kb = s.assistant.kb
    try:
        data = await asyncio.to_thread(fetch, source)
        events = await asyncio.to_thread(parse, data, kb.centre.tz, s.clock())
    except FeedError as exc:
        log.warning("events feed: %s", exc)
        if not s.feed_broken and s.settings.staff_chat_id is not None:
            await context.bot.send_message(
                s.settings.staff_chat_id,
                f"Der Kalender-Feed ist fehlerhaft ({exc}); die letzte gültige Fassung bleibt.",
            )
        s.feed_broken = True
        return
    s.feed_broken = False
    old, s.feed_events = s.feed_events, events
    if old:
        await announce_new_dates(context, old, events, kb)


def register(app: WegweiserApp) -> None:
    """/events, the event buttons, and the feed (right after the start, then every 15 minutes)."""
    app.add_handler(CommandHandler("events", events_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(event_button, pattern=EVENT_BUTTON))
    if app.job_queue is not None:
        app.job_queue.run_repeating(refresh_feed, interval=900, first=2, name="events-feed")
