"""Reload the knowledge base without a restart: /reload in the staff group, or on file change.

A broken edit never replaces the running version: staff get the checker's report (file and
field) and the old knowledge base keeps answering (``bot.services.knowledge``).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot.core import staff_texts
from bot.core.knowledge import format_report
from bot.services.knowledge import ReloadReport
from bot.telegram.context import Context, WegweiserApp
from handlers.staff.guard import refuse_unless_staff

log = logging.getLogger("wegweiser")
MAX_REPORT = 3500


def report_text(report: ReloadReport) -> str:
    """What to tell staff about a reload, in German."""
    kb = report.knowledge_base
    if kb is None:
        problems = format_report(report.errors)[:MAX_REPORT]
        return staff_texts.KB_BROKEN.format(report=problems)
    text = staff_texts.KB_RELOADED.format(
        entries=len(kb.entries), events=len(kb.events), warnings=report.warnings,
        told=report.announcement.told,
    )  # fmt: skip
    missed = len(report.announcement.undelivered)
    return f"{text} {staff_texts.NOT_TOLD.format(count=missed)}" if missed else text


async def reload_command(update: Update, context: Context) -> None:
    """/reload (staff only)."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    report = await context.services.knowledge.reload()
    await message.reply_text(report_text(report))


async def watch_files(context: Context) -> None:
    """Job: reload when a file of the knowledge base changed; tell the staff group."""
    s = context.services
    report = await s.knowledge.reload_if_changed()
    if report is None:
        return
    text = report_text(report)
    log.info("knowledge base changed on disk: %s", text.splitlines()[0])
    if s.settings.staff_chat_id is not None:
        await context.bot.send_message(s.settings.staff_chat_id, text)


def register(app: WegweiserApp) -> None:
    """/reload anywhere (refused unless staff); the file watch is in ``handlers.register``'s
    table."""
    app.add_handler(CommandHandler("reload", reload_command))
