"""Errors: a failed update is handled again later (database or network trouble) or set aside;
users who blocked the bot are marked; the bot never crashes."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.i18n import gettext
from bot.core.languages import as_lang
from bot.telegram.context import Context, WegweiserApp
from bot.telegram.inbox import Inbox, passing
from handlers.common import DEFAULT_LANG

log = logging.getLogger("wegweiser")

MSG_WAITS = (
    "Your message has arrived. I cannot answer just now because of a technical fault; "
    "I will answer here as soon as it is fixed."
)


async def tell_waiting(bot: Bot, inbox: Inbox, update: Update) -> None:
    """Tell a family once that its message waits (in the language Telegram gives, no database)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != chat.PRIVATE or not inbox.first_wait(chat.id):
        return
    lang = as_lang(user.language_code if user else None) or DEFAULT_LANG
    with contextlib.suppress(TelegramError):
        await bot.send_message(chat.id, gettext(lang, MSG_WAITS))


async def on_error(update: object, context: Context) -> None:
    """Blocked: mark the user. Passing trouble: handle the update again later and tell the family
    once. Anything else: log it and set the update aside. In every case the update's later
    handlers do not run (no automatic answer in the middle of a failed hand-over)."""
    s = context.services
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and chat is not None:
        with contextlib.suppress(Exception):
            await s.users.mark_blocked(chat.id)
        log.info("chat %s blocked the bot; marked", chat.id)
        return
    if not isinstance(update, Update) or error is None:
        log.error("error outside an update", exc_info=error)
        return
    inbox = context.bot_data.inbox
    inbox.failed(update, error)
    if passing(error):
        log.warning("update %s waits: %s", update.update_id, type(error).__name__)
        await tell_waiting(context.bot, inbox, update)
    else:
        log.error("error while handling update %s", update.update_id, exc_info=error)
    raise ApplicationHandlerStop


def register(app: WegweiserApp) -> None:
    """The application's error handler, and the notice for updates that wait."""
    inbox = app.bot_data.inbox
    app.bot_data.tell_waiting = lambda update: tell_waiting(app.bot, inbox, update)
    app.add_error_handler(on_error)
