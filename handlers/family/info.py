"""/help, /privacy, /delete, unknown commands, commands in groups, and every non-text message."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.i18n import gettext
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language

log = logging.getLogger("wegweiser")

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
    days = context.services.settings.retention_days
    retention = gettext(
        lang,
        "If you do not write to me for {days} days, your data is deleted automatically.",
        days=days,
    )
    staff = gettext(lang, PRIVACY_STAFF)
    await _say(update, context, f"{gettext(lang, PRIVACY)}\n\n{staff}\n\n{retention}")


async def purge_inactive_users(context: Context) -> None:
    """Job: delete users who have been silent longer than the retention period."""
    await context.services.users.purge_inactive()


async def delete_data(update: Update, context: Context) -> None:
    """/delete: forget this chat at once."""
    lang = await ui_language(update, context)
    chat = update.effective_chat
    if chat is not None:
        await context.services.users.delete(chat.id)
    await _say(
        update,
        context,
        gettext(
            lang,
            "Your data has been deleted. If you write to me again, I will only store your "
            "language again.",
        ),
    )


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    lang = await ui_language(update, context)
    await _say(update, context, gettext(lang, "I do not know this command. Try /help."))


async def command_in_group(update: Update, context: Context) -> None:
    """Commands in groups: point to the private chat."""
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
    app.add_handler(CommandHandler("delete", delete_data, filters=private))
    app.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, command_in_group))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT, not_text))
    app.add_handler(CallbackQueryHandler(stale_button))
