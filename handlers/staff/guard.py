"""The guard every staff handler passes: staff only (everyone else is told no), and which
family's conversation a staff message belongs to.

Who is staff: the user ids in ``WEGWEISER_STAFF_USER_IDS`` if set, else the members of the
staff group (asked with ``getChatMember`` and remembered for five minutes).
"""

from __future__ import annotations

from telegram import Message, Update

from bot.core import staff_texts as texts
from bot.services.conversations import Conversation
from bot.telegram.context import Context


async def is_staff(context: Context, user_id: int) -> bool:
    """Listed in WEGWEISER_STAFF_USER_IDS, or (if none are listed) a member of the staff group."""
    return await context.staff.is_staff(context.bot, user_id)


async def written_by_staff(context: Context, message: Message) -> bool:
    """Is *message* from staff? An admin writing anonymously appears as the group itself (only
    admins can); other bots never are."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    user = message.from_user
    return user is not None and not user.is_bot and await is_staff(context, user.id)


async def refuse_unless_staff(update: Update, context: Context) -> bool:
    """True if the sender is staff; otherwise say no (in private and in groups)."""
    user = update.effective_user
    if user is not None and await is_staff(context, user.id):
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(texts.ONLY_STAFF, show_alert=True)
    elif update.effective_message is not None:
        context.reply_in_background(update.effective_message, texts.ONLY_STAFF)
    return False


async def conversation_of(context: Context, message: Message) -> Conversation | None:
    """The conversation of a staff message: its topic, or the relayed message it replies to."""
    topic_id = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    return await context.services.conversations.handoff_for_staff_message(
        topic_id, replied.message_id if replied is not None else None
    )


async def staff_in_a_topic(
    update: Update, context: Context
) -> tuple[Message, Conversation] | None:
    """A staff command's message and the family conversation of its topic; None (and the
    sender told why) when it is not staff or not in a family's topic."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return None
    conversation = await conversation_of(context, message)
    if conversation is None:
        context.reply_in_background(message, texts.USE_IN_TOPIC)
        return None
    return message, conversation
