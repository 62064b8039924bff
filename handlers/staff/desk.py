"""The staff's desk: answer in the family's topic, claim, close, canned replies — staff only.

Staff write in German; the bot's words to staff are German (``bot.core.staff_texts``). A staff
message starting with "!" is a note for colleagues and stays in the topic.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core import staff_texts as texts
from bot.core.callbacks import STAFF_ACTION
from bot.core.handoff import is_internal_note, template_listing
from bot.telegram.context import Context, WegweiserApp
from handlers.common import close_staff_topic
from handlers.staff.guard import (
    conversation_of,
    refuse_unless_staff,
    staff_in_a_topic,
    written_by_staff,
)


async def staff_writes(update: Update, context: Context) -> None:
    """A staff message in a family's topic goes to the family (notes starting with "!" do not)."""
    message = update.effective_message
    if message is None or is_internal_note(message.text or message.caption):
        return
    conversation = await conversation_of(context, message)
    if conversation is None or not await written_by_staff(context, message):
        return
    conversations = context.services.conversations
    if not await conversations.relay_from_staff(
        conversation.id, message.chat.id, message.message_id
    ):
        context.reply_in_background(message, texts.TOPIC_CLOSED)


async def staff_edits(update: Update, context: Context) -> None:
    """A staff member edited a message the family already has: edit the family's copy too."""
    message = update.edited_message
    if message is None or not await written_by_staff(context, message):
        return
    copy = await context.services.conversations.family_copy_of(message.chat.id, message.message_id)
    if copy is None:  # not delivered yet: the copy will carry the edited text
        return
    chat_id, copy_id = copy
    if message.text is not None:
        edit = context.bot.edit_message_text(message.text, chat_id, copy_id)
    elif message.caption is not None:
        edit = context.bot.edit_message_caption(chat_id, copy_id, caption=message.caption)
    else:
        return
    context.background.run(edit)


async def reply_with_template(update: Update, context: Context) -> None:
    """/reply <vorlage>: a canned reply in the family's language."""
    found = await staff_in_a_topic(update, context)
    if found is None:
        return
    message, conversation = found
    template_id = context.args[0] if context.args else None
    conversations = context.services.conversations
    if not await conversations.reply_with_template(conversation.id, template_id):
        names = [t.id for t in context.services.assistant.kb.templates]
        context.reply_in_background(message, template_listing(names))


async def claim(update: Update, context: Context, handoff_id: int) -> None:
    """Take a conversation; a second claim is refused politely."""
    user = update.effective_user
    if user is None:
        return
    claimed = await context.services.conversations.claim(handoff_id, user.id, user.full_name)
    if claimed is not None and update.callback_query is not None:
        await update.callback_query.answer(claimed.answer, show_alert=claimed.taken_by_other)


async def close(update: Update, context: Context, handoff_id: int) -> None:
    """Close a conversation: the family is told and asked for a rating, the topic is closed."""
    closing = await context.services.conversations.close_by_staff(handoff_id)
    if closing is None:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(texts.CLOSED)
    close_staff_topic(context, closing.topic_to_close)


async def staff_button(update: Update, context: Context) -> None:
    """Claim / Close buttons of the header."""
    if context.matches is None or not await refuse_unless_staff(update, context):
        return
    action, handoff_id = context.matches[0][1], int(context.matches[0][2])
    if action == "claim":
        await claim(update, context, handoff_id)
        return
    await close(update, context, handoff_id)


async def close_command(update: Update, context: Context) -> None:
    """/close in a family's topic."""
    found = await staff_in_a_topic(update, context)
    if found is not None:
        await close(update, context, found[1].id)


async def claim_command(update: Update, context: Context) -> None:
    """/claim in a family's topic."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    conversation = await conversation_of(context, message)
    if conversation is not None:
        await claim(update, context, conversation.id)


async def refuse(update: Update, context: Context) -> None:
    """Staff commands outside the staff group, or by someone who is not staff."""
    await refuse_unless_staff(update, context)


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """Staff handlers in the staff group; refusals everywhere else."""
    app.add_handler(CallbackQueryHandler(staff_button, pattern=STAFF_ACTION))
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
        edited = in_staff_chat & filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND
        app.add_handler(MessageHandler(edited, staff_edits))
    app.add_handler(CommandHandler(["reply", "close", "claim"], refuse))
