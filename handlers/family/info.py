"""/help, /privacy, /mydata, /delete, unknown commands, commands in groups, every non-text
message."""

from __future__ import annotations

import json
import logging

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core import staff_texts as texts
from bot.core.i18n import gettext, ngettext
from bot.core.languages import as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers import keyboards
from handlers.common import ui_language
from handlers.family import views

log = logging.getLogger("wegweiser")
MSG_DELETE_ASK = "Do you want me to delete everything I store about you? This cannot be undone."
MSG_NOTHING_DELETED = "Nothing was deleted."
MSG_DELETED = (
    "Your data has been deleted. If you write to me again, I will only store your language again."
)

HELP = (
    "I answer questions about the integration centre in eight languages. Just write your "
    "question.\n/menu – topics\n/language – change the language\n/privacy – what I store about "
    "you\n/delete – delete your data\n/help – this help"
)
PRIVACY = (
    "What I store: your chat number, the language you chose, and when you first and last wrote "
    "to me, so that I can answer in your language. If you rate an answer, I store the rating "
    "without your name. Questions I could not answer are kept without any link to you, so that "
    "the centre can improve its answers. Nothing else. With /delete I delete your data at once."
)


PRIVACY_STAFF = (
    "If you talk to a person at the centre or have an appointment, I also keep the state of that "
    "conversation and the appointment dates. /delete removes them too."
)


PRIVACY_COUNTS = (
    "I also count, without any link to you, how questions were answered (language, topic, "
    "hour), so that the centre can see how well I help."
)


async def _say(update: Update, context: Context, text: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text)


async def show_help(update: Update, context: Context) -> None:
    """/help."""
    await _say(update, context, gettext(await ui_language(update, context), HELP))


async def show_privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored and why, and when it is deleted without asking."""
    lang = await ui_language(update, context)
    retention = ngettext(
        lang,
        "If you do not write to me for {count} day, your data is deleted automatically.",
        "If you do not write to me for {count} days, your data is deleted automatically.",
        context.services.settings.retention_days,
    )
    records = ngettext(
        lang,
        "Closed conversations with the centre and past appointments are deleted after {count} "
        "day.",
        "Closed conversations with the centre and past appointments are deleted after {count} "
        "days.",
        context.services.settings.record_retention_days,
    )
    parts = [views.privacy_notice(context, lang), gettext(lang, PRIVACY),
             gettext(lang, PRIVACY_STAFF), gettext(lang, PRIVACY_COUNTS),
             f"{retention} {records}"]  # fmt: skip
    await _say(update, context, "\n\n".join(parts))


async def purge_inactive_users(context: Context) -> None:
    """Job: delete users who have been silent longer than the retention period."""
    await context.services.users.purge_inactive()


async def purge_records(context: Context) -> None:
    """Job: delete closed conversations and past appointments older than the record retention,
    and the statistics' anonymous events older than theirs."""
    await context.services.users.purge_records()
    await context.services.insights.purge()


async def ask_before_deleting(update: Update, context: Context) -> None:
    """/delete (or /delete_me): ask first — deleting cannot be undone."""
    lang = await ui_language(update, context)
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            gettext(lang, MSG_DELETE_ASK), reply_markup=keyboards.delete_confirmation(lang)
        )


async def delete_data(update: Update, context: Context) -> None:
    """The answer to "delete everything?": yes forgets this chat at once, no keeps it."""
    query, chat = update.callback_query, update.effective_chat
    match = keyboards.DELETE.match(query.data or "") if query else None
    if query is None or match is None or chat is None:
        return
    lang = as_lang(match[1]) or await ui_language(update, context)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    if match[2] != "yes":
        await context.bot.send_message(chat.id, gettext(lang, MSG_NOTHING_DELETED))
        return
    topics = await context.services.users.delete(chat.id)
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None:
        for topic in topics:
            context.background.run(
                context.bot.send_message(staff_chat, texts.FAMILY_DELETED, message_thread_id=topic)
            )
    await context.bot.send_message(chat.id, gettext(lang, MSG_DELETED))


async def show_my_data(update: Update, context: Context) -> None:
    """/mydata: everything stored about this chat, as a message and as a JSON file."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    lang = await ui_language(update, context)
    stored = await context.services.users.everything_about(chat.id)
    lines = [gettext(lang, "This is everything I store about you:")]
    profile = stored["profile"]
    if profile is not None:
        lines += [
            gettext(lang, "Language: {value}", value=profile["language"] or "–"),
            gettext(lang, "First contact: {value}", value=profile["first_contact"][:10]),
            gettext(lang, "Last contact: {value}", value=profile["last_contact"][:10]),
        ]
    counts = (
        gettext(lang, "Conversations with the centre: {count}",
                count=len(stored["conversations_with_staff"])),
        gettext(lang, "Appointments: {count}", count=len(stored["appointments"])),
        gettext(lang, "Event reminders: {count}", count=len(stored["event_reminders"])),
        gettext(lang, "Waiting for a new date of: {count} event(s)",
                count=len(stored["waiting_for_new_dates"])),
    )  # fmt: skip
    if profile is not None:
        lines += counts
    else:
        lines = [gettext(lang, "I store nothing about you.")]
    document = json.dumps(stored, ensure_ascii=False, indent=2).encode()
    await message.reply_text("\n".join(lines))
    await message.reply_document(
        InputFile(document, filename="wegweiser-data.json"),
        caption=gettext(lang, "Your data as a file (JSON)."),
    )


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    if for_another_bot(update, context):
        return
    lang = await ui_language(update, context)
    await _say(update, context, gettext(lang, "I do not know this command. Try /help."))


def for_another_bot(update: Update, context: Context) -> bool:
    """``/start@OtherBot``: a command addressed to another bot in the chat."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    _, _, addressee = command.partition("@")
    return bool(addressee) and addressee.lower() != (context.bot.username or "").lower()


async def command_in_group(update: Update, context: Context) -> None:
    """Commands in groups (not those for other bots): point to the private chat."""
    if for_another_bot(update, context):
        return
    lang = await ui_language(update, context)
    await _say(update, context, gettext(lang, "Please write to me in a private chat."))


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice, documents, locations …: say what the bot can read."""
    lang = await ui_language(update, context)
    await _say(
        update,
        context,
        gettext(
            lang,
            "I can only read text messages. Please write your question as text, in "
            "your own language.",
        ),
    )


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data the bot does not (or no longer) understand."""
    query = update.callback_query
    if query is None:
        return
    lang = await ui_language(update, context)
    await query.answer(
        gettext(lang, "This button no longer works. Please use /menu."), show_alert=True
    )


def register(app: WegweiserApp) -> None:
    """Register after the feature handlers: these catch what nothing else took (the purge job
    is in ``handlers.register``'s table)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("help", show_help, filters=private))
    app.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    app.add_handler(CommandHandler(["delete", "delete_me"], ask_before_deleting, filters=private))
    app.add_handler(CallbackQueryHandler(delete_data, pattern=keyboards.DELETE))
    app.add_handler(CommandHandler("mydata", show_my_data, filters=private))
    app.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, command_in_group))
    other_kinds = private & filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(other_kinds, not_text))
    app.add_handler(CallbackQueryHandler(stale_button))
