"""Staff's appointment commands: /appointment to book, move or cancel in a family's topic, and
/appointments in the staff group (every appointment ahead). Staff read German."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import CommandHandler, filters

from bot.core import staff_texts as texts
from bot.core.booking import when_text
from bot.core.languages import Lang
from bot.errors import AppointmentError
from bot.services.conversations import Conversation
from bot.services.ports import Delivery
from bot.telegram.context import Context, WegweiserApp
from bot.telegram.reminder_jobs import schedule_soon
from handlers.staff.guard import refuse_unless_staff, staff_in_a_topic

STAFF_LANG: Lang = "de"  # staff work in German
APPOINTMENT_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits, bounded: no '²', no overflow


async def appointment_command(update: Update, context: Context) -> None:
    """/appointment DATE TIME [place], /appointment move ID DATE TIME, /appointment cancel ID."""
    found = await staff_in_a_topic(update, context)
    if found is None:
        return
    message, handoff = found
    args = list(context.args or [])
    if args and args[0] in {"cancel", "move"}:
        await _change(message, context, args, handoff)
        return
    s = context.services
    try:
        booking = await s.appointments.book(handoff, args)
    except AppointmentError as exc:
        context.reply_in_background(message, texts.NOT_BOOKED.format(why=str(exc)))
        return
    if booking.delivery is Delivery.DELIVERED:  # else staff got a note in the topic
        tz, appointment = s.assistant.kb.centre.tz, booking.appointment
        reminders = ", ".join(when_text(due, tz, STAFF_LANG) for due in booking.reminders)
        context.reply_in_background(
            message,
            texts.BOOKED.format(
                id=appointment.id, when=when_text(appointment.starts_at, tz, STAFF_LANG),
                place=appointment.place, reminders=reminders or texts.NO_REMINDERS,
            ),
        )  # fmt: skip
    schedule_soon(context)


async def _change(
    message: Message, context: Context, args: list[str], handoff: Conversation
) -> None:
    """/appointment cancel ID, /appointment move ID DATE TIME (of the topic's family)."""
    if len(args) < 2 or APPOINTMENT_ID.fullmatch(args[1]) is None:
        context.reply_in_background(message, texts.CHANGE_USAGE)
        return
    s = context.services
    appointment_id, not_open = int(args[1]), texts.NO_OPEN_APPOINTMENT.format(id=args[1])
    if args[0] == "cancel":
        cancellation = await s.appointments.cancel_by_centre(appointment_id, handoff)
        if cancellation is None:
            context.reply_in_background(message, not_open)
            return
        told = cancellation.delivery is Delivery.DELIVERED
        said = texts.CANCELLED_BY_CENTRE if told else texts.CANCELLED_NOT_TOLD
        context.reply_in_background(message, said.format(id=appointment_id))
        return
    try:
        booking = await s.appointments.move(appointment_id, args[2:], handoff)
    except AppointmentError as exc:
        context.reply_in_background(message, texts.NOT_MOVED.format(why=str(exc)))
        return
    if booking is None:
        context.reply_in_background(message, not_open)
        return
    if booking.delivery is Delivery.DELIVERED:  # else staff got a note in the topic
        when = when_text(booking.appointment.starts_at, s.assistant.kb.centre.tz, STAFF_LANG)
        context.reply_in_background(message, texts.MOVED.format(id=appointment_id, when=when))
    schedule_soon(context)


async def refuse_elsewhere(update: Update, context: Context) -> None:
    """/appointment outside the staff group: refused (staff are pointed to a family's topic)."""
    message = update.effective_message
    if message is not None and await refuse_unless_staff(update, context):
        context.reply_in_background(message, texts.USE_IN_TOPIC)


async def list_appointments(update: Update, context: Context) -> None:
    """/appointments in the staff group: every appointment of the centre ahead."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    s = context.services
    tz = s.assistant.kb.centre.tz
    lines = [
        texts.UPCOMING_LINE.format(
            id=a.id, when=when_text(a.starts_at, tz, STAFF_LANG), status=a.status, place=a.place
        )
        for a in await s.appointments.upcoming_for_staff()
    ]
    context.reply_in_background(message, "\n".join(lines) or texts.NO_UPCOMING)


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """/appointment anywhere (refused unless staff), /appointments in the staff group."""
    if staff_chat_id is not None:
        app.add_handler(
            CommandHandler("appointments", list_appointments, filters=filters.Chat(staff_chat_id))
        )
    if staff_chat_id is not None:
        in_staff_chat = filters.Chat(staff_chat_id)
        app.add_handler(CommandHandler("appointment", appointment_command, filters=in_staff_chat))
    app.add_handler(CommandHandler("appointment", refuse_elsewhere))
