"""Statistics for staff: /stats in the staff group (the last 7 and 30 days, in total, per
language and per topic), and the weekly digest with its chart (a job; when it is due and that
it goes out exactly once is ``bot.services.insights``' business). Staff read German."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CommandHandler, filters

from bot.core import staff_texts as texts
from bot.telegram.context import Context, WegweiserApp
from handlers.staff.guard import refuse_unless_staff


async def show_stats(update: Update, context: Context) -> None:
    """/stats in the staff group (staff only)."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    context.background.run(_in_order(message, await context.services.insights.stats_messages()))


async def _in_order(message: Message, texts: list[str]) -> None:
    """Reply with *texts*, one after the other (the staff group has a rate limit of its own)."""
    for text in texts:
        await message.reply_text(text)


async def refuse_elsewhere(update: Update, context: Context) -> None:
    """/stats outside the staff group: refused (staff are pointed to the staff group)."""
    message = update.effective_message
    if message is not None and await refuse_unless_staff(update, context):
        context.reply_in_background(message, texts.USE_IN_STAFF_GROUP)


async def send_weekly_digest(context: Context) -> None:
    """Job: the weekly digest to the staff group, if it is due and nobody sent it yet."""
    await context.services.digest.send_if_due()


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """/stats in the staff group, refused everywhere else; the digest job is in
    ``handlers.register``'s table."""
    if staff_chat_id is not None:
        in_staff_chat = filters.Chat(staff_chat_id)
        app.add_handler(CommandHandler("stats", show_stats, filters=in_staff_chat))
    app.add_handler(CommandHandler("stats", refuse_elsewhere))
