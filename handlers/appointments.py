"""Counselling appointments: staff book in the family's topic, the family confirms, reminders.

The database is the source of truth; the JobQueue only triggers. A job every 30 seconds sends
whatever is due and not yet sent (late rather than never, nothing after the appointment) and
schedules exact-time triggers for the reminders due in the next minute. Each reminder is claimed
and marked sent in one transaction (see ``AppointmentRepository.claim_due``), so two bot
processes or a restart never send one twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from babel.dates import format_date, format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.bidi import for_reader
from bot.core.booking import (
    AppointmentError,
    ics_file,
    map_link,
    parse_offsets,
    parse_when,
    reminder_times,
)
from bot.core.i18n import gettext
from bot.core.languages import Lang, as_lang
from bot.db import (
    BOOKED,
    CANCELLED,
    CONFIRMED,
    OTHER_DATE,
    PENDING,
    SENT,
    UNDELIVERABLE,
    Appointment,
    AppointmentRepository,
    RelayRepository,
)
from bot.services.container import Services
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language
from handlers.staff.guard import conversation_of, refuse_unless_staff

log = logging.getLogger("wegweiser")
SWEEP = "reminder-sweep"
MSG_APPOINTMENT = "Your appointment at the integration centre:\n{when}\n{place}"
MSG_REMINDER = "Reminder: your appointment at the integration centre is on {when}.\n{place}"
MSG_EVENT_REMINDER = "Reminder: {title} is on {when}. Place: {place}"
ACTIONS = {"confirm": CONFIRMED, "cancel": CANCELLED, "other": OTHER_DATE}
STAFF_SAYS = {
    CONFIRMED: "Die Familie hat Termin #{id} bestätigt.",
    CANCELLED: "Die Familie hat Termin #{id} abgesagt.",
    OTHER_DATE: "Die Familie braucht für Termin #{id} einen anderen Termin.",
}


def when_text(moment: datetime, s: Services, lang: Lang) -> str:
    """Date and time the local way for *lang*, in the centre's time zone."""
    local = moment.astimezone(s.assistant.kb.centre.tz)
    day = format_date(local.date(), format="full", locale=lang)
    return f"{day}, {format_time(local.time(), format='short', locale=lang)}"


def appointment_text(appointment: Appointment, s: Services, lang: Lang) -> str:
    """What the family receives: when, where (verbatim, with a map link), what to bring."""
    parts = [
        gettext(
            lang,
            MSG_APPOINTMENT,
            when=when_text(appointment.starts_at, s, lang),
            place=appointment.place,
        )
    ]
    if appointment.bring:
        parts.append(f"{gettext(lang, 'Please bring:')}\n{appointment.bring}")
    parts.append(gettext(lang, "Map: {link}", link=map_link(appointment.place)))
    parts.append(gettext(lang, "Add it to your calendar with the file below."))
    return for_reader("\n\n".join(parts), lang)


def family_buttons(appointment_id: int, lang: Lang) -> InlineKeyboardMarkup:
    """Confirm / Cancel / I need another date."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"appt:{appointment_id}:{action}")

    return InlineKeyboardMarkup(
        [
            [
                button(gettext(lang, "Confirm"), "confirm"),
                button(gettext(lang, "Cancel"), "cancel"),
            ],
            [button(gettext(lang, "I need another date"), "other")],
        ]
    )


async def _tell_staff(context: Context, handoff_id: int | None, text: str) -> None:
    if handoff_id is None:
        return
    s = context.services
    async with s.sessions() as session:
        await RelayRepository(session).add(handoff_id, to_staff=True, now=s.clock(), text=text)
        await session.commit()
    s.outbox.wake(handoff_id)


async def _send_to_family(context: Context, appointment: Appointment, text: str) -> bool:
    """The appointment message with buttons and the .ics file; False if the family blocked us."""
    s = context.services
    lang = as_lang(appointment.lang) or "de"
    summary = gettext(lang, "Appointment at the integration centre")
    calendar = ics_file(
        f"appointment-{appointment.id}@wegweiser", appointment.starts_at,
        s.settings.appointment_minutes, summary, appointment.place, s.clock(),
    )  # fmt: skip
    try:
        await context.bot.send_message(
            appointment.chat_id, text, reply_markup=family_buttons(appointment.id, lang)
        )
        await context.bot.send_document(
            appointment.chat_id, InputFile(calendar, filename="termin.ics")
        )
    except Forbidden:
        await _tell_staff(context, appointment.handoff_id,
                          f"⚠️ Termin #{appointment.id} nicht zugestellt: die Familie hat den Bot "
                          "blockiert.")  # fmt: skip
        return False
    return True


def _place(s: Services, words: list[str]) -> str:
    """A contact id of the knowledge base (its address), free text, or the school counselling."""
    kb = s.assistant.kb
    if words:
        contact = next((c for c in kb.contacts if c.id == words[0] and c.address), None)
        return contact.address if contact and contact.address else " ".join(words)
    school = min(  # the most specific contact for school entry, e.g. the counselling desk
        (c for c in kb.contacts if "school_entry" in c.topics and c.address),
        key=lambda c: len(c.topics),
        default=None,
    )
    return (school.address if school else None) or kb.centre.address or kb.centre.name


async def appointment_command(update: Update, context: Context) -> None:
    """/appointment DATE TIME [place], /appointment move ID DATE TIME, /appointment cancel ID."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    args = list(context.args or [])
    if args and args[0] in {"cancel", "move"}:
        await _change(update, context, args)
        return
    s = context.services
    handoff = await conversation_of(context, message)
    if handoff is None:
        context.reply_in_background(message, "Bitte im Thema einer Familie verwenden.")
        return
    centre = s.assistant.kb.centre
    moment = s.clock()
    try:
        starts_at, rest = parse_when(args, moment, centre.tz, centre.working_hours)
    except AppointmentError as exc:
        context.reply_in_background(message, f"Nicht gebucht: {exc}")
        return
    lang = as_lang(handoff.lang) or "de"
    documents = s.assistant.kb.template("documents")
    offsets = parse_offsets(s.settings.reminder_offsets)
    due = reminder_times(starts_at, offsets, centre.tz, moment)
    async with s.sessions() as session:
        appointment = await AppointmentRepository(session).book(
            chat_id=handoff.chat_id, handoff_id=handoff.id, lang=lang, starts_at=starts_at,
            place=_place(s, rest), bring=documents.text_in(lang) if documents else None,
            reminders=due, now=moment,
        )  # fmt: skip
        await session.commit()
    delivered = await _send_to_family(context, appointment, appointment_text(appointment, s, lang))
    reminders = ", ".join(when_text(d, s, "de") for d in due) or "keine (zu kurzfristig)"
    if delivered:
        context.reply_in_background(
            message,
            f"Termin #{appointment.id} gebucht: {when_text(starts_at, s, 'de')}, "
            f"{appointment.place}. Erinnerungen: {reminders}.",
        )
    schedule_upcoming(context)


async def _change(update: Update, context: Context, args: list[str]) -> None:
    message = update.effective_message
    assert message is not None
    s = context.services
    if len(args) < 2 or not args[1].isdigit():
        context.reply_in_background(
            message, "/appointment cancel ID oder /appointment move ID DATUM UHRZEIT"
        )
        return
    async with s.sessions() as session:
        repo = AppointmentRepository(session)
        appointment = await repo.get(int(args[1]))
        if appointment is None or appointment.status == CANCELLED:
            context.reply_in_background(message, f"Kein offener Termin #{args[1]}.")
            return
        lang = as_lang(appointment.lang) or "de"
        centre = s.assistant.kb.centre
        if args[0] == "cancel":
            old = appointment.starts_at
            appointment.status = CANCELLED
            await repo.set_reminders(appointment, [])
            await session.commit()
            text = gettext(lang, "The centre has cancelled your appointment on {when}.",
                           when=when_text(old, s, lang))  # fmt: skip
            await context.bot.send_message(appointment.chat_id, text)
            context.reply_in_background(
                message, f"Termin #{appointment.id} abgesagt; die Familie ist informiert."
            )
            return
        try:
            starts_at, _ = parse_when(args[2:], s.clock(), centre.tz, centre.working_hours)
        except AppointmentError as exc:
            context.reply_in_background(message, f"Nicht verschoben: {exc}")
            return
        appointment.starts_at, appointment.status = starts_at, BOOKED
        offsets = parse_offsets(s.settings.reminder_offsets)
        await repo.set_reminders(
            appointment, reminder_times(starts_at, offsets, centre.tz, s.clock())
        )
        await session.commit()
    text = gettext(lang, "Your appointment has been moved to {when}.\n{place}",
                   when=when_text(starts_at, s, lang), place=appointment.place)  # fmt: skip
    if await _send_to_family(context, appointment, text):
        context.reply_in_background(message, f"Termin #{appointment.id} verschoben auf "
                                 f"{when_text(starts_at, s, 'de')}.")  # fmt: skip
    schedule_upcoming(context)


async def family_answers(update: Update, context: Context) -> None:
    """Confirm / Cancel / Need another date: stored, staff told in the topic."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    appointment_id, action = int(context.matches[0][1]), context.matches[0][2]
    s = context.services
    async with s.sessions() as session:
        repo = AppointmentRepository(session)
        appointment = await repo.get(appointment_id)
        if appointment is None or appointment.chat_id != query.message.chat.id:
            await query.answer()
            return
        status = ACTIONS[action]
        appointment.status = status
        if status == CANCELLED:
            await repo.set_reminders(appointment, [])
        await session.commit()
    lang = as_lang(appointment.lang) or "de"
    replies = {
        CONFIRMED: gettext(lang, "Thank you, your appointment is confirmed."),
        CANCELLED: gettext(lang, "Your appointment is cancelled."),
        OTHER_DATE: gettext(lang, "Thank you. The centre will look for another date with you."),
    }
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(appointment.chat_id, replies[status])
    await _tell_staff(
        context, appointment.handoff_id, STAFF_SAYS[status].format(id=appointment.id)
    )


async def list_appointments(update: Update, context: Context) -> None:
    """/appointments: a family's upcoming ones; in the staff group, all of the centre."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    s = context.services
    staff_view = chat.id == s.settings.staff_chat_id
    if staff_view and not await refuse_unless_staff(update, context):
        return
    async with s.sessions() as session:
        found = await AppointmentRepository(session).upcoming(
            s.clock(), None if staff_view else chat.id
        )
    if staff_view:
        found = [a for a in found if a.title is None]  # event reminders are the family's own
        lines = [
            f"#{a.id} {when_text(a.starts_at, s, 'de')} · {a.status} · {a.place}" for a in found
        ]
        context.reply_in_background(message, "\n".join(lines) or "Keine anstehenden Termine.")
        return
    lang = await ui_language(update, context)
    if not found:
        await message.reply_text(gettext(lang, "You have no upcoming appointments."))
        return
    lines = [gettext(lang, "Your upcoming appointments:")]
    lines += [
        f"• {a.title + ': ' if a.title else ''}{when_text(a.starts_at, s, lang)}\n  {a.place}"
        for a in found
    ]
    await message.reply_text("\n".join(lines))


async def send_due_reminders(context: Context) -> None:
    """Send every reminder that is due and not yet sent (claimed first: exactly once)."""
    while await _send_batch(context):
        pass


async def _send_batch(context: Context) -> bool:
    """Claim and send up to one batch; False when nothing was due or sending has to wait."""
    s = context.services
    moment = s.clock()
    async with s.sessions() as session:
        claimed = await AppointmentRepository(session).claim_due(moment)
        await session.commit()
    if not claimed:
        return False
    go_on = True
    for reminder, appointment in claimed:
        lang = as_lang(appointment.lang) or "de"
        when = when_text(appointment.starts_at, s, lang)
        text = (
            gettext(lang, MSG_EVENT_REMINDER, title=appointment.title, when=when,
                    place=appointment.place)
            if appointment.title
            else gettext(lang, MSG_REMINDER, when=when, place=appointment.place)
        )  # fmt: skip
        if appointment.bring:
            text += f"\n\n{gettext(lang, 'Please bring:')}\n{appointment.bring}"
        text = for_reader(text, lang)
        outcome = SENT
        try:
            await context.bot.send_message(appointment.chat_id, text)
        except Forbidden:
            outcome = UNDELIVERABLE
        except BadRequest as exc:  # refused for good (e.g. the chat is gone): not again
            log.warning("reminder %s refused: %s", reminder.id, exc)
            outcome = UNDELIVERABLE
        except TelegramError as exc:
            log.warning("reminder %s not sent yet: %s", reminder.id, exc)
            outcome, go_on = PENDING, False  # the next sweep tries again
        async with s.sessions() as session:
            await AppointmentRepository(session).set_reminder_status(
                reminder.id, outcome, s.clock()
            )
            await session.commit()
        if outcome == UNDELIVERABLE:
            await _tell_staff(context, appointment.handoff_id,
                              f"⚠️ Erinnerung an Termin #{appointment.id} nicht zustellbar: die "
                              "Familie hat den Bot blockiert.")  # fmt: skip
        elif outcome == SENT and reminder.first and appointment.status == BOOKED:
            await _tell_staff(context, appointment.handoff_id,
                              f"Termin #{appointment.id} ist noch nicht bestätigt (erste "
                              "Erinnerung ist raus).")  # fmt: skip
    return go_on


def schedule_upcoming(context: Context) -> None:
    """Exact-time triggers for reminders due within the next minute (the sweep does the rest)."""
    if context.job_queue is None:
        return
    context.application.create_task(_schedule(context))


async def _schedule(context: Context) -> None:
    queue = context.job_queue
    if queue is None:
        return
    s = context.services
    horizon = s.clock() + timedelta(seconds=60)
    async with s.sessions() as session:
        due = await AppointmentRepository(session).pending_reminders(horizon)
    for reminder in due:
        name = f"reminder-{reminder.id}"
        if not queue.get_jobs_by_name(name):
            # PTB types the queue of a CallbackContext subclass loosely.
            queue.run_once(send_due_reminders, when=reminder.due_at, name=name)  # type: ignore[arg-type]


async def sweep(context: Context) -> None:
    """Every 30 seconds and right after the start: send what is overdue, schedule what is near."""
    await send_due_reminders(context)
    await _schedule(context)


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """Staff booking, the family's buttons, /appointments, the reminder sweep."""
    app.add_handler(
        CallbackQueryHandler(family_answers, pattern=r"^appt:(\d{1,9}):(confirm|cancel|other)$")
    )
    where = filters.ChatType.PRIVATE | filters.Chat(staff_chat_id or 0)
    app.add_handler(CommandHandler("appointments", list_appointments, filters=where))
    app.add_handler(CommandHandler("appointment", appointment_command))
    if app.job_queue is not None:
        app.job_queue.run_repeating(sweep, interval=30, first=1, name=SWEEP)
