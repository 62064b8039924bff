"""Every button press passes here first (group -3): a family's button counts only in that
family's private chat, a staff button only in the staff group; a forged or misplaced press gets
"this button no longer works" and changes nothing. The schemes: ``bot.core.callbacks``."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot.core.callbacks import Audience, audience_of
from bot.core.i18n import gettext
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language

MSG_STALE = "This button no longer works. Please use /menu."


def pressed_where_it_belongs(update: Update, context: Context) -> bool:
    """Is this press in the chat its scheme is for (and by whom it is for)?"""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    audience = audience_of(query.data or "")
    chat = query.message.chat
    if audience is Audience.FAMILY:
        return chat.type == ChatType.PRIVATE and chat.id == query.from_user.id
    if audience is Audience.STAFF:
        return chat.id == context.services.settings.staff_chat_id
    return True  # not ours: the stale-button handler answers it


async def check_the_press(update: Update, context: Context) -> None:
    """Stop a press that does not belong where it was made."""
    query = update.callback_query
    if query is None or pressed_where_it_belongs(update, context):
        return
    lang = await ui_language(update, context)
    await query.answer(gettext(lang, MSG_STALE), show_alert=True)
    raise ApplicationHandlerStop


def register(app: WegweiserApp) -> None:
    """Group -3: before every feature handler."""
    app.add_handler(CallbackQueryHandler(check_the_press), group=-3)
