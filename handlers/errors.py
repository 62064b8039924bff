"""Errors: log them with the update, mark users who blocked the bot, never crash the bot."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Application

from bot.db import UserRepository
from handlers.services import Context, services

log = logging.getLogger("wegweiser")


async def on_error(update: object, context: Context) -> None:
    """A user who blocked the bot is marked (and not written to again); the rest is logged."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden) and chat is not None:
        async with services(context).sessions() as session:
            await UserRepository(session).mark_blocked(chat.id)
            await session.commit()
        services(context).users.forget(chat.id)
        log.info("chat %s blocked the bot; marked", chat.id)
        return
    log.error("error while handling an update", exc_info=context.error)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The application's error handler."""
    app.add_error_handler(on_error)
