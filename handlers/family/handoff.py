"""The family's side of a hand-over: ask for a person, talk to staff, hand back with /end.

While a conversation is with staff, every message of the family (text, photo, document, voice …)
goes to the staff topic and the bot does not answer on its own. These handlers run before the
others (group -1) and stop them when they took a message.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.callbacks import END, RATE
from bot.core.handoff_phrases import asks_for_a_person
from bot.core.i18n import gettext
from bot.core.languages import as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers import keyboards
from handlers.common import close_staff_topic, hint_of, remembered_language, ui_language
from handlers.family import views

PERSON = keyboards.PERSON
MSG_NO_HANDOVER = (
    "You are not talking to a person from the centre right now. Write your question, or "
    "choose “Talk to a person”."
)


async def forward_to_staff(update: Update, context: Context) -> None:
    """Group -1: while with staff, relay everything; a request for a person opens the hand-over."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    s = context.services
    plain = message.text if message.text and not message.entities else None
    if await s.conversations.relay_from_family(chat.id, message.message_id, plain):
        raise ApplicationHandlerStop
    if message.text and asks_for_a_person(message.text):
        chosen = await remembered_language(update, context)
        lang = chosen or s.assistant.detector.detect(message.text, hint_of(update)).lang
        await views.open_conversation(update, context, lang)
        raise ApplicationHandlerStop


async def ask_for_person(update: Update, context: Context) -> None:
    """The "talk to a person" button."""
    query = update.callback_query
    match = PERSON.match(query.data or "") if query else None
    if query is None or match is None:
        return
    await query.answer()
    await views.open_conversation(update, context, as_lang(match[1]) or "de")


async def staff_command(update: Update, context: Context) -> None:
    """/staff: talk to a person."""
    await views.open_conversation(update, context, await ui_language(update, context))


async def end_command(update: Update, context: Context) -> None:
    """/end or the button: the family hands the chat back to the bot (and is asked to rate)."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer()
    if chat is None:
        return
    closing = await context.services.conversations.close_by_family(chat.id)
    if closing is not None:
        close_staff_topic(context, closing.topic_to_close)
        return
    lang = await ui_language(update, context)
    await context.bot.send_message(chat.id, gettext(lang, MSG_NO_HANDOVER))


async def rate(update: Update, context: Context) -> None:
    """A rating button after the conversation."""
    query = update.callback_query
    if query is None or query.message is None or context.matches is None:
        return
    match = context.matches[0]
    conversations = context.services.conversations
    lang = await conversations.rate(int(match[1]), query.message.chat.id, int(match[2]))
    await query.answer(gettext(lang, "Thank you for your rating!"))
    await query.edit_message_reply_markup(reply_markup=None)


def register(app: WegweiserApp) -> None:
    """Group -1 for relaying; /staff, /end and the person, end and rating buttons."""
    private = filters.ChatType.PRIVATE
    # Service messages (a pinned message, an auto-delete timer …) are not relayed.
    relayable = (
        private & filters.UpdateType.MESSAGES & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    )
    app.add_handler(MessageHandler(relayable, forward_to_staff), group=-1)
    app.add_handler(CommandHandler("staff", staff_command, filters=private))
    app.add_handler(CommandHandler("end", end_command, filters=private))
    app.add_handler(CallbackQueryHandler(ask_for_person, pattern=PERSON))
    app.add_handler(CallbackQueryHandler(end_command, pattern=END))
    app.add_handler(CallbackQueryHandler(rate, pattern=RATE))
