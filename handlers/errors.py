"""Errors: a failed update is handled again later (database or network trouble) or set aside;
users who blocked the bot are marked; the bot never crashes."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot.db import UserRepository
from bot.i18n import gettext
from bot.inbox import Inbox, passing
from bot.languages import as_lang
from handlers.services import DEFAULT_LANG, Context, services

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
    s = services(context)
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and chat is not None:
        with contextlib.suppress(Exception):
            async with s.sessions() as session:
                await UserRepository(session).mark_blocked(chat.id)
                await session.commit()
        s.users.forget(chat.id)
        log.info("chat %s blocked the bot; marked", chat.id)
        return
    if not isinstance(update, Update) or error is None:
        log.error("error outside an update", exc_info=error)
        return
    s.inbox.failed(update, error)
    if passing(error):
        log.warning("update %s waits: %s", update.update_id, type(error).__name__)
        await tell_waiting(context.bot, s.inbox, update)
    else:
        log.error("error while handling update %s", update.update_id, exc_info=error)
    raise ApplicationHandlerStop


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The application's error handler."""
    app.add_error_handler(on_error)
