"""A family's appointments: the buttons under an appointment (confirm, cancel, another date) and
/appointments (its appointments and the events it asked to be reminded of)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.booking import ANSWER_DATA, FamilyAnswer, when_text
from bot.core.i18n import gettext
from bot.core.languages import Lang
from bot.services.appointments import language_of
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language


def thanks_for(answer: FamilyAnswer, lang: Lang) -> str:
    """What the family reads after pressing *answer*."""
    if answer is FamilyAnswer.CONFIRM:
        return gettext(lang, "Thank you, your appointment is confirmed.")
    if answer is FamilyAnswer.CANCEL:
        return gettext(lang, "Your appointment is cancelled.")
    return gettext(lang, "Thank you. The centre will look for another date with you.")


async def answer_appointment(update: Update, context: Context) -> None:
    """Confirm / Cancel / I need another date: stored, staff told in the topic."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    appointment_id, answer = int(context.matches[0][1]), FamilyAnswer(context.matches[0][2])
    appointment = await context.services.appointments.answer(
        appointment_id, query.message.chat.id, answer
    )
    await query.answer()
    if appointment is None:
        return
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        appointment.chat_id, thanks_for(answer, language_of(appointment))
    )


async def list_appointments(update: Update, context: Context) -> None:
    """/appointments: the family's appointments and event reminders still ahead."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    s = context.services
    found = await s.appointments.upcoming_for_family(chat.id)
    lang = await ui_language(update, context)
    if not found:
        await message.reply_text(gettext(lang, "You have no upcoming appointments."))
        return
    tz = s.assistant.kb.centre.tz
    lines = [gettext(lang, "Your upcoming appointments:")]
    lines += [
        f"• {item.title + ': ' if item.title else ''}{when_text(item.starts_at, tz, lang)}\n"
        f"  {item.place}"
        for item in found
    ]
    await message.reply_text("\n".join(lines))


def register(app: WegweiserApp) -> None:
    """The family's buttons and /appointments in private chats."""
    app.add_handler(CallbackQueryHandler(answer_appointment, pattern=ANSWER_DATA))
    app.add_handler(
        CommandHandler("appointments", list_appointments, filters=filters.ChatType.PRIVATE)
    )
