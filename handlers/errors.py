"""Errors: a failed update is handled again later (database or network trouble) or set aside;
users who blocked the bot are marked; a ``WegweiserError`` with a message for the person is
answered with it, in their language; the bot never crashes."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core import i18n
from bot.core.i18n import gettext
from bot.core.languages import Lang, as_lang
from bot.errors import WegweiserError
from bot.telegram.context import Context, WegweiserApp
from bot.telegram.inbox import Inbox, passing
from handlers.common import DEFAULT_LANG, hint_of, ui_language

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


async def _language_of(update: Update, context: Context) -> Lang:
    """The person's language; Telegram's (or German) if even that cannot be looked up now."""
    try:
        return await ui_language(update, context)
    except Exception:  # the error handler must answer whatever else is broken
        return as_lang(hint_of(update)) or DEFAULT_LANG


async def explain(update: Update, context: Context, error: WegweiserError) -> bool:
    """Answer with the error's message for the person, in their language; False if it could
    not be sent."""
    assert error.user_message is not None
    # The message id comes with the error; the catalogs translate it (English if they do not).
    text = i18n.gettext(await _language_of(update, context), error.user_message)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:
        log.warning("could not explain %s to the user: %s", type(error).__name__, exc)
        return False
    return True


async def on_error(update: object, context: Context) -> None:
    """Blocked: mark the user. A ``WegweiserError`` with a message for the person: answer with
    it (the update counts as handled). Passing trouble: handle the update again later and tell
    the family once. Anything else: log it and set the update aside. In every case the update's
    later handlers do not run (no automatic answer in the middle of a failed hand-over)."""
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
    if (
        isinstance(error, WegweiserError)
        and error.user_message is not None
        and await explain(update, context, error)
    ):
        log.info("update %s answered with the user message of %r", update.update_id, error)
        raise ApplicationHandlerStop
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
