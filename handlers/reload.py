"""Reload the knowledge base without a restart: /reload in the staff group, or on file change.

A broken edit never replaces the running version: staff get the checker's report (file and
field) and the old knowledge base keeps answering.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Update
from telegram.ext import CommandHandler

from bot.core.knowledge import check_knowledge_base, format_report
from bot.telegram.context import Context, WegweiserApp
from handlers.events import announce_new_dates
from handlers.staff.guard import refuse_unless_staff

log = logging.getLogger("wegweiser")
MAX_REPORT = 3500


def fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the knowledge base's files."""
    files = sorted(p for p in directory.rglob("*") if p.suffix in {".yaml", ".yml"})
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


async def reload_knowledge(context: Context) -> str:
    """Check the files; swap the assistant only if they are fine. What to tell staff."""
    s = context.services
    old = s.assistant.kb
    kb, problems = await asyncio.to_thread(check_knowledge_base, old.directory)
    s.kb_fingerprint = fingerprint(old.directory)
    if kb is None:
        errors = [p for p in problems if p.level == "error"]
        report = format_report(errors)[:MAX_REPORT]
        return f"Die geänderte Wissensbasis hat Fehler; die bisherige bleibt in Betrieb.\n{report}"
    assistant = await asyncio.to_thread(s.assistant.with_knowledge_base, kb)
    await asyncio.to_thread(assistant.warm_up)
    s.assistant = assistant
    told = await announce_new_dates(context, old.events, kb.events, kb)
    warnings = sum(p.level == "warning" for p in problems)
    return (
        f"Wissensbasis neu geladen: {len(kb.entries)} Einträge, {len(kb.events)} Termine, "
        f"{warnings} Warnungen; {told} Abonnent(en) über neue Termine informiert."
    )


async def reload_command(update: Update, context: Context) -> None:
    """/reload (staff only)."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    await message.reply_text(await reload_knowledge(context))


async def watch_files(context: Context) -> None:
    """Job: reload when a file of the knowledge base changed; tell the staff group."""
    s = context.services
    current = fingerprint(s.assistant.kb.directory)
    if s.kb_fingerprint in (None, current):
        s.kb_fingerprint = current
        return
    result = await reload_knowledge(context)
    log.info("knowledge base changed on disk: %s", result.splitlines()[0])
    if s.settings.staff_chat_id is not None:
        await context.bot.send_message(s.settings.staff_chat_id, result)


def register(app: WegweiserApp) -> None:
    """/reload anywhere (refused unless staff) and the file watch every 30 seconds."""
    app.add_handler(CommandHandler("reload", reload_command))
    if app.job_queue is not None:
        app.job_queue.run_repeating(watch_files, interval=30, first=30, name="kb-watch")
