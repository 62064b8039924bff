"""Questions in, answers out: text messages, picked suggestions and votes."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import MessageLimit
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.core.assistant import Reply
from bot.core.i18n import gettext
from bot.core.languages import Lang, as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers import keyboards
from handlers.common import hint_of, remembered_language
from handlers.family import views

MSG_HELPFUL = "Did this help?"


def answer_text(reply: Reply) -> str:
    """The answer (with "Did this help?" under a confident one), within Telegram's limit."""
    text = reply.text
    if reply.confident:
        text = f"{text}\n\n{gettext(reply.lang, MSG_HELPFUL)}"
    return text[: MessageLimit.MAX_TEXT_LENGTH]


async def send_reply(message: Message, reply: Reply) -> None:
    """Send an assistant reply with its buttons."""
    await message.reply_text(answer_text(reply), reply_markup=keyboards.for_reply(reply))


async def answer_question(update: Update, context: Context) -> None:
    """Answer a text message (also an edited one) from the knowledge base."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    s = context.services
    chosen = await remembered_language(update, context)
    user = update.effective_user
    names = [n for n in (user.first_name, user.last_name, user.username) if n] if user else []
    chat = update.effective_chat
    answer = await s.questions.answer(
        message.text, lang=chosen, hint=hint_of(update), names=names,
        chat_id=chat.id if chat is not None else None,
    )  # fmt: skip
    reply = answer.reply
    if chat is not None:
        s.conversations.remember_reply(chat.id, reply)
    await send_reply(message, reply)
    if answer.topic == "events":  # "what's on this month?"
        await views.show_events(update, context, reply.lang)
    elif answer.topic == "volunteering":  # "I want to help refugees"
        await views.show_volunteering(update, context, reply.lang)


async def answer_picked_entry(update: Update, context: Context) -> None:
    """The user pressed a suggestion or an entry of a list: send that entry's answer (a
    suggestion is counted for the statistics)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    questions = context.services.questions
    suggested = keyboards.SUGGESTION.match(query.data or "")
    match = suggested or keyboards.ANSWER.match(query.data or "")
    if match is None:
        return
    lang, entry_id = as_lang(match[1]) or "de", match[2]
    if suggested:
        reply = await questions.take_suggestion(entry_id, lang)
    else:
        reply = questions.picked(entry_id, lang)
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, answer_text(reply), reply_markup=keyboards.for_reply(reply)
    )


async def record_vote(update: Update, context: Context) -> None:
    """Store a "did this help?" vote (without the voter) and take the buttons away."""
    query = update.callback_query
    match = keyboards.FEEDBACK.match(query.data or "") if query else None
    if query is None or match is None:
        return
    lang: Lang = as_lang(match[1]) or "de"
    entry_id, helpful = match[2], match[3] == "1"
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    if not await context.services.questions.record_vote(chat_id, entry_id, lang, helpful):
        await query.answer(gettext(lang, "You have already rated this answer. Thank you!"))
        return
    await query.answer(gettext(lang, "Thank you for your feedback!"))
    await query.edit_message_reply_markup(reply_markup=None)
    if not helpful and query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            gettext(
                lang,
                "Sorry that did not help. You can ask again in other words, or talk to a person.",
            ),
            reply_markup=keyboards.person_only(lang),
        )


def register(app: WegweiserApp) -> None:
    """Text in private chats, edited text, and the answer/vote/person buttons."""
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(private_text & filters.UpdateType.MESSAGES, answer_question))
    app.add_handler(CallbackQueryHandler(answer_picked_entry, pattern=keyboards.ANSWER))
    app.add_handler(CallbackQueryHandler(answer_picked_entry, pattern=keyboards.SUGGESTION))
    app.add_handler(CallbackQueryHandler(record_vote, pattern=keyboards.FEEDBACK))
