"""Before every other handler in a private chat (group -2): on first contact, say what is stored
and who is responsible (GDPR Art. 13); then hold back a flood, so that one chat sending a hundred
messages gets one polite notice instead of a hundred answers, and nobody else waits for it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.core.flood import Verdict
from bot.core.i18n import gettext
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language
from handlers.family import views

MSG_FLOOD = (
    "You are sending many messages at once. I will answer again in a moment – please write your "
    "question in one message."
)


async def greet_and_gate(update: Update, context: Context) -> None:
    """First contact: the privacy notice. A flood: one notice, then silence until it calms."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    s = context.services
    if await s.users.first_contact(chat.id) and s.settings.privacy_notice:
        lang = await ui_language(update, context)
        await context.bot.send_message(chat.id, views.privacy_notice(context, lang))
    if s.conversations.is_with_staff(chat.id):  # relayed to staff, who see it combined
        return
    if s.flood is None:
        return
    verdict = s.flood.check(chat.id, s.clock().timestamp())
    if verdict is Verdict.ANSWER:
        return
    if verdict is Verdict.NOTICE:
        lang = await ui_language(update, context)
        await context.bot.send_message(chat.id, gettext(lang, MSG_FLOOD))
    raise ApplicationHandlerStop


def register(app: WegweiserApp) -> None:
    """Group -2: before the hand-over relay (-1) and everything else."""
    messages = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGES & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(messages, greet_and_gate), group=-2)
