"""The staff's side: answer in the family's topic, claim, close, canned replies — staff only.

Staff write in German; the bot's words to staff are German. Who is staff: the user ids in
``WEGWEISER_STAFF_USER_IDS`` if set, else the members of the staff group (asked with
``getChatMember`` and remembered for five minutes).
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.bidi import for_reader
from bot.core.languages import as_lang
from bot.db import CLAIMED, CLOSED, Handoff, HandoffRepository, RelayRepository
from bot.services.container import Services
from bot.telegram.context import Context, WegweiserApp
from handlers import handoff as family

STAFF_ONLY = "Dieser Befehl ist nur für Mitarbeitende des Zentrums."
STAFF_CLAIMED_BY_OTHER = "Schon übernommen von {name}."
STAFF_CLAIMED = "Übernommen von {name}."
STAFF_CLOSED = "Geschlossen."
STAFF_CLOSED_NOTE = "Gespräch geschlossen; die Familie wurde gefragt, wie hilfreich es war."
STAFF_USE_IN_TOPIC = "Bitte im Thema einer Familie verwenden."
STAFF_TOPIC_CLOSED = (
    "Das Gespräch ist geschlossen; schreibt die Familie wieder, öffnet es sich hier neu."
)


async def is_staff(context: Context, user_id: int) -> bool:
    """Listed in WEGWEISER_STAFF_USER_IDS, or (if none are listed) a member of the staff group."""
    return await context.staff.is_staff(context.bot, user_id)


async def refuse_unless_staff(update: Update, context: Context) -> bool:
    """True if the sender is staff; otherwise say no (in private and in groups)."""
    user = update.effective_user
    if user is not None and await is_staff(context, user.id):
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(STAFF_ONLY, show_alert=True)
    elif update.effective_message is not None:
        context.reply_in_background(update.effective_message, STAFF_ONLY)
    return False


async def handoff_of(s: Services, message: Message) -> Handoff | None:
    """The conversation of a staff message: its topic, or the relayed message it replies to."""
    async with s.sessions() as session:
        if message.is_topic_message and message.message_thread_id is not None:
            found = await HandoffRepository(session).for_topic(message.message_thread_id)
            if found is not None:
                return found
        replied = message.reply_to_message
        if replied is not None:
            item = await RelayRepository(session).by_staff_message(replied.message_id)
            if item is not None:
                return await HandoffRepository(session).get(item.handoff_id)
    return None


async def _say_in_topic(context: Context, handoff: Handoff, text: str) -> None:
    """A note to staff in the conversation's topic (through the outbox)."""
    s = context.services
    async with s.sessions() as session:
        await RelayRepository(session).add(handoff.id, to_staff=True, now=s.clock(), text=text)
        await session.commit()
    s.outbox.wake(handoff.id)


async def staff_writes(update: Update, context: Context) -> None:
    """A staff message in a family's topic goes to the family (notes starting with "!" do not)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    if (message.text or message.caption or "").startswith("!"):
        return
    s = context.services
    handoff = await handoff_of(s, message)
    if handoff is None or not await is_staff(context, user.id):
        return
    if handoff.status == CLOSED:
        context.reply_in_background(message, STAFF_TOPIC_CLOSED)
        return
    async with s.sessions() as session:
        await RelayRepository(session).add(
            handoff.id, to_staff=False, now=s.clock(), from_chat_id=message.chat.id,
            message_id=message.message_id,
        )  # fmt: skip
        await session.commit()
    s.outbox.wake(handoff.id)


async def reply_with_template(update: Update, context: Context) -> None:
    """/reply <vorlage>: a canned reply in the family's language."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    s = context.services
    handoff = await handoff_of(s, message)
    kb = s.assistant.kb
    names = ", ".join(t.id for t in kb.templates) or "–"
    if handoff is None:
        context.reply_in_background(message, STAFF_USE_IN_TOPIC)
        return
    template = kb.template(context.args[0]) if context.args else None
    if template is None:
        listing = (
            f"Vorlagen: {names}. Zum Beispiel: /reply {kb.templates[0].id}"
            if kb.templates
            else "Es gibt noch keine Vorlagen."
        )
        context.reply_in_background(message, listing)
        return
    async with s.sessions() as session:
        lang = as_lang(handoff.lang) or "de"
        text = for_reader(template.text_in(lang), lang)
        await RelayRepository(session).add(handoff.id, to_staff=False, now=s.clock(), text=text)
        await session.commit()
    s.outbox.wake(handoff.id)


async def claim(update: Update, context: Context, handoff_id: int) -> None:
    """Take a conversation; a second claim is refused politely."""
    user = update.effective_user
    if user is None:
        return
    s = context.services
    async with s.sessions() as session:
        handoff = await HandoffRepository(session).get(handoff_id)
        if handoff is None:
            return
        taken_by_other = handoff.claimed_by not in (None, user.id)
        if taken_by_other:
            answer = STAFF_CLAIMED_BY_OTHER.format(name=handoff.claimed_by_name)
        else:
            handoff.status = CLAIMED if handoff.status != CLOSED else handoff.status
            handoff.claimed_by, handoff.claimed_by_name = user.id, user.full_name[:64]
            answer = STAFF_CLAIMED.format(name=user.full_name[:64])
        await session.commit()
    if update.callback_query is not None:
        await update.callback_query.answer(answer, show_alert=taken_by_other)
    if not taken_by_other:
        await _say_in_topic(context, handoff, answer)


async def staff_button(update: Update, context: Context) -> None:
    """Claim / Close buttons of the header."""
    if context.matches is None or not await refuse_unless_staff(update, context):
        return
    action, handoff_id = context.matches[0][1], int(context.matches[0][2])
    if action == "claim":
        await claim(update, context, handoff_id)
        return
    await _close(update, context, handoff_id)


async def close_command(update: Update, context: Context) -> None:
    """/close in a family's topic."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    handoff = await handoff_of(context.services, message)
    if handoff is None:
        context.reply_in_background(message, STAFF_USE_IN_TOPIC)
        return
    await _close(update, context, handoff.id)


async def claim_command(update: Update, context: Context) -> None:
    """/claim in a family's topic."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    handoff = await handoff_of(context.services, message)
    if handoff is not None:
        await claim(update, context, handoff.id)


async def _close(update: Update, context: Context, handoff_id: int) -> None:
    s = context.services
    async with s.sessions() as session:
        handoff = await HandoffRepository(session).get(handoff_id)
    if handoff is None:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(STAFF_CLOSED)
    await family.close_for(update, context, handoff.chat_id, by_family=False)
    await _say_in_topic(context, handoff, STAFF_CLOSED_NOTE)


async def refuse(update: Update, context: Context) -> None:
    """Staff commands outside the staff group, or by someone who is not staff."""
    await refuse_unless_staff(update, context)


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """Staff handlers in the staff group; refusals everywhere else."""
    pattern = r"^handoff:(claim|close):(\d{1,9})$"
    app.add_handler(CallbackQueryHandler(staff_button, pattern=pattern))
    if staff_chat_id is not None:
        in_staff_chat = filters.Chat(staff_chat_id)
        app.add_handler(CommandHandler("reply", reply_with_template, filters=in_staff_chat))
        app.add_handler(CommandHandler("close", close_command, filters=in_staff_chat))
        app.add_handler(CommandHandler("claim", claim_command, filters=in_staff_chat))
        app.add_handler(
            MessageHandler(
                in_staff_chat
                & filters.UpdateType.MESSAGE
                & ~filters.COMMAND
                & ~filters.StatusUpdate.ALL,
                staff_writes,
            )
        )
    app.add_handler(CommandHandler(["reply", "close", "claim"], refuse))
