"""What handlers of every audience share: who is asking, and in which language to answer."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import TelegramError

from bot.core.languages import Lang, as_lang
from bot.telegram.context import Context

DEFAULT_LANG: Lang = "de"


def hint_of(update: Update) -> str | None:
    """Telegram's ``language_code`` of the sender, if any."""
    user = update.effective_user
    return user.language_code if user else None


async def remembered_language(update: Update, context: Context) -> Lang | None:
    """The language this chat chose (/language, /start), noting that it was seen."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.services.users.language_of(chat.id)


async def ui_language(update: Update, context: Context) -> Lang:
    """The language for the bot's own words: the chosen one, else Telegram's, else German."""
    return await remembered_language(update, context) or as_lang(hint_of(update)) or DEFAULT_LANG


async def remember_language(update: Update, context: Context, lang: Lang) -> None:
    """Store the language the user chose."""
    chat = update.effective_chat
    if chat is not None:
        await context.services.users.choose_language(chat.id, lang)


def close_staff_topic(context: Context, topic_id: int | None) -> None:
    """Close a family's topic in the staff group, in the background (it waits for the group's
    rate limit); a topic Telegram will not close stays open."""
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None and topic_id is not None:
        context.background.run(_close_topic(context, staff_chat, topic_id))


async def _close_topic(context: Context, staff_chat: int, topic_id: int) -> None:
    with contextlib.suppress(TelegramError):
        await context.bot.close_forum_topic(staff_chat, topic_id)
